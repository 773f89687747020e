// Planted bug (test-only, through the TaskManager's task_seams): with an aligned-checkpoint timeout, a task's snapshot
// is acknowledged before its forwarded barrier is watched in the output queues. A snapshot without files (a source's)
// is then acknowledged without the records its queued barrier later overtakes, so a restore loses them.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const ack_before_queued_barrier_seams: EngineSeams = {
  task_manager: { task_seams: { ack_before_queued_barrier_watched: true } },
};
