// Planted bug (test-only, through the TaskManager's task_seams): a task drops the channel state of older unaligned
// checkpoints once a newer one's is complete, as if a newer checkpoint meant the older ones were aborted. An older
// checkpoint still waiting for its acknowledgement then completes without its in-flight records.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const drop_older_channel_states_seams: EngineSeams = {
  task_manager: { task_seams: { drop_older_channel_states: true } },
};
