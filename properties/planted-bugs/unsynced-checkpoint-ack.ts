// Planted bug (test-only, through the TaskManager configuration seam): a task acknowledges a checkpoint once its
// files are written, never syncing them. A crash of its TaskManager then drops or tears files of a completed
// checkpoint; the run's store check finds a retained checkpoint whose file is gone or cut short.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const unsynced_checkpoint_ack_seams: EngineSeams = {
  task_manager: { ack_unsynced_checkpoint_files: true },
};
