// Planted bug (test-only, through the TaskManager's task_seams): a restored merging window set forgets which windows
// were merged: every session window maps to itself, so the state windows of merged sessions are lost track of. The
// restored set differs from the checkpointed one at the next checkpoint, and sessions fire with the wrong contents.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const unmerged_session_restore_seams: EngineSeams = {
  task_manager: {
    task_seams: { merging_windows_restored: (mapping) => mapping.map(([window]) => [window, window]) },
  },
};
