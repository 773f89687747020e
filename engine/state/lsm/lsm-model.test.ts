// Model-based specification of the LSM backend as a job sees it across checkpoints: random puts, deletes, gets and
// scans; concurrent checkpoints that complete, abort and notify late; retained checkpoints whose shared files a
// registry deletes once released; restores (rescaled to 1-3 subtasks) from any retained checkpoint — all against a map.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LsmKeyedStateBackend } from './lsm-backend.js';
import { compare_coordinates } from '../heap-backend.js';
import { SharedStateRegistry } from '../shared-state-registry.js';
import type { KeyedStateHandle, KeyGroupRange, StateEntry } from '../backend.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const MAX_PARALLELISM = 8;

interface Cell { state: string; key_group: number; key: string; namespace: string }
type Op =
  | ({ kind: 'put'; value: number } & Cell)
  | ({ kind: 'delete' | 'get' } & Cell)
  | { kind: 'entries'; state: string; key_group: number }
  | { kind: 'snapshot'; count: number }
  | { kind: 'complete'; newest: boolean }
  | { kind: 'abort'; index: number }
  | { kind: 'cycle'; count: number; overlap: boolean; twice: boolean }
  | { kind: 'deliver'; index: number; drop: boolean; again: boolean }
  | { kind: 'restore'; which: number; cuts: number[] };

const cell = {
  state: fc.constantFrom('a', 'b'),
  key_group: fc.integer({ min: 0, max: MAX_PARALLELISM - 1 }),
  key: fc.constantFrom('', 'k1', 'k2', 'k3', '__proto__', 'k|1'),
  namespace: fc.constantFrom('', 'w1', '1|'),
};
const op_arbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('put' as const), ...cell, value: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), ...cell }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), ...cell }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('entries' as const), state: cell.state, key_group: cell.key_group }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), count: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), newest: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), index: fc.nat() }) },
  // Quiet checkpoints in a row, each completed and notified at once (optionally one more in flight, or notified twice).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cycle' as const), count: fc.integer({ min: 1, max: 3 }), overlap: fc.boolean(), twice: fc.boolean() }) },
  // A notification may be lost, late, out of order, or arrive twice.
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), index: fc.nat(), drop: fc.boolean(), again: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), which: fc.nat(), cuts: fc.uniqueArray(fc.integer({ min: 1, max: MAX_PARALLELISM - 1 }), { maxLength: 2 }) }) },
);

interface Config {
  memtable_max_entries: number | undefined;
  write_buffer_size_bytes: number | undefined;
  max_runs: number;
  compaction_fanout: number;
  incremental: boolean;
  retained: number;
}
const config_arbitrary: fc.Arbitrary<Config> = fc.record({
  by_bytes: fc.boolean(),
  entries: fc.integer({ min: 1, max: 4 }),
  bytes: fc.integer({ min: 20, max: 120 }),
  max_runs: fc.integer({ min: 2, max: 5 }),
  compaction_fanout: fc.integer({ min: 2, max: 6 }),
  incremental: fc.boolean(),
  retained: fc.integer({ min: 1, max: 2 }),
}).map((c) => ({
  memtable_max_entries: c.by_bytes ? undefined : c.entries,
  write_buffer_size_bytes: c.by_bytes ? c.bytes : undefined,
  max_runs: c.max_runs,
  compaction_fanout: c.compaction_fanout,
  incremental: c.incremental,
  retained: c.retained,
}));

const cell_key = (c: Cell): string => JSON.stringify([c.state, c.key_group, c.key, c.namespace]);
const by_coordinates = (a: StateEntry, b: StateEntry): number =>
  compare_coordinates(a.state, a.key_group, a.key, a.namespace, b.state, b.key_group, b.key, b.namespace);

/**
 * `clean`: the newest snapshot taken completed, its notification arrived, and nothing was written since that snapshot
 * (nor an abort arrived): with incremental checkpoints every run is then confirmed, and a snapshot uploads nothing.
 */
interface Subtask { range: KeyGroupRange; backend: LsmKeyedStateBackend; clean: boolean; wrote_since_snapshot: boolean }
interface Checkpoint { id: number; handles: KeyedStateHandle[]; written: string[]; model: Map<string, StateEntry> }

/** What the backend must hold: the model's entries inside `range`, in canonical order. */
function expected_in(model: Map<string, StateEntry>, range: KeyGroupRange): StateEntry[] {
  return [...model.values()].filter((e) => e.key_group >= range.start && e.key_group <= range.end).sort(by_coordinates);
}

/** Size-tiered compaction leaves no `fanout` adjacent runs of similar size (largest ≤ 2 × smallest) behind. */
function similar_window(counts: number[], fanout: number): number {
  for (let i = 0; i + fanout <= counts.length; i++) {
    const window = counts.slice(i, i + fanout).map((n) => Math.max(1, n));
    if (Math.max(...window) <= 2 * Math.min(...window)) return i;
  }
  return -1;
}

function run_model(config: Config, ops: Op[]): void {
  const make = (range: KeyGroupRange): LsmKeyedStateBackend => new LsmKeyedStateBackend({
    key_group_range: range,
    max_parallelism: MAX_PARALLELISM,
    ...(config.memtable_max_entries === undefined ? {} : { memtable_max_entries: config.memtable_max_entries }),
    ...(config.write_buffer_size_bytes === undefined ? {} : { write_buffer_size_bytes: config.write_buffer_size_bytes }),
    max_runs: config.max_runs,
    compaction_fanout: config.compaction_fanout,
    incremental: config.incremental,
  });
  let subtasks: Subtask[] = [{ range: { start: 0, end: MAX_PARALLELISM - 1 }, backend: make({ start: 0, end: MAX_PARALLELISM - 1 }), clean: false, wrote_since_snapshot: true }];
  let model = new Map<string, StateEntry>();
  const store = new Map<string, Uint8Array>();
  const registry = new SharedStateRegistry();
  let in_flight: Checkpoint[] = [];
  const retained: Checkpoint[] = [];
  let notifications: { id: number; complete: boolean }[] = [];
  let next_id = 1;
  let last_taken = 0;
  const subtask_of = (key_group: number): Subtask => subtasks.find((s) => key_group >= s.range.start && key_group <= s.range.end) as Subtask;
  const owner = (key_group: number): LsmKeyedStateBackend => subtask_of(key_group).backend;
  const discard = (checkpoint: Checkpoint): void => {
    // An aborted checkpoint's own uploads are deleted: no other checkpoint may reference them.
    for (const path of checkpoint.written) store.delete(path);
  };

  const take_snapshot = (): void => {
    const id = next_id++;
    last_taken = id;
    const checkpoint: Checkpoint = { id, handles: [], written: [], model: new Map(model) };
    subtasks.forEach((subtask, index) => {
      const { stats } = subtask.backend;
      const [uploaded_before, referenced_before] = [stats.uploaded_bytes, stats.referenced_bytes];
      const snapshot = subtask.backend.snapshot(id, `job/chk-${id}/op-sub-${index}`, 'job/shared');
      const written = new Set(snapshot.files_to_write.map((f) => f.path));
      for (const file of snapshot.files_to_write) {
        expect(store.has(file.path), `${file.path} uploaded twice`).toBe(false);
        store.set(file.path, file.bytes);
        checkpoint.written.push(file.path);
      }
      const reused = snapshot.handle.shared_files.filter((f) => !written.has(f.path));
      // Incremental: unchanged runs of a confirmed checkpoint are referenced, not uploaded again.
      if (config.incremental && subtask.clean) expect(snapshot.files_to_write.map((f) => f.path)).toEqual([]);
      // Full snapshots never lean on an earlier checkpoint's files.
      if (!config.incremental) expect(reused).toEqual([]);
      expect(stats.uploaded_bytes - uploaded_before).toBe(snapshot.files_to_write.reduce((sum, f) => sum + f.bytes.length, 0));
      expect(stats.referenced_bytes - referenced_before).toBe(reused.reduce((sum, f) => sum + f.size_bytes, 0));
      checkpoint.handles.push(snapshot.handle);
      subtask.wrote_since_snapshot = false;
    });
    in_flight.push(checkpoint);
  };

  /** The newest or oldest checkpoint in flight completes; older ones in flight are subsumed. */
  const complete = (newest: boolean): Checkpoint | undefined => {
    const done = newest ? in_flight.pop() : in_flight.shift();
    if (done === undefined) return undefined;
    // Finalization (the coordinator's shared-state check): each referenced file is new in this checkpoint or
    // registered by a retained one, and still stored.
    const shared = done.handles.flatMap((h) => h.shared_files);
    for (const ref of shared) {
      expect(done.written.includes(ref.path) || registry.is_referenced(ref.path), `${ref.path} is neither new nor retained`).toBe(true);
      expect(store.has(ref.path)).toBe(true);
    }
    registry.register(done.id, shared);
    retained.push(done);
    while (retained.length > config.retained) for (const path of registry.release((retained.shift() as Checkpoint).id)) store.delete(path);
    for (const older of in_flight.filter((c) => c.id < done.id)) {
      discard(older);
      notifications.push({ id: older.id, complete: false });
    }
    in_flight = in_flight.filter((c) => c.id > done.id);
    notifications.push({ id: done.id, complete: true });
    return done;
  };
  const deliver = (n: { id: number; complete: boolean }): void => {
    for (const subtask of subtasks) {
      if (n.complete) subtask.backend.notify_checkpoint_complete(n.id);
      else subtask.backend.notify_checkpoint_aborted(n.id);
      if (!n.complete) subtask.clean = false;
      else if (n.id === last_taken) subtask.clean = !subtask.wrote_since_snapshot;
    }
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'put':
        Object.assign(subtask_of(op.key_group), { clean: false, wrote_since_snapshot: true });
        owner(op.key_group).put(op.state, op.key_group, op.key, op.namespace, op.value);
        model.set(cell_key(op), { state: op.state, key_group: op.key_group, key: op.key, namespace: op.namespace, value: op.value });
        break;
      case 'delete':
        Object.assign(subtask_of(op.key_group), { clean: false, wrote_since_snapshot: true });
        owner(op.key_group).delete(op.state, op.key_group, op.key, op.namespace);
        model.delete(cell_key(op));
        break;
      case 'get':
        expect(owner(op.key_group).get(op.state, op.key_group, op.key, op.namespace)).toBe(model.get(cell_key(op))?.value);
        break;
      case 'entries':
        expect([...owner(op.key_group).entries(op.state, op.key_group)])
          .toEqual(expected_in(model, { start: op.key_group, end: op.key_group }).filter((e) => e.state === op.state));
        break;
      case 'snapshot':
        // A checkpoint starts (at most two in flight: max concurrent checkpoints 2).
        for (let taken = 0; taken < op.count && in_flight.length < 2; taken++) take_snapshot();
        break;
      case 'complete':
        complete(op.newest);
        break;
      case 'cycle':
        for (let c = 0; c < op.count && in_flight.length + (op.overlap ? 2 : 1) <= 2; c++) {
          take_snapshot();
          if (op.overlap) take_snapshot();
          const done = complete(true) as Checkpoint;
          for (let times = op.twice ? 2 : 1; times > 0; times--) deliver({ id: done.id, complete: true });
          notifications = notifications.filter((n) => n.id !== done.id || !n.complete);
        }
        break;
      case 'abort': {
        if (in_flight.length === 0) break;
        const [aborted] = in_flight.splice(op.index % in_flight.length, 1) as [Checkpoint];
        discard(aborted);
        notifications.push({ id: aborted.id, complete: false });
        break;
      }
      case 'deliver': {
        if (notifications.length === 0) break;
        const at = op.index % notifications.length;
        const n = notifications[at] as { id: number; complete: boolean };
        if (!op.again) notifications.splice(at, 1);
        if (!op.drop) deliver(n);
        break;
      }
      case 'restore': {
        if (retained.length === 0) break;
        // Failover or rescale: in-flight checkpoints are aborted, every new subtask gets all handles of the checkpoint.
        for (const c of in_flight) discard(c);
        in_flight = [];
        notifications = [];
        const from = retained[op.which % retained.length] as Checkpoint;
        const bounds = [0, ...[...op.cuts].sort((x, y) => x - y), MAX_PARALLELISM];
        subtasks = [];
        for (let i = 0; i + 1 < bounds.length; i++) {
          const range = { start: bounds[i] as number, end: (bounds[i + 1] as number) - 1 };
          const backend = make(range);
          backend.restore(from.handles, store);
          subtasks.push({ range, backend, clean: false, wrote_since_snapshot: true });
        }
        model = new Map(from.model);
        for (const { range, backend } of subtasks) {
          expect([...backend.export_entries()]).toEqual(expected_in(model, range));
          expect(backend.size()).toBe(expected_in(model, range).length);
        }
        break;
      }
    }
    for (const { backend } of subtasks) {
      const counts = backend.run_record_counts();
      expect(counts.length).toBeLessThanOrEqual(config.max_runs);
      if (counts.length < config.max_runs) expect(similar_window(counts, config.compaction_fanout), `runs ${counts.join(',')}`).toBe(-1);
    }
  }

  for (const { range, backend } of subtasks) {
    expect([...backend.export_entries()]).toEqual(expected_in(model, range));
    expect(backend.size()).toBe(expected_in(model, range).length);
    for (let g = range.start; g <= range.end; g++) {
      for (const state of ['a', 'b']) {
        expect([...backend.entries(state, g)]).toEqual(expected_in(model, { start: g, end: g }).filter((e) => e.state === state));
      }
    }
  }
  // Every retained checkpoint restores to exactly its state from what the store still holds.
  for (const checkpoint of retained) {
    const backend = make({ start: 0, end: MAX_PARALLELISM - 1 });
    backend.restore(checkpoint.handles, store);
    expect([...backend.export_entries()]).toEqual(expected_in(checkpoint.model, { start: 0, end: MAX_PARALLELISM - 1 }));
  }
}

describe('LsmKeyedStateBackend against a map, across checkpoints, failovers and rescales', () => {
  it('reads, scans, sizes and restores exactly the model, and never references a file the registry released', () => {
    fc.assert(
      fc.property(config_arbitrary, fc.array(op_arbitrary, { minLength: 20, maxLength: 160, size: 'max' }), run_model),
      { numRuns: runs * 2 },
    );
  });

  it('restores from the newest of a chain of in-order incremental checkpoints exactly its state, after any compaction', () => {
    // The common case: every checkpoint completes and is notified before the next; one retained; failover at any point.
    type Step = { kind: 'put'; key: number; value: number } | { kind: 'delete'; key: number } | { kind: 'checkpoint' } | { kind: 'failover' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), key: fc.nat({ max: 30 }), value: fc.nat({ max: 9 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat({ max: 30 }) }) },
      { weight: 2, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'failover' as const }) },
    );
    const options = fc.record({
      memtable_max_entries: fc.integer({ min: 1, max: 3 }),
      max_runs: fc.integer({ min: 2, max: 4 }),
      compaction_fanout: fc.integer({ min: 2, max: 8 }),
    });
    fc.assert(
      fc.property(options, fc.array(step, { minLength: 10, maxLength: 120, size: 'max' }), (opts, steps) => {
        const key_group_range = { start: 0, end: MAX_PARALLELISM - 1 };
        const make = (): LsmKeyedStateBackend => new LsmKeyedStateBackend({ key_group_range, max_parallelism: MAX_PARALLELISM, ...opts });
        let backend = make();
        const store = new Map<string, Uint8Array>();
        const registry = new SharedStateRegistry();
        let model = new Map<number, number>();
        let latest: { id: number; handle: KeyedStateHandle; model: Map<number, number> } | undefined;
        let id = 0;
        const check = (): void => {
          const expected = [...model].map(([key, value]) => ({ state: 's', key_group: key % MAX_PARALLELISM, key: `k${key}`, namespace: '', value }));
          expect([...backend.export_entries()]).toEqual(expected.sort(by_coordinates));
        };
        for (const s of steps) {
          if (s.kind === 'put') { backend.put('s', s.key % MAX_PARALLELISM, `k${s.key}`, '', s.value); model.set(s.key, s.value); }
          if (s.kind === 'delete') { backend.delete('s', s.key % MAX_PARALLELISM, `k${s.key}`, ''); model.delete(s.key); }
          if (s.kind === 'checkpoint') {
            const snapshot = backend.snapshot(++id, `j/chk-${id}/op`, 'j/shared');
            for (const f of snapshot.files_to_write) store.set(f.path, f.bytes);
            registry.register(id, snapshot.handle.shared_files);
            if (latest !== undefined) for (const path of registry.release(latest.id)) store.delete(path);
            latest = { id, handle: snapshot.handle, model: new Map(model) };
            backend.notify_checkpoint_complete(id);
          }
          if (s.kind === 'failover' && latest !== undefined) {
            backend = make();
            backend.restore([latest.handle], store);
            model = new Map(latest.model);
            check();
          }
        }
        check();
      }),
      { numRuns: runs * 2 },
    );
  });
});
