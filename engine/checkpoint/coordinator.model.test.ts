// Model check of the CheckpointCoordinator: random command sequences (periodic and user triggers, savepoints, acks,
// declines, task failures, timeouts, metadata writes, restores and shutdown) drive the coordinator and a plain
// reference model of Flink's rules side by side; after every command both must agree on every observable effect.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type CheckpointCoordinatorConfig, type CoordinatorTimerTag, type JobEndStatus, type RequestOutcome, type RetentionPolicy, type TaskAck,
  CheckpointCoordinator,
} from './coordinator.js';
import type { CheckpointFailureReason, DeclineReason } from './failure-manager.js';
import type { CheckpointKind, CheckpointMetadata } from './metadata.js';
import type { FileRef } from '../state/backend.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 150);
const seed = Number(process.env['STREAMSIM_PROPERTY_SEED'] ?? 19);
const TASKS = ['t0', 't1', 't2'] as const;
/** The subtask each task runs (not in task-id order, so the metadata's order is the coordinator's doing). */
const SUBTASK_OF = [2, 0, 1] as const;
/** How often the situations worth judging came up across all runs (checked at the end: the check is not vacuous). */
const reached = new Map<string, number>();
const note = (what: string): void => { reached.set(what, (reached.get(what) ?? 0) + 1); };

// ---- commands ---------------------------------------------------------------------------------------------------

type Command =
  | { c: 'trigger'; forced: boolean }
  | { c: 'savepoint'; synchronous: boolean; drain: boolean }
  | { c: 'start_periodic' }
  | { c: 'stop_periodic' }
  | { c: 'advance'; ms: number }
  | { c: 'clock_jump'; ms: number }
  | { c: 'ack'; pick: number; task: number; unacked: boolean; new_shared: number; reuse: 'none' | 'latest' | 'stale' }
  | { c: 'decline'; pick: number; task: number; reason: DeclineReason }
  | { c: 'task_failure'; task: number }
  | { c: 'persist'; pick: number; ok: boolean; possibly_persisted: boolean }
  | { c: 'set_tasks'; tasks: number[] }
  | { c: 'restore_counter'; restored_ahead: number; from_ha: number | undefined }
  | { c: 'stop_pending' }
  | { c: 'shutdown'; status: JobEndStatus };

const task_index = fc.integer({ min: 0, max: TASKS.length - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ c: fc.constant('trigger' as const), forced: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('savepoint' as const), synchronous: fc.boolean(), drain: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('start_periodic' as const) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('stop_periodic' as const) }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 400 })) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('clock_jump' as const), ms: fc.integer({ min: -5000, max: 5000 }) }) },
  { weight: 12, arbitrary: fc.record({
      c: fc.constant('ack' as const), pick: fc.nat(), task: task_index, unacked: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
      new_shared: fc.integer({ min: 0, max: 2 }), reuse: fc.constantFrom<'none' | 'latest' | 'stale'>('none', 'latest', 'latest', 'stale'),
    }) },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('decline' as const), pick: fc.nat(), task: task_index,
      reason: fc.constantFrom<DeclineReason>('CHECKPOINT_DECLINED', 'CHECKPOINT_DECLINED_SUBSUMED', 'CHECKPOINT_DECLINED_TASK_CLOSING', 'CHECKPOINT_DECLINED_TASK_NOT_READY', 'CHECKPOINT_ASYNC_EXCEPTION'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('task_failure' as const), task: task_index }) },
  { weight: 6, arbitrary: fc.record({ c: fc.constant('persist' as const), pick: fc.nat(), ok: fc.integer({ min: 0, max: 3 }).map((n) => n > 0), possibly_persisted: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('set_tasks' as const), tasks: fc.oneof({ weight: 4, arbitrary: fc.subarray([0, 1, 2], { minLength: 1 }) }, { weight: 1, arbitrary: fc.constant<number[]>([]) }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('restore_counter' as const), restored_ahead: fc.integer({ min: -3, max: 5 }), from_ha: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('stop_pending' as const) }) },

);

interface Config {
  interval_ms: number;
  timeout_ms: number;
  min_pause_ms: number;
  max_concurrent: number;
  tolerable_failures: number;
  num_retained: number;
  retention: RetentionPolicy;
  max_queued_requests: number;
  initial_tasks: number[];
  /** Fractions the coordinator's random draws map to (the initial periodic delay). */
  draws: number[];
  end: JobEndStatus | undefined;
  /** Where in the sequence the job ends (the commands after it meet a coordinator that was shut down). */
  end_at: number;
}

const config_arb: fc.Arbitrary<Config> = fc.record({
  interval_ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 20, max: 300 })),
  timeout_ms: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }) }, { weight: 3, arbitrary: fc.integer({ min: 100, max: 2000 }) }),
  min_pause_ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
  max_concurrent: fc.integer({ min: 1, max: 3 }),
  tolerable_failures: fc.integer({ min: 0, max: 3 }),
  num_retained: fc.integer({ min: 1, max: 3 }),
  retention: fc.constantFrom<RetentionPolicy>('NO_EXTERNALIZED', 'DELETE_ON_CANCELLATION', 'RETAIN_ON_CANCELLATION'),
  max_queued_requests: fc.integer({ min: 1, max: 4 }),
  initial_tasks: fc.subarray([0, 1, 2], { minLength: 1 }),
  draws: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 8, maxLength: 8 }),
  end: fc.option(fc.constantFrom<JobEndStatus>('FINISHED', 'CANCELED', 'FAILED', 'SUSPENDED'), { nil: undefined }),
  end_at: fc.double({ min: 0.6, max: 1, noNaN: true }),
});

/** The value a draw in [min, max] takes for fraction f (shared by the world and the model). */
function draw(f: number, min: number, max: number): number {
  return Math.min(max, min + Math.floor(f * (max - min + 1)));
}

// ---- the reference model ----------------------------------------------------------------------------------------

/** What an acknowledgement names: its private file, the files it wrote, and the shared files it references. */
interface AckFiles { private_file: string; written: string[]; shared: string[] }
interface Request { request_id: number; kind: CheckpointKind; periodic: boolean; forced: boolean; synchronous: boolean; drain: boolean }
interface Pending {
  id: number;
  request: Request;
  expected: Set<string>;
  acks: Map<string, AckFiles>;
  persisting: boolean;
  /** The newer checkpoint that completed while this one was persisting. */
  subsumed: number | undefined;
  timestamp_ms: number;
}
interface Finished { id: number; kind: CheckpointKind; acks: Map<string, AckFiles> }
type Timer = { at_ms: number; kind: 'periodic'; token: number } | { at_ms: number; kind: 'timeout'; id: number };

/** Counted failure reasons (Flink's CheckpointFailureReason.isCountedAgainstFailureThreshold, plus finalization checks). */
const COUNTED = new Set<CheckpointFailureReason>(['IO_EXCEPTION', 'CHECKPOINT_ASYNC_EXCEPTION', 'CHECKPOINT_DECLINED', 'CHECKPOINT_EXPIRED', 'FINALIZE_CHECKPOINT_FAILURE', 'SHARED_STATE_MISSING']);

const chk_metadata = (id: number): string => `job/chk-${id}/_metadata`;
const sp_metadata = (id: number): string => `job/savepoint-${id}/_metadata`;

class Model {
  readonly interval_ms: number;
  now_ms = 0;
  wall_offset_ms = 0;
  next_id = 1;
  last_triggered = 0;
  next_request_id = 1;
  expected: string[] = [];
  pending = new Map<number, Pending>();
  queue: Request[] = [];
  periodic_running = false;
  token = 0;
  timers: Timer[] = [];
  last_completion_ms = Number.NEGATIVE_INFINITY;
  retained: Finished[] = [];
  /** Every checkpoint ever completed (retained or not). */
  all_completed: Finished[] = [];
  savepoints: Finished[] = [];
  /** Aborted with a metadata write of unknown outcome: their state stays (registered), as Flink leaves it. */
  kept: Finished[] = [];
  shut_down = false;
  draw_index = 0;
  // failure manager
  consecutive = 0;
  last_success = 0;
  counted = new Set<number>();
  // observable effects
  /** The coordinator's events (engine/events.ts), without their free-text detail. */
  events: Record<string, unknown>[] = [];
  triggered: { id: number; kind: CheckpointKind; synchronous: boolean; drain: boolean; timestamp_ms: number }[] = [];
  completed: { id: number; last_subsumed_id: number | undefined }[] = [];
  aborted: { id: number; reason: string }[] = [];
  /** Request outcomes in the order they were reported. */
  outcomes: [number, RequestOutcome][] = [];
  persisted: { id: number; path: string; kind: CheckpointKind; operators: string[]; timestamp_ms: number }[] = [];
  /** Facts the detail of each 'checkpoint.aborted' event must name. */
  abort_facts: string[][] = [];
  job_failures = 0;
  /** Metadata writes in flight: id → path; abandoned ones belong to checkpoints aborted at shutdown. */
  in_flight = new Map<number, string>();

  constructor(readonly config: Config) {
    this.interval_ms = config.interval_ms > 0 ? Math.max(config.interval_ms, config.min_pause_ms) : 0;
    this.expected = config.initial_tasks.map((i) => TASKS[i]!);
  }

  wall(): number { return this.now_ms + this.wall_offset_ms; }

  // -- scheduling
  start_periodic(): void {
    if (this.interval_ms <= 0 || this.shut_down) return;
    this.periodic_running = true;
    this.token++;
    const delay = draw(this.config.draws[this.draw_index++ % this.config.draws.length]!, this.config.min_pause_ms, this.interval_ms);
    this.timers.push({ at_ms: this.now_ms + delay, kind: 'periodic', token: this.token });
  }

  stop_periodic(): void {
    this.periodic_running = false;
    this.token++;
    this.queue = this.queue.filter((r) => !r.periodic);
  }

  fire(timer: Timer): void {
    if (this.shut_down) return;
    if (timer.kind === 'periodic') {
      if (!this.periodic_running || timer.token !== this.token) return;
      note('periodic tick');
      this.timers.push({ at_ms: this.now_ms + this.interval_ms, kind: 'periodic', token: this.token });
      if (!this.queue.some((r) => r.periodic)) this.enqueue({ request_id: this.next_request_id++, kind: 'checkpoint', periodic: true, forced: false, synchronous: false, drain: false });
      return;
    }
    const p = this.pending.get(timer.id);
    if (p === undefined) return;
    // Every task acknowledged: only the metadata write decides now.
    if (p.persisting) this.events.push({ event: 'checkpoint.timeout_while_persisting', checkpoint_id: p.id });
    else this.abort(p, 'CHECKPOINT_EXPIRED', false, false, [`${this.config.timeout_ms} ms`]);
  }

  // -- requests
  trigger(forced: boolean): number {
    const request_id = this.next_request_id++;
    this.enqueue({ request_id, kind: 'checkpoint', periodic: false, forced, synchronous: false, drain: false });
    return request_id;
  }

  savepoint(synchronous: boolean, drain: boolean): number {
    const request_id = this.next_request_id++;
    this.enqueue({ request_id, kind: 'savepoint', periodic: false, forced: true, synchronous, drain });
    return request_id;
  }

  done(r: Request, outcome: RequestOutcome): void {
    if (!r.periodic) this.outcomes.push([r.request_id, outcome]);
  }

  enqueue(r: Request): void {
    if (this.shut_down) return this.done(r, { ok: false, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    // Flink's CheckpointRequestDecider: a full queue of user requests rejects the new one; otherwise the lowest-ranked
    // request beyond the bound is dropped.
    const last = this.queue[this.queue.length - 1];
    if (this.queue.length >= this.config.max_queued_requests && last !== undefined && !last.periodic) {
      note('new request rejected by a full queue');
      return this.done(r, { ok: false, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' });
    }
    this.queue.push(r);
    const rank = (q: Request): number => (q.kind === 'savepoint' ? 0 : q.forced ? 1 : q.periodic ? 3 : 2);
    this.queue.sort((a, b) => rank(a) - rank(b) || a.request_id - b.request_id);
    if (this.queue.length > this.config.max_queued_requests) note('lowest-ranked request dropped from a full queue');
    if (this.queue.length > this.config.max_queued_requests) this.done(this.queue.pop()!, { ok: false, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' });
    this.execute();
  }

  execute(): void {
    for (;;) {
      const first = this.queue[0];
      if (first === undefined || this.shut_down) return;
      if (this.pending.size >= this.config.max_concurrent) {
        if (!first.forced) return;
        note('forced past max concurrent');
        this.start(this.queue.shift()!);
        continue;
      }
      if (first.periodic) {
        const delay = Math.ceil(this.last_completion_ms + this.config.min_pause_ms - this.now_ms);
        if (delay > 0) {
          note('periodic request held back by the min pause');
          this.events.push({ event: 'checkpoint.request_dropped', reason: 'MINIMUM_TIME_BETWEEN_CHECKPOINTS', reschedule_after_ms: delay });
          this.queue.shift();
          if (this.periodic_running) {
            this.token++;
            this.timers.push({ at_ms: this.now_ms + delay, kind: 'periodic', token: this.token });
          }
          return;
        }
      }
      this.start(this.queue.shift()!);
    }
  }

  start(r: Request): void {
    if (this.expected.length === 0) note('request with no task running');
    if (this.expected.length === 0) return this.done(r, { ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
    const id = this.next_id++;
    this.last_triggered = id;
    this.pending.set(id, { id, request: r, expected: new Set(this.expected), acks: new Map(), persisting: false, subsumed: undefined, timestamp_ms: this.wall() });
    if (this.pending.size > this.config.max_concurrent + this.config.max_queued_requests) {
      note('pending bound exceeded');
      throw new BoundExceeded();
    }
    this.timers.push({ at_ms: this.now_ms + this.config.timeout_ms, kind: 'timeout', id });
    this.events.push({ event: 'checkpoint.triggered', checkpoint_id: id, kind: r.kind, synchronous: r.synchronous, tasks: this.expected.length });
    this.triggered.push({ id, kind: r.kind, synchronous: r.synchronous, drain: r.drain, timestamp_ms: this.wall() });
  }

  // -- acks and declines
  ack(id: number, task: string, files: AckFiles): string {
    const p = this.pending.get(id);
    if (p === undefined) {
      const outcome = id <= this.last_triggered ? 'late' : 'unknown_checkpoint';
      this.events.push({ event: 'checkpoint.ack_discarded', checkpoint_id: id, task_id: task, outcome });
      return outcome;
    }
    if (!p.expected.has(task)) return 'unknown_task';
    if (p.acks.has(task)) return 'duplicate';
    p.acks.set(task, files);
    if (p.acks.size < p.expected.size) return 'accepted';
    this.finalize(p);
    return 'completing';
  }

  finalize(p: Pending): void {
    const written = new Set([...p.acks.values()].flatMap((a) => a.written));
    const registered = this.registered();
    for (const a of p.acks.values()) {
      for (const f of a.shared) {
        if (!written.has(f) && !registered.has(f)) return this.abort(p, 'SHARED_STATE_MISSING', false, false, [f]);
      }
    }
    p.persisting = true;
    const path = p.request.kind === 'savepoint' ? sp_metadata(p.id) : chk_metadata(p.id);
    // Operators by id, each with its subtasks in index order.
    const subtasks = [...p.acks.keys()].map((t) => SUBTASK_OF[Number(t.slice(1))]!).sort((a, b) => a - b).join(',');
    this.events.push({ event: 'checkpoint.finalizing', checkpoint_id: p.id, metadata_path: path });
    this.persisted.push({ id: p.id, path, kind: p.request.kind, operators: [`a-source:${subtasks}`, `z-window:${subtasks}`], timestamp_ms: p.timestamp_ms });
    this.in_flight.set(p.id, path);
  }

  decline(id: number, task: string, reason: DeclineReason): void {
    const p = this.pending.get(id);
    if (p === undefined || !p.expected.has(task) || p.persisting) return;
    this.abort(p, reason, true, false, [task, 'drawn']);
  }

  task_failure(task: string): void {
    for (const p of this.sorted_pending()) {
      if (p.expected.has(task) && !p.acks.has(task) && !p.persisting) this.abort(p, 'TASK_FAILURE', false, false, [task]);
    }
  }

  persisted_result(id: number, ok: boolean, possibly_persisted: boolean): void {
    this.in_flight.delete(id);
    const p = this.pending.get(id);
    if (p === undefined || !p.persisting) note('metadata write of an aborted checkpoint returned');
    if (p === undefined || !p.persisting) return;
    if (p.subsumed !== undefined) return this.abort(p, 'CHECKPOINT_SUBSUMED', false, false, [`${p.subsumed}`]);
    if (!ok) return this.abort(p, 'FINALIZE_CHECKPOINT_FAILURE', false, possibly_persisted, possibly_persisted ? ['io error', 'kept'] : ['io error']);
    this.complete(p);
  }

  complete(p: Pending): void {
    this.pending.delete(p.id);
    this.on_success(p.id);
    this.last_completion_ms = this.now_ms;
    const finished: Finished = { id: p.id, kind: p.request.kind, acks: p.acks };
    let last_subsumed_id: number | undefined;
    const metadata_path = p.request.kind === 'savepoint' ? sp_metadata(p.id) : chk_metadata(p.id);
    if (p.request.kind === 'checkpoint') {
      this.retained.push(finished);
      this.all_completed.push(finished);
      while (this.retained.length > this.config.num_retained) last_subsumed_id = this.retained.shift()!.id;
    }
    this.events.push({ event: 'checkpoint.completed', checkpoint_id: p.id, kind: p.request.kind, metadata_path, last_subsumed_id: last_subsumed_id ?? null });
    if (p.request.kind === 'checkpoint') {
      for (const older of this.sorted_pending()) {
        if (older.id < p.id && older.request.kind === 'checkpoint') {
          if (older.persisting) note('subsumed while persisting');
          if (older.persisting) older.subsumed = p.id;
          else this.abort(older, 'CHECKPOINT_SUBSUMED', false, false, [`${p.id}`]);
        }
      }
      this.completed.push({ id: p.id, last_subsumed_id });
      note(last_subsumed_id === undefined ? 'checkpoint completed' : 'checkpoint completed, dropping the oldest retained');
    } else {
      this.savepoints.push(finished);
      note(p.request.synchronous ? 'stop-with-savepoint completed' : 'savepoint completed');
      if (p.request.synchronous) this.completed.push({ id: p.id, last_subsumed_id: undefined });
    }
    this.done(p.request, { ok: true, checkpoint_id: p.id, kind: p.request.kind, metadata_path });
    this.execute();
  }

  abort(p: Pending, reason: CheckpointFailureReason, declined_by_task: boolean, keep: boolean, facts: string[]): void {
    this.abort_facts.push(facts);
    this.pending.delete(p.id);
    if (keep) this.kept.push({ id: p.id, kind: p.request.kind, acks: p.acks });
    this.events.push({ event: 'checkpoint.aborted', checkpoint_id: p.id, kind: p.request.kind, reason });
    this.aborted.push({ id: p.id, reason });
    note(`aborted ${reason}${keep ? ' (state kept)' : ''}`);
    this.done(p.request, { ok: false, checkpoint_id: p.id, reason });
    if (this.on_failure(p, reason, declined_by_task)) {
      note('job failed');
      this.job_failures++;
      return;
    }
    this.execute();
  }

  // -- the failure manager (Flink's CheckpointFailureManager)
  on_failure(p: Pending, reason: CheckpointFailureReason, declined_by_task: boolean): boolean {
    if (p.request.kind === 'savepoint') {
      if (!declined_by_task) return false;
      if (p.request.synchronous) return true;
    }
    if (p.id <= this.last_success || !COUNTED.has(reason) || this.counted.has(p.id)) return false;
    this.counted.add(p.id);
    this.consecutive++;
    if (this.consecutive <= this.config.tolerable_failures) return false;
    this.consecutive = 0;
    this.counted.clear();
    return true;
  }

  on_success(id: number): void {
    if (id <= this.last_success) return;
    this.last_success = id;
    this.consecutive = 0;
    this.counted.clear();
  }

  // -- ending
  stop_pending(): void {
    this.stop_periodic();
    for (const p of this.sorted_pending()) {
      this.pending.delete(p.id);
      this.aborted.push({ id: p.id, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
      this.done(p.request, { ok: false, checkpoint_id: p.id, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    }
    for (const r of this.queue) this.done(r, { ok: false, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    this.queue = [];
  }

  shutdown(status: JobEndStatus): void {
    this.stop_pending();
    this.shut_down = true;
    // Flink's CheckpointProperties: SUSPENDED keeps everything, FINISHED discards, and otherwise the retention policy.
    const discards = status !== 'SUSPENDED' && (status === 'FINISHED' || this.config.retention === 'NO_EXTERNALIZED' || (this.config.retention === 'DELETE_ON_CANCELLATION' && status === 'CANCELED'));
    if (!discards) this.events.push({ event: 'checkpoint.retained_on_shutdown', status, retention: this.config.retention, checkpoints: this.retained.map((c) => c.id).reverse() });
    if (discards && this.retained.length > 0) note('retained checkpoints discarded at shutdown');
    if (discards) this.retained = [];
  }

  restore_counter(restored_id: number, from_ha: number | undefined): void {
    this.next_id = Math.max(this.next_id, restored_id + 1, from_ha ?? 0);
  }

  sorted_pending(): Pending[] {
    return [...this.pending.values()].sort((a, b) => a.id - b.id);
  }

  /** Shared files some registered checkpoint references (retained, finalizing, savepoints, kept). */
  registered(): Set<string> {
    const out = new Set<string>();
    const add = (acks: Map<string, AckFiles>): void => { for (const a of acks.values()) for (const f of a.shared) out.add(f); };
    for (const c of [...this.retained, ...this.savepoints, ...this.kept]) add(c.acks);
    for (const p of this.pending.values()) if (p.persisting) add(p.acks);
    return out;
  }

  /** Files that must still exist: everything of retained checkpoints, savepoints and kept state, the files pending acks wrote. */
  in_use(): Set<string> {
    const out = this.registered();
    for (const c of [...this.retained, ...this.savepoints, ...this.kept]) {
      for (const a of c.acks.values()) { out.add(a.private_file); for (const f of a.written) out.add(f); }
    }
    for (const c of this.retained) out.add(chk_metadata(c.id));
    for (const c of this.savepoints) out.add(sp_metadata(c.id));
    for (const p of this.pending.values()) for (const a of p.acks.values()) { out.add(a.private_file); for (const f of a.written) out.add(f); }
    return out;
  }

  /** Files some pending ack references (including shared files it re-uses). */
  referenced_by_pending(): Set<string> {
    const out = new Set<string>();
    for (const p of this.pending.values()) for (const a of p.acks.values()) { out.add(a.private_file); for (const f of [...a.written, ...a.shared]) out.add(f); }
    return out;
  }
}

class BoundExceeded extends Error {}

/** The effects both sides record, in the order they happened. */
const EFFECT_LISTS = ['triggered', 'completed', 'aborted', 'outcomes', 'persisted', 'events'] as const;

// ---- the world around the coordinator ---------------------------------------------------------------------------

/** JSON with object keys sorted, so equal values give equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

const ref = (path: string): FileRef => ({ path, size_bytes: 1, checksum: '00000000' });

function run(config: Config, commands: Command[]): void {
  const model = new Model(config);
  let now_ms = 0;
  let wall_offset_ms = 0;
  let draw_index = 0;
  const timers: { at_ms: number; tag: CoordinatorTimerTag }[] = [];
  const world = {
    triggered: [] as Model['triggered'],
    completed: [] as Model['completed'],
    aborted: [] as Model['aborted'],
    outcomes: [] as [number, RequestOutcome][],
    persisted: [] as Model['persisted'],
    job_failures: 0,
    events: [] as Record<string, unknown>[],
    abort_details: [] as string[],
  };
  const in_flight: { id: number; path: string }[] = [];
  const compared = { triggered: 0, completed: 0, aborted: 0, outcomes: 0, persisted: 0, events: 0 };
  const files = new Set<string>();
  const ever_written = new Set<string>();
  /** Shared files some ack re-used: a file re-used by an ack that later fails may outlive it (see below). */
  const ever_reused = new Set<string>();
  /** Every ack a task sent per checkpoint, so a resend repeats it exactly. */
  const sent = new Map<string, AckFiles>();
  const conf: CheckpointCoordinatorConfig = {
    job_id: 'job', interval_ms: config.interval_ms, timeout_ms: config.timeout_ms, min_pause_ms: config.min_pause_ms,
    max_concurrent: config.max_concurrent, tolerable_failures: config.tolerable_failures, num_retained: config.num_retained,
    retention: config.retention, max_queued_requests: config.max_queued_requests,
  };
  const coordinator = new CheckpointCoordinator(conf, {
    now_ms: () => now_ms + wall_offset_ms,
    monotonic_ms: () => now_ms,
    schedule: (after_ms, tag) => { timers.push({ at_ms: now_ms + after_ms, tag }); },
    random: {
      next: () => 0,
      chance: () => false,
      int_inclusive: (min, max) => draw(config.draws[draw_index++ % config.draws.length]!, min, max),
    },
    snapshot_master_states: (id) => [{ name: 'enumerator', state: { at: id } }],
    trigger_sources: (id, timestamp_ms, o) => { world.triggered.push({ id, kind: o.kind, synchronous: o.synchronous, drain: o.drain, timestamp_ms }); },
    notify_complete: (id, last_subsumed_id) => { world.completed.push({ id, last_subsumed_id }); },
    notify_aborted: (id, reason) => { world.aborted.push({ id, reason }); },
    persist_completed: (metadata: CheckpointMetadata, _bytes, path) => {
      if (canonical(metadata.master_states) !== canonical([{ name: 'enumerator', state: { at: metadata.checkpoint_id } }])) {
        expect.fail(`metadata of ${metadata.checkpoint_id}: master states ${canonical(metadata.master_states)}`);
      }
      world.persisted.push({
        id: metadata.checkpoint_id, path, kind: metadata.kind, timestamp_ms: metadata.timestamp_ms,
        operators: metadata.operators.map((o) => `${o.operator_id}:${o.subtasks.map((st) => st.subtask_index).join(',')}`),
      });
      in_flight.push({ id: metadata.checkpoint_id, path });
    },
    discard_files: (paths) => {
      if (paths.length === 0) expect.fail('asked to delete no file');
      for (const p of paths) files.delete(p);
    },
    fail_job: () => { world.job_failures++; },
    log: (event, fields = {}) => {
      const without_detail: Record<string, unknown> = { event, ...fields };
      delete without_detail['detail'];
      world.events.push(without_detail);
      if (event === 'checkpoint.aborted') world.abort_details.push(String(fields['detail']));
    },
    on_request_done: (id, outcome) => {
      const without_detail: Record<string, unknown> = { ...outcome };
      delete without_detail['detail'];
      world.outcomes.push([id, without_detail as RequestOutcome]);
    },
  });
  coordinator.set_expected_tasks(model.expected);

  const timer_key = (kind: string, id: number): number => (kind === 'timeout' ? id : 1e9 + id);
  const next_world_timer = (until_ms: number): number => {
    let best = -1;
    timers.forEach((t, i) => {
      if (t.at_ms > until_ms) return;
      const b = timers[best];
      const key = timer_key(t.tag.kind, t.tag.kind === 'timeout' ? t.tag.checkpoint_id : t.tag.generation);
      if (b === undefined || t.at_ms < b.at_ms || (t.at_ms === b.at_ms && key < timer_key(b.tag.kind, b.tag.kind === 'timeout' ? b.tag.checkpoint_id : b.tag.generation))) best = i;
    });
    return best;
  };
  const next_model_timer = (until_ms: number): number => {
    let best = -1;
    model.timers.forEach((t, i) => {
      if (t.at_ms > until_ms) return;
      const b = model.timers[best];
      const key = timer_key(t.kind, t.kind === 'timeout' ? t.id : t.token);
      if (b === undefined || t.at_ms < b.at_ms || (t.at_ms === b.at_ms && key < timer_key(b.kind, b.kind === 'timeout' ? b.id : b.token))) best = i;
    });
    return best;
  };

  const ack_target = (pick: number): number => {
    // A pending checkpoint, the last one triggered (maybe finished), or one never triggered.
    const pending = [...model.pending.keys()];
    const candidates = [...pending, ...pending, ...pending, ...pending, model.last_triggered];
    if (pick % 7 === 0) return model.last_triggered + 1 + (pick % 3);
    return candidates[pick % candidates.length]!;
  };

  for (const [step, cmd] of commands.entries()) {
    const where = `step ${step}: ${JSON.stringify(cmd)}`;
    /**
     * Apply one event to the model, then to the coordinator. Forced requests pass max concurrent: where the model
     * counts more pending checkpoints than max concurrent + max queued, the coordinator must stop loudly instead.
     */
    const both = <M, C>(on_model: () => M, on_coordinator: () => C): [M, C] => {
      let expected: M;
      try {
        expected = on_model();
      } catch (e) {
        if (!(e instanceof BoundExceeded)) throw e;
        expect(on_coordinator, where).toThrow(/pending checkpoints exceed their bound/);
        throw e;
      }
      return [expected, on_coordinator()];
    };
    try {
      switch (cmd.c) {
        case 'trigger': {
          const [expected_id, id] = both(() => model.trigger(cmd.forced), () => coordinator.trigger_checkpoint({ forced: cmd.forced }));
          if (id !== expected_id) expect(id, where).toBe(expected_id);
          break;
        }
        case 'savepoint': {
          const [expected_id, id] = both(() => model.savepoint(cmd.synchronous, cmd.drain), () => coordinator.trigger_savepoint({ synchronous: cmd.synchronous, drain: cmd.drain }));
          if (id !== expected_id) expect(id, where).toBe(expected_id);
          break;
        }
        case 'start_periodic': model.start_periodic(); coordinator.start_periodic(); break;
        case 'stop_periodic': model.stop_periodic(); coordinator.stop_periodic(); break;
        case 'clock_jump': model.wall_offset_ms += cmd.ms; wall_offset_ms += cmd.ms; break;
        case 'advance': {
          const until_ms = now_ms + cmd.ms;
          for (;;) {
            const w = next_world_timer(until_ms);
            const m = next_model_timer(until_ms);
            if ((w === -1) !== (m === -1)) expect.fail(`${where}: a timer is due in one and not the other`);
            if (w === -1) break;
            const [wt] = timers.splice(w, 1) as [{ at_ms: number; tag: CoordinatorTimerTag }];
            const [mt] = model.timers.splice(m, 1) as [Timer];
            if (wt.at_ms !== mt.at_ms || wt.tag.kind !== mt.kind) expect({ at_ms: wt.at_ms, kind: wt.tag.kind }, where).toEqual({ at_ms: mt.at_ms, kind: mt.kind });
            now_ms = wt.at_ms;
            model.now_ms = mt.at_ms;
            both(() => model.fire(mt), () => coordinator.on_timer(wt.tag));
          }
          now_ms = until_ms;
          model.now_ms = until_ms;
          break;
        }
        case 'ack': {
          const id = ack_target(cmd.pick);
          // Mostly a task that still owes its ack; sometimes any task (a duplicate, or one the checkpoint does not expect).
          const owing = [...(model.pending.get(id)?.expected ?? [])].filter((t) => !model.pending.get(id)!.acks.has(t)).sort();
          const task = cmd.unacked && owing.length > 0 ? owing[cmd.task % owing.length]! : TASKS[cmd.task]!;
          const task_number = Number(task.slice(1));
          const key = `${id}/${task}`;
          let files_of = sent.get(key);
          const pending = model.pending.get(id);
          if (files_of !== undefined && pending?.acks.get(task) !== files_of) break; // a task acknowledges once (resends only while pending)
          if (files_of === undefined) {
            const private_file = `job/chk-${id}/${task}/private`;
            const fresh = Array.from({ length: cmd.new_shared }, (_, i) => `job/shared/${id}-${task}-${i}`);
            // An incremental backend re-uses the shared files of the latest checkpoint it knows completed; one that
            // missed a notification re-uses an older one's, which may be gone by now.
            const dropped = model.all_completed.filter((c) => !model.retained.includes(c));
            const source = cmd.reuse === 'latest' ? model.retained[model.retained.length - 1] : cmd.reuse === 'stale' ? dropped[cmd.pick % Math.max(1, dropped.length)] : undefined;
            const reused = [...(source?.acks.get(task)?.shared ?? [])].filter((f) => !fresh.includes(f));
            files_of = { private_file, written: [private_file, ...fresh], shared: [...fresh, ...reused] };
            for (const f of reused) ever_reused.add(f);
          }
          for (const f of files_of.written) { files.add(f); ever_written.add(f); }
          const task_ack: TaskAck = {
            task_id: task,
            written_files: [...files_of.written],
            operators: [{
              operator_id: 'z-window', parallelism: 3, max_parallelism: 128,
              state: {
                subtask_index: SUBTASK_OF[task_number]!,
                keyed: [{ backend: 'heap', checkpoint_id: id, key_group_range: { start: 0, end: 127 }, private_files: [ref(files_of.private_file)], shared_files: files_of.shared.map(ref) }],
                operator_state: [],
              },
            }, {
              operator_id: 'a-source', parallelism: 3, max_parallelism: 128,
              state: { subtask_index: SUBTASK_OF[task_number]!, keyed: [], operator_state: [] },
            }],
          };
          const acked = files_of;
          const [expected_outcome, outcome] = both(() => model.ack(id, task, acked), () => coordinator.acknowledge(id, task_ack));
          if (expected_outcome === 'accepted' || expected_outcome === 'completing') sent.set(key, acked);
          if (outcome !== expected_outcome) expect(outcome, where).toBe(expected_outcome);
          note(`ack ${outcome}`);
          break;
        }
        case 'decline': {
          const id = ack_target(cmd.pick);
          both(() => model.decline(id, TASKS[cmd.task]!, cmd.reason), () => coordinator.decline(id, TASKS[cmd.task]!, cmd.reason, 'drawn'));
          break;
        }
        case 'task_failure': both(() => model.task_failure(TASKS[cmd.task]!), () => coordinator.on_task_failure(TASKS[cmd.task]!)); break;
        case 'persist': {
          if (in_flight.length === 0) break;
          const [write] = in_flight.splice(cmd.pick % in_flight.length, 1) as [{ id: number; path: string }];
          if (cmd.ok) { files.add(write.path); ever_written.add(write.path); }
          both(() => model.persisted_result(write.id, cmd.ok, cmd.possibly_persisted),
            () => coordinator.on_metadata_persisted(write.id, cmd.ok, cmd.ok ? '' : 'io error', { possibly_persisted: cmd.possibly_persisted }));
          break;
        }
        case 'set_tasks': {
          model.expected = cmd.tasks.map((i) => TASKS[i]!);
          coordinator.set_expected_tasks([...model.expected, ...model.expected]);
          break;
        }
        case 'restore_counter': {
          const restored = Math.max(0, model.last_triggered + cmd.restored_ahead);
          model.restore_counter(restored, cmd.from_ha);
          coordinator.restore_checkpoint_counter(restored, cmd.from_ha);
          break;
        }
        case 'stop_pending': model.stop_pending(); coordinator.stop_pending(); break;
        case 'shutdown': model.shutdown(cmd.status); coordinator.shutdown(cmd.status); break;
      }
    } catch (e) {
      if (e instanceof BoundExceeded) return;
      throw e;
    }

    // Both agree on every effect so far, and on what the coordinator reports of its state.
    const timer_view = (list: { at_ms: number; kind: string; id: number | undefined }[]): string[] => list.map((t) => `${t.at_ms}/${t.kind}/${t.id ?? ''}`).sort();
    const pending = model.sorted_pending();
    const observed = {
      pending: coordinator.pending_checkpoint_ids(),
      finalizing: coordinator.finalizing_checkpoint_ids(),
      queued: coordinator.queued_request_count(),
      next_id: coordinator.next_checkpoint_id(),
      failure_count: coordinator.failure_manager.failure_count(),
      job_failures: world.job_failures,
      retained: coordinator.store.newest_first().map((c) => c.checkpoint_id),
      latest: coordinator.latest_completed()?.checkpoint_id,
      timers: timer_view(timers.map((t) => ({ at_ms: t.at_ms, kind: t.tag.kind, id: t.tag.kind === 'timeout' ? t.tag.checkpoint_id : undefined }))),
    };
    const expected = {
      pending: pending.map((p) => p.id),
      finalizing: pending.filter((p) => p.persisting).map((p) => p.id),
      queued: model.queue.length,
      next_id: model.next_id,
      failure_count: model.consecutive,
      job_failures: model.job_failures,
      retained: model.retained.map((c) => c.id).reverse(),
      latest: model.retained[model.retained.length - 1]?.id,
      timers: timer_view(model.timers.map((t) => ({ at_ms: t.at_ms, kind: t.kind, id: t.kind === 'timeout' ? t.id : undefined }))),
    };
    // (Text first: it is much faster; toEqual judges, and explains a difference.) Effect lists only grow: each step
    // compares what it added.
    if (canonical(observed) !== canonical(expected)) expect(observed, where).toEqual(expected);
    for (const list of EFFECT_LISTS) {
      const from = compared[list];
      const added = { [list]: world[list].slice(from) };
      const added_in_model = { [list]: model[list].slice(from) };
      if (canonical(added) !== canonical(added_in_model)) expect(added, where).toEqual(added_in_model);
      compared[list] = model[list].length;
    }
    if (world.abort_details.length !== model.abort_facts.length) expect(world.abort_details, where).toHaveLength(model.abort_facts.length);
    model.abort_facts.forEach((facts, i) => {
      for (const fact of facts) if (!world.abort_details[i]!.includes(fact)) expect(world.abort_details[i], `${where}: abort ${i} names ${fact}`).toContain(fact);
    });
    // Files: whatever a retained checkpoint, a savepoint, kept state or a pending ack needs exists; whatever nothing
    // needs nor references is deleted (a shared file an ack re-used may outlive a failed checkpoint: not judged).
    const in_use = model.in_use();
    const referenced = model.referenced_by_pending();
    const writes_in_flight = new Set(in_flight.map((w) => w.path));
    const deleted_in_use = [...in_use].filter((f) => ever_written.has(f) && !files.has(f));
    const kept_unused = [...files].filter((f) => !in_use.has(f) && !referenced.has(f) && !ever_reused.has(f) && !writes_in_flight.has(f));
    if (deleted_in_use.length + kept_unused.length > 0) expect({ deleted_in_use, kept_unused }, where).toEqual({ deleted_in_use: [], kept_unused: [] });
  }
}

describe('checkpoint coordinator against a reference model of Flink\'s rules', () => {
  it('agrees on triggers, completions, aborts, request outcomes, job failures, timers, retained checkpoints and files', () => {
    fc.assert(
      fc.property(config_arb, fc.array(command, { minLength: 30, maxLength: 140, size: 'max' }), (config, commands) => {
        const end_at = Math.round(config.end_at * commands.length);
        run(config, config.end === undefined ? commands : [...commands.slice(0, end_at), { c: 'shutdown', status: config.end }, ...commands.slice(end_at)]);
      }),
      { numRuns: runs, seed },
    );
    if (process.env['SHOW_REACHED']) console.log([...reached].sort());
    for (const what of [
      'periodic tick', 'new request rejected by a full queue', 'lowest-ranked request dropped from a full queue', 'forced past max concurrent',
      'periodic request held back by the min pause', 'request with no task running',
      'pending bound exceeded', 'subsumed while persisting', 'checkpoint completed', 'checkpoint completed, dropping the oldest retained',
      'stop-with-savepoint completed', 'savepoint completed', 'job failed', 'metadata write of an aborted checkpoint returned',
      'retained checkpoints discarded at shutdown', 'ack accepted', 'ack completing', 'ack duplicate', 'ack late', 'ack unknown_checkpoint',
      'ack unknown_task', 'aborted CHECKPOINT_EXPIRED', 'aborted CHECKPOINT_SUBSUMED', 'aborted TASK_FAILURE', 'aborted CHECKPOINT_DECLINED',
      'aborted FINALIZE_CHECKPOINT_FAILURE', 'aborted FINALIZE_CHECKPOINT_FAILURE (state kept)', 'aborted SHARED_STATE_MISSING',
    ]) expect(reached.get(what) ?? 0, what).toBeGreaterThan(0);
  });
});
