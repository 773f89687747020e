// Planted bug (test-only, through the TaskManager's task_seams): an older checkpoint's priority barrier that arrives on
// a channel while a newer unaligned checkpoint collects its channel state is queued like data. It used no credit, so
// the channel then holds more buffers than it granted credit for (an engine invariant stops the run).
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const queue_obsolete_priority_barrier_seams: EngineSeams = {
  task_manager: { task_seams: { queue_obsolete_priority_barriers: true } },
};
