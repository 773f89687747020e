// The public surface of savepoints: the canonical versioned format (write/read) and restore planning.
export {
  SAVEPOINT_FORMAT,
  SAVEPOINT_FORMAT_VERSION,
  SAVEPOINT_MAGIC,
  compare_entries,
  read_savepoint,
  write_savepoint,
  type ReadSavepointResult,
  type Savepoint,
  type SavepointErrorKind,
  type SavepointInput,
  type SavepointListState,
  type SavepointOperator,
} from './format.js';
export {
  even_split,
  key_group_range,
  plan_restore,
  subtask_for_key_group,
  type JobDescription,
  type OperatorRestore,
  type PlanRestoreError,
  type PlanRestoreResult,
  type RestoreOptions,
  type RestorePlan,
  type SubtaskRestore,
} from './restore-plan.js';
export { collect_operator_state, load_subtask_state, type SubtaskStateSource } from './task-state.js';
export { canonical_entries, restore_state_from_savepoint, savepoint_from_checkpoint } from './from-checkpoint.js';
