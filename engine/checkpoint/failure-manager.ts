// CheckpointFailureManager: counts consecutive checkpoint failures that matter (Flink's rules) and decides when the
// job must fail because more than `tolerable_failures` checkpoints failed in a row, or because a task declined a
// stop-with-savepoint.

/** Why a checkpoint did not complete (Flink's CheckpointFailureReason, the ones this engine can produce). */
export type CheckpointFailureReason =
  | 'CHECKPOINT_EXPIRED'
  | 'CHECKPOINT_DECLINED'
  | 'CHECKPOINT_DECLINED_SUBSUMED'
  | 'CHECKPOINT_DECLINED_TASK_CLOSING'
  | 'CHECKPOINT_DECLINED_TASK_NOT_READY'
  | 'CHECKPOINT_ASYNC_EXCEPTION'
  | 'IO_EXCEPTION'
  | 'FINALIZE_CHECKPOINT_FAILURE'
  | 'CHECKPOINT_SUBSUMED'
  | 'TASK_FAILURE'
  | 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'
  | 'TOO_MANY_CHECKPOINT_REQUESTS'
  | 'PERIODIC_SCHEDULER_SHUTDOWN'
  | 'CHECKPOINT_COORDINATOR_SHUTDOWN'
  | 'SHARED_STATE_MISSING';

/** How a task may decline a checkpoint (the reasons a `checkpoint.decline` message carries). */
export type DeclineReason =
  | 'CHECKPOINT_DECLINED'
  | 'CHECKPOINT_DECLINED_SUBSUMED'
  | 'CHECKPOINT_DECLINED_TASK_CLOSING'
  | 'CHECKPOINT_DECLINED_TASK_NOT_READY'
  | 'CHECKPOINT_ASYNC_EXCEPTION';

/**
 * Only these count towards the tolerable-failure budget (Flink's CheckpointFailureReason.isCountedAgainstFailureThreshold:
 * FINALIZE_CHECKPOINT_FAILURE counts since Flink 1.16). SHARED_STATE_MISSING is this engine's own finalization check.
 * A barrier overtaken by a newer one (CHECKPOINT_DECLINED_SUBSUMED), a closing task, a subsumed checkpoint, a task
 * failure and the scheduler's own refusals never count.
 */
export const COUNTED_FAILURE_REASONS: ReadonlySet<CheckpointFailureReason> = new Set<CheckpointFailureReason>([
  'IO_EXCEPTION', 'CHECKPOINT_ASYNC_EXCEPTION', 'CHECKPOINT_DECLINED', 'CHECKPOINT_EXPIRED', 'FINALIZE_CHECKPOINT_FAILURE', 'SHARED_STATE_MISSING',
]);

/** What failed: a checkpoint or a savepoint (and whether it was a stop-with-savepoint), and who reported it. */
export interface FailedCheckpoint {
  checkpoint_id: number;
  reason: CheckpointFailureReason;
  kind: 'checkpoint' | 'savepoint';
  /** Stop-with-savepoint. */
  synchronous: boolean;
  /** A task declined it (Flink's task-level failure); otherwise the JobManager gave up on it (expired, finalize, …). */
  declined_by_task: boolean;
}

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
   * A checkpoint or savepoint failed. Returns a reason text when the job must fail, else undefined. As Flink's
   * handleCheckpointException: a savepoint the JobManager gave up on never counts (a manual action: a failover would
   * not help); a stop-with-savepoint a task declined always fails the job (the job would otherwise wait for a
   * savepoint that never comes); anything else goes against the counter, once per id, for counted reasons and only for
   * ids above the last success. When the counter trips it is cleared.
   */
  on_failure(failed: FailedCheckpoint): string | undefined {
    const { checkpoint_id, reason } = failed;
    if (failed.kind === 'savepoint') {
      if (!failed.declined_by_task) return undefined;
      if (failed.synchronous) return `stop-with-savepoint ${checkpoint_id} failed: ${reason}`;
    }
    if (checkpoint_id <= this.last_succeeded_id || !COUNTED_FAILURE_REASONS.has(reason)) return undefined;
    if (this.counted_ids.has(checkpoint_id)) return undefined;
    if (this.counted_ids.size >= MAX_COUNTED_IDS) this.counted_ids.delete(this.counted_ids.values().next().value as number);
    this.counted_ids.add(checkpoint_id);
    this.consecutive_failures++;
    if (this.consecutive_failures <= this.tolerable_failures) return undefined;
    const failures = this.consecutive_failures;
    this.clear();
    return `Exceeded checkpoint tolerable failure threshold: ${failures} consecutive checkpoint failures (last: checkpoint ${checkpoint_id}, ${reason}), tolerable ${this.tolerable_failures}`;
  }

  /** A checkpoint or savepoint completed: the consecutive count resets. */
  on_success(checkpoint_id: number): void {
    if (checkpoint_id > this.last_succeeded_id) {
      this.last_succeeded_id = checkpoint_id;
      this.clear();
    }
  }

  failure_count(): number {
    return this.consecutive_failures;
  }

  private clear(): void {
    this.consecutive_failures = 0;
    this.counted_ids.clear();
  }
}
