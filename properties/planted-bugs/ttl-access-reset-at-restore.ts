// Planted bug (test-only, through the TaskManager's task_seams): a restored keyed operator gives every TTL value the
// restore time as its last access, as if access times were not part of the checkpoint. Values that expired while the
// job was down live on after the restore: a TTL counter keeps counting where Flink's rule starts it again.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const ttl_access_reset_at_restore_seams: EngineSeams = {
  task_manager: { task_seams: { ttl_access_reset_at_restore: true } },
};
