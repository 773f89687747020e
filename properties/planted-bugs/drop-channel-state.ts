// Planted bug (test-only, through the TaskManager's task_seams): unaligned checkpoints snapshot the operators and let
// the barrier overtake the in-flight records, but the channel state is left out of the snapshot. The overtaken
// records are then neither in the restored state nor replayed, so exactly-once state (and output) must fail.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const drop_channel_state_seams: EngineSeams = {
  task_manager: {
    task_seams: { channel_state: () => ({ input: [], output: [] }) },
  },
};
