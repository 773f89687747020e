// Specification of the CheckpointFailureManager against Flink's CheckpointFailureManager (handleCheckpointException,
// checkFailureAgainstCounter, CheckpointFailureReason.isCountedAgainstFailureThreshold, handleCheckpointSuccess),
// transcribed below as the reference: for any sequence of failures and successes the engine fails the job exactly
// when Flink would, and counts as Flink counts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CheckpointFailureManager, COUNTED_FAILURE_REASONS, type CheckpointFailureReason, type FailedCheckpoint } from './failure-manager.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 100);

const ALL_REASONS: CheckpointFailureReason[] = [
  'CHECKPOINT_EXPIRED', 'CHECKPOINT_DECLINED', 'CHECKPOINT_DECLINED_SUBSUMED', 'CHECKPOINT_DECLINED_TASK_CLOSING',
  'CHECKPOINT_DECLINED_TASK_NOT_READY', 'CHECKPOINT_ASYNC_EXCEPTION', 'IO_EXCEPTION', 'FINALIZE_CHECKPOINT_FAILURE',
  'CHECKPOINT_SUBSUMED', 'TASK_FAILURE', 'MINIMUM_TIME_BETWEEN_CHECKPOINTS', 'TOO_MANY_CHECKPOINT_REQUESTS',
  'PERIODIC_SCHEDULER_SHUTDOWN', 'CHECKPOINT_COORDINATOR_SHUTDOWN', 'SHARED_STATE_MISSING',
];

/** Flink's CheckpointFailureReason.isCountedAgainstFailureThreshold (plus this engine's SHARED_STATE_MISSING, a finalize check). */
const FLINK_COUNTED = new Set<CheckpointFailureReason>(['IO_EXCEPTION', 'CHECKPOINT_ASYNC_EXCEPTION', 'CHECKPOINT_DECLINED', 'CHECKPOINT_EXPIRED', 'FINALIZE_CHECKPOINT_FAILURE', 'SHARED_STATE_MISSING']);

/** Flink's CheckpointFailureManager, reduced to what decides whether the job fails. */
class FlinkFailureManager {
  private counter = 0;
  private last_succeeded = 0;
  private counted = new Set<number>();
  constructor(private readonly tolerable: number) {}
  /** true: the job fails. */
  handle(failed: FailedCheckpoint): boolean {
    if (!failed.declined_by_task) {
      // handleJobLevelCheckpointException: savepoints never count.
      return failed.kind === 'savepoint' ? false : this.check_against_counter(failed);
    }
    // handleTaskLevelCheckpointException: a declined synchronous savepoint fails the job at once.
    if (failed.kind === 'savepoint' && failed.synchronous) return true;
    return this.check_against_counter(failed);
  }
  private check_against_counter(failed: FailedCheckpoint): boolean {
    if (failed.checkpoint_id <= this.last_succeeded) return false;
    if (FLINK_COUNTED.has(failed.reason) && !this.counted.has(failed.checkpoint_id)) {
      this.counted.add(failed.checkpoint_id);
      this.counter++;
    }
    if (this.counter > this.tolerable) {
      this.clear();
      return true;
    }
    return false;
  }
  success(checkpoint_id: number): void {
    if (checkpoint_id > this.last_succeeded) {
      this.last_succeeded = checkpoint_id;
      this.clear();
    }
  }
  count(): number {
    return this.counter;
  }
  private clear(): void {
    this.counter = 0;
    this.counted = new Set();
  }
}

type Event = { success: number } | { failure: FailedCheckpoint };
const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ success: fc.integer({ min: 1, max: 12 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      failure: fc.record({
        checkpoint_id: fc.integer({ min: 1, max: 12 }),
        reason: fc.constantFrom(...ALL_REASONS),
        kind: fc.constantFrom('checkpoint' as const, 'savepoint' as const),
        synchronous: fc.boolean(),
        declined_by_task: fc.boolean(),
      }),
    }),
  },
);

describe('CheckpointFailureManager decides as Flink does', () => {
  it('counts exactly the reasons Flink counts against the threshold', () => {
    expect([...COUNTED_FAILURE_REASONS].sort()).toEqual([...FLINK_COUNTED].sort());
  });

  it('fails the job exactly when Flink would, for any failures and successes (model check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.array(event, { maxLength: 40, size: 'max' }), (tolerable, events) => {
        const engine = new CheckpointFailureManager(tolerable);
        const flink = new FlinkFailureManager(tolerable);
        for (const e of events) {
          if ('success' in e) {
            engine.on_success(e.success);
            flink.success(e.success);
          } else {
            const fails = engine.on_failure(e.failure);
            const at = JSON.stringify(e.failure);
            expect(fails !== undefined, at).toBe(flink.handle(e.failure));
          }
          expect(engine.failure_count()).toBe(flink.count());
        }
      }),
      { numRuns: runs },
    );
  });

  it('names the threshold, the count and the last failure when it trips, then starts counting afresh', () => {
    const manager = new CheckpointFailureManager(1);
    const failure = (checkpoint_id: number, reason: CheckpointFailureReason = 'CHECKPOINT_EXPIRED'): FailedCheckpoint => ({ checkpoint_id, reason, kind: 'checkpoint', synchronous: false, declined_by_task: false });
    expect(manager.on_failure(failure(3))).toBeUndefined();
    expect(manager.on_failure(failure(3, 'CHECKPOINT_DECLINED'))).toBeUndefined(); // one checkpoint counts once
    expect(manager.on_failure(failure(4, 'IO_EXCEPTION'))).toBe(
      'Exceeded checkpoint tolerable failure threshold: 2 consecutive checkpoint failures (last: checkpoint 4, IO_EXCEPTION), tolerable 1',
    );
    expect(manager.failure_count()).toBe(0);
    expect(manager.on_failure(failure(5))).toBeUndefined();
    expect(manager.failure_count()).toBe(1);
  });

  it('a declined stop-with-savepoint fails the job, naming it', () => {
    const manager = new CheckpointFailureManager(5);
    expect(manager.on_failure({ checkpoint_id: 9, reason: 'CHECKPOINT_DECLINED_TASK_NOT_READY', kind: 'savepoint', synchronous: true, declined_by_task: true }))
      .toBe('stop-with-savepoint 9 failed: CHECKPOINT_DECLINED_TASK_NOT_READY');
  });

  it('refuses a negative or fractional tolerable number', () => {
    expect(() => new CheckpointFailureManager(-1)).toThrow(/tolerable_failures must be ≥ 0/);
    expect(() => new CheckpointFailureManager(0.5)).toThrow(/tolerable_failures must be ≥ 0/);
    expect(new CheckpointFailureManager().tolerable_failures).toBe(0);
  });
});
