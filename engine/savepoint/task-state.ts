// Glue between a running job's state objects and the canonical savepoint: collect one operator's keyed state
// (KeyedStateBackend.export_entries) and list states (OperatorListState) for write_savepoint, and load a planned
// subtask restore back into a backend and list states.
import type { KeyedStateBackend } from '../state/backend.js';
import type { OperatorListState, OperatorStateMode } from '../state/operator-state.js';
import type { SavepointInput, SavepointListState } from './format.js';
import type { SubtaskRestore } from './restore-plan.js';

/** One parallel instance of an operator at savepoint time. */
export interface SubtaskStateSource {
  /** undefined for an operator without keyed state. */
  keyed_backend?: KeyedStateBackend;
  list_states: readonly OperatorListState<unknown>[];
}

function to_distribution(mode: OperatorStateMode): SavepointListState['mode'] {
  return mode === 'split' ? 'even-split' : mode;
}

/** Builds one operator's savepoint input from its subtasks (index i = subtask i). */
export function collect_operator_state(
  uid: string,
  max_parallelism: number,
  subtasks: readonly SubtaskStateSource[],
): SavepointInput['operators'][number] {
  const parallelism = subtasks.length;
  const keyed = subtasks.flatMap((s) => {
    const backend = s.keyed_backend;
    if (backend === undefined) return [];
    if (backend.max_parallelism !== max_parallelism) {
      throw new Error(`operator "${uid}": backend max parallelism ${backend.max_parallelism} ≠ ${max_parallelism}`);
    }
    return [...backend.export_entries()];
  });
  const by_name = new Map<string, SavepointListState>();
  subtasks.forEach((s, index) => {
    for (const list of s.list_states) {
      let entry = by_name.get(list.name);
      if (entry === undefined) {
        entry = { name: list.name, mode: to_distribution(list.mode), partitions: Array.from({ length: parallelism }, () => []) };
        by_name.set(list.name, entry);
      }
      if (entry.mode !== to_distribution(list.mode)) throw new Error(`operator "${uid}": list state "${list.name}" registered with two modes`);
      entry.partitions[index] = structuredClone([...list.get()]);
    }
  });
  return { uid, max_parallelism, parallelism, keyed, list_states: [...by_name.values()] };
}

/**
 * Loads a planned restore into a fresh subtask: keyed entries into `backend` (which must own exactly the planned key
 * group range), list states through `list_state(name, mode)` (e.g. the task's getOperatorListState).
 */
export function load_subtask_state(
  restore: SubtaskRestore,
  backend: KeyedStateBackend | undefined,
  list_state: (name: string, mode: OperatorStateMode) => OperatorListState<unknown>,
): void {
  if (restore.keyed.length > 0) {
    if (backend === undefined) throw new Error(`subtask ${restore.subtask_index}: keyed state to restore but no keyed backend`);
    const range = backend.key_group_range;
    if (range.start !== restore.key_group_range.start || range.end !== restore.key_group_range.end) {
      throw new Error(`subtask ${restore.subtask_index}: backend owns ${range.start}..${range.end}, plan says ${restore.key_group_range.start}..${restore.key_group_range.end}`);
    }
    if (backend.size() !== 0) throw new Error(`subtask ${restore.subtask_index}: restore into a backend that already holds state`);
    for (const e of restore.keyed) backend.put(e.state, e.key_group, e.key, e.namespace, e.value);
  }
  for (const list of restore.list_states) list_state(list.name, list.mode === 'even-split' ? 'split' : list.mode).update(list.entries);
}
