// Planted bug (test-only, through the JobManager configuration seam): the scenario asks for exactly-once
// checkpoints, but barriers are not aligned (the engine's at-least-once handling). Records behind a barrier on a fast
// channel reach keyed state before the snapshot, so a restored checkpoint holds more than its source offsets explain.
import type { JobManagerConfig } from '../../engine/cluster/job-manager.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const skip_alignment_seams: EngineSeams = {
  job_manager: (config: JobManagerConfig): JobManagerConfig =>
    config.checkpointing === undefined ? config : { ...config, checkpointing: { ...config.checkpointing, mode: 'at_least_once' } },
};
