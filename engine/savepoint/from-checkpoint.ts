// Conversions between native checkpoint state (engine/checkpoint/metadata.ts handles of the heap or LSM backend)
// and the canonical savepoint: a stop-with-savepoint can write the canonical form from a completed snapshot, and a
// canonical savepoint restores through the ordinary checkpoint restore path (with any backend, at any parallelism).
import type { CheckpointMetadata, MasterState, OperatorState, SubtaskState } from '../checkpoint/metadata.js';
import type { KeyedStateBackend, KeyedStateHandle, StateEntry } from '../state/backend.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { LsmKeyedStateBackend } from '../state/lsm/lsm-backend.js';
import { write_savepoint, type Savepoint, type SavepointListState } from './format.js';
import { keyGroupWatermarks, watermarkExtraForAllKeyGroups } from '../checkpoint/key-group-watermarks.js';

/** A backend owning every key group, of the kind that wrote `handles`. */
function full_range_backend(kind: KeyedStateHandle['backend'], max_parallelism: number): KeyedStateBackend {
  const options = { key_group_range: { start: 0, end: max_parallelism - 1 }, max_parallelism };
  return kind === 'heap' ? new HeapKeyedStateBackend(options) : new LsmKeyedStateBackend(options);
}

/**
 * Reads every keyed handle of every subtask into backends of its own kind and exports canonical entries. `files`
 * must hold every referenced file (checksums are verified by the backends; a corrupt file throws CorruptStateError).
 */
export function canonical_entries(operator: OperatorState, files: ReadonlyMap<string, Uint8Array>): StateEntry[] {
  const entries: StateEntry[] = [];
  for (const kind of ['heap', 'lsm'] as const) {
    const handles = operator.subtasks.flatMap((s) => s.keyed).filter((h) => h.backend === kind);
    if (handles.length === 0) continue;
    const backend = full_range_backend(kind, operator.max_parallelism);
    backend.restore(handles, files);
    for (const entry of backend.export_entries()) entries.push(entry);
  }
  return entries;
}

/** The canonical savepoint bytes of a completed checkpoint or native savepoint. */
export function savepoint_from_checkpoint(metadata: CheckpointMetadata, files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  return write_savepoint({
    job_id: metadata.job_id,
    checkpoint_id: metadata.checkpoint_id,
    operators: metadata.operators.map((op) => {
      const by_name = new Map<string, SavepointListState>();
      for (const sub of [...op.subtasks].sort((a, b) => a.subtask_index - b.subtask_index)) {
        for (const list of sub.operator_state) {
          let entry = by_name.get(list.name);
          if (entry === undefined) {
            entry = { name: list.name, mode: list.mode, partitions: Array.from({ length: op.parallelism }, () => []) };
            by_name.set(list.name, entry);
          }
          entry.partitions[sub.subtask_index] = structuredClone(list.entries);
        }
      }
      // Which timers the keyed state has fired, for checks of the state restored from it (not Flink's format: Flink's
      // savepoints do not need it, they are not compared with an oracle).
      const watermarks = keyGroupWatermarks(op.subtasks, op.max_parallelism, { start: 0, end: op.max_parallelism - 1 });
      return {
        uid: op.operator_id,
        max_parallelism: op.max_parallelism,
        parallelism: op.parallelism,
        keyed: canonical_entries(op, files),
        list_states: [...by_name.values()],
        ...(watermarks.length > 0 ? { watermarks } : {}),
      };
    }),
    master_states: structuredClone(metadata.master_states),
  });
}

/**
 * Checkpoint-shaped state for a canonical savepoint, restorable by the task's ordinary restore path: per operator,
 * one subtask state per saved list-state partition, and all keyed state in one inline heap handle (every task keeps
 * the key groups of its own range). No files are needed.
 */
export function restore_state_from_savepoint(savepoint: Savepoint): { operators: OperatorState[]; master_states: MasterState[] } {
  const operators = savepoint.operators.map((op): OperatorState => {
    const partitions = Math.max(1, ...op.list_states.map((l) => l.partitions.length));
    const parallelism = op.parallelism ?? partitions;
    const subtasks: SubtaskState[] = Array.from({ length: Math.max(parallelism, partitions) }, (_, subtask_index) => ({
      subtask_index,
      keyed: [],
      operator_state: op.list_states.map((l) => ({ name: l.name, mode: l.mode, entries: structuredClone(l.partitions[subtask_index] ?? []) })),
    }));
    if (op.keyed.length > 0) {
      const backend = new HeapKeyedStateBackend({
        key_group_range: { start: 0, end: op.max_parallelism - 1 },
        max_parallelism: op.max_parallelism,
        memory_threshold_bytes: Number.POSITIVE_INFINITY,
      });
      for (const e of op.keyed) backend.put(e.state, e.key_group, e.key, e.namespace, structuredClone(e.value));
      const snapshot = backend.snapshot(savepoint.checkpoint_id, `savepoint-${savepoint.checkpoint_id}/${op.uid}`, 'unused');
      if (snapshot.files_to_write.length > 0) throw new Error('restore_state_from_savepoint: expected an inline heap handle');
      (subtasks[0] as SubtaskState).keyed.push(snapshot.handle);
    }
    // Subtask 0 holds every key group: the watermark of each range goes with it (also when the state is empty because
    // every timer had fired: the restored operator must not be expected to hold them).
    const extra = watermarkExtraForAllKeyGroups(op.watermarks ?? []);
    if (extra !== undefined) (subtasks[0] as SubtaskState).extra = extra;
    return { operator_id: op.uid, parallelism: subtasks.length, max_parallelism: op.max_parallelism, subtasks };
  });
  return { operators, master_states: structuredClone(savepoint.master_states) };
}
