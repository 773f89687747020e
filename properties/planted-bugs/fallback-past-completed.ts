// Planted bug (test-only, through the JobManager's restore_choice seam): recovery restores the checkpoint before the
// newest completed one, as a recovery that skipped a damaged newest checkpoint used to. Output committed on the newest
// is replayed; checkpoint_invariants catches the restore itself.
import type { JobManagerConfig } from '../../engine/cluster/job-manager.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const fallback_past_completed_seams: EngineSeams = {
  job_manager: (config: JobManagerConfig): JobManagerConfig => ({
    ...config,
    restore_choice: (retained_newest_first) => retained_newest_first[1] ?? retained_newest_first[0],
  }),
};
