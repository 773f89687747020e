// Planted bug (test-only, through the TaskManager's task_seams): a restore hands broadcast state to subtask 0 only;
// the other subtasks start without the rules they had, so events that need them wait forever (their verdicts are
// lost) and their copies of the broadcast state differ from the oracle's.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const broadcast_restore_one_subtask_seams: EngineSeams = {
  task_manager: { task_seams: { broadcast_state_on_subtask_0_only: true } },
};
