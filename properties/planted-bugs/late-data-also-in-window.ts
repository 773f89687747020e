// Planted bug (test-only, through the TaskManager's task_seams): a window operator sends a late element to its
// sideOutputLateData tag and also adds it to its windows, which fire again with it: the event is counted twice.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const late_data_also_in_window_seams: EngineSeams = {
  task_manager: { task_seams: { late_data: 'also_in_window' } },
};
