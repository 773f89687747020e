// CheckpointFailureManager: counts consecutive checkpoint failures that matter (Flink's rules) and decides when the
// job must fail because more than `tolerable_failures` checkpoints failed in a row.

/** Why a checkpoint did not complete (a subset of Flink's CheckpointFailureReason). */
export type CheckpointFailureReason =
  | 'CHECKPOINT_EXPIRED'
  | 'CHECKPOINT_DECLINED'
  | 'CHECKPOINT_ASYNC_EXCEPTION'
  | 'IO_EXCEPTION'
  | 'CHECKPOINT_SUBSUMED'
  | 'TASK_FAILURE'
  | 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'
  | 'TOO_MANY_CHECKPOINT_REQUESTS'
  | 'CHECKPOINT_COORDINATOR_SHUTDOWN'
  | 'SHARED_STATE_MISSING';

/** Only these count towards the tolerable-failure budget (Flink's CheckpointFailureManager). */
export const COUNTED_FAILURE_REASONS: ReadonlySet<CheckpointFailureReason> = new Set<CheckpointFailureReason>([
  'IO_EXCEPTION', 'CHECKPOINT_ASYNC_EXCEPTION', 'CHECKPOINT_DECLINED', 'CHECKPOINT_EXPIRED', 'SHARED_STATE_MISSING',
]);

/** Bound on remembered counted ids: more than the tolerable budget can never be needed beyond this. */
const MAX_COUNTED_IDS = 4096;

export class CheckpointFailureManager {
  readonly tolerable_failures: number;
  private consecutive_failures = 0;
  private last_succeeded_id = 0;
  private readonly counted_ids = new Set<number>();

  /** tolerable_failures: Flink's execution.checkpointing.tolerable-failed-checkpoints (default 0). */
  constructor(tolerable_failures = 0) {
    if (!Number.isInteger(tolerable_failures) || tolerable_failures < 0) throw new Error('tolerable_failures must be ≥ 0');
    this.tolerable_failures = tolerable_failures;
  }

  /**
   * A checkpoint failed. Returns a reason text when the job must fail, else undefined. A failure counts once per
   * checkpoint id, only for counted reasons, and only for ids above the last success.
   */
  on_failure(checkpoint_id: number, reason: CheckpointFailureReason): string | undefined {
    if (!COUNTED_FAILURE_REASONS.has(reason)) return undefined;
    if (checkpoint_id <= this.last_succeeded_id) return undefined;
    if (this.counted_ids.has(checkpoint_id)) return undefined;
    if (this.counted_ids.size >= MAX_COUNTED_IDS) this.counted_ids.delete(this.counted_ids.values().next().value as number);
    this.counted_ids.add(checkpoint_id);
    this.consecutive_failures++;
    if (this.consecutive_failures > this.tolerable_failures) {
      return `Exceeded checkpoint tolerable failure threshold: ${this.consecutive_failures} consecutive checkpoint failures (last: checkpoint ${checkpoint_id}, ${reason}), tolerable ${this.tolerable_failures}`;
    }
    return undefined;
  }

  /** A checkpoint completed: the consecutive count resets. */
  on_success(checkpoint_id: number): void {
    if (checkpoint_id > this.last_succeeded_id) {
      this.last_succeeded_id = checkpoint_id;
      this.consecutive_failures = 0;
      this.counted_ids.clear();
    }
  }

  failure_count(): number {
    return this.consecutive_failures;
  }
}
