// Planted bug (test-only, through the TaskManager's task_seams): a window operator restored from a checkpoint drops
// late elements instead of sending them to its sideOutputLateData tag (as if the tag were lost at the restore). The
// events are in no window firing and not in the late output: exactly-once output must fail.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const late_data_dropped_after_restore_seams: EngineSeams = {
  task_manager: { task_seams: { late_data: 'dropped_after_restore' } },
};
