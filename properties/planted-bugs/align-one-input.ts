// Planted bug (test-only, through the tasks' seam): a task with two input edges aligns barriers on its first input
// only; records of the second input that arrive behind their barrier reach keyed state before the snapshot, so a
// restored checkpoint holds more than its source offsets explain.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const align_one_input_seams: EngineSeams = { task_manager: { task_seams: { align_input_1_only: true } } };
