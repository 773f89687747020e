// Specification of the LSM backend: equivalence with the heap backend under random operations, snapshot isolation,
// incremental checkpoints that re-use confirmed runs, restore with rescale filtering, corruption, compaction.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LsmKeyedStateBackend } from './lsm-backend.js';
import { CorruptStateError, HeapKeyedStateBackend } from '../heap-backend.js';
import type { KeyedSnapshot, KeyedStateBackend, StateEntry } from '../backend.js';
import { compare_coordinates } from '../heap-backend.js';
import { SharedStateRegistry } from '../shared-state-registry.js';

function sort_canonical(entries: StateEntry[]): StateEntry[] {
  return [...entries].sort((a, b) => compare_coordinates(a.state, a.key_group, a.key, a.namespace, b.state, b.key_group, b.key, b.namespace));
}

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const range = { start: 0, end: 7 };

function store_of(...snapshots: KeyedSnapshot[]): Map<string, Uint8Array> {
  return new Map(snapshots.flatMap((s) => s.files_to_write.map((f) => [f.path, f.bytes] as const)));
}

type Op =
  | { kind: 'put'; state: string; key_group: number; key: string; namespace: string; value: number }
  | { kind: 'delete'; state: string; key_group: number; key: string; namespace: string }
  | { kind: 'snapshot_and_restore' };

const coordinates = {
  state: fc.constantFrom('a', 'b'),
  key_group: fc.integer({ min: 0, max: 7 }),
  key: fc.constantFrom('', 'k1', 'k2', '__proto__', 'constructor', 'k|1'),
  namespace: fc.constantFrom('', 'w1', '1|'),
};
const op_arbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), ...coordinates, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), ...coordinates }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot_and_restore' as const) }) },
);

describe('LsmKeyedStateBackend', () => {
  it('behaves exactly like the heap backend under random operations (gets, entries, export, size, restore)', () => {
    fc.assert(
      fc.property(fc.array(op_arbitrary, { maxLength: 120 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 4 }), (ops, memtable, max_runs) => {
        let heap: KeyedStateBackend = new HeapKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memory_threshold_bytes: 64 });
        let lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: memtable, max_runs });
        let checkpoint_id = 0;
        const checkpoint_store = new Map<string, Uint8Array>();
        for (const op of ops) {
          if (op.kind === 'put') {
            heap.put(op.state, op.key_group, op.key, op.namespace, op.value);
            lsm.put(op.state, op.key_group, op.key, op.namespace, op.value);
          } else if (op.kind === 'delete') {
            heap.delete(op.state, op.key_group, op.key, op.namespace);
            lsm.delete(op.state, op.key_group, op.key, op.namespace);
          } else {
            checkpoint_id++;
            const hs = heap.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/h`, 'job/shared');
            const ls = lsm.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/l`, 'job/shared');
            lsm.notify_checkpoint_complete(checkpoint_id);
            const restored_heap = new HeapKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memory_threshold_bytes: 64 });
            restored_heap.restore([hs.handle], store_of(hs));
            heap = restored_heap;
            const restored_lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: memtable, max_runs });
            for (const f of ls.files_to_write) checkpoint_store.set(f.path, f.bytes);
            restored_lsm.restore([ls.handle], checkpoint_store);
            lsm = restored_lsm;
          }
          expect(lsm.run_count()).toBeLessThanOrEqual(max_runs);
        }
        expect([...lsm.export_entries()]).toEqual([...heap.export_entries()]);
        expect(lsm.size()).toBe(heap.size());
        for (const state of ['a', 'b']) {
          for (let g = 0; g <= 7; g++) expect([...lsm.entries(state, g)]).toEqual([...heap.entries(state, g)]);
        }
        for (const key of ['', 'k1', '__proto__']) expect(lsm.get('a', 1, key, '')).toEqual(heap.get('a', 1, key, ''));
      }),
      { numRuns: runs },
    );
  });

  it('does not let writes after a snapshot change it', () => {
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: 100 });
    lsm.put('s', 1, 'k', '', 1);
    const snapshot = lsm.snapshot(1, 'job/chk-1/op', 'job/shared');
    lsm.put('s', 1, 'k', '', 2);
    lsm.put('s', 2, 'new', '', 3);
    const restored = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
    restored.restore([snapshot.handle], store_of(snapshot));
    expect([...restored.export_entries()]).toEqual([{ state: 's', key_group: 1, key: 'k', namespace: '', value: 1 }]);
  });

  it('uploads only new runs once earlier ones were confirmed by a completed checkpoint', () => {
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: 1000, max_runs: 8 });
    for (let i = 0; i < 500; i++) lsm.put('s', i % 8, `k${i}`, '', i);
    const first = lsm.snapshot(1, 'job/chk-1/op-0', 'job/shared');
    expect(first.files_to_write).toHaveLength(1);
    lsm.notify_checkpoint_complete(1);
    lsm.put('s', 0, 'k0', '', -1);
    const second = lsm.snapshot(2, 'job/chk-2/op-0', 'job/shared');
    expect(second.handle.shared_files.map((f) => f.path)).toContain(first.handle.shared_files[0]?.path);
    expect(second.files_to_write).toHaveLength(1);
    expect(second.files_to_write[0]?.path.startsWith('job/shared/op-0-c2-')).toBe(true);
    expect(second.files_to_write[0]?.bytes.length).toBeLessThan((first.files_to_write[0]?.bytes.length ?? 0) / 10);
    // Restoring from the second needs the first's shared file too: the handle alone reconstructs the runs.
    const restored = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
    restored.restore([second.handle], store_of(first, second));
    expect(restored.get('s', 0, 'k0', '')).toBe(-1);
    expect(restored.size()).toBe(500);
  });

  it('re-uploads runs of a checkpoint that was not confirmed, and forgets confirmations on abort', () => {
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
    lsm.put('s', 0, 'a', '', 1);
    const first = lsm.snapshot(1, 'j/chk-1/op', 'j/shared');
    const second = lsm.snapshot(2, 'j/chk-2/op', 'j/shared');
    expect(second.files_to_write).toHaveLength(1);
    expect(second.files_to_write[0]?.path).not.toBe(first.files_to_write[0]?.path);
    lsm.notify_checkpoint_complete(2);
    expect(lsm.snapshot(3, 'j/chk-3/op', 'j/shared').files_to_write).toHaveLength(0);
    lsm.notify_checkpoint_aborted(3);
    expect(lsm.snapshot(4, 'j/chk-4/op', 'j/shared').files_to_write).toHaveLength(1);
  });

  it('does not re-use a run file that a concurrent checkpoint is about to release (max_concurrent 2, late notification)', () => {
    // The coordinator side: one retained checkpoint, shared files reference-counted, released files deleted.
    const registry = new SharedStateRegistry();
    const stored = new Set<string>();
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
    lsm.put('s', 0, 'a', '', 1);
    const first = lsm.snapshot(1, 'j/chk-1/op', 'j/shared');
    for (const f of first.files_to_write) stored.add(f.path);
    // Checkpoint 2 starts before 1 completes, so it uploads its own copy of the same run.
    const second = lsm.snapshot(2, 'j/chk-2/op', 'j/shared');
    for (const f of second.files_to_write) stored.add(f.path);
    registry.register(1, first.handle.shared_files);
    registry.register(2, second.handle.shared_files);
    for (const path of registry.release(1)) stored.delete(path); // 2 subsumes 1: 1's copy is deleted
    lsm.notify_checkpoint_complete(1); // late: 2 already completed, its notification is still on the way
    const third = lsm.snapshot(3, 'j/chk-3/op', 'j/shared');
    const written = new Set(third.files_to_write.map((f) => f.path));
    for (const ref of third.handle.shared_files) {
      expect(written.has(ref.path) || registry.is_referenced(ref.path), `${ref.path} is neither new nor registered`).toBe(true);
      expect(written.has(ref.path) || stored.has(ref.path)).toBe(true);
    }
    // Once 2's notification arrives, its copy is confirmed and re-used again (incremental as before).
    lsm.notify_checkpoint_aborted(3);
    lsm.notify_checkpoint_complete(2);
    const fourth = lsm.snapshot(4, 'j/chk-4/op', 'j/shared');
    expect(fourth.files_to_write).toHaveLength(0);
    expect(fourth.handle.shared_files.map((f) => f.path)).toEqual(second.handle.shared_files.map((f) => f.path));
  });

  it('references only files a retained checkpoint keeps, under random concurrent checkpoints and lagging notifications', () => {
    type Step =
      | { kind: 'write'; keys: number[] }
      | { kind: 'complete'; newest: boolean }
      | { kind: 'deliver'; index: number; drop: boolean };
    // Writes are rare so runs stay put while concurrent checkpoints share them; the coordinator keeps two in flight.
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('write' as const), keys: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), newest: fc.boolean() }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('deliver' as const), index: fc.nat(), drop: fc.boolean() }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: 4, max_runs: 8, compaction_fanout: 4 });
        const registry = new SharedStateRegistry();
        const stored = new Map<string, Uint8Array>();
        const in_flight: { id: number; snapshot: KeyedSnapshot }[] = [];
        const notifications: { id: number; complete: boolean }[] = [];
        let retained: { id: number; snapshot: KeyedSnapshot } | undefined;
        let next_id = 1;
        let value = 0;
        for (const s of steps) {
          while (in_flight.length < 2) {
            const id = next_id++;
            const snapshot = lsm.snapshot(id, `j/chk-${id}/op`, 'j/shared');
            for (const f of snapshot.files_to_write) stored.set(f.path, f.bytes);
            in_flight.push({ id, snapshot });
          }
          if (s.kind === 'write') for (const k of s.keys) lsm.put('s', k % 8, `k${k}`, '', ++value);
          else if (s.kind === 'complete' && in_flight.length > 0) {
            const done = s.newest ? in_flight.pop()! : in_flight.shift()!;
            // Finalization (the coordinator's SHARED_STATE_MISSING check): new or registered by a retained checkpoint.
            const written = new Set(done.snapshot.files_to_write.map((f) => f.path));
            for (const ref of done.snapshot.handle.shared_files) expect(written.has(ref.path) || registry.is_referenced(ref.path)).toBe(true);
            registry.register(done.id, done.snapshot.handle.shared_files);
            if (retained !== undefined) for (const path of registry.release(retained.id)) stored.delete(path);
            retained = done;
            // Older in-flight checkpoints are subsumed (aborted).
            while (in_flight.length > 0 && in_flight[0]!.id < done.id) notifications.push({ id: in_flight.shift()!.id, complete: false });
            notifications.push({ id: done.id, complete: true });
          } else if (s.kind === 'deliver' && notifications.length > 0) {
            const [n] = notifications.splice(s.index % notifications.length, 1);
            if (!s.drop) {
              if (n!.complete) lsm.notify_checkpoint_complete(n!.id);
              else lsm.notify_checkpoint_aborted(n!.id);
            }
          }
        }
        // The retained checkpoint restores from what the store still holds.
        if (retained !== undefined) {
          const restored = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
          restored.restore([retained.snapshot.handle], stored);
        }
      }),
      { numRuns: runs * 40 },
    );
  });

  it('filters key groups on restore (rescale) from runs holding several key groups', () => {
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: 3 });
    for (let g = 0; g <= 7; g++) lsm.put('s', g, `k${g}`, '', g);
    lsm.delete('s', 5, 'k5', '');
    const snapshot = lsm.snapshot(1, 'j/chk-1/op', 'j/shared');
    const low = new LsmKeyedStateBackend({ key_group_range: { start: 0, end: 3 }, max_parallelism: 8 });
    const high = new LsmKeyedStateBackend({ key_group_range: { start: 4, end: 7 }, max_parallelism: 8 });
    low.restore([snapshot.handle], store_of(snapshot));
    high.restore([snapshot.handle], store_of(snapshot));
    expect([...low.export_entries()].map((e) => e.key_group)).toEqual([0, 1, 2, 3]);
    expect([...high.export_entries()].map((e) => e.key_group)).toEqual([4, 6, 7]);
    expect(high.size()).toBe(3);
  });

  it('rejects a corrupt run file and keeps its previous state', () => {
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
    lsm.put('s', 1, 'k', '', 1);
    const snapshot = lsm.snapshot(1, 'j/chk-1/op', 'j/shared');
    const file = snapshot.files_to_write[0] as { path: string; bytes: Uint8Array };
    const flipped = file.bytes.slice();
    flipped[20] = (flipped[20] as number) ^ 1;
    const target = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
    target.put('s', 2, 'mine', '', 7);
    expect(() => target.restore([snapshot.handle], new Map([[file.path, flipped]]))).toThrow(CorruptStateError);
    expect(() => target.restore([snapshot.handle], new Map([[file.path, file.bytes.subarray(0, 30)]]))).toThrow(CorruptStateError);
    expect([...target.export_entries()]).toEqual([{ state: 's', key_group: 2, key: 'mine', namespace: '', value: 7 }]);
  });

  it('keeps every value through many flushes and compactions, with the run count bounded', () => {
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: 16, max_runs: 3 });
    const model = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const key = `k${(i * 7919) % 300}`;
      if (i % 5 === 4) { lsm.delete('s', i % 8, key, ''); model.delete(`${i % 8}/${key}`); } else { lsm.put('s', i % 8, key, '', i); model.set(`${i % 8}/${key}`, i); }
      expect(lsm.run_count()).toBeLessThanOrEqual(3);
    }
    expect(lsm.stats.compactions).toBeGreaterThan(10);
    expect(lsm.size()).toBe(model.size);
    for (const [cell, value] of model) {
      const [g, key] = cell.split('/') as [string, string];
      expect(lsm.get('s', Number(g), key, '')).toBe(value);
    }
  });

  it('uploads on average a small fraction of a full snapshot when 1% of keys change per checkpoint', () => {
    const keys = 20_000;
    const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: 1024 });
    for (let i = 0; i < keys; i++) lsm.put('s', i % 8, `k${i}`, '', i);
    const size_of = (s: KeyedSnapshot): number => s.files_to_write.reduce((sum, f) => sum + f.bytes.length, 0);
    const full = size_of(lsm.snapshot(1, 'j/chk-1/op', 'j/shared'));
    lsm.notify_checkpoint_complete(1);
    let uploaded = 0;
    let x = 7;
    for (let round = 0; round < 12; round++) {
      for (let c = 0; c < keys / 100; c++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        lsm.put('s', (x % keys) % 8, `k${x % keys}`, '', -round);
      }
      uploaded += size_of(lsm.snapshot(round + 2, `j/chk-${round + 2}/op`, 'j/shared'));
      lsm.notify_checkpoint_complete(round + 2);
    }
    expect(uploaded / 12 / full).toBeLessThan(0.05);
    expect(lsm.size()).toBe(keys);
  });

  it('splits into any set of contiguous sub-ranges on restore and the parts add up to the whole (both backends)', () => {
    const entry = fc.record({ state: fc.constantFrom('a', 'b'), key_group: fc.integer({ min: 0, max: 15 }), key: fc.string({ maxLength: 3 }), value: fc.integer() });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), fc.uniqueArray(fc.integer({ min: 1, max: 15 }), { maxLength: 4 }), fc.boolean(), (entries, cuts, use_lsm) => {
        const full = { start: 0, end: 15 };
        const make = (key_group_range: { start: number; end: number }): KeyedStateBackend => use_lsm
          ? new LsmKeyedStateBackend({ key_group_range, max_parallelism: 16, memtable_max_entries: 4 })
          : new HeapKeyedStateBackend({ key_group_range, max_parallelism: 16, memory_threshold_bytes: 128 });
        const source = make(full);
        for (const e of entries) source.put(e.state, e.key_group, e.key, '', e.value);
        const snapshot = source.snapshot(1, 'j/chk-1/op-sub-0', 'j/shared');
        const bounds = [0, ...[...cuts].sort((x, y) => x - y), 16];
        const parts: StateEntry[] = [];
        for (let i = 0; i + 1 < bounds.length; i++) {
          const part = make({ start: bounds[i] as number, end: (bounds[i + 1] as number) - 1 });
          part.restore([snapshot.handle], store_of(snapshot));
          parts.push(...part.export_entries());
        }
        expect(sort_canonical(parts)).toEqual([...source.export_entries()]);
      }),
      { numRuns: runs },
    );
  });
});
