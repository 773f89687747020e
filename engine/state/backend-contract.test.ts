// The KeyedStateBackend contract, checked against a plain map for every backend (memory, heap, LSM): state is a map
// from (state, key group, key, namespace) to a value; entries of a key group come in (key, namespace) order; size
// counts live entries; key groups outside the backend's range are refused; and, for the backends that checkpoint, a
// snapshot restored into a fresh backend holds exactly the state at the snapshot, whatever happened after it, and a
// restore into any key-group sub-range holds exactly that range's part (rescaling splits), the parts merging back whole.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KeyedStateBackend, KeyGroupRange, SnapshotFile, StateEntry } from './backend.js';
import { MemoryKeyedStateBackend } from './memory-backend.js';
import { HeapKeyedStateBackend } from './heap-backend.js';
import { LsmKeyedStateBackend } from './lsm/lsm-backend.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const range: KeyGroupRange = { start: 2, end: 5 };
const MAX_PARALLELISM = 8;

type Op =
  | { kind: 'put'; state: string; key_group: number; key: string; namespace: string; value: unknown }
  | { kind: 'delete' | 'get'; state: string; key_group: number; key: string; namespace: string }
  | { kind: 'entries'; state: string; key_group: number }
  | { kind: 'checkpoint' }
  | { kind: 'rescale'; cut: number };

const where = {
  state: fc.constantFrom('a', 'b'),
  key_group: fc.integer({ min: range.start, max: range.end }),
  // Keys and namespaces that could collide in a careless composite key ('1:k' + '' vs '1' + ':k', '__proto__').
  key: fc.constantFrom('', 'k', 'k1', '1:k', '1', '__proto__', 'é'),
  namespace: fc.constantFrom('', 'w', ':k', 'k', 'window-1'),
};
const op_arbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), ...where, value: fc.oneof(fc.integer(), fc.constant({ n: [1, 2] }), fc.constant('v')) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ...where }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), ...where }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('entries' as const), state: where.state, key_group: where.key_group }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: range.start - 1, max: range.end }).map((cut) => ({ kind: 'rescale' as const, cut })) },
);
/**
 * The same operations over few coordinates (one key in two namespaces and two states, two key groups), so writes,
 * deletes and reads keep meeting the same entries and their neighbours.
 */
const dense = { state: fc.constantFrom('a', 'b'), key_group: fc.constantFrom(range.start, range.start + 1), key: fc.constantFrom('k', ''), namespace: fc.constantFrom('', 'w') };
const dense_op_arbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), ...dense, value: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), ...dense }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), ...dense }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('entries' as const), state: dense.state, key_group: dense.key_group }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(range.start - 1, range.start, range.end).map((cut) => ({ kind: 'rescale' as const, cut })) },
);

interface BackendKind {
  name: string;
  make: (key_group_range?: KeyGroupRange) => KeyedStateBackend;
  checkpoints: boolean;
}
const kinds: BackendKind[] = [
  { name: 'memory', make: (r = range) => new MemoryKeyedStateBackend(r, MAX_PARALLELISM), checkpoints: false },
  { name: 'heap', make: (r = range) => new HeapKeyedStateBackend({ key_group_range: r, max_parallelism: MAX_PARALLELISM, memory_threshold_bytes: 64 }), checkpoints: true },
  { name: 'lsm', make: (r = range) => new LsmKeyedStateBackend({ key_group_range: r, max_parallelism: MAX_PARALLELISM, memtable_max_entries: 3, max_runs: 2 }), checkpoints: true },
];

/** The reference: one JS Map per composite key, compared as the contract orders entries. */
class ModelState {
  readonly values = new Map<string, StateEntry>();
  private id(state: string, key_group: number, key: string, namespace: string): string {
    return JSON.stringify([state, key_group, key, namespace]);
  }
  put(state: string, key_group: number, key: string, namespace: string, value: unknown): void {
    this.values.set(this.id(state, key_group, key, namespace), { state, key_group, key, namespace, value });
  }
  delete(state: string, key_group: number, key: string, namespace: string): void {
    this.values.delete(this.id(state, key_group, key, namespace));
  }
  get(state: string, key_group: number, key: string, namespace: string): unknown {
    return this.values.get(this.id(state, key_group, key, namespace))?.value;
  }
  sorted(filter: (e: StateEntry) => boolean = () => true): StateEntry[] {
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.values.values()].filter(filter).sort((a, b) => cmp(a.state, b.state) || a.key_group - b.key_group || cmp(a.key, b.key) || cmp(a.namespace, b.namespace));
  }
  clone(): ModelState {
    const copy = new ModelState();
    for (const [id, entry] of this.values) copy.values.set(id, { ...entry });
    return copy;
  }
}

function store_of(files: SnapshotFile[], into: Map<string, Uint8Array>): Map<string, Uint8Array> {
  for (const f of files) into.set(f.path, f.bytes);
  return into;
}

/** Runs `ops` against a backend of `kind` and the model, comparing after every operation. */
function check_against_model(kind: BackendKind, ops: Op[]): void {
  let backend = kind.make();
  const model = new ModelState();
  const store = new Map<string, Uint8Array>();
  let checkpoint_id = 0;
  for (const op of ops) {
    switch (op.kind) {
      case 'put':
        backend.put(op.state, op.key_group, op.key, op.namespace, op.value);
        model.put(op.state, op.key_group, op.key, op.namespace, op.value);
        break;
      case 'delete':
        backend.delete(op.state, op.key_group, op.key, op.namespace);
        model.delete(op.state, op.key_group, op.key, op.namespace);
        break;
      case 'get':
        expect(backend.get(op.state, op.key_group, op.key, op.namespace)).toEqual(model.get(op.state, op.key_group, op.key, op.namespace));
        break;
      case 'entries':
        expect([...backend.entries(op.state, op.key_group)]).toEqual(model.sorted((e) => e.state === op.state && e.key_group === op.key_group));
        break;
      case 'checkpoint': {
        if (!kind.checkpoints) break;
        checkpoint_id++;
        const snapshot = backend.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/op-sub-0`, 'job/shared');
        backend.notify_checkpoint_complete(checkpoint_id);
        // Writes after the snapshot must not reach it.
        const at_snapshot = model.clone();
        backend.put('a', range.start, 'after', '', 'not in the snapshot');
        backend.delete('a', range.start, 'after', '');
        const restored = kind.make();
        restored.restore([snapshot.handle], store_of(snapshot.files_to_write, store));
        expect([...restored.export_entries()]).toEqual(at_snapshot.sorted());
        backend = restored;
        break;
      }
      case 'rescale': {
        if (!kind.checkpoints) break;
        // Scale out: each new subtask restores the old snapshot for its own key groups only.
        checkpoint_id++;
        const snapshot = backend.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/op-sub-0`, 'job/shared');
        const parts = [{ start: range.start, end: op.cut }, { start: op.cut + 1, end: range.end }].filter((r) => r.start <= r.end);
        const restored = parts.map((part) => {
          const sub = kind.make(part);
          sub.restore([snapshot.handle], store_of(snapshot.files_to_write, store));
          expect([...sub.export_entries()]).toEqual(model.sorted((e) => e.key_group >= part.start && e.key_group <= part.end));
          expect(sub.size()).toBe(model.sorted((e) => e.key_group >= part.start && e.key_group <= part.end).length);
          return sub;
        });
        // Scale in: one subtask restores the handles of all of them (in any order).
        checkpoint_id++;
        const snapshots = restored.map((sub, i) => sub.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/op-sub-${i}`, 'job/shared'));
        const merged = kind.make();
        merged.restore(snapshots.map((s) => s.handle).reverse(), store_of(snapshots.flatMap((s) => s.files_to_write), store));
        expect([...merged.export_entries()]).toEqual(model.sorted());
        backend = merged;
        break;
      }
    }
    expect(backend.size()).toBe(model.values.size);
  }
  expect([...backend.export_entries()]).toEqual(model.sorted());
}

describe.each(kinds)('KeyedStateBackend contract: $name', (kind) => {
  it('behaves as a map under any sequence of puts, deletes, reads, scans (and snapshot → restore, rescale)', () => {
    fc.assert(fc.property(fc.array(op_arbitrary, { minLength: 20, maxLength: 120, size: 'max' }), (ops) => check_against_model(kind, ops)), { numRuns: runs });
  });

  it('behaves as a map when the operations keep meeting the same few entries', () => {
    fc.assert(fc.property(fc.array(dense_op_arbitrary, { minLength: 20, maxLength: 80, size: 'max' }), (ops) => check_against_model(kind, ops)), { numRuns: runs });
  });

  it('a value read back after a write to the same key is the new one, and a deleted key reads as absent', () => {
    const backend = kind.make();
    backend.put('a', 3, 'k', '', 1);
    expect(backend.get('a', 3, 'k', '')).toBe(1);
    backend.put('a', 3, 'k', '', 2);
    expect(backend.get('a', 3, 'k', '')).toBe(2);
    expect(backend.get('b', 3, 'k', '')).toBeUndefined();
    expect(backend.get('a', 4, 'k', '')).toBeUndefined();
    expect(backend.get('a', 3, 'k', 'w')).toBeUndefined();
    backend.delete('a', 3, 'k', '');
    expect(backend.get('a', 3, 'k', '')).toBeUndefined();
    backend.delete('a', 3, 'k', '');
    expect(backend.size()).toBe(0);
  });

  it('keeps apart keys and namespaces whose texts run together alike ("1" + "abcdefghijkZ", "abcdefghijk" + "Z")', () => {
    const backend = kind.make();
    const pairs: [string, string][] = [['1', 'abcdefghijkZ'], ['abcdefghijk', 'Z'], ['1', ':abcdefghijkZ'], ['1:', 'abcdefghijkZ'], ['', '1abcdefghijkZ']];
    pairs.forEach(([key, namespace], i) => backend.put('a', 3, key, namespace, i));
    pairs.forEach(([key, namespace], i) => expect(backend.get('a', 3, key, namespace)).toBe(i));
    expect(backend.size()).toBe(pairs.length);
    backend.delete('a', 3, '1', 'abcdefghijkZ');
    expect(backend.get('a', 3, 'abcdefghijk', 'Z')).toBe(1);
    expect([...backend.entries('a', 3)].map((e) => [e.key, e.namespace])).toEqual(pairs.slice(1).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : 1)));
  });

  it('refuses an undefined value and a key group outside its range', () => {
    const backend = kind.make();
    expect(() => backend.put('a', 3, 'k', '', undefined)).toThrow(/must not be undefined/);
    expect(() => backend.put('a', range.end + 1, 'k', '', 1)).toThrow(/key group 6/);
    expect(() => backend.put('a', range.start - 1, 'k', '', 1)).toThrow(/key group 1/);
    expect(backend.size()).toBe(0);
  });
});

describe('memory backend', () => {
  it('refuses a key group range that is empty or beyond max parallelism', () => {
    expect(() => new MemoryKeyedStateBackend({ start: 3, end: 2 }, 8)).toThrow(/invalid key group range 3..2 for max 8/);
    expect(() => new MemoryKeyedStateBackend({ start: 0, end: 8 }, 8)).toThrow(/invalid key group range 0..8/);
    expect(() => new MemoryKeyedStateBackend({ start: 7, end: 7 }, 8)).not.toThrow();
  });

  it('takes no snapshots and restores none (it never checkpoints)', () => {
    const backend = new MemoryKeyedStateBackend(range, MAX_PARALLELISM);
    expect(() => backend.snapshot(1, 'p', 's')).toThrow(/snapshot not supported/);
    expect(() => backend.restore([], new Map())).toThrow(/restore not supported/);
  });
});
