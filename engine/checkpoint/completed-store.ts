// CompletedCheckpointStore: the retained completed checkpoints (newest last), bounded by num-retained. Dropping the
// oldest releases its shared files through the SharedStateRegistry and yields the files that may be deleted.

import type { SharedStateRegistry } from '../state/shared-state-registry.js';
import { type CheckpointMetadata, referenced_files } from './metadata.js';

export interface CompletedCheckpoint {
  checkpoint_id: number;
  metadata: CheckpointMetadata;
  metadata_path: string;
}

/** What to delete when a completed checkpoint is discarded. */
export interface DiscardPlan {
  checkpoint_id: number;
  /** Private files, the _metadata file and the shared files no retained checkpoint references any more (sorted). */
  paths: string[];
}

export class CompletedCheckpointStore {
  readonly num_retained: number;
  private readonly retained: CompletedCheckpoint[] = [];
  private readonly registry: SharedStateRegistry;

  /** num_retained: Flink's state.checkpoints.num-retained (default 1). */
  constructor(registry: SharedStateRegistry, num_retained = 1) {
    if (!Number.isInteger(num_retained) || num_retained < 1) throw new Error('num_retained must be ≥ 1');
    this.num_retained = num_retained;
    this.registry = registry;
  }

  /**
   * Add a completed checkpoint (ids strictly increase) and drop the oldest beyond num_retained. The new checkpoint's
   * shared files are registered (unless the caller did so already, at finalization) before anything is released, so
   * a file shared by old and new is never deleted.
   */
  add(checkpoint: CompletedCheckpoint, options: { shared_files_registered?: boolean } = {}): DiscardPlan[] {
    const newest = this.retained[this.retained.length - 1];
    if (newest !== undefined && checkpoint.checkpoint_id <= newest.checkpoint_id) {
      throw new Error(`completed checkpoint ${checkpoint.checkpoint_id} is not newer than ${newest.checkpoint_id}`);
    }
    if (checkpoint.metadata.kind !== 'checkpoint') throw new Error('savepoints are not added to the completed checkpoint store');
    if (options.shared_files_registered !== true) {
      this.registry.register(checkpoint.checkpoint_id, referenced_files(checkpoint.metadata).shared_files);
    }
    this.retained.push(checkpoint);
    const plans: DiscardPlan[] = [];
    while (this.retained.length > this.num_retained) {
      plans.push(this.discard(this.retained.shift() as CompletedCheckpoint));
    }
    return plans;
  }

  /** Discard every retained checkpoint (e.g. at job end under a deleting retention policy). */
  discard_all(): DiscardPlan[] {
    const plans: DiscardPlan[] = [];
    while (this.retained.length > 0) plans.push(this.discard(this.retained.shift() as CompletedCheckpoint));
    return plans;
  }

  /** Newest first. */
  newest_first(): CompletedCheckpoint[] {
    return [...this.retained].reverse();
  }

  latest(): CompletedCheckpoint | undefined {
    return this.retained[this.retained.length - 1];
  }

  /** Is the path a private file or the metadata of a retained checkpoint, or a registered shared file? */
  is_in_use(path: string): boolean {
    if (this.registry.is_referenced(path)) return true;
    for (const c of this.retained) {
      if (c.metadata_path === path) return true;
      if (referenced_files(c.metadata).private_files.some((f) => f.path === path)) return true;
    }
    return false;
  }

  private discard(checkpoint: CompletedCheckpoint): DiscardPlan {
    const shared = this.registry.release(checkpoint.checkpoint_id);
    const own = referenced_files(checkpoint.metadata).private_files.map((f) => f.path);
    const paths = [...new Set([...own, checkpoint.metadata_path, ...shared])].sort();
    return { checkpoint_id: checkpoint.checkpoint_id, paths };
  }
}
