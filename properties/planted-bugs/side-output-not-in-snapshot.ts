// Planted bug (test-only, through the TaskManager's task_seams): an unaligned checkpoint keeps the in-flight records
// of the main output's channels but leaves out those of side-output channels. The side-output records a barrier
// overtook are neither in the restored state nor replayed: exactly-once output must fail.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const side_output_not_in_snapshot_seams: EngineSeams = {
  task_manager: {
    task_seams: {
      channel_state: (state, context) => ({
        input: state.input.filter((record) => !context.side_output_channel(record.channel)),
        output: state.output.filter((record) => !context.side_output_channel(record.channel)),
      }),
    },
  },
};
