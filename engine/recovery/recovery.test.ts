// Specification of restart strategies (Flink semantics and defaults) and of restore-checkpoint selection.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create_restart_strategy } from './restart-strategy.js';
import { verify_checkpoint, type CheckpointCandidate } from './checkpoint-selection.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { type CheckpointMetadata, decode_metadata, encode_metadata, metadata_path } from '../checkpoint/metadata.js';
import type { Random } from '../runtime.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

function fixed_random(pick: 'min' | 'max' | 'mid'): Random & { draws: [number, number][] } {
  const draws: [number, number][] = [];
  return {
    draws,
    next: () => 0.5,
    chance: () => false,
    int_inclusive: (min, max) => { draws.push([min, max]); return pick === 'min' ? min : pick === 'max' ? max : Math.floor((min + max) / 2); },
  };
}

describe('restart strategy: none', () => {
  it('never restarts and says why', () => {
    expect(create_restart_strategy({ type: 'none' }, fixed_random('mid')).on_failure(0)).toEqual({ restart: false, reason: expect.stringMatching(/none/) });
  });
});

describe('restart strategy: fixed-delay', () => {
  it('defaults to one attempt after 1 s', () => {
    const strategy = create_restart_strategy({ type: 'fixed-delay' }, fixed_random('mid'));
    expect(strategy.on_failure(0)).toEqual({ restart: true, delay_ms: 1000 });
    expect(strategy.on_failure(10_000_000)).toEqual({ restart: false, reason: expect.stringMatching(/exhausted.*failure 2 exceeds 1/) });
  });
  it('allows exactly `attempts` restarts', () => {
    const strategy = create_restart_strategy({ type: 'fixed-delay', attempts: 3, delay_ms: 5 }, fixed_random('mid'));
    expect([0, 1, 2, 3].map((t) => strategy.on_failure(t).restart)).toEqual([true, true, true, false]);
  });
});

describe('restart strategy: failure-rate', () => {
  it('defaults to 1 failure per minute with a 1 s delay', () => {
    const strategy = create_restart_strategy({ type: 'failure-rate' }, fixed_random('mid'));
    expect(strategy.on_failure(0)).toEqual({ restart: true, delay_ms: 1000 });
    expect(strategy.on_failure(60_000)).toEqual({ restart: false, reason: expect.stringMatching(/2 failures within 60000 ms exceed 1 per 60000 ms/) });
  });
  it('restarts again once the failures are spread wider than the interval', () => {
    const strategy = create_restart_strategy({ type: 'failure-rate', max_failures_per_interval: 2, failure_rate_interval_ms: 100, delay_ms: 0 }, fixed_random('mid'));
    expect([0, 50, 101, 151, 152].map((t) => strategy.on_failure(t).restart)).toEqual([true, true, true, true, false]);
  });
});

describe('restart strategy: exponential-delay', () => {
  it('grows by the multiplier up to the maximum (no jitter)', () => {
    const strategy = create_restart_strategy({ type: 'exponential-delay', jitter_factor: 0 }, fixed_random('mid'));
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 12; i++) {
      const decision = strategy.on_failure(now);
      if (!decision.restart) throw new Error('must restart');
      delays.push(decision.delay_ms);
      now += decision.delay_ms + 1;
    }
    expect(delays.slice(0, 4)).toEqual([1000, 1500, 2250, 3375]);
    expect(delays[11]).toBe(60_000);
  });
  it('merges failures before the scheduled restart into it', () => {
    const strategy = create_restart_strategy({ type: 'exponential-delay', jitter_factor: 0 }, fixed_random('mid'));
    expect(strategy.on_failure(0)).toEqual({ restart: true, delay_ms: 1000 });
    expect(strategy.on_failure(400)).toEqual({ restart: true, delay_ms: 600 });
    expect(strategy.on_failure(1001)).toEqual({ restart: true, delay_ms: 1500 });
  });
  it('resets to the initial backoff after a quiet hour', () => {
    const strategy = create_restart_strategy({ type: 'exponential-delay', jitter_factor: 0 }, fixed_random('mid'));
    strategy.on_failure(0);
    strategy.on_failure(2000);
    expect(strategy.on_failure(2000 + 1500 + 3_600_000)).toEqual({ restart: true, delay_ms: 1000 });
  });
  it('draws jitter from the injected Random within ±jitter × backoff', () => {
    const random = fixed_random('max');
    const strategy = create_restart_strategy({ type: 'exponential-delay' }, random);
    expect(strategy.on_failure(0)).toEqual({ restart: true, delay_ms: 1100 });
    expect(random.draws).toEqual([[-100, 100]]);
    const low = create_restart_strategy({ type: 'exponential-delay', initial_backoff_ms: 1000 }, fixed_random('min'));
    expect(low.on_failure(0)).toEqual({ restart: true, delay_ms: 1000 }); // clamped to the initial backoff
  });
  it('takes the jitter offset from the unclamped backoff, as Flink does, so past the maximum it can pull the delay below it', () => {
    const random = fixed_random('min');
    const strategy = create_restart_strategy({ type: 'exponential-delay', initial_backoff_ms: 1000, max_backoff_ms: 5000, backoff_multiplier: 2, jitter_factor: 0.5 }, random);
    // Failures after each scheduled restart (the previous restart time has passed): attempts 0, 1, 2, 3.
    let now = 0;
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const decision = strategy.on_failure(now);
      if (!decision.restart) throw new Error('expected a restart');
      delays.push(decision.delay_ms);
      now += decision.delay_ms + 1;
    }
    // Backoffs 1000, 2000, 4000, 8000 with offsets 500, 1000, 2000, 4000 (the last from 8000, not from the 5000 cap).
    expect(random.draws).toEqual([[-500, 500], [-1000, 1000], [-2000, 2000], [-4000, 4000]]);
    expect(delays).toEqual([1000, 1000, 2000, 4000]);
  });
  it('stops after the configured attempts', () => {
    const strategy = create_restart_strategy({ type: 'exponential-delay', attempts: 2, jitter_factor: 0 }, fixed_random('mid'));
    expect(strategy.on_failure(0).restart).toBe(true);
    expect(strategy.on_failure(5000).restart).toBe(true);
    expect(strategy.on_failure(20_000)).toEqual({ restart: false, reason: expect.stringMatching(/exhausted/) });
  });
});

describe('restart strategy configuration (Flink checkArgument rules)', () => {
  const random = fixed_random('mid');
  it('accepts the boundaries', () => {
    expect(() => create_restart_strategy({ type: 'fixed-delay', attempts: 0, delay_ms: 0 }, random)).not.toThrow();
    expect(() => create_restart_strategy({ type: 'failure-rate', max_failures_per_interval: 1, failure_rate_interval_ms: 1, delay_ms: 0 }, random)).not.toThrow();
    expect(() => create_restart_strategy({
      type: 'exponential-delay', initial_backoff_ms: 1, max_backoff_ms: 1, backoff_multiplier: 1.0001, reset_backoff_threshold_ms: 1, jitter_factor: 0, attempts: 1,
    }, random)).not.toThrow();
    expect(() => create_restart_strategy({ type: 'exponential-delay', jitter_factor: 1 }, random)).not.toThrow();
  });
  it('refuses each value outside them', () => {
    const refused: [Parameters<typeof create_restart_strategy>[0], RegExp][] = [
      [{ type: 'fixed-delay', attempts: -1 }, /fixed-delay: attempts ≥ 0 and delay ≥ 0/],
      [{ type: 'fixed-delay', attempts: 1.5 }, /fixed-delay/],
      [{ type: 'fixed-delay', delay_ms: -1 }, /fixed-delay/],
      [{ type: 'failure-rate', max_failures_per_interval: 0 }, /failure-rate: max failures ≥ 1, interval > 0, delay ≥ 0/],
      [{ type: 'failure-rate', max_failures_per_interval: 2.5 }, /failure-rate/],
      [{ type: 'failure-rate', failure_rate_interval_ms: 0 }, /failure-rate/],
      [{ type: 'failure-rate', delay_ms: -1 }, /failure-rate/],
      [{ type: 'exponential-delay', initial_backoff_ms: 0 }, /exponential-delay: 1 ≤ initial ≤ max/],
      [{ type: 'exponential-delay', initial_backoff_ms: 10, max_backoff_ms: 9 }, /exponential-delay/],
      [{ type: 'exponential-delay', backoff_multiplier: 1 }, /exponential-delay/],
      [{ type: 'exponential-delay', reset_backoff_threshold_ms: 0 }, /exponential-delay/],
      [{ type: 'exponential-delay', jitter_factor: -0.01 }, /exponential-delay/],
      [{ type: 'exponential-delay', jitter_factor: 1.01 }, /exponential-delay/],
      [{ type: 'exponential-delay', attempts: 0 }, /exponential-delay/],
    ];
    for (const [config, reason] of refused) expect(() => create_restart_strategy(config, random), JSON.stringify(config)).toThrow(reason);
  });
});

function decode(bytes: Uint8Array | undefined): CheckpointMetadata {
  const decoded = bytes === undefined ? undefined : decode_metadata(bytes);
  if (decoded === undefined || !decoded.ok) throw new Error('intact metadata expected');
  return decoded.metadata;
}

/** A real checkpoint on a fake store: metadata + one heap state file. */
function make_checkpoint(checkpoint_id: number, store: Map<string, Uint8Array>): CheckpointCandidate {
  const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 3 }, max_parallelism: 4, memory_threshold_bytes: 0 });
  backend.put('s', 1, 'k', '', checkpoint_id);
  const snapshot = backend.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/op-sub-0`, 'job/shared');
  for (const f of snapshot.files_to_write) store.set(f.path, f.bytes);
  const metadata: CheckpointMetadata = {
    version: 1, job_id: 'job', checkpoint_id, kind: 'checkpoint', timestamp_ms: checkpoint_id * 1000, master_states: [],
    operators: [{ operator_id: 'op', parallelism: 1, max_parallelism: 4, subtasks: [{ subtask_index: 0, keyed: [snapshot.handle], operator_state: [] }] }],
  };
  const path = metadata_path('job', checkpoint_id);
  store.set(path, encode_metadata(metadata));
  return { checkpoint_id, metadata_path: path };
}

describe('checkpoint selection', () => {
  it('verifies an intact checkpoint and names the damaged or missing file of a broken one', () => {
    const store = new Map<string, Uint8Array>();
    const [third, second, first] = [3, 2, 1].map((id) => make_checkpoint(id, store)) as [CheckpointCandidate, CheckpointCandidate, CheckpointCandidate];
    const state_file = 'job/chk-3/op-sub-0/keyed-heap.snapshot';
    const damaged = (store.get(state_file) as Uint8Array).slice();
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 4;
    store.set(state_file, damaged);
    store.delete('job/chk-2/_metadata');
    expect(verify_checkpoint(third, store.get(third.metadata_path), store)).toMatchObject({ ok: false, reason: expect.stringMatching(/keyed-heap.snapshot is corrupt/) });
    expect(verify_checkpoint(second, store.get(second.metadata_path), store)).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
    expect(verify_checkpoint(first, store.get(first.metadata_path), store)).toMatchObject({ ok: true, metadata: { checkpoint_id: 1 } });
  });

  it('rejects truncated metadata and metadata of another checkpoint with a clear reason', () => {
    const store = new Map<string, Uint8Array>();
    const candidate = make_checkpoint(1, store);
    expect(verify_checkpoint(candidate, store.get(candidate.metadata_path)?.subarray(0, 10), store)).toMatchObject({ ok: false, reason: expect.stringMatching(/checkpoint metadata rejected: truncated/) });
    expect(verify_checkpoint({ checkpoint_id: 2, metadata_path: candidate.metadata_path }, store.get(candidate.metadata_path), store)).toMatchObject({ ok: false, reason: expect.stringMatching(/belongs to checkpoint 1/) });
  });

  it('names a referenced file that is missing, of the wrong size, or not the file the metadata recorded, and corrupt inline state', () => {
    const store = new Map<string, Uint8Array>();
    const candidate = make_checkpoint(1, store);
    const state_file = 'job/chk-1/op-sub-0/keyed-heap.snapshot';
    const metadata = decode(store.get(candidate.metadata_path));
    const handle = metadata.operators[0]?.subtasks[0]?.keyed[0];
    if (handle === undefined) throw new Error('the checkpoint has a keyed handle');
    const without = new Map(store);
    without.delete(state_file);
    expect(verify_checkpoint(candidate, store.get(candidate.metadata_path), without)).toEqual({ ok: false, reason: `state file ${state_file} is missing` });
    const longer = new Map(store);
    longer.set(state_file, new Uint8Array([...(store.get(state_file) as Uint8Array), 0]));
    expect(verify_checkpoint(candidate, store.get(candidate.metadata_path), longer)).toEqual({ ok: false, reason: `state file ${state_file} has ${handle.private_files[0]?.size_bytes as number + 1} bytes, expected ${handle.private_files[0]?.size_bytes}` });
    // An intact file, but not the one this checkpoint recorded (e.g. overwritten by another attempt).
    const recorded_other = structuredClone(metadata);
    const other_ref = recorded_other.operators[0]?.subtasks[0]?.keyed[0]?.private_files[0];
    if (other_ref === undefined) throw new Error('the checkpoint references its state file');
    other_ref.checksum = '00000000';
    expect(verify_checkpoint(candidate, encode_metadata(recorded_other), store)).toEqual({ ok: false, reason: `state file ${state_file} checksum differs from the metadata` });
    const inline = structuredClone(metadata);
    const inline_handle = inline.operators[0]?.subtasks[0]?.keyed[0];
    if (inline_handle === undefined) throw new Error('the checkpoint has a keyed handle');
    inline_handle.inline_sealed_base64 = 'AAAAAAAAAAAAAAAA';
    expect(verify_checkpoint(candidate, encode_metadata(inline), store)).toEqual({ ok: false, reason: expect.stringMatching(/^operator op subtask 0: inline keyed state is corrupt: /) });
  });

  it('never returns a checkpoint with any damaged byte (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.boolean(), (pick, damage_metadata) => {
        const store = new Map<string, Uint8Array>();
        const candidate = make_checkpoint(1, store);
        const path = damage_metadata ? candidate.metadata_path : 'job/chk-1/op-sub-0/keyed-heap.snapshot';
        expect(store.has(path)).toBe(true);
        const bytes = (store.get(path) as Uint8Array).slice();
        const bit = pick % (bytes.length * 8);
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        store.set(path, bytes);
        expect(verify_checkpoint(candidate, store.get(candidate.metadata_path), store).ok).toBe(false);
      }),
      { numRuns: runs },
    );
  });

});
