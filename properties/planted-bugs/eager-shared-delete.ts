// Planted bug (test-only, through the checkpoint coordinator's shared-registry seam): when a checkpoint is subsumed,
// every shared file it registered is released for deletion, even files newer retained checkpoints still reference.
// The run's store check flags a retained checkpoint whose file is gone.
import type { JobManagerConfig } from '../../engine/cluster/job-manager.js';
import type { FileRef } from '../../engine/state/backend.js';
import { SharedStateRegistry } from '../../engine/state/shared-state-registry.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export class EagerReleaseRegistry extends SharedStateRegistry {
  private readonly files_by_checkpoint = new Map<number, string[]>();

  override register(checkpoint_id: number, shared_files: readonly (FileRef | string)[]): void {
    super.register(checkpoint_id, shared_files);
    const paths = shared_files.map((file) => (typeof file === 'string' ? file : file.path));
    this.files_by_checkpoint.set(checkpoint_id, [...(this.files_by_checkpoint.get(checkpoint_id) ?? []), ...paths]);
  }

  override release(checkpoint_id: number): string[] {
    const freed = new Set(super.release(checkpoint_id));
    for (const path of this.files_by_checkpoint.get(checkpoint_id) ?? []) freed.add(path);
    this.files_by_checkpoint.delete(checkpoint_id);
    return [...freed].sort();
  }
}

export const eager_shared_delete_seams: EngineSeams = {
  job_manager: (config: JobManagerConfig): JobManagerConfig =>
    config.checkpointing === undefined ? config : { ...config, checkpointing: { ...config.checkpointing, create_shared_registry: () => new EagerReleaseRegistry() } },
};
