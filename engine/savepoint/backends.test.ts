// Savepoints are backend- and parallelism-independent: the same logical keyed state held by heap backends at one
// parallelism and by LSM backends at another gives the same savepoint state, and restoring moves it across intact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyedStateBackend, StateEntry } from '../state/backend.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { LsmKeyedStateBackend } from '../state/lsm/lsm-backend.js';
import { key_group_range, plan_restore, read_savepoint, subtask_for_key_group, write_savepoint } from './index.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 30);
const MAX_P = 32;

type Op = { kind: 'put'; state: string; key_group: number; key: string; namespace: string; value: number } | { kind: 'delete'; state: string; key_group: number; key: string; namespace: string };

const op_arb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<'put' | 'delete'>('put', 'put', 'put', 'delete'),
  state: fc.constantFrom('count', 'sum'),
  key_group: fc.integer({ min: 0, max: MAX_P - 1 }),
  key: fc.constantFrom('', 'sa', 'sb', 's__proto__', 'sconstructor', 'n7'),
  namespace: fc.constantFrom('', 'w:0'),
  value: fc.integer(),
}).map((o) => (o.kind === 'put' ? o : { kind: 'delete', state: o.state, key_group: o.key_group, key: o.key, namespace: o.namespace }));

function backends(kind: 'heap' | 'lsm', parallelism: number): KeyedStateBackend[] {
  return Array.from({ length: parallelism }, (_, i) => {
    const options = { key_group_range: key_group_range(MAX_P, parallelism, i), max_parallelism: MAX_P };
    return kind === 'heap' ? new HeapKeyedStateBackend(options) : new LsmKeyedStateBackend({ ...options, memtable_max_entries: 3 });
  });
}

function apply(ops: Op[], subtasks: KeyedStateBackend[]): void {
  for (const op of ops) {
    const backend = subtasks[subtask_for_key_group(MAX_P, subtasks.length, op.key_group)] as KeyedStateBackend;
    if (op.kind === 'put') backend.put(op.state, op.key_group, op.key, op.namespace, op.value);
    else backend.delete(op.state, op.key_group, op.key, op.namespace);
  }
}

function savepoint_of(subtasks: KeyedStateBackend[]): Uint8Array {
  const keyed: StateEntry[] = subtasks.flatMap((b) => [...b.export_entries()]);
  return write_savepoint({
    job_id: 'j',
    checkpoint_id: 4,
    operators: [{ uid: 'op', max_parallelism: MAX_P, parallelism: subtasks.length, keyed, list_states: [] }],
    master_states: [],
  });
}

describe('savepoints across state backends', () => {
  it('heap at parallelism 2 and LSM at parallelism 3 holding the same state write the same keyed state', () => {
    fc.assert(
      fc.property(fc.array(op_arb, { maxLength: 80 }), (ops) => {
        const heap = backends('heap', 2);
        const lsm = backends('lsm', 3);
        apply(ops, heap);
        apply(ops, lsm);
        const decode = (bytes: Uint8Array) => {
          const read = read_savepoint(bytes);
          if (!read.ok) throw new Error(read.message);
          return read.savepoint.operators.map((o) => ({ ...o, parallelism: 'differs by design' }));
        };
        expect(decode(savepoint_of(lsm))).toEqual(decode(savepoint_of(heap)));
      }),
      { numRuns: runs },
    );
  });

  it('a heap savepoint restored into LSM backends at parallelism 5 exports the same entries', () => {
    fc.assert(
      fc.property(fc.array(op_arb, { maxLength: 80 }), (ops) => {
        const heap = backends('heap', 2);
        apply(ops, heap);
        const bytes = savepoint_of(heap);
        const read = read_savepoint(bytes);
        if (!read.ok) throw new Error(read.message);
        const planned = plan_restore(read.savepoint, { operators: [{ uid: 'op', parallelism: 5, max_parallelism: MAX_P }] }, { allow_non_restored_state: false });
        if (!planned.ok) throw new Error(planned.message);
        const lsm = backends('lsm', 5);
        planned.plan.operators[0]!.subtasks.forEach((s, i) => {
          expect(lsm[i]!.key_group_range).toEqual(s.key_group_range);
          for (const e of s.keyed) lsm[i]!.put(e.state, e.key_group, e.key, e.namespace, e.value);
        });
        const again = read_savepoint(savepoint_of(lsm));
        if (!again.ok) throw new Error(again.message);
        expect(again.savepoint.operators[0]!.keyed).toEqual(read.savepoint.operators[0]!.keyed);
      }),
      { numRuns: runs },
    );
  });
});
