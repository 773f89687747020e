// Specification of the glue between live task state and savepoints: a savepoint taken from heap backends and
// operator list states at parallelism 2 loads into fresh subtasks at parallelism 3 with nothing lost or duplicated.
import { describe, expect, it } from 'vitest';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { OperatorListState } from '../state/operator-state.js';
import { key_group_range, plan_restore, read_savepoint, subtask_for_key_group, write_savepoint } from './index.js';
import { collect_operator_state, load_subtask_state } from './task-state.js';

const MAX_P = 8;
const backend = (p: number, i: number) => new HeapKeyedStateBackend({ key_group_range: key_group_range(MAX_P, p, i), max_parallelism: MAX_P });

describe('savepoint ↔ task state', () => {
  it('collects backends and list states at parallelism 2 and loads them at parallelism 3', () => {
    const old = [0, 1].map((i) => {
      const b = backend(2, i);
      const offsets = new OperatorListState<unknown>('offsets', 'split');
      const hint = new OperatorListState<unknown>('hint', 'union');
      offsets.update([`p${i}@${10 * i}`]);
      hint.update([i]);
      return { keyed_backend: b, list_states: [offsets, hint] };
    });
    for (let kg = 0; kg < MAX_P; kg++) old[subtask_for_key_group(MAX_P, 2, kg)]!.keyed_backend.put('count', kg, `k${kg}`, '', kg * 10);
    const bytes = write_savepoint({ job_id: 'j', checkpoint_id: 9, operators: [collect_operator_state('op', MAX_P, old)], master_states: [] });
    const read = read_savepoint(bytes);
    if (!read.ok) throw new Error(read.message);
    const planned = plan_restore(read.savepoint, { operators: [{ uid: 'op', parallelism: 3, max_parallelism: MAX_P }] }, { allow_non_restored_state: false });
    if (!planned.ok) throw new Error(planned.message);
    const fresh = [0, 1, 2].map((i) => ({ b: backend(3, i), lists: new Map<string, OperatorListState<unknown>>() }));
    planned.plan.operators[0]!.subtasks.forEach((s, i) => {
      const target = fresh[i]!;
      load_subtask_state(s, target.b, (name, mode) => {
        const list = new OperatorListState<unknown>(name, mode);
        target.lists.set(name, list);
        return list;
      });
    });
    expect(fresh.flatMap((f) => [...f.b.export_entries()])).toEqual(old.flatMap((o) => [...o.keyed_backend.export_entries()]));
    expect(fresh.map((f) => f.lists.get('offsets')?.get())).toEqual([['p0@0'], ['p1@10'], []]);
    expect(fresh.map((f) => f.lists.get('hint')?.get())).toEqual([[0, 1], [0, 1], [0, 1]]);
    expect(fresh.map((f) => f.lists.get('hint')?.mode)).toEqual(['union', 'union', 'union']);
  });

  it('refuses to load into a backend with the wrong key-group range or one that already holds state', () => {
    const b = backend(2, 0);
    b.put('count', 0, 'k', '', 1);
    const restore = { subtask_index: 0, key_group_range: key_group_range(MAX_P, 2, 0), keyed: [{ state: 'count', key_group: 1, key: 'x', namespace: '', value: 2 }], list_states: [] };
    expect(() => load_subtask_state(restore, b, () => new OperatorListState('x', 'split'))).toThrow(/already holds state/);
    expect(() => load_subtask_state(restore, backend(3, 0), () => new OperatorListState('x', 'split'))).toThrow(/backend owns 0\.\.2, plan says 0\.\.3/);
  });
});
