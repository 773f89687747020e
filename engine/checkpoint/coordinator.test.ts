// Specification of the CheckpointCoordinator: one describe per rule (Flink's semantics, see README.md here).
import { describe, expect, it } from 'vitest';
import {
  type CheckpointCoordinatorConfig, type CheckpointCoordinatorHooks, type CoordinatorTimerTag, type RequestOutcome, type TaskAck,
  CheckpointCoordinator, discards_on, is_coordinator_timer,
} from './coordinator.js';
import type { CheckpointMetadata } from './metadata.js';
import type { FileRef } from '../state/backend.js';

/** A manual world for the coordinator: a clock, a timer list, and a record of every hook call. */
class Harness {
  now_ms = 0;
  /** The wall clock reads now_ms + this (a clock jump); the monotonic clock reads now_ms. */
  wall_offset_ms = 0;
  timers: { at_ms: number; tag: CoordinatorTimerTag }[] = [];
  triggered: { checkpoint_id: number; kind: string; synchronous: boolean }[] = [];
  completed: { checkpoint_id: number; last_subsumed_id: number | undefined }[] = [];
  aborted: { checkpoint_id: number; reason: string }[] = [];
  persisted: { metadata: CheckpointMetadata; path: string }[] = [];
  discarded: string[] = [];
  job_failures: string[] = [];
  outcomes = new Map<number, RequestOutcome>();
  random_draws: [number, number][] = [];
  auto_persist = true;
  coordinator: CheckpointCoordinator;

  readonly hooks: CheckpointCoordinatorHooks;

  constructor(config: Partial<CheckpointCoordinatorConfig> = {}, tasks = ['t0', 't1'], overrides: Partial<CheckpointCoordinatorHooks> = {}) {
    this.hooks = {
      now_ms: () => this.now_ms + this.wall_offset_ms,
      monotonic_ms: () => this.now_ms,
      schedule: (after_ms, tag) => { this.timers.push({ at_ms: this.now_ms + after_ms, tag }); },
      random: {
        next: () => 0.5,
        chance: () => false,
        int_inclusive: (min, max) => { this.random_draws.push([min, max]); return max; },
      },
      snapshot_master_states: (id) => [{ name: 'enumerator', state: { at: id } }],
      trigger_sources: (checkpoint_id, _ts, options) => { this.triggered.push({ checkpoint_id, kind: options.kind, synchronous: options.synchronous }); },
      notify_complete: (checkpoint_id, last_subsumed_id) => { this.completed.push({ checkpoint_id, last_subsumed_id }); },
      notify_aborted: (checkpoint_id, reason) => { this.aborted.push({ checkpoint_id, reason }); },
      persist_completed: (metadata, _bytes, path) => {
        this.persisted.push({ metadata, path });
        if (this.auto_persist) this.coordinator.on_metadata_persisted(metadata.checkpoint_id, true);
      },
      discard_files: (paths) => { this.discarded.push(...paths); },
      fail_job: (reason) => { this.job_failures.push(reason); },
      log: () => {},
      on_request_done: (id, outcome) => { this.outcomes.set(id, outcome); },
      ...overrides,
    };
    this.coordinator = new CheckpointCoordinator({ job_id: 'job', ...config }, this.hooks);
    this.coordinator.set_expected_tasks(tasks);
  }

  /** Advance the clock to `to_ms`, firing due timers in time order. */
  advance_to(to_ms: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.at_ms - b.at_ms);
      const next = this.timers[0];
      if (next === undefined || next.at_ms > to_ms) break;
      this.timers.shift();
      this.now_ms = next.at_ms;
      this.coordinator.on_timer(next.tag);
    }
    this.now_ms = to_ms;
  }

  ack(checkpoint_id: number, task_id: string, shared: FileRef[] = [], written: string[] = shared.map((f) => f.path)): string {
    return this.coordinator.acknowledge(checkpoint_id, ack_of(checkpoint_id, task_id, shared, written));
  }

  ack_all(checkpoint_id: number, shared: FileRef[] = []): void {
    this.ack(checkpoint_id, 't0', shared);
    this.ack(checkpoint_id, 't1');
  }
}

function ack_of(checkpoint_id: number, task_id: string, shared: FileRef[] = [], written: string[] = []): TaskAck {
  const index = Number(task_id.slice(1));
  const private_file: FileRef = { path: `job/chk-${checkpoint_id}/op-sub-${index}/keyed-heap.snapshot`, size_bytes: 10, checksum: '00000000' };
  return {
    task_id,
    written_files: [private_file.path, ...written],
    operators: [{
      operator_id: 'op', parallelism: 2, max_parallelism: 128,
      state: {
        subtask_index: index,
        keyed: [{ backend: 'heap', checkpoint_id, key_group_range: { start: index * 64, end: index * 64 + 63 }, private_files: [private_file], shared_files: shared }],
        operator_state: [],
      },
    }],
  };
}

const file = (name: string): FileRef => ({ path: `job/shared/${name}`, size_bytes: 5, checksum: '00000001' });

describe('periodic scheduling and min pause', () => {
  it('triggers first after a random delay in [min pause, interval], then at the interval', () => {
    const h = new Harness({ interval_ms: 1000, min_pause_ms: 200 });
    h.coordinator.start_periodic();
    expect(h.random_draws).toEqual([[200, 1000]]);
    h.advance_to(999);
    expect(h.triggered).toEqual([]);
    h.advance_to(1000);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1]);
    h.ack_all(1);
    h.advance_to(2000);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2]);
  });

  it('raises an interval below the min pause to the min pause', () => {
    expect(new Harness({ interval_ms: 100, min_pause_ms: 500 }).coordinator.interval_ms).toBe(500);
  });

  it('drops a periodic request before last completion + min pause and reschedules it', () => {
    const h = new Harness({ interval_ms: 1000, min_pause_ms: 800 });
    h.coordinator.start_periodic();
    h.advance_to(1000);
    h.advance_to(1700);
    h.ack_all(1); // completes at 1700: the next may start at 2500
    h.advance_to(2000);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1]);
    h.advance_to(2499);
    expect(h.triggered).toHaveLength(1);
    h.advance_to(2500);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2]);
  });

  it('never starts a periodic request queued before the scheduler stopped (PERIODIC_SCHEDULER_SHUTDOWN)', () => {
    const h = new Harness({ interval_ms: 100 });
    h.coordinator.start_periodic();
    h.advance_to(100); // checkpoint 1 pending
    h.advance_to(200); // a periodic request waits behind it
    expect(h.coordinator.queued_request_count()).toBe(1);
    h.coordinator.stop_periodic(); // e.g. every task finished
    h.coordinator.trigger_checkpoint({ forced: true }); // the final checkpoint: 2
    h.ack_all(1);
    h.ack_all(2);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2]);
    expect(h.coordinator.queued_request_count()).toBe(0);
  });

  it('does not apply the min pause to savepoints or forced checkpoints', () => {
    const h = new Harness({ interval_ms: 1000, min_pause_ms: 10_000 });
    h.coordinator.trigger_checkpoint();
    h.ack_all(1);
    h.coordinator.trigger_savepoint();
    expect(h.triggered.map((t) => t.kind)).toEqual(['checkpoint', 'savepoint']);
  });

  it('measures the min pause on the monotonic clock: a wall clock jumping back 3 s holds nothing back', () => {
    const h = new Harness({ interval_ms: 1000 });
    h.coordinator.start_periodic();
    h.advance_to(1000);
    h.ack_all(1);
    h.wall_offset_ms = -3000;
    h.advance_to(2000);
    h.ack_all(2);
    h.advance_to(3000);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2, 3]);
  });

  it('reschedules a pause that rounds to a residue at least 1 ms later, never at the same instant', () => {
    const h = new Harness({ interval_ms: 1000, min_pause_ms: 1000 });
    h.coordinator.start_periodic();
    h.advance_to(1000);
    h.ack_all(1);
    h.advance_to(1000 + 1000 - 1e-10);
    const timer = h.timers.find((t) => t.tag.kind === 'periodic')!;
    h.timers = h.timers.filter((t) => t !== timer);
    h.coordinator.on_timer(timer.tag);
    const rescheduled = h.timers.filter((t) => t.tag.kind === 'periodic').map((t) => t.at_ms - h.now_ms);
    expect(rescheduled.every((after_ms) => after_ms >= 1)).toBe(true);
  });
});

describe('timeout', () => {
  it('aborts a checkpoint not completed within the timeout with CHECKPOINT_EXPIRED', () => {
    const h = new Harness({ timeout_ms: 5000, tolerable_failures: 5 });
    h.coordinator.trigger_checkpoint();
    h.ack(1, 't0');
    h.advance_to(4999);
    expect(h.aborted).toEqual([]);
    h.advance_to(5000);
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'CHECKPOINT_EXPIRED' }]);
    expect(h.discarded).toContain('job/chk-1/op-sub-0/keyed-heap.snapshot');
    expect(h.coordinator.pending_checkpoint_ids()).toEqual([]);
  });

  it('recovers from a lost trigger: the checkpoint expires and the waiting periodic request triggers the next one', () => {
    const h = new Harness({ interval_ms: 200, timeout_ms: 2000, tolerable_failures: 5 });
    h.coordinator.start_periodic();
    h.advance_to(200);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1]);
    // The trigger of checkpoint 1 is lost on the way to a source: no task ever acknowledges it. Periodic requests
    // wait behind it (max concurrent 1), at most one of them.
    h.advance_to(2199);
    expect(h.triggered).toHaveLength(1);
    expect(h.coordinator.queued_request_count()).toBe(1);
    h.advance_to(2200);
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'CHECKPOINT_EXPIRED' }]);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2]);
    h.ack_all(2);
    expect(h.completed).toEqual([{ checkpoint_id: 2, last_subsumed_id: undefined }]);
    expect(h.job_failures).toEqual([]);
  });

  it('does not expire a checkpoint whose metadata is being persisted', () => {
    const h = new Harness({ timeout_ms: 5000 });
    h.auto_persist = false;
    h.coordinator.trigger_checkpoint();
    h.ack_all(1);
    h.advance_to(6000);
    expect(h.aborted).toEqual([]);
    h.coordinator.on_metadata_persisted(1, true);
    expect(h.completed).toEqual([{ checkpoint_id: 1, last_subsumed_id: undefined }]);
  });
});

describe('max concurrent and request queue', () => {
  it('queues periodic/user requests while max concurrent checkpoints are pending, then starts them', () => {
    const h = new Harness({ max_concurrent: 1 });
    h.coordinator.trigger_checkpoint();
    h.coordinator.trigger_checkpoint();
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1]);
    expect(h.coordinator.queued_request_count()).toBe(1);
    h.ack_all(1);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2]);
  });

  it('lets forced checkpoints and savepoints past max concurrent, savepoints first', () => {
    const h = new Harness({ max_concurrent: 1 });
    h.coordinator.trigger_checkpoint();
    h.coordinator.trigger_checkpoint(); // queued (user)
    h.coordinator.trigger_checkpoint({ forced: true });
    h.coordinator.trigger_savepoint();
    expect(h.triggered.map((t) => [t.checkpoint_id, t.kind])).toEqual([[1, 'checkpoint'], [2, 'checkpoint'], [3, 'savepoint']]);
    expect(h.coordinator.pending_checkpoint_ids()).toEqual([1, 2, 3]);
  });

  it('rejects requests beyond the queue bound', () => {
    const h = new Harness({ max_concurrent: 1, max_queued_requests: 2 });
    h.coordinator.trigger_checkpoint();
    h.coordinator.trigger_checkpoint();
    h.coordinator.trigger_checkpoint();
    const rejected = h.coordinator.trigger_checkpoint();
    expect(h.outcomes.get(rejected)).toEqual({ ok: false, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' });
    expect(h.coordinator.queued_request_count()).toBe(2);
  });

  it('fails a request when no task is running', () => {
    const h = new Harness({}, []);
    const id = h.coordinator.trigger_checkpoint();
    expect(h.outcomes.get(id)).toEqual({ ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
  });
});

describe('acknowledgement and completion', () => {
  it('completes when every expected task acked: metadata persisted, then stored, then notified', () => {
    const h = new Harness();
    const id = h.coordinator.trigger_checkpoint();
    expect(h.ack(1, 't0')).toBe('accepted');
    expect(h.persisted).toEqual([]);
    expect(h.ack(1, 't1')).toBe('completing');
    expect(h.persisted[0]?.path).toBe('job/chk-1/_metadata');
    expect(h.persisted[0]?.metadata.master_states).toEqual([{ name: 'enumerator', state: { at: 1 } }]);
    expect(h.persisted[0]?.metadata.operators[0]?.subtasks.map((s) => s.subtask_index)).toEqual([0, 1]);
    expect(h.completed).toEqual([{ checkpoint_id: 1, last_subsumed_id: undefined }]);
    expect(h.coordinator.latest_completed()?.checkpoint_id).toBe(1);
    expect(h.outcomes.get(id)).toMatchObject({ ok: true, checkpoint_id: 1 });
  });

  it('aborts with FINALIZE_CHECKPOINT_FAILURE when the metadata (or HA pointer) write fails, and counts it', () => {
    const h = new Harness({ tolerable_failures: 3 });
    h.auto_persist = false;
    h.coordinator.trigger_checkpoint();
    h.ack_all(1);
    h.coordinator.on_metadata_persisted(1, false, 'disk full');
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'FINALIZE_CHECKPOINT_FAILURE' }]);
    expect(h.coordinator.latest_completed()).toBeUndefined();
    expect(h.coordinator.failure_manager.failure_count()).toBe(1);
  });
});

describe('a metadata write whose outcome is unknown (PossibleInconsistentStateException)', () => {
  it('fails the checkpoint but keeps its state, since a later leader may restore it; a write that surely failed discards it', () => {
    for (const possibly_persisted of [true, false]) {
      const h = new Harness({ tolerable_failures: 3 });
      h.auto_persist = false;
      h.coordinator.trigger_checkpoint();
      h.ack_all(1, [file('only-1.sst')]);
      h.coordinator.on_metadata_persisted(1, false, 'HA store: io_error: no answer from the HA store', { possibly_persisted });
      expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'FINALIZE_CHECKPOINT_FAILURE' }]);
      expect(h.coordinator.failure_manager.failure_count()).toBe(1);
      if (possibly_persisted) expect(h.discarded).toEqual([]);
      else expect(h.discarded).toEqual(expect.arrayContaining(['job/shared/only-1.sst', 'job/chk-1/op-sub-0/keyed-heap.snapshot']));
    }
  });
});

describe('late, unknown and duplicate acks', () => {
  it('discards the state of a late ack but never files a completed checkpoint uses', () => {
    const h = new Harness({ timeout_ms: 100, tolerable_failures: 9 });
    h.coordinator.trigger_checkpoint();
    h.advance_to(100); // expired
    expect(h.ack(1, 't0', [file('late.sst')])).toBe('late');
    expect(h.discarded).toContain('job/shared/late.sst');
    h.coordinator.trigger_checkpoint();
    h.ack_all(2, [file('kept.sst')]);
    h.discarded = [];
    expect(h.ack(2, 't0', [file('kept.sst')])).toBe('late');
    expect(h.discarded).toEqual([]);
  });

  it('discards acks for never-triggered ids and from unknown tasks; ignores duplicates', () => {
    const h = new Harness();
    expect(h.ack(99, 't0')).toBe('unknown_checkpoint');
    expect(h.discarded).toContain('job/chk-99/op-sub-0/keyed-heap.snapshot');
    h.coordinator.trigger_checkpoint();
    expect(h.ack(1, 't7')).toBe('unknown_task');
    h.discarded = [];
    expect(h.ack(1, 't0')).toBe('accepted');
    expect(h.ack(1, 't0')).toBe('duplicate');
    expect(h.discarded).toEqual([]);
    expect(h.ack(1, 't1')).toBe('completing');
  });
});

describe('decline', () => {
  it('aborts the checkpoint with CHECKPOINT_DECLINED and notifies the abort', () => {
    const h = new Harness({ tolerable_failures: 1 });
    const id = h.coordinator.trigger_checkpoint();
    h.ack(1, 't0');
    h.coordinator.decline(1, 't1', 'CHECKPOINT_DECLINED', 'not ready');
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'CHECKPOINT_DECLINED' }]);
    expect(h.outcomes.get(id)).toMatchObject({ ok: false, reason: 'CHECKPOINT_DECLINED' });
    expect(h.discarded).toContain('job/chk-1/op-sub-0/keyed-heap.snapshot');
  });
});

describe('task failure', () => {
  it('aborts every pending checkpoint the failed task has not acknowledged', () => {
    const h = new Harness({ max_concurrent: 3 });
    h.coordinator.trigger_checkpoint();
    h.coordinator.trigger_checkpoint();
    h.ack(1, 't1');
    h.ack(2, 't0');
    h.coordinator.on_task_failure('t1');
    expect(h.aborted).toEqual([{ checkpoint_id: 2, reason: 'TASK_FAILURE' }]);
    expect(h.coordinator.pending_checkpoint_ids()).toEqual([1]);
    expect(h.job_failures).toEqual([]); // TASK_FAILURE does not count
  });

  it('stopping periodic checkpoints (failover) drops a queued periodic request, so nothing triggers into the failing job', () => {
    const h = new Harness({ max_concurrent: 1, interval_ms: 100 });
    h.coordinator.start_periodic();
    h.advance_to(100);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1]);
    h.advance_to(200); // the next periodic request waits behind checkpoint 1
    expect(h.coordinator.queued_request_count()).toBe(1);
    h.coordinator.stop_periodic();
    h.coordinator.on_task_failure('t0');
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'TASK_FAILURE' }]);
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1]);
    expect(h.coordinator.queued_request_count()).toBe(0);
  });
});

describe('subsumption', () => {
  it('a completed checkpoint aborts lower pending checkpoints as CHECKPOINT_SUBSUMED (not counted)', () => {
    const h = new Harness({ max_concurrent: 3 });
    h.coordinator.trigger_checkpoint();
    h.coordinator.trigger_checkpoint();
    h.ack_all(2);
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'CHECKPOINT_SUBSUMED' }]);
    expect(h.completed.map((c) => c.checkpoint_id)).toEqual([2]);
    expect(h.coordinator.failure_manager.failure_count()).toBe(0);
  });

  it('a checkpoint persisting its metadata when a newer one completes is dropped once the write returns', () => {
    const h = new Harness({ max_concurrent: 2 });
    h.auto_persist = false;
    h.coordinator.trigger_checkpoint();
    h.coordinator.trigger_checkpoint();
    h.ack_all(1);
    h.ack_all(2);
    h.coordinator.on_metadata_persisted(2, true);
    h.coordinator.on_metadata_persisted(1, true);
    expect(h.completed.map((c) => c.checkpoint_id)).toEqual([2]);
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'CHECKPOINT_SUBSUMED' }]);
    expect(h.discarded).toContain('job/chk-1/_metadata');
  });
});

describe('retained checkpoints and shared state', () => {
  it('keeps num-retained checkpoints, reports the subsumed id, and deletes only unshared files', () => {
    const h = new Harness({ num_retained: 2 });
    for (const [id, shared] of [[1, [file('a'), file('b')]], [2, [file('b'), file('c')]], [3, [file('c')]]] as const) {
      h.coordinator.trigger_checkpoint();
      h.ack_all(id, [...shared]);
    }
    expect(h.completed).toEqual([
      { checkpoint_id: 1, last_subsumed_id: undefined },
      { checkpoint_id: 2, last_subsumed_id: undefined },
      { checkpoint_id: 3, last_subsumed_id: 1 },
    ]);
    expect(h.discarded).toEqual(['job/chk-1/_metadata', 'job/chk-1/op-sub-0/keyed-heap.snapshot', 'job/chk-1/op-sub-1/keyed-heap.snapshot', 'job/shared/a']);
    expect(h.coordinator.store.newest_first().map((c) => c.checkpoint_id)).toEqual([3, 2]);
  });

  it('aborts a checkpoint referencing a shared file that is neither new nor registered', () => {
    const h = new Harness({ tolerable_failures: 1 });
    h.coordinator.trigger_checkpoint();
    h.ack(1, 't0', [file('gone')], []);
    h.ack(1, 't1');
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'SHARED_STATE_MISSING' }]);
  });
});

describe('tolerable failures', () => {
  it('fails the job when consecutive counted failures exceed the tolerable number; success resets', () => {
    const h = new Harness({ tolerable_failures: 1, timeout_ms: 10 });
    h.coordinator.trigger_checkpoint();
    h.advance_to(10); // 1st failure (expired): tolerated
    h.coordinator.trigger_checkpoint();
    h.ack_all(2); // success resets
    h.coordinator.trigger_checkpoint();
    h.coordinator.decline(3, 't0', 'CHECKPOINT_DECLINED');
    expect(h.job_failures).toEqual([]);
    h.coordinator.trigger_checkpoint();
    h.coordinator.decline(4, 't0', 'CHECKPOINT_DECLINED');
    expect(h.job_failures).toHaveLength(1);
    expect(h.job_failures[0]).toMatch(/tolerable failure threshold/);
  });

  it('does not count a barrier overtaken by a newer one, a closing task or a task failure', () => {
    const h = new Harness({ tolerable_failures: 0, max_concurrent: 5 });
    h.coordinator.trigger_checkpoint();
    h.coordinator.decline(1, 't0', 'CHECKPOINT_DECLINED_SUBSUMED', 'overtaken by checkpoint 2');
    h.coordinator.trigger_checkpoint();
    h.coordinator.decline(2, 't0', 'CHECKPOINT_DECLINED_TASK_CLOSING');
    h.coordinator.trigger_checkpoint();
    h.coordinator.on_task_failure('t0');
    expect(h.aborted.map((a) => a.reason)).toEqual(['CHECKPOINT_DECLINED_SUBSUMED', 'CHECKPOINT_DECLINED_TASK_CLOSING', 'TASK_FAILURE']);
    expect(h.job_failures).toEqual([]);
  });

  it('savepoints: one the JobManager gives up on never counts; one a task declines counts like a checkpoint', () => {
    const h = new Harness({ tolerable_failures: 1, timeout_ms: 10, max_concurrent: 5 });
    h.coordinator.trigger_savepoint();
    h.advance_to(10); // expired: not counted
    expect(h.coordinator.failure_manager.failure_count()).toBe(0);
    h.coordinator.trigger_savepoint();
    h.coordinator.decline(2, 't0', 'CHECKPOINT_DECLINED');
    expect(h.coordinator.failure_manager.failure_count()).toBe(1);
    h.coordinator.trigger_savepoint();
    h.coordinator.decline(3, 't0', 'CHECKPOINT_ASYNC_EXCEPTION');
    expect(h.job_failures).toHaveLength(1);
  });

  it('a stop-with-savepoint a task declines fails the job whatever the tolerable number', () => {
    const h = new Harness({ tolerable_failures: 100 });
    h.coordinator.trigger_savepoint({ synchronous: true });
    h.coordinator.decline(1, 't1', 'CHECKPOINT_DECLINED_SUBSUMED');
    expect(h.job_failures).toEqual(['stop-with-savepoint 1 failed: CHECKPOINT_DECLINED_SUBSUMED']);
  });

  it('clears the counter when it trips, so the next failure after a failover counts from one', () => {
    const h = new Harness({ tolerable_failures: 1, max_concurrent: 5 });
    for (const id of [1, 2]) {
      h.coordinator.trigger_checkpoint();
      h.coordinator.decline(id, 't0', 'CHECKPOINT_DECLINED');
    }
    expect(h.job_failures).toHaveLength(1);
    expect(h.coordinator.failure_manager.failure_count()).toBe(0);
    h.coordinator.trigger_checkpoint();
    h.coordinator.decline(3, 't0', 'CHECKPOINT_DECLINED');
    expect(h.job_failures).toHaveLength(1);
  });

  it('counts a checkpoint id once, and none at or below the last success', () => {
    const manager = new Harness({ tolerable_failures: 1 }).coordinator.failure_manager;
    const failed = (checkpoint_id: number, reason: 'CHECKPOINT_EXPIRED' | 'FINALIZE_CHECKPOINT_FAILURE') =>
      manager.on_failure({ checkpoint_id, reason, kind: 'checkpoint', synchronous: false, declined_by_task: false });
    manager.on_success(4);
    expect(failed(3, 'CHECKPOINT_EXPIRED')).toBeUndefined();
    expect(failed(5, 'CHECKPOINT_EXPIRED')).toBeUndefined();
    expect(failed(5, 'FINALIZE_CHECKPOINT_FAILURE')).toBeUndefined();
    expect(manager.failure_count()).toBe(1);
    expect(failed(6, 'FINALIZE_CHECKPOINT_FAILURE')).toMatch(/threshold/);
  });
});

describe('savepoints', () => {
  it('are not retained and get a complete notification only when synchronous', () => {
    const h = new Harness();
    const first = h.coordinator.trigger_savepoint();
    h.ack_all(1);
    expect(h.outcomes.get(first)).toMatchObject({ ok: true, kind: 'savepoint', metadata_path: 'job/savepoint-1/_metadata' });
    expect(h.completed).toEqual([]);
    expect(h.coordinator.latest_completed()).toBeUndefined();
    h.coordinator.trigger_savepoint({ synchronous: true });
    expect(h.triggered[1]).toEqual({ checkpoint_id: 2, kind: 'savepoint', synchronous: true });
    h.ack_all(2);
    expect(h.completed).toEqual([{ checkpoint_id: 2, last_subsumed_id: undefined }]);
  });
});

describe('checkpoint ids', () => {
  it('only increase, also across aborts', () => {
    const h = new Harness({ timeout_ms: 5, tolerable_failures: 100 });
    for (let i = 0; i < 5; i++) {
      h.coordinator.trigger_checkpoint();
      h.advance_to(h.now_ms + 5);
    }
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('continue at restored id + 1 and never go back', () => {
    const h = new Harness();
    h.coordinator.restore_checkpoint_counter(41);
    h.coordinator.trigger_checkpoint();
    expect(h.triggered[0]?.checkpoint_id).toBe(42);
    h.coordinator.restore_checkpoint_counter(10);
    expect(h.coordinator.next_checkpoint_id()).toBe(43);
    h.coordinator.restore_checkpoint_counter(10, 77);
    expect(h.coordinator.next_checkpoint_id()).toBe(77);
  });
});

describe('externalized retention at job end', () => {
  it('follows Flink\'s table', () => {
    expect(discards_on('NO_EXTERNALIZED', 'CANCELED')).toBe(true);
    expect(discards_on('NO_EXTERNALIZED', 'FAILED')).toBe(true);
    expect(discards_on('DELETE_ON_CANCELLATION', 'CANCELED')).toBe(true);
    expect(discards_on('DELETE_ON_CANCELLATION', 'FAILED')).toBe(false);
    expect(discards_on('RETAIN_ON_CANCELLATION', 'CANCELED')).toBe(false);
    expect(discards_on('RETAIN_ON_CANCELLATION', 'FINISHED')).toBe(true);
    expect(discards_on('NO_EXTERNALIZED', 'SUSPENDED')).toBe(false);
  });

  it('deletes retained checkpoints at cancel under DELETE_ON_CANCELLATION, keeps them under RETAIN_ON_CANCELLATION', () => {
    for (const [retention, expected] of [['DELETE_ON_CANCELLATION', true], ['RETAIN_ON_CANCELLATION', false]] as const) {
      const h = new Harness({ retention });
      h.coordinator.trigger_checkpoint();
      h.ack_all(1, [file('s')]);
      h.coordinator.trigger_checkpoint();
      const deleted = h.coordinator.shutdown('CANCELED');
      expect(h.aborted).toEqual([{ checkpoint_id: 2, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' }]);
      expect(deleted.includes('job/chk-1/_metadata')).toBe(expected);
      expect(deleted.includes('job/shared/s')).toBe(expected);
    }
  });

});

describe('restore from HA storage', () => {
  it('re-adopts checkpoints recovered from HA storage so later completions subsume them', () => {
    const first = new Harness({ num_retained: 1 });
    first.coordinator.trigger_checkpoint();
    first.ack_all(1, [file('old')]);
    const recovered = first.coordinator.store.newest_first();
    const h = new Harness({ num_retained: 1 });
    h.coordinator.adopt_completed(recovered);
    expect(h.coordinator.next_checkpoint_id()).toBe(2);
    h.coordinator.trigger_checkpoint();
    h.ack_all(2, [file('new')]);
    expect(h.completed).toEqual([{ checkpoint_id: 2, last_subsumed_id: 1 }]);
    expect(h.discarded).toContain('job/shared/old');
    expect(h.discarded).not.toContain('job/shared/new');
  });

  it('keeps only num-retained of the adopted checkpoints (the oldest are discarded) and never moves the id counter back', () => {
    const first = new Harness({ num_retained: 3 });
    for (const id of [1, 2, 3]) {
      first.coordinator.trigger_checkpoint();
      first.ack_all(id, [file(`only-${id}`)]);
    }
    const recovered = first.coordinator.store.newest_first().reverse();
    const h = new Harness({ num_retained: 2 });
    h.coordinator.restore_checkpoint_counter(9);
    h.coordinator.adopt_completed(recovered);
    expect(h.coordinator.store.newest_first().map((c) => c.checkpoint_id)).toEqual([3, 2]);
    expect(h.discarded).toEqual(expect.arrayContaining(['job/chk-1/_metadata', 'job/shared/only-1']));
    expect(h.discarded.filter((p) => !p.includes('-1') && !p.includes('chk-1/'))).toEqual([]);
    expect(h.coordinator.next_checkpoint_id()).toBe(10);
    const fresh = new Harness({ num_retained: 2 });
    fresh.coordinator.adopt_completed(recovered);
    expect(fresh.coordinator.next_checkpoint_id()).toBe(4);
  });
});

describe('configuration', () => {
  it('defaults to Flink\'s: no periodic checkpoints, 10 min timeout, no pause, one at a time, no tolerated failure, one retained, 1000 queued', () => {
    const c = new Harness().coordinator;
    expect([c.interval_ms, c.timeout_ms, c.min_pause_ms, c.max_concurrent, c.failure_manager.tolerable_failures, c.store.num_retained, c.retention, c.max_queued_requests])
      .toEqual([0, 600_000, 0, 1, 0, 1, 'NO_EXTERNALIZED', 1000]);
  });

  it('refuses a timeout below 1 ms, a negative min pause, and max concurrent or max queued below 1; accepts the bounds', () => {
    const { hooks } = new Harness();
    for (const bad of [{ timeout_ms: 0 }, { min_pause_ms: -1 }, { max_concurrent: 0 }, { max_queued_requests: 0 }]) {
      expect(() => new CheckpointCoordinator({ job_id: 'job', ...bad }, hooks), JSON.stringify(bad)).toThrow(/timeout ≥ 1, min pause ≥ 0/);
    }
    expect(() => new CheckpointCoordinator({ job_id: 'job', timeout_ms: 1, min_pause_ms: 0, max_concurrent: 1, max_queued_requests: 1 }, hooks)).not.toThrow();
  });

  it('uses the shared-state registry it is given', () => {
    const h = new Harness();
    const registry = h.coordinator.registry;
    const c = new CheckpointCoordinator({ job_id: 'job', create_shared_registry: () => registry }, h.hooks);
    expect(c.registry).toBe(registry);
  });

  it('tells its own timer tags from others', () => {
    expect(is_coordinator_timer({ owner: 'checkpoint-coordinator', kind: 'timeout', checkpoint_id: 1 })).toBe(true);
    expect(is_coordinator_timer({ owner: 'job-manager', kind: 'timeout' })).toBe(false);
    expect(is_coordinator_timer({ kind: 'periodic' })).toBe(false);
    expect(is_coordinator_timer(null)).toBe(false);
    expect(is_coordinator_timer('checkpoint-coordinator')).toBe(false);
  });
});

describe('metadata', () => {
  it('refuses acks whose subtasks of one operator disagree on its parallelism or max parallelism', () => {
    for (const other of [{ parallelism: 3 }, { max_parallelism: 256 }]) {
      const h = new Harness();
      h.coordinator.trigger_checkpoint();
      h.ack(1, 't0');
      const odd = ack_of(1, 't1');
      odd.operators[0] = { ...odd.operators[0]!, ...other };
      expect(() => h.coordinator.acknowledge(1, odd)).toThrow(/subtasks disagree on parallelism/);
    }
  });
});

describe('master state', () => {
  it('a checkpoint aborted while operator coordinators snapshot (a failing enumerator) never reaches the sources', () => {
    const h: Harness = new Harness({ max_concurrent: 2 }, ['t0', 't1'], {
      snapshot_master_states: (id) => {
        if (id === 1) h.coordinator.on_task_failure('t0');
        return [];
      },
    });
    h.coordinator.trigger_checkpoint();
    expect(h.aborted).toEqual([{ checkpoint_id: 1, reason: 'TASK_FAILURE' }]);
    expect(h.triggered).toEqual([]);
    h.coordinator.trigger_checkpoint();
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([2]);
  });

  it('a checkpoint without operator coordinators carries no master state', () => {
    const h = new Harness({}, ['t0', 't1'], { snapshot_master_states: undefined });
    h.coordinator.trigger_checkpoint();
    h.ack_all(1);
    expect(h.persisted[0]?.metadata.master_states).toEqual([]);
  });
});

describe('requests and timers', () => {
  it('every timer it schedules is its own (the JobManager routes timers by is_coordinator_timer)', () => {
    const h = new Harness({ interval_ms: 100, min_pause_ms: 80, timeout_ms: 1000 });
    h.coordinator.start_periodic();
    h.advance_to(100); // periodic tick, checkpoint 1 and its timeout
    h.advance_to(150);
    h.ack_all(1);
    h.advance_to(200); // the next tick comes within the min pause: rescheduled
    expect(h.triggered).toHaveLength(1);
    expect(new Set(h.timers.map((t) => t.tag.kind))).toEqual(new Set(['periodic', 'timeout']));
    for (const t of h.timers) expect(is_coordinator_timer(t.tag), JSON.stringify(t.tag)).toBe(true);
  });

  it('a savepoint is neither synchronous nor drained unless asked', () => {
    const h = new Harness();
    const hooks_options: unknown[] = [];
    const c = new CheckpointCoordinator({ job_id: 'job' }, { ...h.hooks, trigger_sources: (_id, _ts, options) => { hooks_options.push(options); } });
    c.set_expected_tasks(['t0']);
    c.trigger_savepoint();
    expect(hooks_options).toEqual([{ kind: 'savepoint', synchronous: false, drain: false }]);
  });

  it('a coordinator told of no running task starts nothing', () => {
    const h = new Harness();
    const outcomes = new Map<number, RequestOutcome>();
    const c = new CheckpointCoordinator({ job_id: 'job' }, { ...h.hooks, on_request_done: (id, outcome) => { outcomes.set(id, outcome); } });
    const id = c.trigger_checkpoint();
    expect(outcomes.get(id)).toEqual({ ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
    expect(c.pending_checkpoint_ids()).toEqual([]);
  });

  it('a user request queued after a waiting periodic one is started first (Flink: user requests rank above periodic ones)', () => {
    const h = new Harness({ interval_ms: 100 });
    h.coordinator.start_periodic();
    h.advance_to(100); // checkpoint 1 (periodic) pending
    h.advance_to(200); // a periodic request waits
    const user = h.coordinator.trigger_checkpoint();
    h.ack_all(1);
    h.ack_all(2);
    expect(h.outcomes.get(user)).toMatchObject({ ok: true, checkpoint_id: 2 });
    expect(h.triggered.map((t) => t.checkpoint_id)).toEqual([1, 2, 3]);
  });

  it('returns no discarded path when the retention policy keeps the checkpoints', () => {
    const h = new Harness({ retention: 'RETAIN_ON_CANCELLATION' });
    h.coordinator.trigger_checkpoint();
    h.ack_all(1);
    expect(h.coordinator.shutdown('CANCELED')).toEqual([]);
    expect(h.coordinator.shutdown('SUSPENDED')).toEqual([]);
  });

  it('the planted bug test_only_keep_periodic_after_stop keeps a queued periodic request past stop_periodic, and only then', () => {
    for (const keep of [false, true]) {
      const h = new Harness({ interval_ms: 100, test_only_keep_periodic_after_stop: keep });
      h.coordinator.start_periodic();
      h.advance_to(100);
      h.advance_to(200); // a periodic request waits behind checkpoint 1
      h.coordinator.stop_periodic();
      expect(h.coordinator.queued_request_count()).toBe(keep ? 1 : 0);
      h.ack_all(1);
      expect(h.triggered.map((t) => t.checkpoint_id)).toEqual(keep ? [1, 2] : [1]);
    }
  });
});
