// Specification of the LSM backend's policies: its options and defaults, when the memtable flushes (cell and byte
// bounds), how compaction bounds runs and reclaims tombstones, shared file naming, the bound on snapshots awaiting
// notification, confirmations after a restore, and restoring canonical (heap) savepoints and mixed or bad handles.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LsmKeyedStateBackend, type LsmBackendOptions } from './lsm-backend.js';
import { CorruptStateError, HeapKeyedStateBackend } from '../heap-backend.js';
import type { KeyedSnapshot, KeyedStateHandle } from '../backend.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const FULL = { start: 0, end: 7 };
const lsm = (options: Partial<LsmBackendOptions> = {}): LsmKeyedStateBackend =>
  new LsmKeyedStateBackend({ key_group_range: FULL, max_parallelism: 8, ...options });
const store_of = (...snapshots: KeyedSnapshot[]): Map<string, Uint8Array> =>
  new Map(snapshots.flatMap((s) => s.files_to_write.map((f) => [f.path, f.bytes] as const)));

describe('LSM backend options', () => {
  it('refuse bounds that cannot work and accept the smallest that can', () => {
    const bad: [Partial<LsmBackendOptions>, RegExp][] = [
      [{ compaction_fanout: 1 }, /compaction_fanout must be ≥ 2/],
      [{ memtable_max_entries: 0 }, /memtable_max_entries must be ≥ 1/],
      [{ max_runs: 1 }, /max_runs must be ≥ 2/],
      [{ write_buffer_size_bytes: 0 }, /write_buffer_size_bytes must be ≥ 1/],
      [{ write_buffer_size_bytes: Number.NaN }, /write_buffer_size_bytes must be ≥ 1/],
    ];
    for (const [options, message] of bad) expect(() => lsm(options)).toThrow(message);
    expect(() => lsm({ compaction_fanout: 2, memtable_max_entries: 1, max_runs: 2, write_buffer_size_bytes: 1 })).not.toThrow();
  });

  it('flush a memtable of 4096 cells by default, and only by bytes once a write buffer size is set', () => {
    const by_cells = lsm();
    for (let i = 0; i < 4095; i++) by_cells.put('s', i % 8, `k${i}`, '', i);
    expect(by_cells.stats.flushes).toBe(0);
    by_cells.put('s', 0, 'last', '', 0);
    expect(by_cells.stats.flushes).toBe(1);
    const by_bytes = lsm({ write_buffer_size_bytes: 10_000_000 });
    for (let i = 0; i < 5000; i++) by_bytes.put('s', i % 8, `k${i}`, '', i);
    expect(by_bytes.stats.flushes).toBe(0);
  });

  it('compact four similar runs into one and keep at most 12 runs by default', () => {
    const tiered = lsm({ memtable_max_entries: 1 });
    for (let i = 0; i < 3; i++) tiered.put('s', 0, `k${i}`, '', i);
    expect(tiered.run_record_counts()).toEqual([1, 1, 1]);
    tiered.put('s', 0, 'k3', '', 3);
    expect(tiered.run_record_counts()).toEqual([4]);
    const bounded = lsm({ memtable_max_entries: 1, compaction_fanout: 100 });
    for (let i = 0; i < 12; i++) bounded.put('s', 0, `k${i}`, '', i);
    expect(bounded.run_count()).toBe(12);
    bounded.put('s', 0, 'k12', '', 12);
    expect(bounded.run_count()).toBe(12);
  });
});

describe('LSM memtable flush', () => {
  type Write = { delete: boolean; group: number; key: string; namespace: string; value: unknown };
  const write_arbitrary: fc.Arbitrary<Write> = fc.record({
    delete: fc.boolean(),
    group: fc.integer({ min: 0, max: 7 }),
    key: fc.constantFrom('', 'k', 'key-2', 'é'),
    namespace: fc.constantFrom('', 'window-1'),
    value: fc.oneof(fc.integer(), fc.string({ maxLength: 12 }), fc.constant(null), fc.boolean(), fc.record({ n: fc.array(fc.integer(), { maxLength: 3 }) })),
  });

  /** Replays writes on the backend and on a model memtable; `full` says when the model memtable must flush. */
  function replay(backend: LsmKeyedStateBackend, writes: Write[], cost: (w: Write) => number, full: (cells: Map<string, number>) => boolean): void {
    const live = new Set<string>();
    let cells = new Map<string, number>();
    let flushes = 0;
    for (const w of writes) {
      const cell = JSON.stringify([w.group, w.key, w.namespace]);
      if (w.delete) {
        backend.delete('s', w.group, w.key, w.namespace);
        // Deleting what is not there writes nothing.
        if (!live.delete(cell)) continue;
      } else {
        backend.put('s', w.group, w.key, w.namespace, w.value);
        live.add(cell);
      }
      cells.set(cell, cost(w));
      if (full(cells)) { flushes++; cells = new Map(); }
      expect(backend.stats.flushes).toBe(flushes);
    }
  }

  it('flushes when the memtable holds memtable_max_entries distinct cells (overwrites take no new cell)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(write_arbitrary, { maxLength: 80, size: 'max' }), (bound, writes) => {
        replay(lsm({ memtable_max_entries: bound }), writes, () => 1, (cells) => cells.size >= bound);
      }),
      { numRuns: runs },
    );
  });

  it('flushes once the cells take write_buffer_size_bytes (RocksDB write buffer), counting each cell as documented', () => {
    // 16 bytes per entry, the state name, key and namespace, and the value: 8 for a number, a string's length, the JSON
    // text otherwise, nothing for null or a tombstone. An overwritten cell counts once, with its newest value.
    const cost = (w: Write): number => {
      const v = w.value;
      const value_bytes = w.delete || v === null ? 0 : typeof v === 'number' ? 8 : typeof v === 'string' ? v.length : JSON.stringify(v).length;
      return 16 + 's'.length + w.key.length + w.namespace.length + value_bytes;
    };
    fc.assert(
      fc.property(fc.integer({ min: 17, max: 200 }), fc.array(write_arbitrary, { maxLength: 80, size: 'max' }), (bytes, writes) => {
        const total = (cells: Map<string, number>): number => [...cells.values()].reduce((sum, n) => sum + n, 0);
        replay(lsm({ write_buffer_size_bytes: bytes }), writes, cost, (cells) => total(cells) >= bytes);
      }),
      { numRuns: runs },
    );
  });
});

describe('LSM compaction', () => {
  it('under the hard bound, merges the adjacent pair holding the fewest records (the oldest pair on ties)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 14 }), (max_runs, batches) => {
        // A fanout above max_runs + 1 never finds a window of similar runs: only the hard bound compacts.
        const backend = lsm({ memtable_max_entries: 1000, max_runs, compaction_fanout: max_runs + 2 });
        const expected: number[] = [];
        let key = 0;
        batches.forEach((size, index) => {
          for (let i = 0; i < size; i++) backend.put('s', key % 8, `k${key++}`, '', 0);
          backend.snapshot(index + 1, `j/chk-${index + 1}/op`, 'j/shared');
          expected.push(size);
          while (expected.length > max_runs) {
            let best = 0;
            for (let i = 1; i + 1 < expected.length; i++) {
              if ((expected[i] as number) + (expected[i + 1] as number) < (expected[best] as number) + (expected[best + 1] as number)) best = i;
            }
            expected.splice(best, 2, (expected[best] as number) + (expected[best + 1] as number));
          }
          expect(backend.run_record_counts()).toEqual(expected);
        });
        expect(backend.size()).toBe(key);
      }),
      { numRuns: runs },
    );
  });

  it('keeps tombstones while an older run may hold their keys, and drops them when merging into the oldest run', () => {
    const backend = lsm({ memtable_max_entries: 1000, compaction_fanout: 2 });
    for (let i = 0; i < 10; i++) backend.put('s', i % 8, `k${i}`, '', i);
    backend.snapshot(1, 'j/chk-1/op', 'j/shared');
    backend.delete('s', 0, 'k0', '');
    backend.snapshot(2, 'j/chk-2/op', 'j/shared');
    backend.delete('s', 1, 'k1', '');
    backend.snapshot(3, 'j/chk-3/op', 'j/shared');
    // The two one-tombstone runs merged; the tombstones still hide k0 and k1 in the oldest run.
    expect(backend.run_record_counts()).toEqual([10, 2]);
    expect(backend.get('s', 0, 'k0', '')).toBeUndefined();
    expect(backend.get('s', 1, 'k1', '')).toBeUndefined();
    expect(backend.size()).toBe(8);

    // Everything deleted: once compaction reaches the oldest run, nothing stays stored.
    const emptied = lsm({ memtable_max_entries: 1000, compaction_fanout: 2 });
    for (let i = 0; i < 5; i++) emptied.put('s', i % 8, `k${i}`, '', i);
    emptied.snapshot(1, 'j/chk-1/op', 'j/shared');
    for (let i = 0; i < 5; i++) emptied.delete('s', i % 8, `k${i}`, '');
    emptied.snapshot(2, 'j/chk-2/op', 'j/shared');
    expect(emptied.run_record_counts()).toEqual([0]);
    expect([...emptied.export_entries()]).toEqual([]);
  });
});

describe('LSM snapshots', () => {
  it('name shared files after their subtask, so subtasks writing the same state never collide, whatever slashes', () => {
    const paths: string[] = [];
    for (const [prefix, shared] of [['job/chk-1/op-sub-0/', 'job/shared/'], ['job/chk-1/op-sub-1//', 'job/shared//'], ['job/chk-1/op-sub-2', 'job/shared']]) {
      const backend = lsm();
      backend.put('s', 1, 'k', '', 1);
      paths.push(...backend.snapshot(1, prefix as string, shared as string).handle.shared_files.map((f) => f.path));
    }
    expect(new Set(paths).size).toBe(3);
    for (const [i, path] of paths.entries()) expect(path).toMatch(new RegExp(`^job/shared/op-sub-${i}-c1-r\\d+-[0-9a-f]{8}\\.sst$`));
    const unnamed = lsm();
    unnamed.put('s', 1, 'k', '', 1);
    expect(unnamed.snapshot(1, '', 'shared').files_to_write[0]?.path).toMatch(/^shared\/keyed-c1-/);
  });

  it('stop trusting confirmations once more than 64 snapshots await their notification (a bounded list)', () => {
    const backend = lsm();
    backend.put('s', 1, 'k', '', 1);
    expect(backend.snapshot(1, 'j/chk-1/op', 'j/shared').files_to_write).toHaveLength(1);
    backend.notify_checkpoint_complete(1);
    // 2 … 65: 64 in flight, each referencing the confirmed run.
    for (let id = 2; id <= 66; id++) expect(backend.snapshot(id, `j/chk-${id}/op`, 'j/shared').files_to_write, `checkpoint ${id}`).toHaveLength(0);
    // 66 made it 65: the oldest was forgotten, and with it what it referenced.
    expect(backend.snapshot(67, 'j/chk-67/op', 'j/shared').files_to_write).toHaveLength(1);
    // The forgotten snapshot completes after all: the backend cannot tell what it retains, so it confirms nothing.
    backend.notify_checkpoint_complete(2);
    expect(backend.snapshot(68, 'j/chk-68/op', 'j/shared').files_to_write).toHaveLength(1);
  });

  it('treat what was restored as confirmed: a late notification older than the restored checkpoint changes nothing', () => {
    const low = new LsmKeyedStateBackend({ key_group_range: { start: 0, end: 3 }, max_parallelism: 8 });
    const high = new LsmKeyedStateBackend({ key_group_range: { start: 4, end: 7 }, max_parallelism: 8 });
    low.put('s', 1, 'a', '', 1);
    high.put('s', 5, 'b', '', 2);
    const from_low = low.snapshot(3, 'j/chk-3/op-0', 'j/shared');
    const from_high = high.snapshot(5, 'j/chk-5/op-1', 'j/shared');
    for (const late of [0, 3, 4, 5]) {
      const restored = lsm();
      restored.restore([from_low.handle, from_high.handle], store_of(from_low, from_high));
      restored.notify_checkpoint_complete(late);
      const next = restored.snapshot(6, 'j/chk-6/op', 'j/shared');
      expect(next.files_to_write, `late notification ${late}`).toHaveLength(0);
      expect(next.handle.shared_files.map((f) => f.path).sort()).toEqual([...from_low.handle.shared_files, ...from_high.handle.shared_files].map((f) => f.path).sort());
    }
  });
});

describe('LSM restore of other handles', () => {
  it('restores a canonical (heap) savepoint into any key-group range, and its next snapshot uploads that state', () => {
    const entry = fc.record({ group: fc.integer({ min: 0, max: 7 }), key: fc.string({ maxLength: 3 }), value: fc.integer() });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), (entries, a, b) => {
        const heap = new HeapKeyedStateBackend({ key_group_range: FULL, max_parallelism: 8, memory_threshold_bytes: 64 });
        for (const e of entries) heap.put('s', e.group, e.key, '', e.value);
        const savepoint = heap.snapshot(4, 'j/sp-4/op', 'j/shared');
        const range = { start: Math.min(a, b), end: Math.max(a, b) };
        const restored = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
        restored.restore([savepoint.handle], store_of(savepoint));
        const expected = [...heap.export_entries()].filter((e) => e.key_group >= range.start && e.key_group <= range.end);
        expect([...restored.export_entries()]).toEqual(expected);
        expect(restored.size()).toBe(expected.length);
        const next = restored.snapshot(5, 'j/chk-5/op', 'j/shared');
        expect(next.files_to_write.length).toBe(expected.length === 0 ? 0 : 1);
        const again = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
        again.restore([next.handle], store_of(next));
        expect([...again.export_entries()]).toEqual(expected);
        // The job goes on with incremental checkpoints on top of the savepoint's run: two more runs, a confirmed
        // checkpoint, one that references it, and a restore from that one.
        const later = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8, memtable_max_entries: 1 });
        later.restore([savepoint.handle], store_of(savepoint));
        later.put('s', range.start, 'new-1', '', 1);
        later.put('s', range.end, 'new-2', '', 2);
        const first = later.snapshot(5, 'j/chk-5/op', 'j/shared');
        later.notify_checkpoint_complete(5);
        const second = later.snapshot(6, 'j/chk-6/op', 'j/shared');
        const resumed = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: 8 });
        resumed.restore([second.handle], store_of(first, second));
        expect([...resumed.export_entries()]).toEqual([...later.export_entries()]);
        expect(resumed.size()).toBe(new Set([...expected.map((e) => `${e.key_group}/${e.key}`), `${range.start}/new-1`, `${range.end}/new-2`]).size);
      }),
      { numRuns: runs },
    );
  });

  it('restores heap and LSM handles of disjoint ranges together, and refuses handles that overlap in any key group', () => {
    const heap = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 3 }, max_parallelism: 8 });
    heap.put('s', 3, 'h', '', 'heap');
    const from_heap = heap.snapshot(1, 'j/chk-1/op-0', 'j/shared');
    const make_lsm = (start: number, end: number, id: number): KeyedSnapshot => {
      const backend = new LsmKeyedStateBackend({ key_group_range: { start, end }, max_parallelism: 8 });
      backend.put('s', end, `l${start}`, '', 'lsm');
      return backend.snapshot(id, `j/chk-${id}/op-${start}`, 'j/shared');
    };
    const upper = make_lsm(4, 7, 1);
    const both = lsm();
    both.restore([from_heap.handle, upper.handle], store_of(from_heap, upper));
    expect([...both.export_entries()].map((e) => [e.key_group, e.value])).toEqual([[3, 'heap'], [7, 'lsm']]);

    const overlapping = make_lsm(3, 7, 2);
    const target = lsm();
    target.put('s', 0, 'mine', '', 0);
    expect(() => target.restore([from_heap.handle, overlapping.handle], store_of(from_heap, overlapping))).toThrow(/key group 3 is covered by more than one handle/);
    // Two LSM handles sharing exactly one key group, the last of the first handle.
    const lower = make_lsm(0, 3, 3);
    expect(() => target.restore([lower.handle, overlapping.handle], store_of(lower, overlapping))).toThrow(/key group 3 is covered by more than one handle/);
    expect([...target.export_entries()].map((e) => e.key)).toEqual(['mine']);
  });

  it('keeps no run, and references no file again, for files holding nothing in its key-group range', () => {
    const source = lsm({ memtable_max_entries: 2 });
    for (let i = 0; i < 6; i++) source.put('s', i % 4, `k${i}`, '', i); // key groups 0-3 only
    const snapshot = source.snapshot(1, 'j/chk-1/op-0', 'j/shared');
    expect(snapshot.handle.shared_files.length).toBeGreaterThan(0);
    const upper = new LsmKeyedStateBackend({ key_group_range: { start: 4, end: 7 }, max_parallelism: 8 });
    upper.restore([snapshot.handle], store_of(snapshot));
    expect(upper.run_count()).toBe(0);
    expect(upper.snapshot(2, 'j/chk-2/op-1', 'j/shared').handle.shared_files).toEqual([]);
  });

  it('re-uploads a run clipped by a rescale: scaling back in never brings back the other key groups\' old records', () => {
    const make = (start: number, end: number): LsmKeyedStateBackend =>
      new LsmKeyedStateBackend({ key_group_range: { start, end }, max_parallelism: 8, memtable_max_entries: 3, max_runs: 2 });
    const store = new Map<string, Uint8Array>();
    const keep = (snapshot: KeyedSnapshot): KeyedSnapshot => {
      for (const f of snapshot.files_to_write) store.set(f.path, f.bytes);
      return snapshot;
    };
    const whole = make(2, 5);
    whole.put('b', 3, 'k', '', 0);
    whole.put('a', 2, 'k', '', 0);
    const first = keep(whole.snapshot(1, 'j/chk-1/op-sub-0', 'j/shared'));
    whole.notify_checkpoint_complete(1);
    whole.delete('b', 3, 'k', '');
    const second = keep(whole.snapshot(2, 'j/chk-2/op-sub-0', 'j/shared'));
    // Scale out to [2, 2] and [3, 5], then back in to [2, 5].
    const parts = [make(2, 2), make(3, 5)];
    for (const part of parts) part.restore([second.handle], store);
    // The part holding only key group 2 of the first run's file does not re-reference that file.
    const part_snapshots = parts.map((part, i) => keep(part.snapshot(3, `j/chk-3/op-sub-${i}`, 'j/shared')));
    expect(part_snapshots[0]?.handle.shared_files.map((f) => f.path)).not.toContain(first.handle.shared_files[0]?.path);
    const merged = make(2, 5);
    merged.restore(part_snapshots.map((s) => s.handle).reverse(), store);
    const fourth = keep(merged.snapshot(4, 'j/chk-4/op-sub-0', 'j/shared'));
    merged.notify_checkpoint_complete(4);
    const restored = make(2, 5);
    restored.restore([fourth.handle], store);
    expect([...restored.export_entries()]).toEqual([{ state: 'a', key_group: 2, key: 'k', namespace: '', value: 0 }]);
  });

  it('refuses an LSM handle carrying inline state or private files (it never writes them)', () => {
    const source = lsm();
    source.put('s', 1, 'k', '', 1);
    const snapshot = source.snapshot(1, 'j/chk-1/op', 'j/shared');
    const forged: KeyedStateHandle[] = [
      { ...snapshot.handle, inline_sealed_base64: 'AAAA' },
      { ...snapshot.handle, private_files: [...snapshot.handle.shared_files] },
    ];
    for (const handle of forged) {
      expect(() => lsm().restore([handle], store_of(snapshot))).toThrow(CorruptStateError);
      expect(() => lsm().restore([handle], store_of(snapshot))).toThrow(/inline state or private files/);
    }
  });
});
