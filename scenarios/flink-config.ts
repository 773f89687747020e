// Flink configuration values in a scenario: parses Flink's duration and memory-size syntax and maps the flat keys
// (execution.checkpointing.*, execution.buffer-timeout.*, state.*, restart-strategy.*, heartbeat.*) to a typed config in
// ms. Defaults are the ones Flink documents; deviations are listed in docs/scenario-format.md ("Flink configuration").

import { DEFAULT_BUFFER_TIMEOUT_MS } from '../engine/task/network.js';

export type CheckpointingModeName = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
export type ExternalizedRetention = 'NO_EXTERNALIZED_CHECKPOINTS' | 'DELETE_ON_CANCELLATION' | 'RETAIN_ON_CANCELLATION';

export type RestartStrategyConfig =
  | { type: 'none' }
  | { type: 'fixed-delay'; attempts: number; delay_ms: number }
  | { type: 'failure-rate'; max_failures_per_interval: number; interval_ms: number; delay_ms: number }
  | {
      type: 'exponential-delay';
      initial_backoff_ms: number;
      max_backoff_ms: number;
      backoff_multiplier: number;
      reset_backoff_threshold_ms: number;
      jitter_factor: number;
      attempts_before_reset_backoff: number;
    };

/** The normalized Flink configuration of a scenario: every duration in ms, every size in bytes, defaults filled. */
export interface FlinkConfig {
  checkpointing: {
    /** False when execution.checkpointing.interval is absent (Flink's default: checkpointing off). */
    enabled: boolean;
    /** As configured; Flink's coordinator raises it to min_pause_ms when smaller (the engine applies that rule). */
    interval_ms: number | null;
    mode: CheckpointingModeName;
    timeout_ms: number;
    min_pause_ms: number;
    max_concurrent_checkpoints: number;
    tolerable_failed_checkpoints: number;
    unaligned_enabled: boolean;
    aligned_checkpoint_timeout_ms: number;
    externalized_retention: ExternalizedRetention;
    num_retained: number;
  };
  state_backend: {
    type: 'hashmap' | 'rocksdb';
    incremental: boolean;
    inline_threshold_bytes: number;
    write_buffer_size_bytes: number;
  };
  failover_strategy: 'region' | 'full';
  restart_strategy: RestartStrategyConfig;
  heartbeat: { interval_ms: number; timeout_ms: number; rpc_failure_threshold: number };
  /** execution.buffer-timeout.interval: null for -1 (only full buffers are sent, plus those ahead of events). */
  buffer_timeout_ms: number | null;
}

export interface FlinkConfigError {
  /** The Flink configuration key, e.g. "execution.checkpointing.interval". */
  key: string;
  message: string;
}

/** `out_of_range`: the syntax is right but the value is beyond what a scenario may give. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string; out_of_range?: true };

/** Flink's minimal checkpoint interval and timeout (CheckpointConfig.MINIMAL_CHECKPOINT_TIME). */
export const MINIMAL_CHECKPOINT_TIME_MS = 10;
export const INT_MAX = 2147483647;
/** The longest duration a scenario may give: 10^15 ms (about 31,700 years), so sums of durations stay exact. */
export const MAX_DURATION_MS = 1e15;
/** The largest memory size a scenario may give: 1024 tb. */
export const MAX_MEMORY_SIZE_BYTES = 1024 ** 5;

const DURATION_UNIT_MS: ReadonlyMap<string, number> = new Map([
  ...['d', 'day', 'days'].map((l) => [l, 86_400_000] as const),
  ...['h', 'hour', 'hours'].map((l) => [l, 3_600_000] as const),
  ...['min', 'm', 'minute', 'minutes'].map((l) => [l, 60_000] as const),
  ...['s', 'sec', 'secs', 'second', 'seconds'].map((l) => [l, 1_000] as const),
  ...['ms', 'milli', 'millis', 'millisecond', 'milliseconds'].map((l) => [l, 1] as const),
]);
const SUB_MILLISECOND_UNITS = ['µs', 'micro', 'micros', 'microsecond', 'microseconds', 'ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'];

const MEMORY_UNIT_BYTES: ReadonlyMap<string, number> = new Map([
  ...['b', 'bytes'].map((l) => [l, 1] as const),
  ...['k', 'kb', 'kibibytes'].map((l) => [l, 1024] as const),
  ...['m', 'mb', 'mebibytes'].map((l) => [l, 1024 ** 2] as const),
  ...['g', 'gb', 'gibibytes'].map((l) => [l, 1024 ** 3] as const),
  ...['t', 'tb', 'tebibytes'].map((l) => [l, 1024 ** 4] as const),
]);

export const DURATION_SYNTAX =
  "a Flink duration: a whole number with an optional unit (d, h, min or m, s, ms, or long forms like 'seconds'), e.g. '10s', '500 ms', '1 min', '2h'; a plain number means milliseconds";
export const MEMORY_SIZE_SYNTAX =
  "a Flink memory size: a whole number with an optional unit (b, kb, mb, gb, tb; 1024-based), e.g. '64 mb'; a plain number means bytes";

function split_number_and_unit(text: string): { digits: string; unit: string } | null {
  const match = /^([0-9]+)\s*([^\s0-9]*)$/u.exec(text.trim().toLowerCase());
  if (match === null) return null;
  return { digits: match[1] ?? '', unit: match[2] ?? '' };
}

/** Parses a Flink duration ("10s", "500 ms", "1 min", "2h", or a plain number of ms) to whole milliseconds. */
export function parse_flink_duration(value: unknown): ParseResult<number> {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      if (Number.isInteger(value) && value > 0) return duration_too_large(String(value));
      return { ok: false, message: `expected ${DURATION_SYNTAX}; got ${describe_number(value)} (must be a whole number ≥ 0)` };
    }
    if (value > MAX_DURATION_MS) return duration_too_large(String(value));
    return { ok: true, value };
  }
  if (typeof value !== 'string') return { ok: false, message: `expected ${DURATION_SYNTAX}; got ${typeof value}` };
  const parts = split_number_and_unit(value);
  if (parts === null) return { ok: false, message: `expected ${DURATION_SYNTAX}; got '${value}'` };
  if (SUB_MILLISECOND_UNITS.includes(parts.unit)) {
    return { ok: false, message: `'${value}': virtual time counts whole milliseconds, so µs and ns units are not supported` };
  }
  const unit_ms = parts.unit === '' ? 1 : DURATION_UNIT_MS.get(parts.unit);
  if (unit_ms === undefined) {
    return { ok: false, message: `expected ${DURATION_SYNTAX}; got '${value}' (unknown unit '${parts.unit}')` };
  }
  const ms = Number(parts.digits) * unit_ms;
  if (!Number.isSafeInteger(ms) || ms > MAX_DURATION_MS) return duration_too_large(`'${value}'`);
  return { ok: true, value: ms };
}

function duration_too_large(shown: string): ParseResult<number> {
  return { ok: false, message: `${shown} is too large: a duration may be at most ${MAX_DURATION_MS} ms (about 31,700 years)`, out_of_range: true };
}

function describe_number(value: number): string {
  return Number.isNaN(value) ? '.nan' : value === Infinity ? '.inf' : value === -Infinity ? '-.inf' : String(value);
}

/** A value in an error message: YAML's .nan and .inf as written (JSON.stringify would say null). */
function describe_flink_value(value: unknown): string {
  return typeof value === 'number' ? describe_number(value) : (JSON.stringify(value) ?? String(value));
}

/** Parses a Flink memory size ("64 mb", "20kb", or a plain number of bytes) to bytes. */
export function parse_flink_memory_size(value: unknown): ParseResult<number> {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value > MAX_MEMORY_SIZE_BYTES) return memory_too_large(String(value));
    if (!Number.isSafeInteger(value) || value < 0) {
      return { ok: false, message: `expected ${MEMORY_SIZE_SYNTAX}; got ${describe_number(value)}` };
    }
    return { ok: true, value };
  }
  if (typeof value !== 'string') return { ok: false, message: `expected ${MEMORY_SIZE_SYNTAX}; got ${typeof value}` };
  const parts = split_number_and_unit(value);
  const unit_bytes = parts === null ? undefined : parts.unit === '' ? 1 : MEMORY_UNIT_BYTES.get(parts.unit);
  if (parts === null || unit_bytes === undefined) {
    return { ok: false, message: `expected ${MEMORY_SIZE_SYNTAX}; got '${value}'` };
  }
  const bytes = Number(parts.digits) * unit_bytes;
  if (!Number.isSafeInteger(bytes) || bytes > MAX_MEMORY_SIZE_BYTES) return memory_too_large(`'${value}'`);
  return { ok: true, value: bytes };
}

function memory_too_large(shown: string): ParseResult<number> {
  return { ok: false, message: `${shown} is too large: a memory size may be at most ${MAX_MEMORY_SIZE_BYTES} bytes (1024 tb)`, out_of_range: true };
}

/** Every key this project understands, with its kind; anything else is rejected (by the schema and here). */
export const FLINK_KEYS = {
  'execution.checkpointing.interval': 'duration',
  'execution.checkpointing.mode': 'enum',
  'execution.checkpointing.timeout': 'duration',
  'execution.checkpointing.min-pause': 'duration',
  'execution.checkpointing.max-concurrent-checkpoints': 'integer',
  'execution.checkpointing.tolerable-failed-checkpoints': 'integer',
  'execution.checkpointing.unaligned.enabled': 'boolean',
  'execution.checkpointing.aligned-checkpoint-timeout': 'duration',
  'execution.checkpointing.externalized-checkpoint-retention': 'enum',
  'state.checkpoints.num-retained': 'integer',
  'state.backend.type': 'enum',
  'state.backend.incremental': 'boolean',
  'state.storage.fs.memory-threshold': 'memory',
  'state.backend.rocksdb.writebuffer.size': 'memory',
  'jobmanager.execution.failover-strategy': 'enum',
  'restart-strategy.type': 'enum',
  'restart-strategy.fixed-delay.attempts': 'integer',
  'restart-strategy.fixed-delay.delay': 'duration',
  'restart-strategy.failure-rate.max-failures-per-interval': 'integer',
  'restart-strategy.failure-rate.failure-rate-interval': 'duration',
  'restart-strategy.failure-rate.delay': 'duration',
  'restart-strategy.exponential-delay.initial-backoff': 'duration',
  'restart-strategy.exponential-delay.max-backoff': 'duration',
  'restart-strategy.exponential-delay.backoff-multiplier': 'number',
  'restart-strategy.exponential-delay.reset-backoff-threshold': 'duration',
  'restart-strategy.exponential-delay.jitter-factor': 'number',
  'restart-strategy.exponential-delay.attempts-before-reset-backoff': 'integer',
  'heartbeat.interval': 'duration',
  'heartbeat.timeout': 'duration',
  'heartbeat.rpc-failure-threshold': 'integer',
  'execution.buffer-timeout.interval': 'duration',
} as const;
export type FlinkKey = keyof typeof FLINK_KEYS;

const ENUM_VALUES: Partial<Record<FlinkKey, readonly string[]>> = {
  'execution.checkpointing.mode': ['EXACTLY_ONCE', 'AT_LEAST_ONCE'],
  'execution.checkpointing.externalized-checkpoint-retention': [
    'NO_EXTERNALIZED_CHECKPOINTS',
    'DELETE_ON_CANCELLATION',
    'RETAIN_ON_CANCELLATION',
  ],
  'state.backend.type': ['hashmap', 'rocksdb'],
  'jobmanager.execution.failover-strategy': ['region', 'full'],
  'restart-strategy.type': ['none', 'fixed-delay', 'failure-rate', 'exponential-delay', 'off', 'disable', 'fixeddelay', 'failurerate', 'exponentialdelay'],
};

/** The allowed spelling of an enum value Flink reads case-insensitively (as its ConfigurationUtils and loaders do). */
function flink_enum_spelling(key: FlinkKey, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (ENUM_VALUES[key] ?? []).find((allowed) => allowed.toUpperCase() === upper);
}

/**
 * A `flink:` section with every enum value in the spelling this project documents (`exactly_once` → EXACTLY_ONCE,
 * `RocksDB` → rocksdb); the same object when nothing changes. Values that match no allowed value stay as written.
 */
export function canonical_flink_enum_values(section: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(ENUM_VALUES) as FlinkKey[]) {
    if (!Object.prototype.hasOwnProperty.call(section, key)) continue;
    const spelling = flink_enum_spelling(key, section[key]);
    if (spelling !== undefined && spelling !== section[key]) {
      out ??= { ...section };
      out[key] = spelling;
    }
  }
  return out ?? section;
}

/** Flink's FsCheckpointStreamFactory.MAX_FILE_STATE_THRESHOLD. */
const MAX_MEMORY_THRESHOLD_BYTES = 1024 * 1024;

/** Flink's names for each restart strategy (RestartStrategyOptions): the canonical one and its aliases. */
const RESTART_STRATEGY_ALIASES: Readonly<Record<string, RestartStrategyConfig['type']>> = {
  none: 'none',
  off: 'none',
  disable: 'none',
  'fixed-delay': 'fixed-delay',
  fixeddelay: 'fixed-delay',
  'failure-rate': 'failure-rate',
  failurerate: 'failure-rate',
  'exponential-delay': 'exponential-delay',
  exponentialdelay: 'exponential-delay',
};

/**
 * Maps a scenario's `flink:` section (flat Flink keys, values in Flink syntax) to a normalized FlinkConfig.
 * Never throws: every problem is returned with the key it concerns and the syntax that was expected.
 */
export function parse_flink_config(
  raw: Readonly<Record<string, unknown>> | undefined,
): { ok: true; config: FlinkConfig } | { ok: false; errors: FlinkConfigError[] } {
  const section = raw ?? {};
  const errors: FlinkConfigError[] = [];
  const has = (key: FlinkKey): boolean => Object.prototype.hasOwnProperty.call(section, key);
  const value_of = (key: FlinkKey): unknown => (has(key) ? section[key] : undefined);

  for (const key of Object.keys(section)) {
    if (!Object.prototype.hasOwnProperty.call(FLINK_KEYS, key)) {
      errors.push({ key, message: `unknown Flink configuration key; known keys: ${Object.keys(FLINK_KEYS).join(', ')}` });
    }
  }

  const duration = (key: FlinkKey, default_ms: number): number => {
    if (!has(key)) return default_ms;
    const parsed = parse_flink_duration(value_of(key));
    if (!parsed.ok) {
      errors.push({ key, message: parsed.message });
      return default_ms;
    }
    return parsed.value;
  };
  const memory = (key: FlinkKey, default_bytes: number): number => {
    if (!has(key)) return default_bytes;
    const parsed = parse_flink_memory_size(value_of(key));
    if (!parsed.ok) {
      errors.push({ key, message: parsed.message });
      return default_bytes;
    }
    return parsed.value;
  };
  const integer = (key: FlinkKey, default_value: number, minimum: number, maximum = INT_MAX): number => {
    if (!has(key)) return default_value;
    const value = value_of(key);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
      errors.push({ key, message: `expected a whole number from ${minimum} to ${maximum}; got ${describe_flink_value(value)}` });
      return default_value;
    }
    return value;
  };
  /** `minimum_exclusive`: the value must be above `minimum`, not equal to it. */
  const number = (key: FlinkKey, default_value: number, minimum: number, maximum: number, minimum_exclusive = false): number => {
    if (!has(key)) return default_value;
    const value = value_of(key);
    const too_small = typeof value === 'number' && (minimum_exclusive ? value <= minimum : value < minimum);
    if (typeof value !== 'number' || !Number.isFinite(value) || too_small || value > maximum) {
      const range = minimum_exclusive ? `above ${minimum} and at most ${maximum}` : `from ${minimum} to ${maximum}`;
      errors.push({ key, message: `expected a number ${range}; got ${describe_flink_value(value)}` });
      return default_value;
    }
    return value;
  };
  const boolean = (key: FlinkKey, default_value: boolean): boolean => {
    if (!has(key)) return default_value;
    const value = value_of(key);
    if (typeof value === 'boolean') return value;
    errors.push({ key, message: `expected true or false; got ${describe_flink_value(value)}` });
    return default_value;
  };
  const enumeration = <T extends string>(key: FlinkKey, default_value: T): T => {
    if (!has(key)) return default_value;
    const value = value_of(key);
    const allowed = ENUM_VALUES[key] ?? [];
    const spelling = flink_enum_spelling(key, value);
    if (spelling !== undefined) return spelling as T;
    errors.push({ key, message: `expected one of ${allowed.join(' | ')} (any case); got ${describe_flink_value(value)}` });
    return default_value;
  };

  const enabled = has('execution.checkpointing.interval');
  const errors_before_interval = errors.length;
  const interval_ms = enabled ? duration('execution.checkpointing.interval', 0) : null;
  const interval_parsed = errors.length === errors_before_interval;
  if (interval_ms !== null && interval_parsed && interval_ms < MINIMAL_CHECKPOINT_TIME_MS) {
    errors.push({
      key: 'execution.checkpointing.interval',
      message: `must be at least ${MINIMAL_CHECKPOINT_TIME_MS} ms (Flink's minimal checkpoint interval); leave the key out to turn checkpointing off`,
    });
  }
  const timeout_ms = duration('execution.checkpointing.timeout', 600_000);
  if (has('execution.checkpointing.timeout') && timeout_ms < MINIMAL_CHECKPOINT_TIME_MS) {
    errors.push({ key: 'execution.checkpointing.timeout', message: `must be at least ${MINIMAL_CHECKPOINT_TIME_MS} ms` });
  }
  const mode = enumeration<CheckpointingModeName>('execution.checkpointing.mode', 'EXACTLY_ONCE');
  const max_concurrent_checkpoints = integer('execution.checkpointing.max-concurrent-checkpoints', 1, 1);
  const unaligned_enabled = boolean('execution.checkpointing.unaligned.enabled', false);
  if (unaligned_enabled && mode !== 'EXACTLY_ONCE') {
    errors.push({
      key: 'execution.checkpointing.unaligned.enabled',
      message: 'unaligned checkpoints need execution.checkpointing.mode: EXACTLY_ONCE',
    });
  }
  if (unaligned_enabled && max_concurrent_checkpoints !== 1) {
    errors.push({
      key: 'execution.checkpointing.unaligned.enabled',
      message: 'unaligned checkpoints need execution.checkpointing.max-concurrent-checkpoints: 1',
    });
  }

  const backend_type = enumeration<'hashmap' | 'rocksdb'>('state.backend.type', 'hashmap');
  const incremental = boolean('state.backend.incremental', false);
  if (incremental && backend_type !== 'rocksdb') {
    errors.push({ key: 'state.backend.incremental', message: 'incremental checkpoints need state.backend.type: rocksdb' });
  }
  // Flink's FsCheckpointStreamFactory: state up to 1 MiB may go inline in the checkpoint metadata.
  const memory_threshold_bytes = memory('state.storage.fs.memory-threshold', 20 * 1024);
  if (memory_threshold_bytes > MAX_MEMORY_THRESHOLD_BYTES) {
    errors.push({ key: 'state.storage.fs.memory-threshold', message: `must be at most 1 mb (Flink's maximum for state inline in the metadata); got ${memory_threshold_bytes} bytes` });
  }
  if (has('state.storage.fs.memory-threshold') && backend_type === 'rocksdb') {
    errors.push({
      key: 'state.storage.fs.memory-threshold',
      message: 'has no effect with state.backend.type: rocksdb here (its sorted runs are always written as files); use it with hashmap',
    });
  }
  const write_buffer_size_bytes = memory('state.backend.rocksdb.writebuffer.size', 64 * 1024 * 1024);
  if (has('state.backend.rocksdb.writebuffer.size') && backend_type !== 'rocksdb') {
    errors.push({ key: 'state.backend.rocksdb.writebuffer.size', message: `has no effect with state.backend.type: ${backend_type} (it sizes the rocksdb memtable)` });
  }
  if (write_buffer_size_bytes < 1) errors.push({ key: 'state.backend.rocksdb.writebuffer.size', message: 'must be at least 1 byte' });

  const restart_name = enumeration<string>('restart-strategy.type', enabled ? 'exponential-delay' : 'none');
  const restart_type = RESTART_STRATEGY_ALIASES[restart_name];
  if (restart_type === undefined) throw new Error(`restart strategy ${restart_name} has no canonical name`);
  const restart_keys = Object.keys(section).filter((key) => key.startsWith('restart-strategy.') && key !== 'restart-strategy.type');
  for (const key of restart_keys) {
    if (!key.startsWith(`restart-strategy.${restart_type}.`) && Object.prototype.hasOwnProperty.call(FLINK_KEYS, key)) {
      errors.push({ key, message: `has no effect with restart-strategy.type: ${restart_type}` });
    }
  }
  let restart_strategy: RestartStrategyConfig;
  switch (restart_type) {
    case 'none':
      restart_strategy = { type: 'none' };
      break;
    case 'fixed-delay':
      restart_strategy = {
        type: 'fixed-delay',
        attempts: integer('restart-strategy.fixed-delay.attempts', 1, 0),
        delay_ms: duration('restart-strategy.fixed-delay.delay', 1_000),
      };
      break;
    case 'failure-rate':
      restart_strategy = {
        type: 'failure-rate',
        max_failures_per_interval: integer('restart-strategy.failure-rate.max-failures-per-interval', 1, 1),
        interval_ms: duration('restart-strategy.failure-rate.failure-rate-interval', 60_000),
        delay_ms: duration('restart-strategy.failure-rate.delay', 1_000),
      };
      break;
    case 'exponential-delay': {
      const initial_backoff_ms = duration('restart-strategy.exponential-delay.initial-backoff', 1_000);
      const max_backoff_ms = duration('restart-strategy.exponential-delay.max-backoff', 60_000);
      if (max_backoff_ms < initial_backoff_ms) {
        errors.push({
          key: 'restart-strategy.exponential-delay.max-backoff',
          message: `must be at least restart-strategy.exponential-delay.initial-backoff (${initial_backoff_ms} ms)`,
        });
      }
      restart_strategy = {
        type: 'exponential-delay',
        initial_backoff_ms,
        max_backoff_ms,
        // Flink's ExponentialDelayRestartBackoffTimeStrategy: multiplier > 1, attempts-before-reset-backoff ≥ 1.
        backoff_multiplier: number('restart-strategy.exponential-delay.backoff-multiplier', 1.5, 1, 100, true),
        reset_backoff_threshold_ms: duration('restart-strategy.exponential-delay.reset-backoff-threshold', 3_600_000),
        jitter_factor: number('restart-strategy.exponential-delay.jitter-factor', 0.1, 0, 1),
        attempts_before_reset_backoff: integer('restart-strategy.exponential-delay.attempts-before-reset-backoff', INT_MAX, 1),
      };
      break;
    }
  }

  // Flink: a positive count, or -1 to switch the detection of refused heartbeat requests off.
  const rpc_failure_threshold = (): number => {
    const threshold = integer('heartbeat.rpc-failure-threshold', 2, -1);
    if (threshold === 0) errors.push({ key: 'heartbeat.rpc-failure-threshold', message: 'expected a whole number of at least 1, or -1 (off); got 0' });
    return threshold === 0 ? 2 : threshold;
  };
  const heartbeat_interval_ms = duration('heartbeat.interval', 10_000);
  const heartbeat_timeout_ms = duration('heartbeat.timeout', 50_000);
  if (heartbeat_interval_ms <= 0) errors.push({ key: 'heartbeat.interval', message: 'must be greater than 0' });
  if (heartbeat_timeout_ms < heartbeat_interval_ms) {
    errors.push({ key: 'heartbeat.timeout', message: `must be at least heartbeat.interval (${heartbeat_interval_ms} ms)` });
  }

  // -1 (Flink's "flush only when full") is the one negative value a duration key accepts.
  const buffer_timeout_ms =
    value_of('execution.buffer-timeout.interval') === -1 ? null : duration('execution.buffer-timeout.interval', DEFAULT_BUFFER_TIMEOUT_MS);

  const config: FlinkConfig = {
    checkpointing: {
      enabled,
      interval_ms,
      mode,
      timeout_ms,
      min_pause_ms: duration('execution.checkpointing.min-pause', 0),
      max_concurrent_checkpoints,
      tolerable_failed_checkpoints: integer('execution.checkpointing.tolerable-failed-checkpoints', 0, 0),
      unaligned_enabled,
      aligned_checkpoint_timeout_ms: duration('execution.checkpointing.aligned-checkpoint-timeout', 0),
      externalized_retention: enumeration<ExternalizedRetention>(
        'execution.checkpointing.externalized-checkpoint-retention',
        'NO_EXTERNALIZED_CHECKPOINTS',
      ),
      num_retained: integer('state.checkpoints.num-retained', 1, 1),
    },
    state_backend: {
      type: backend_type,
      incremental,
      inline_threshold_bytes: memory_threshold_bytes,
      write_buffer_size_bytes,
    },
    failover_strategy: enumeration<'region' | 'full'>('jobmanager.execution.failover-strategy', 'region'),
    restart_strategy,
    heartbeat: {
      interval_ms: heartbeat_interval_ms,
      timeout_ms: heartbeat_timeout_ms,
      rpc_failure_threshold: rpc_failure_threshold(),
    },
    buffer_timeout_ms,
  };
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config };
}
