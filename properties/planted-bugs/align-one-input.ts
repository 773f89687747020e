// Planted bug (test-only, through the TaskManager's task_seams): a task with two inputs aligns barriers on input 1
// only; input 2's channels keep flowing after their barrier, so their records reach state before the snapshot and a
// restored checkpoint holds more of input 2 than its source offsets explain.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const align_one_input_seams: EngineSeams = {
  task_manager: { task_seams: { align_input_1_only: true } },
};
