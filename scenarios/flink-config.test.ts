// Specification of the Flink configuration mapping: Flink's duration and memory syntax, its defaults, and errors
// that name the key and the expected syntax.
import { describe, expect, it } from 'vitest';
import { parse_flink_config, parse_flink_duration, parse_flink_memory_size } from './flink-config.js';

describe('parse_flink_duration', () => {
  it.each([
    ['10s', 10_000],
    ['500 ms', 500],
    ['1 min', 60_000],
    ['3m', 180_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['5 seconds', 5_000],
    ['1 second', 1_000],
    ['7 millis', 7],
    ['10S', 10_000],
    ['  42  ', 42],
    [250, 250],
    [0, 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parse_flink_duration(text)).toEqual({ ok: true, value: ms });
  });

  it.each(['-5s', '1.5s', '10 parsecs', 's', '', 'ten seconds', '5 s 3'])('rejects %j and says what was expected', (text) => {
    const result = parse_flink_duration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/Flink duration/);
  });

  it('rejects negative and fractional numbers and non-scalars', () => {
    expect(parse_flink_duration(-1).ok).toBe(false);
    expect(parse_flink_duration(1.5).ok).toBe(false);
    expect(parse_flink_duration(true).ok).toBe(false);
    expect(parse_flink_duration({}).ok).toBe(false);
  });

  it('explains that sub-millisecond units cannot be represented', () => {
    const result = parse_flink_duration('5 ns');
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/whole milliseconds/) });
  });
});

describe('parse_flink_memory_size', () => {
  it.each([
    ['64 mb', 64 * 1024 * 1024],
    ['20kb', 20 * 1024],
    ['1g', 1024 ** 3],
    ['512', 512],
    [100, 100],
    ['3 bytes', 3],
  ])('reads %j as %d bytes', (text, bytes) => {
    expect(parse_flink_memory_size(text)).toEqual({ ok: true, value: bytes });
  });

  it.each(['-1kb', '1.5mb', 'lots', '5 parsecs'])('rejects %j', (text) => {
    const result = parse_flink_memory_size(text);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/memory size/) });
  });
});

describe('parse_flink_config', () => {
  it('fills Flink defaults when the section is absent: checkpointing off, no restarts, heartbeats 10 s / 50 s', () => {
    const result = parse_flink_config(undefined);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.checkpointing).toEqual({
      enabled: false,
      interval_ms: null,
      mode: 'EXACTLY_ONCE',
      timeout_ms: 600_000,
      min_pause_ms: 0,
      max_concurrent_checkpoints: 1,
      tolerable_failed_checkpoints: 0,
      unaligned_enabled: false,
      aligned_checkpoint_timeout_ms: 0,
      externalized_retention: 'NO_EXTERNALIZED_CHECKPOINTS',
      num_retained: 1,
    });
    expect(result.config.state_backend).toEqual({
      type: 'hashmap',
      incremental: false,
      inline_threshold_bytes: 20 * 1024,
      write_buffer_size_bytes: 64 * 1024 * 1024,
    });
    expect(result.config.restart_strategy).toEqual({ type: 'none' });
    expect(result.config.failover_strategy).toBe('region');
    expect(result.config.heartbeat).toEqual({ interval_ms: 10_000, timeout_ms: 50_000, rpc_failure_threshold: 2 });
  });

  it('defaults to exponential-delay with Flink\'s parameters once checkpointing is on', () => {
    const result = parse_flink_config({ 'execution.checkpointing.interval': '10s' });
    expect(result.ok && result.config.restart_strategy).toEqual({
      type: 'exponential-delay',
      initial_backoff_ms: 1_000,
      max_backoff_ms: 60_000,
      backoff_multiplier: 1.5,
      reset_backoff_threshold_ms: 3_600_000,
      jitter_factor: 0.1,
      attempts_before_reset_backoff: 2147483647,
    });
    expect(result.ok && result.config.checkpointing.interval_ms).toBe(10_000);
  });

  it('maps a full configuration to milliseconds and bytes', () => {
    const result = parse_flink_config({
      'execution.checkpointing.interval': '500 ms',
      'execution.checkpointing.mode': 'AT_LEAST_ONCE',
      'execution.checkpointing.timeout': '1 min',
      'execution.checkpointing.min-pause': 100,
      'execution.checkpointing.max-concurrent-checkpoints': 2,
      'execution.checkpointing.tolerable-failed-checkpoints': 3,
      'state.checkpoints.num-retained': 3,
      'state.backend.type': 'rocksdb',
      'state.backend.incremental': true,
      'state.backend.rocksdb.writebuffer.size': '1 mb',
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': 5,
      'restart-strategy.fixed-delay.delay': '2 s',
      'heartbeat.interval': '1s',
      'heartbeat.timeout': '5s',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.checkpointing).toMatchObject({
      interval_ms: 500,
      mode: 'AT_LEAST_ONCE',
      timeout_ms: 60_000,
      min_pause_ms: 100,
      max_concurrent_checkpoints: 2,
      tolerable_failed_checkpoints: 3,
      num_retained: 3,
    });
    expect(result.config.state_backend).toMatchObject({ type: 'rocksdb', incremental: true, write_buffer_size_bytes: 1024 * 1024 });
    expect(result.config.restart_strategy).toEqual({ type: 'fixed-delay', attempts: 5, delay_ms: 2_000 });
    expect(result.config.heartbeat).toMatchObject({ interval_ms: 1_000, timeout_ms: 5_000 });
  });

  it('reads failure-rate parameters with their defaults', () => {
    const result = parse_flink_config({
      'restart-strategy.type': 'failure-rate',
      'restart-strategy.failure-rate.max-failures-per-interval': 3,
    });
    expect(result.ok && result.config.restart_strategy).toEqual({
      type: 'failure-rate',
      max_failures_per_interval: 3,
      interval_ms: 60_000,
      delay_ms: 1_000,
    });
  });

  it.each([
    ['off', 'none'],
    ['disable', 'none'],
    ['fixeddelay', 'fixed-delay'],
    ['failurerate', 'failure-rate'],
    ['exponentialdelay', 'exponential-delay'],
  ])('accepts Flink\'s restart strategy alias %s for %s', (alias, canonical) => {
    const result = parse_flink_config({ 'restart-strategy.type': alias });
    expect(result.ok && result.config.restart_strategy.type).toBe(canonical);
  });

  it('names the key and the expected syntax for a bad duration', () => {
    const result = parse_flink_config({ 'execution.checkpointing.interval': 'ten seconds' });
    expect(result).toEqual({
      ok: false,
      errors: [{ key: 'execution.checkpointing.interval', message: expect.stringMatching(/expected a Flink duration.*'10s'/) }],
    });
  });

  it('reads execution.buffer-timeout.interval: Flink\'s 100 ms default, any duration, 0, and -1 for "only full buffers"', () => {
    const timeout = (value?: unknown) => {
      const result = parse_flink_config(value === undefined ? {} : { 'execution.buffer-timeout.interval': value });
      return result.ok ? result.config.buffer_timeout_ms : result.errors.map((e) => e.key);
    };
    expect(timeout()).toBe(100);
    expect(timeout('5 ms')).toBe(5);
    expect(timeout('1s')).toBe(1000);
    expect(timeout(0)).toBe(0);
    expect(timeout(-1)).toBeNull();
    expect(timeout(-2)).toEqual(['execution.buffer-timeout.interval']);
    expect(timeout('soon')).toEqual(['execution.buffer-timeout.interval']);
  });

  it('rejects an interval below Flink\'s 10 ms minimum', () => {
    const result = parse_flink_config({ 'execution.checkpointing.interval': '5 ms' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/at least 10 ms/);
  });

  it('rejects unknown keys, bad enum values and inconsistent combinations, all at once', () => {
    const result = parse_flink_config({
      'execution.checkpointing.intervall': '10s',
      'state.backend.type': 'memory',
      'state.backend.incremental': true,
      'heartbeat.interval': '10s',
      'heartbeat.timeout': '1s',
      'restart-strategy.type': 'none',
      'restart-strategy.fixed-delay.attempts': 3,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const keys = result.errors.map((e) => e.key).sort();
    expect(keys).toEqual([
      'execution.checkpointing.intervall',
      'heartbeat.timeout',
      'restart-strategy.fixed-delay.attempts',
      'state.backend.incremental',
      'state.backend.type',
    ]);
    expect(result.errors.find((e) => e.key === 'state.backend.type')?.message).toMatch(/hashmap \| rocksdb/);
  });

  it('refuses unaligned checkpoints in AT_LEAST_ONCE mode, as Flink does', () => {
    const result = parse_flink_config({
      'execution.checkpointing.interval': '1s',
      'execution.checkpointing.mode': 'AT_LEAST_ONCE',
      'execution.checkpointing.unaligned.enabled': true,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.key).toBe('execution.checkpointing.unaligned.enabled');
  });
});
