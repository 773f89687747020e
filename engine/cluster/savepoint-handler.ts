// The JobManager's savepoints (Flink's SchedulerBase.triggerSavepoint / stopWithSavepoint): intermediate savepoints,
// stop-with-savepoint, the canonical savepoint file written beside the native one, and the resume of a stopped job
// from that file at another parallelism (engine/savepoint restores and redistributes the state).
import type { CheckpointCoordinator } from '../checkpoint/index.js';
import { savepoint_dir, type MasterState } from '../checkpoint/metadata.js';
import type { ExecutionPlan } from '../graph/execution-graph.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { CheckpointReader } from '../recovery/checkpoint-reader.js';
import type { Runtime } from '../runtime.js';
import { plan_restore, read_savepoint, restore_state_from_savepoint, savepoint_from_checkpoint } from '../savepoint/index.js';
import { buildJob, type JobCatalogue } from './build-job.js';
import type { ClusterMessage, DeploymentRestore, JobSpec } from './messages.js';
import type { Scheduler } from './scheduler.js';
import { put_durable } from '../util/durable-write.js';

/** Where a stop-with-savepoint continues: the same job at another parallelism, from the canonical savepoint file. */
export interface SavepointResume {
  parallelism: number;
  /** Delay between the stop and the redeployment. */
  after_ms: number;
  /** Skip savepoint state of operator uids the job does not have (Flink's --allowNonRestoredState). */
  allow_non_restored_state?: boolean;
}

export type SavepointOutcome = { ok: true; savepoint_id: number; path: string } | { ok: false; error: string };

export type SavepointTimer = { kind: 'savepoint_resume'; attempt: number };

/** The canonical (backend- and parallelism-independent) savepoint file of savepoint `id`. */
export function canonical_savepoint_path(job_id: string, savepoint_id: number): string {
  return `${savepoint_dir(job_id, savepoint_id)}/savepoint`;
}

/** What the savepoint handler needs from the JobMaster that hosts it. */
export interface SavepointContext {
  readonly runtime: Runtime;
  readonly job_id: string;
  readonly jobs: JobCatalogue;
  readonly scheduler: Scheduler;
  readonly reader: CheckpointReader;
  coordinator(): CheckpointCoordinator | undefined;
  clean_up_terminal(status: 'FINISHED' | 'FAILED'): void;
  is_leader(): boolean;
}

export class SavepointHandler {
  /** Ids the coordinator triggered as savepoints (their completion is not a checkpoint's). Bounded: pruned below the newest completion. */
  private readonly savepoint_ids = new Set<number>();
  /** Stop-with-savepoint ids: sinks commit on them, so (with HA) their pointer goes to the HA store first. */
  private readonly synchronous_savepoint_ids = new Set<number>();
  private readonly savepoint_requests = new Map<number, { stop: boolean; resume: SavepointResume | undefined; done: (outcome: SavepointOutcome) => void }>();
  private stopping_with_savepoint = false;
  private pending_resume: { path: string; resume: SavepointResume } | undefined;

  constructor(private readonly context: SavepointContext) {}

  /** Whether a stop-with-savepoint is in flight. */
  get stopping(): boolean {
    return this.stopping_with_savepoint;
  }

  private get runtime(): Runtime {
    return this.context.runtime;
  }

  private get scheduler(): Scheduler {
    return this.context.scheduler;
  }

  /** The coordinator triggered checkpoint `id`: remember it if it is a savepoint. */
  on_triggered(checkpoint_id: number, options: { kind?: string; synchronous?: boolean } | undefined): void {
    if (options?.kind === 'savepoint') this.savepoint_ids.add(checkpoint_id);
    if (options?.kind === 'savepoint' && options.synchronous === true) this.synchronous_savepoint_ids.add(checkpoint_id);
  }

  is_savepoint(checkpoint_id: number): boolean {
    return this.savepoint_ids.has(checkpoint_id);
  }

  /** Whether sinks commit on checkpoint `id` though it is a savepoint (a stop-with-savepoint). */
  is_synchronous_savepoint(checkpoint_id: number): boolean {
    return this.synchronous_savepoint_ids.has(checkpoint_id);
  }

  /** Checkpoint `id` completed: savepoints triggered before it are settled. */
  forget_before(checkpoint_id: number): void {
    for (const id of this.savepoint_ids) if (id < checkpoint_id) this.savepoint_ids.delete(id);
    for (const id of this.synchronous_savepoint_ids) if (id < checkpoint_id) this.synchronous_savepoint_ids.delete(id);
  }

  /** Whether the coordinator request `request_id` is a savepoint request (then its outcome is handled here). */
  owns_request(request_id: number): boolean {
    return this.savepoint_requests.has(request_id);
  }

  /**
   * An intermediate savepoint (always aligned): not a restore candidate, and no completion notification, so
   * transactional sinks commit nothing on its account. Calls `done` once the canonical savepoint file is written.
   */
  trigger_savepoint(done: (outcome: SavepointOutcome) => void): void {
    this.requestSavepoint(false, undefined, done);
  }

  /**
   * Stop-with-savepoint: a synchronous savepoint whose completion makes the sinks commit, then the tasks are
   * cancelled. Without `resume` the job is FINISHED; with it the job is redeployed after `resume.after_ms` at
   * `resume.parallelism` from the canonical savepoint file (key groups and list state redistributed).
   * `drain`: sources emit MAX_WATERMARK before the barrier, so windows and timers fire; never with `resume`.
   */
  stop_with_savepoint(options: { resume?: SavepointResume; drain?: boolean }, done: (outcome: SavepointOutcome) => void): void {
    if (options.drain === true && options.resume !== undefined) {
      // Flink: --drain is for jobs that end; their windows and timers already fired, so a resume would repeat them.
      done({ ok: false, error: 'a drained savepoint must not be resumed: drain and resume are exclusive' });
      return;
    }
    this.requestSavepoint(true, options.resume, done, options.drain === true);
  }

  private requestSavepoint(stop: boolean, resume: SavepointResume | undefined, done: (outcome: SavepointOutcome) => void, drain = false): void {
    const coordinator = this.context.coordinator();
    const scheduler = this.scheduler;
    if (coordinator === undefined || scheduler.status !== 'RUNNING' || !this.context.is_leader() || this.stopping_with_savepoint || scheduler.awaiting_final_checkpoint !== undefined || scheduler.awaiting_settled !== undefined) {
      done({ ok: false, error: `no savepoint: job is ${scheduler.status}${coordinator === undefined ? ' without checkpointing' : ''}` });
      return;
    }
    if (stop) {
      this.stopping_with_savepoint = true;
      coordinator.stop_periodic();
    }
    const request_id = coordinator.trigger_savepoint({ synchronous: stop, drain });
    this.savepoint_requests.set(request_id, { stop, resume, done });
    this.runtime.log('jm.savepoint_requested', { request: request_id, stop, resume_parallelism: resume?.parallelism ?? null });
  }

  on_savepoint_done(request_id: number, outcome: { ok: true; checkpoint_id: number; metadata_path: string } | { ok: false; reason: string }): void {
    const request = this.savepoint_requests.get(request_id)!;
    this.savepoint_requests.delete(request_id);
    const scheduler = this.scheduler;
    if (!outcome.ok) {
      this.runtime.log('jm.savepoint_failed', { request: request_id, reason: outcome.reason });
      if (request.stop && this.stopping_with_savepoint) {
        this.stopping_with_savepoint = false;
        // Every task finished while the savepoint was pending: the job ends with its final checkpoint after all.
        if (scheduler.status === 'RUNNING' && scheduler.all_tasks_finished()) scheduler.start_final_checkpoint();
        else if (scheduler.status === 'RUNNING') this.context.coordinator()?.start_periodic();
      }
      request.done({ ok: false, error: outcome.reason });
      return;
    }
    const savepoint_id = outcome.checkpoint_id;
    const attempt = scheduler.attempt;
    if (request.stop && scheduler.status === 'RUNNING') {
      // The sinks heard of the completion first (same FIFO link), so they commit before they are cancelled.
      scheduler.send_to_deployed((current) => ({ type: 'cancel', attempt: current }) satisfies ClusterMessage);
      scheduler.clear_deployment();
      scheduler.set_status(request.resume === undefined ? 'FINISHED' : 'RESTARTING', `stopped with savepoint ${savepoint_id}`);
      if (request.resume === undefined) this.context.clean_up_terminal('FINISHED');
    }
    this.writeCanonicalSavepoint(savepoint_id, outcome.metadata_path, (written) => {
      this.stopping_with_savepoint = false;
      if (!written.ok) {
        this.runtime.log('jm.savepoint_failed', { savepoint_id, reason: written.error });
        if (request.stop && request.resume !== undefined && scheduler.attempt === attempt) scheduler.fail_job(`savepoint ${savepoint_id} could not be written: ${written.error}`, true);
        request.done(written);
        return;
      }
      this.runtime.log('jm.savepoint_completed', { savepoint_id, path: written.path, stop: request.stop });
      this.runtime.probe(request.stop ? 'savepoint.stop_completed' : 'savepoint.completed');
      request.done(written);
      if (request.stop && request.resume !== undefined && scheduler.attempt === attempt && scheduler.status === 'RESTARTING') {
        this.pending_resume = { path: written.path, resume: request.resume };
        this.runtime.setTimer(request.resume.after_ms, { kind: 'savepoint_resume', attempt } satisfies SavepointTimer);
      }
    });
  }

  /** Reads the native savepoint (metadata and every file, verified) and writes its canonical form beside it. */
  private writeCanonicalSavepoint(savepoint_id: number, native_path: string, done: (outcome: SavepointOutcome) => void): void {
    const candidate = { checkpoint_id: savepoint_id, metadata_path: native_path };
    this.context.reader.load(candidate, (loaded) => {
      if (!loaded.ok) {
        done({ ok: false, error: loaded.error });
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = savepoint_from_checkpoint(loaded.metadata, loaded.files);
      } catch (error) {
        done({ ok: false, error: `savepoint state unreadable: ${error instanceof Error ? error.message : String(error)}` });
        return;
      }
      const path = canonical_savepoint_path(this.context.job_id, savepoint_id);
      put_durable(this.runtime.checkpoint_store, path, bytes, (result) => {
        done(result.ok ? { ok: true, savepoint_id, path } : { ok: false, error: `writing ${path}: ${result.error}` });
      });
    });
  }

  /**
   * Resume from a canonical savepoint file at another parallelism. A savepoint that does not match the job (max
   * parallelism, unknown operator state without allow_non_restored_state, corrupt bytes) fails the job with a clear
   * message; the store's files are left untouched.
   */
  on_timer(timer: SavepointTimer): void {
    const attempt = timer.attempt;
    const scheduler = this.scheduler;
    const pending = this.pending_resume;
    if (pending === undefined || attempt !== scheduler.attempt || scheduler.status !== 'RESTARTING') return;
    this.pending_resume = undefined;
    this.runtime.checkpoint_store.get(pending.path, (read) => {
      if (attempt !== scheduler.attempt || scheduler.status !== 'RESTARTING') return;
      const fail = (message: string): void => {
        this.runtime.log('jm.savepoint_restore_failed', { path: pending.path, message });
        scheduler.set_status('FAILED', message);
        this.context.clean_up_terminal('FAILED');
      };
      if (!read.ok) {
        fail(`cannot read savepoint ${pending.path}: ${read.error}`);
        return;
      }
      const spec: JobSpec = { ...scheduler.job_spec, parallelism: pending.resume.parallelism };
      const result = restore_from_savepoint_bytes(read.value, this.context.jobs, spec, pending.resume.allow_non_restored_state ?? false);
      if (!result.ok) {
        fail(result.error);
        return;
      }
      scheduler.job_spec = result.spec;
      scheduler.plan = result.plan;
      scheduler.graph = result.graph;
      scheduler.total_tasks = scheduler.plan.vertices.reduce((sum, v) => sum + v.parallelism, 0);
      // A failover before the next checkpoint restores the savepoint again, never an older checkpoint.
      scheduler.retained_checkpoints.clear();
      scheduler.committed_savepoint = undefined;
      scheduler.resumed_from = { savepoint_id: result.restore.checkpoint_id, path: pending.path, restore: result.restore, master_states: result.master_states };
      this.context.coordinator()?.restore_checkpoint_counter(result.restore.checkpoint_id);
      scheduler.restore_from = undefined;
      this.runtime.log('jm.savepoint_resuming', {
        savepoint_id: result.restore.checkpoint_id, parallelism: spec.parallelism, non_restored: result.non_restored,
        ...(result.spec.max_parallelism_by_uid === undefined ? {} : { adopted_max_parallelism: result.spec.max_parallelism_by_uid }),
      });
      this.runtime.probe('savepoint.resumed_rescaled');
      scheduler.reset_restart_strategy();
      scheduler.restart_due = true;
      scheduler.try_deploy();
    });
  }
}

/**
 * Validates a canonical savepoint against a job spec (operator uids, max parallelism, allow_non_restored_state) and
 * builds the deployment restore for it. Pure: the bytes are not modified.
 */
export function restore_from_savepoint_bytes(
  bytes: Uint8Array,
  jobs: JobCatalogue,
  spec: JobSpec,
  allow_non_restored_state: boolean,
):
  | { ok: true; restore: DeploymentRestore; spec: JobSpec; plan: ExecutionPlan; graph: JobGraph; non_restored: string[]; master_states: MasterState[] }
  | { ok: false; error: string } {
  const read = read_savepoint(bytes);
  if (!read.ok) return { ok: false, error: `savepoint unreadable (${read.error}): ${read.message}` };
  let built: ReturnType<typeof buildJob>;
  try {
    built = buildJob(jobs, spec);
  } catch (error) {
    return { ok: false, error: `cannot build job: ${error instanceof Error ? error.message : String(error)}` };
  }
  const job = {
    operators: built.graph.nodes.map((n) => ({ uid: n.uid, parallelism: n.parallelism, max_parallelism: n.max_parallelism, max_parallelism_configured: n.max_parallelism_configured })),
  };
  const planned = plan_restore(read.savepoint, job, { allow_non_restored_state });
  if (!planned.ok) return { ok: false, error: planned.message };
  let adopted_spec = spec;
  if (Object.keys(planned.plan.adopted_max_parallelism).length > 0) {
    // Derived max parallelism adopted from the savepoint: every process builds the job with it (the spec carries it).
    adopted_spec = { ...spec, max_parallelism_by_uid: { ...spec.max_parallelism_by_uid, ...planned.plan.adopted_max_parallelism } };
    try {
      built = buildJob(jobs, adopted_spec);
    } catch (error) {
      return { ok: false, error: `cannot build job: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const uids = new Set(job.operators.map((op) => op.uid));
  const state = restore_state_from_savepoint(read.savepoint);
  return {
    ok: true,
    restore: {
      checkpoint_id: read.savepoint.checkpoint_id,
      operators: state.operators
        .filter((op) => uids.has(op.operator_id))
        .map((op) => ({
          operator_id: op.operator_id,
          max_parallelism: op.max_parallelism,
          subtasks: op.subtasks.map((sub) => ({ subtask_index: sub.subtask_index, keyed: sub.keyed, operator_state: sub.operator_state, ...(sub.extra !== undefined ? { extra: sub.extra } : {}) })),
        })),
    },
    spec: adopted_spec,
    plan: built.plan,
    graph: built.graph,
    non_restored: planned.plan.non_restored,
    master_states: state.master_states,
  };
}
