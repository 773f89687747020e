// CheckpointCoordinator: a pure, synchronous state machine for triggering, collecting and completing checkpoints and
// savepoints with Flink's rules (interval, timeout, min pause, max concurrent, request priorities, subsumption,
// retention, tolerable failures). All effects go through injected hooks; the JobManager drives it with events.

import type { Random } from '../runtime.js';
import type { FileRef } from '../state/backend.js';
import { SharedStateRegistry } from '../state/shared-state-registry.js';
import { type CompletedCheckpoint, CompletedCheckpointStore, type DiscardPlan } from './completed-store.js';
import { type CheckpointFailureReason, CheckpointFailureManager, type DeclineReason } from './failure-manager.js';
import {
  type CheckpointKind, type CheckpointMetadata, type MasterState, type OperatorState, type SubtaskState, METADATA_VERSION,
  encode_metadata, metadata_path, referenced_files, savepoint_metadata_path,
} from './metadata.js';

export type { CheckpointFailureReason, DeclineReason } from './failure-manager.js';

export type RetentionPolicy = 'NO_EXTERNALIZED' | 'DELETE_ON_CANCELLATION' | 'RETAIN_ON_CANCELLATION';
export type JobEndStatus = 'FINISHED' | 'CANCELED' | 'FAILED' | 'SUSPENDED';

export interface CheckpointCoordinatorConfig {
  job_id: string;
  /** Periodic checkpoint interval; undefined or 0 = no periodic checkpoints (Flink's default). */
  interval_ms?: number;
  /**
   * Default 10 min. A checkpoint still collecting acks after this is aborted (CHECKPOINT_EXPIRED) and the next request
   * starts: this is what recovers from a trigger lost on its way to a task (triggers are one-way messages here).
   */
  timeout_ms?: number;
  /** Default 0. */
  min_pause_ms?: number;
  /** Default 1. */
  max_concurrent?: number;
  /** Default 0. */
  tolerable_failures?: number;
  /** Default 1. */
  num_retained?: number;
  /** Default NO_EXTERNALIZED. */
  retention?: RetentionPolicy;
  /** Default 1000. */
  max_queued_requests?: number;
  /** Test-only seam: the shared-state registry deciding which shared files may be deleted (default: a new one). */
  create_shared_registry?: () => SharedStateRegistry;
  /**
   * Test-only seam (a planted bug): a periodic request queued before the scheduler stopped still starts (no
   * PERIODIC_SCHEDULER_SHUTDOWN), so a checkpoint can be triggered after the final one; the tasks must refuse it.
   */
  test_only_keep_periodic_after_stop?: boolean;
}

/** Timer tags the coordinator schedules; the JobManager hands them back through on_timer. */
export type CoordinatorTimerTag =
  | { owner: 'checkpoint-coordinator'; kind: 'periodic'; generation: number }
  | { owner: 'checkpoint-coordinator'; kind: 'timeout'; checkpoint_id: number };

export function is_coordinator_timer(tag: unknown): tag is CoordinatorTimerTag {
  return (tag as { owner?: unknown } | null | undefined)?.owner === 'checkpoint-coordinator';
}

export interface TriggerOptions {
  kind: CheckpointKind;
  /** Stop-with-savepoint: the job stops after it; it gets a complete notification. */
  synchronous: boolean;
  /** Emit MAX_WATERMARK before the savepoint barrier (--drain). */
  drain: boolean;
}

/** One operator's contribution inside a task's acknowledgement (a task may run a chain of operators). */
export interface OperatorSubtaskAck {
  operator_id: string;
  parallelism: number;
  max_parallelism: number;
  state: SubtaskState;
}

export interface TaskAck {
  task_id: string;
  operators: OperatorSubtaskAck[];
  /** Paths the task wrote for this checkpoint (private and new shared files). */
  written_files: string[];
}

export type AckOutcome = 'accepted' | 'completing' | 'duplicate' | 'late' | 'unknown_checkpoint' | 'unknown_task';

export type RequestOutcome =
  | { ok: true; checkpoint_id: number; kind: CheckpointKind; metadata_path: string }
  | { ok: false; checkpoint_id?: number; reason: CheckpointFailureReason | 'NOT_ALL_REQUIRED_TASKS_RUNNING'; detail?: string };

export interface CheckpointCoordinatorHooks {
  /** Wall-clock time: only the checkpoint's timestamp (it may jump with the clock). */
  now_ms(): number;
  /**
   * A monotonic clock (Flink's Clock.relativeTimeMillis): the min pause is measured on it, so a wall clock that jumps
   * back neither holds checkpoints back nor makes the remaining pause a rounding error.
   */
  monotonic_ms(): number;
  /** Arrange for on_timer(tag) after `after_ms`. */
  schedule(after_ms: number, tag: CoordinatorTimerTag): void;
  /** Only used for the random initial delay of periodic checkpoints. */
  random: Random;
  /** Operator coordinators (e.g. source enumerators) snapshot before tasks are triggered. */
  snapshot_master_states?(checkpoint_id: number): MasterState[];
  /** Inject barrier `checkpoint_id` at the sources. */
  trigger_sources(checkpoint_id: number, timestamp_ms: number, options: TriggerOptions): void;
  /** Tell tasks the checkpoint completed (drives 2PC commits). */
  notify_complete(checkpoint_id: number, last_subsumed_id: number | undefined): void;
  notify_aborted(checkpoint_id: number, reason: CheckpointFailureReason): void;
  /**
   * Write `_metadata` (and, for checkpoints, the HA pointer) durably, then call on_metadata_persisted. The checkpoint
   * only completes after that call. With max_concurrent > 1 two writes may overlap: the HA pointer must only move
   * forward (ignore an id below the one stored).
   */
  persist_completed(metadata: CheckpointMetadata, bytes: Uint8Array, path: string): void;
  /** Delete these files from the checkpoint store (best effort; never called with none). */
  discard_files(paths: string[]): void;
  fail_job(reason: string): void;
  log(event: string, fields?: Record<string, unknown>): void;
  /** Outcome of a trigger_checkpoint / trigger_savepoint request. */
  on_request_done?(request_id: number, outcome: RequestOutcome): void;
}

interface TriggerRequest {
  request_id: number;
  kind: CheckpointKind;
  periodic: boolean;
  forced: boolean;
  synchronous: boolean;
  drain: boolean;
}

interface PendingCheckpoint {
  checkpoint_id: number;
  timestamp_ms: number;
  request: TriggerRequest;
  expected_tasks: Set<string>;
  acks: Map<string, TaskAck>;
  master_states: MasterState[];
  phase: 'collecting' | 'persisting';
  metadata_path: string | undefined;
  /** Set when a newer checkpoint completed while this one was persisting its metadata. */
  subsumed_by: number | undefined;
}

/** Metadata writes of aborted checkpoints remembered until they return (older ones are forgotten). */
const ABANDONED_WRITES_BOUND = 64;

export class CheckpointCoordinator {
  readonly job_id: string;
  readonly interval_ms: number;
  readonly timeout_ms: number;
  readonly min_pause_ms: number;
  readonly max_concurrent: number;
  readonly retention: RetentionPolicy;
  readonly max_queued_requests: number;
  readonly registry: SharedStateRegistry;
  readonly store: CompletedCheckpointStore;
  readonly failure_manager: CheckpointFailureManager;
  private readonly hooks: CheckpointCoordinatorHooks;

  private next_id = 1;
  private last_triggered_id = 0;
  private next_request_id = 1;
  private expected_tasks: string[] = [];
  private readonly pending = new Map<number, PendingCheckpoint>();
  private queue: TriggerRequest[] = [];
  private periodic_generation = 0;
  private periodic_running = false;
  /** Monotonic time the last checkpoint completed (min pause counts from here). */
  private last_completion_monotonic_ms = Number.NEGATIVE_INFINITY;
  /** Metadata writes still in flight for checkpoints that were aborted: delete the file if the write lands. */
  private readonly abandoned_metadata = new Map<number, string>();
  private shut_down = false;

  private readonly keep_periodic_after_stop: boolean;

  constructor(config: CheckpointCoordinatorConfig, hooks: CheckpointCoordinatorHooks) {
    this.job_id = config.job_id;
    this.min_pause_ms = config.min_pause_ms ?? 0;
    // Flink: an interval below the min pause is raised to the min pause.
    this.interval_ms = config.interval_ms !== undefined && config.interval_ms > 0 ? Math.max(config.interval_ms, this.min_pause_ms) : 0;
    this.timeout_ms = config.timeout_ms ?? 10 * 60_000;
    this.max_concurrent = config.max_concurrent ?? 1;
    this.retention = config.retention ?? 'NO_EXTERNALIZED';
    this.max_queued_requests = config.max_queued_requests ?? 1000;
    if (this.timeout_ms < 1 || this.min_pause_ms < 0 || this.max_concurrent < 1 || this.max_queued_requests < 1) {
      throw new Error('checkpoint coordinator: timeout ≥ 1, min pause ≥ 0, max concurrent ≥ 1, max queued ≥ 1');
    }
    this.registry = config.create_shared_registry?.() ?? new SharedStateRegistry();
    this.store = new CompletedCheckpointStore(this.registry, config.num_retained ?? 1);
    this.failure_manager = new CheckpointFailureManager(config.tolerable_failures ?? 0);
    this.keep_periodic_after_stop = config.test_only_keep_periodic_after_stop === true;
    this.hooks = hooks;
  }

  // ---- setup and restore ------------------------------------------------------------------------------------

  /** The tasks whose acknowledgement a checkpoint needs (all running tasks). Empty = job not running. */
  set_expected_tasks(task_ids: readonly string[]): void {
    this.expected_tasks = [...new Set(task_ids)];
  }

  /**
   * After restoring checkpoint/savepoint `restored_id`, ids continue at restored_id + 1 (never going back within this
   * coordinator). `counter_from_ha` is the durable counter from the HA store after a JobManager failover.
   */
  restore_checkpoint_counter(restored_id: number, counter_from_ha?: number): void {
    const next = Math.max(this.next_id, restored_id + 1, counter_from_ha ?? 0);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement,StringLiteral: invariant a correct caller cannot reach
    if (next < this.next_id) throw new Error('checkpoint ids only increase');
    this.next_id = next;
  }

  /** Re-adopt completed checkpoints recovered from HA storage (oldest first), without notifications. */
  adopt_completed(checkpoints: readonly CompletedCheckpoint[]): void {
    for (const c of checkpoints) {
      this.discard_plans(this.store.add(c));
      this.next_id = Math.max(this.next_id, c.checkpoint_id + 1);
    }
  }

  /** The id the next checkpoint will get (persist it to the HA store with each completion). */
  next_checkpoint_id(): number {
    return this.next_id;
  }

  latest_completed(): CompletedCheckpoint | undefined {
    return this.store.latest();
  }

  /** Checkpoints every task acknowledged whose metadata is being written: they complete or fail on their own. */
  finalizing_checkpoint_ids(): number[] {
    return this.sorted_pending()
      .filter((pending) => pending.phase === 'persisting')
      .map((pending) => pending.checkpoint_id);
  }

  pending_checkpoint_ids(): number[] {
    return [...this.pending.keys()];
  }

  queued_request_count(): number {
    return this.queue.length;
  }

  // ---- periodic scheduling -----------------------------------------------------------------------------------

  /** Start periodic checkpoints: the first after a random delay in [min_pause, interval], then at a fixed rate. */
  start_periodic(): void {
    if (this.interval_ms <= 0 || this.shut_down) return;
    this.periodic_running = true;
    this.periodic_generation++;
    const delay_ms = this.hooks.random.int_inclusive(Math.ceil(this.min_pause_ms), Math.floor(this.interval_ms));
    this.hooks.schedule(delay_ms, { owner: 'checkpoint-coordinator', kind: 'periodic', generation: this.periodic_generation });
  }

  /**
   * Stops periodic checkpoints, dropping a queued periodic request too (Flink's stopCheckpointScheduler aborts queued
   * requests, PERIODIC_SCHEDULER_SHUTDOWN): none may start a checkpoint after a final checkpoint or a
   * stop-with-savepoint, and one left waiting behind a pending checkpoint would trigger the moment that one is aborted, into a job
   * that is failing, and then block every periodic checkpoint of the next attempt until it expired.
   */
  stop_periodic(): void {
    this.periodic_running = false;
    this.periodic_generation++;
    if (this.keep_periodic_after_stop) return;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.periodic) this.queue.splice(i, 1);
  }

  on_timer(tag: CoordinatorTimerTag): void {
    // After shutdown nothing is pending and the periodic scheduler is stopped: every timer falls through.
    if (tag.kind === 'periodic') {
      if (!this.periodic_running || tag.generation !== this.periodic_generation) return;
      this.hooks.schedule(this.interval_ms, { owner: 'checkpoint-coordinator', kind: 'periodic', generation: this.periodic_generation });
      // At most one periodic request waits in the queue; another would only repeat it.
      if (!this.queue.some((r) => r.periodic)) {
        this.enqueue({ request_id: this.next_request_id++, kind: 'checkpoint', periodic: true, forced: false, synchronous: false, drain: false });
      }
      return;
    }
    const pending = this.pending.get(tag.checkpoint_id);
    if (pending === undefined) return;
    if (pending.phase === 'persisting') {
      // Every task acked; only the metadata write decides now (it may already be updating the HA pointer).
      this.hooks.log('checkpoint.timeout_while_persisting', { checkpoint_id: tag.checkpoint_id });
      return;
    }
    this.abort(pending, 'CHECKPOINT_EXPIRED', `not completed within ${this.timeout_ms} ms`);
  }

  // ---- requests ----------------------------------------------------------------------------------------------

  /** A user-requested checkpoint; `forced` ones ignore max concurrent. Returns the request id. */
  trigger_checkpoint(options: { forced?: boolean } = {}): number {
    const request_id = this.next_request_id++;
    this.enqueue({ request_id, kind: 'checkpoint', periodic: false, forced: options.forced ?? false, synchronous: false, drain: false });
    return request_id;
  }

  /** A savepoint (always forced). `synchronous` = stop-with-savepoint. Returns the request id. */
  trigger_savepoint(options: { synchronous?: boolean; drain?: boolean } = {}): number {
    const request_id = this.next_request_id++;
    this.enqueue({ request_id, kind: 'savepoint', periodic: false, forced: true, synchronous: options.synchronous ?? false, drain: options.drain ?? false });
    return request_id;
  }

  private enqueue(request: TriggerRequest): void {
    if (this.shut_down) {
      this.request_done(request, { ok: false, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
      return;
    }
    // Flink's CheckpointRequestDecider: a queue full of user requests keeps them and refuses the new one.
    if (this.queue.length >= this.max_queued_requests && !this.queue[this.queue.length - 1]!.periodic) {
      this.request_done(request, { ok: false, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' });
      return;
    }
    this.queue.push(request);
    this.queue.sort(compare_requests);
    // Over the bound only when the last was the periodic request (at most one waits): it is dropped, as it never reports.
    if (this.queue.length > this.max_queued_requests) this.queue.pop();
    this.execute_queued();
  }

  private execute_queued(): void {
    for (let request = this.choose(); request !== undefined; request = this.choose()) this.start(request);
  }

  /** Flink's CheckpointRequestDecider. */
  private choose(): TriggerRequest | undefined {
    const first = this.queue[0];
    if (first === undefined) return undefined;
    if (this.pending.size >= this.max_concurrent) {
      return first.forced ? this.queue.shift() : undefined;
    }
    if (first.periodic && !first.forced) {
      // Whole milliseconds, as Flink's long arithmetic: a remaining pause is at least 1 ms, never a rounding residue
      // that would reschedule the trigger at the same instant over and over.
      const delay_ms = Math.ceil(this.last_completion_monotonic_ms + this.min_pause_ms - this.hooks.monotonic_ms());
      if (delay_ms > 0) {
        this.queue.shift();
        this.hooks.log('checkpoint.request_dropped', { reason: 'MINIMUM_TIME_BETWEEN_CHECKPOINTS', reschedule_after_ms: delay_ms });
        if (this.periodic_running) {
          this.periodic_generation++;
          this.hooks.schedule(delay_ms, { owner: 'checkpoint-coordinator', kind: 'periodic', generation: this.periodic_generation });
        }
        return undefined;
      }
    }
    return this.queue.shift();
  }

  private start(request: TriggerRequest): void {
    if (this.expected_tasks.length === 0) {
      this.request_done(request, { ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
      return;
    }
    const checkpoint_id = this.next_id++;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement,StringLiteral: invariant a correct caller cannot reach
    if (checkpoint_id <= this.last_triggered_id) throw new Error(`checkpoint ids only increase: ${checkpoint_id} after ${this.last_triggered_id}`);
    this.last_triggered_id = checkpoint_id;
    const timestamp_ms = this.hooks.now_ms();
    const pending: PendingCheckpoint = {
      checkpoint_id,
      timestamp_ms,
      request,
      expected_tasks: new Set(this.expected_tasks),
      acks: new Map(),
      master_states: [],
      phase: 'collecting',
      metadata_path: undefined,
      subsumed_by: undefined,
    };
    this.pending.set(checkpoint_id, pending);
    if (this.pending.size > this.max_concurrent + this.max_queued_requests) throw new Error('pending checkpoints exceed their bound');
    this.hooks.schedule(this.timeout_ms, { owner: 'checkpoint-coordinator', kind: 'timeout', checkpoint_id });
    this.hooks.log('checkpoint.triggered', { checkpoint_id, kind: request.kind, synchronous: request.synchronous, tasks: pending.expected_tasks.size });
    pending.master_states = this.hooks.snapshot_master_states?.(checkpoint_id) ?? [];
    // A hook may have aborted it re-entrantly (e.g. a failing enumerator): only trigger what is still pending.
    if (this.pending.get(checkpoint_id) === pending) {
      this.hooks.trigger_sources(checkpoint_id, timestamp_ms, { kind: request.kind, synchronous: request.synchronous, drain: request.drain });
    }
  }

  // ---- acknowledgements ------------------------------------------------------------------------------------

  acknowledge(checkpoint_id: number, ack: TaskAck): AckOutcome {
    const pending = this.pending.get(checkpoint_id);
    if (pending === undefined) {
      // Every id up to the last triggered one was pending once (ids are never skipped backwards): its acks are late.
      const outcome: AckOutcome = checkpoint_id <= this.last_triggered_id ? 'late' : 'unknown_checkpoint';
      this.discard_ack_files(ack);
      this.hooks.log('checkpoint.ack_discarded', { checkpoint_id, task_id: ack.task_id, outcome });
      return outcome;
    }
    if (!pending.expected_tasks.has(ack.task_id)) {
      this.discard_ack_files(ack);
      return 'unknown_task';
    }
    // A checkpoint whose metadata is being written has every ack already: anything more is a duplicate.
    if (pending.acks.has(ack.task_id)) return 'duplicate';
    pending.acks.set(ack.task_id, ack);
    if (pending.acks.size < pending.expected_tasks.size) return 'accepted';
    this.finalize(pending);
    return 'completing';
  }

  /**
   * A task declined the checkpoint: its snapshot failed (CHECKPOINT_DECLINED, CHECKPOINT_ASYNC_EXCEPTION), a newer
   * barrier overtook it (CHECKPOINT_DECLINED_SUBSUMED) or the task is closing (CHECKPOINT_DECLINED_TASK_CLOSING).
   */
  decline(checkpoint_id: number, task_id: string, reason: DeclineReason, detail = ''): void {
    const pending = this.pending.get(checkpoint_id);
    if (pending === undefined || !pending.expected_tasks.has(task_id) || pending.phase !== 'collecting') return;
    this.abort(pending, reason, `declined by ${task_id}${detail ? `: ${detail}` : ''}`, true);
  }

  /** A task failed: every pending checkpoint it has not acknowledged is aborted. */
  on_task_failure(task_id: string): void {
    for (const pending of this.sorted_pending()) {
      // (A finalizing checkpoint has every ack already.)
      if (pending.expected_tasks.has(task_id) && !pending.acks.has(task_id)) {
        this.abort(pending, 'TASK_FAILURE', `task ${task_id} failed`);
      }
    }
  }

  private finalize(pending: PendingCheckpoint): void {
    const { checkpoint_id } = pending;
    // Every shared file must either be new in this checkpoint or still registered by a retained checkpoint:
    // otherwise it may already be deleted (see README, "shared state safety").
    const written = new Set<string>();
    for (const ack of pending.acks.values()) for (const path of ack.written_files) written.add(path);
    const metadata = this.build_metadata(pending);
    const { shared_files } = referenced_files(metadata);
    for (const f of shared_files) {
      if (!written.has(f.path) && !this.registry.is_referenced(f.path)) {
        this.abort(pending, 'SHARED_STATE_MISSING', `shared file ${f.path} is neither new nor registered`);
        return;
      }
    }
    const path = pending.request.kind === 'savepoint' ? savepoint_metadata_path(this.job_id, checkpoint_id) : metadata_path(this.job_id, checkpoint_id);
    // From here on the shared files are protected: a completion that drops an older checkpoint while this metadata is
    // being written must not delete a file this checkpoint re-uses.
    this.registry.register(checkpoint_id, shared_files);
    pending.phase = 'persisting';
    pending.metadata_path = path;
    this.hooks.log('checkpoint.finalizing', { checkpoint_id, metadata_path: path });
    this.hooks.persist_completed(metadata, encode_metadata(metadata), path);
  }

  /**
   * The JobManager finished (or failed) writing the metadata handed to persist_completed. `possibly_persisted`: the
   * write failed in a way that may still have made the checkpoint durable (an HA write whose answer never came, or
   * that the store could not verify): Flink's PossibleInconsistentStateException. The checkpoint fails all the same
   * (FINALIZE_CHECKPOINT_FAILURE), but its state is not discarded, since a later leader may restore it.
   */
  on_metadata_persisted(checkpoint_id: number, ok: boolean, detail = '', options: { possibly_persisted?: boolean } = {}): void {
    const pending = this.pending.get(checkpoint_id);
    if (pending === undefined) {
      // Aborted meanwhile (coordinator shutdown): its metadata must not survive.
      const path = this.abandoned_metadata.get(checkpoint_id);
      this.abandoned_metadata.delete(checkpoint_id);
      if (ok && path !== undefined) this.hooks.discard_files([path]);
      return;
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement,StringLiteral: invariant a correct caller cannot reach
    if (pending.phase !== 'persisting') throw new Error(`metadata persisted for checkpoint ${checkpoint_id}, which is not finalizing`);
    if (pending.subsumed_by !== undefined) {
      this.hooks.discard_files([pending.metadata_path as string]);
      this.abort(pending, 'CHECKPOINT_SUBSUMED', `subsumed by ${pending.subsumed_by} while persisting`);
      return;
    }
    if (!ok) {
      const kept = options.possibly_persisted === true;
      this.abort(pending, 'FINALIZE_CHECKPOINT_FAILURE', `writing metadata failed${detail ? `: ${detail}` : ''}${kept ? ' (it may have been persisted: its state is kept)' : ''}`, false, kept);
      return;
    }
    this.complete(pending);
  }

  private complete(pending: PendingCheckpoint): void {
    const { checkpoint_id, request } = pending;
    const metadata = this.build_metadata(pending);
    const path = pending.metadata_path as string;
    this.pending.delete(checkpoint_id);
    this.failure_manager.on_success(checkpoint_id);
    this.last_completion_monotonic_ms = this.hooks.monotonic_ms();
    let last_subsumed_id: number | undefined;
    if (request.kind === 'checkpoint') {
      const plans = this.store.add({ checkpoint_id, metadata, metadata_path: path }, { shared_files_registered: true });
      for (const plan of plans) last_subsumed_id = plan.checkpoint_id;
      this.discard_plans(plans);
    } else {
      // Savepoints are owned by the user: their shared files stay registered (pinned) and are never released here.
    }
    this.hooks.log('checkpoint.completed', { checkpoint_id, kind: request.kind, metadata_path: path, last_subsumed_id: last_subsumed_id ?? null });
    if (request.kind === 'checkpoint') {
      for (const older of this.sorted_pending()) {
        if (older.checkpoint_id < checkpoint_id && older.request.kind === 'checkpoint') {
          if (older.phase === 'persisting') older.subsumed_by = checkpoint_id;
          else this.abort(older, 'CHECKPOINT_SUBSUMED', `subsumed by ${checkpoint_id}`);
        }
      }
      this.hooks.notify_complete(checkpoint_id, last_subsumed_id);
    } else if (request.synchronous) {
      this.hooks.notify_complete(checkpoint_id, undefined);
    }
    this.request_done(request, { ok: true, checkpoint_id, kind: request.kind, metadata_path: path });
    this.execute_queued();
  }

  private abort(pending: PendingCheckpoint, reason: CheckpointFailureReason, detail: string, declined_by_task = false, keep_state = false): void {
    const { checkpoint_id, request } = pending;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement,StringLiteral: invariant a correct caller cannot reach
    if (this.pending.get(checkpoint_id) !== pending) throw new Error(`abort of checkpoint ${checkpoint_id} that is not pending`);
    this.pending.delete(checkpoint_id);
    // Kept state stays registered too (its shared files pinned), as Flink leaves it for manual clean-up.
    if (!keep_state) this.release_and_discard(pending);
    this.hooks.log('checkpoint.aborted', { checkpoint_id, kind: request.kind, reason, detail });
    this.hooks.notify_aborted(checkpoint_id, reason);
    this.request_done(request, { ok: false, checkpoint_id, reason, detail });
    const fail_reason = this.failure_manager.on_failure({ checkpoint_id, reason, kind: request.kind, synchronous: request.synchronous, declined_by_task });
    if (fail_reason !== undefined) {
      this.hooks.fail_job(fail_reason);
      return;
    }
    this.execute_queued();
  }

  // ---- shutdown and retention --------------------------------------------------------------------------------

  /**
   * The job reached an end status: stop scheduling, abort pending checkpoints and queued requests, then discard the
   * retained checkpoints the retention policy does not keep. SUSPENDED (JobManager failover) keeps everything for the
   * next leader. Returns the discarded paths.
   */
  shutdown(status: JobEndStatus): string[] {
    this.stop_pending();
    this.shut_down = true;
    if (!discards_on(this.retention, status)) {
      this.hooks.log('checkpoint.retained_on_shutdown', { status, retention: this.retention, checkpoints: this.store.newest_first().map((c) => c.checkpoint_id) });
      return [];
    }
    const plans = this.store.discard_all();
    this.discard_plans(plans);
    return plans.flatMap((p) => p.paths);
  }

  /**
   * The job is ending: no new checkpoints, and every pending or queued one is aborted (a metadata write in flight is
   * discarded when it returns). Completed checkpoints stay until shutdown.
   */
  stop_pending(): void {
    this.stop_periodic();
    for (const pending of this.sorted_pending()) {
      if (pending.phase === 'persisting') this.remember_abandoned(pending);
      this.pending.delete(pending.checkpoint_id);
      this.release_and_discard(pending);
      this.hooks.notify_aborted(pending.checkpoint_id, 'CHECKPOINT_COORDINATOR_SHUTDOWN');
      this.request_done(pending.request, { ok: false, checkpoint_id: pending.checkpoint_id, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    }
    for (const request of this.queue) this.request_done(request, { ok: false, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    this.queue = [];
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  private build_metadata(pending: PendingCheckpoint): CheckpointMetadata {
    const operators = new Map<string, OperatorState>();
    // Acks arrive in any order: operators are sorted by id and their subtasks by index below.
    for (const ack of pending.acks.values()) {
      for (const op of ack.operators) {
        let entry = operators.get(op.operator_id);
        if (entry === undefined) {
          entry = { operator_id: op.operator_id, parallelism: op.parallelism, max_parallelism: op.max_parallelism, subtasks: [] };
          operators.set(op.operator_id, entry);
        }
        if (entry.parallelism !== op.parallelism || entry.max_parallelism !== op.max_parallelism) {
          throw new Error(`operator ${op.operator_id}: subtasks disagree on parallelism`);
        }
        entry.subtasks.push(op.state);
      }
    }
    // Operator ids are distinct (map keys).
    const sorted_ops = [...operators.values()].sort((a, b) => (a.operator_id < b.operator_id ? -1 : 1));
    for (const op of sorted_ops) op.subtasks.sort((a, b) => a.subtask_index - b.subtask_index);
    return {
      version: METADATA_VERSION,
      job_id: this.job_id,
      checkpoint_id: pending.checkpoint_id,
      kind: pending.request.kind,
      timestamp_ms: pending.timestamp_ms,
      operators: sorted_ops,
      master_states: pending.master_states,
    };
  }

  /** Drop a pending checkpoint's registration (if it got as far as finalizing) and delete what only it used. */
  private release_and_discard(pending: PendingCheckpoint): void {
    // Only a finalizing checkpoint registered its shared files (releasing another releases nothing).
    const unreferenced = this.registry.release(pending.checkpoint_id);
    const in_pending = this.paths_in_pending();
    const paths = unreferenced.filter((path) => !in_pending.has(path));
    if (paths.length > 0) this.hooks.discard_files(paths);
    for (const ack of pending.acks.values()) this.discard_ack_files(ack);
  }

  /** Every path named by acks of pending checkpoints. */
  private paths_in_pending(): Set<string> {
    const in_pending = new Set<string>();
    for (const p of this.pending.values()) {
      for (const a of p.acks.values()) {
        for (const path of a.written_files) in_pending.add(path);
        for (const op of a.operators) for (const h of op.state.keyed) for (const f of [...h.private_files, ...h.shared_files] as FileRef[]) in_pending.add(f.path);
      }
    }
    return in_pending;
  }

  /** Delete what an ack wrote, except anything a retained or pending checkpoint still uses. */
  private discard_ack_files(ack: TaskAck): void {
    const candidates = new Set<string>(ack.written_files);
    for (const op of ack.operators) {
      for (const handle of op.state.keyed) for (const f of handle.private_files) candidates.add(f.path);
    }
    // (The ack is not pending any more: it was late, unexpected, or its checkpoint was just removed.)
    const in_pending = this.paths_in_pending();
    const paths = [...candidates].filter((path) => !this.store.is_in_use(path) && !in_pending.has(path)).sort();
    if (paths.length > 0) this.hooks.discard_files(paths);
  }

  private discard_plans(plans: DiscardPlan[]): void {
    for (const plan of plans) {
      if (plan.paths.length > 0) this.hooks.discard_files(plan.paths);
    }
  }

  /** A checkpoint aborted while persisting (it has its metadata path): delete the metadata if the write lands. */
  private remember_abandoned(pending: PendingCheckpoint): void {
    this.abandoned_metadata.set(pending.checkpoint_id, pending.metadata_path as string);
    if (this.abandoned_metadata.size > ABANDONED_WRITES_BOUND) this.abandoned_metadata.delete(this.abandoned_metadata.keys().next().value as number);
  }

  /** Oldest first: ids only increase and a Map keeps insertion order. */
  private sorted_pending(): PendingCheckpoint[] {
    return [...this.pending.values()];
  }

  private request_done(request: TriggerRequest, outcome: RequestOutcome): void {
    if (!request.periodic) this.hooks.on_request_done?.(request.request_id, outcome);
  }
}

/**
 * Priority: forced (savepoints included) > user > periodic; the sort is stable, so requests of a rank stay in request
 * order. (Forced requests pass max concurrent and never wait, so savepoints need no rank of their own.)
 */
function compare_requests(a: TriggerRequest, b: TriggerRequest): number {
  const rank = (r: TriggerRequest): number => (r.forced ? 0 : r.periodic ? 2 : 1);
  return rank(a) - rank(b);
}

/** Flink's CheckpointProperties: which end states discard retained checkpoints. Success always discards. */
export function discards_on(retention: RetentionPolicy, status: JobEndStatus): boolean {
  if (status === 'SUSPENDED') return false;
  if (status === 'FINISHED') return true;
  if (retention === 'NO_EXTERNALIZED') return true;
  if (retention === 'DELETE_ON_CANCELLATION') return status === 'CANCELED';
  return false;
}
