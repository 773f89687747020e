// The JobManager's scheduler and executing graph (Flink's DefaultScheduler + ExecutionGraph): the job status, slot-
// sharing deployment of an attempt, failover handling (the FailoverStrategy says which tasks restart, the restart
// strategy when), choosing and verifying the checkpoint a restart restores, the split sources' enumerators of the
// attempt, and finishing a bounded job (FLIP-147's final checkpoint, then every TaskManager's commit confirmation).
import type { CheckpointCoordinator, CompletedCheckpoint } from '../checkpoint/index.js';
import { metadata_path, savepoint_metadata_path, type MasterState } from '../checkpoint/metadata.js';
import { is_split_log_source, LogSplitCoordinator } from '../connectors/split-source/index.js';
import { placeSubtasks, type ExecutionPlan } from '../graph/execution-graph.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { CheckpointReader } from '../recovery/checkpoint-reader.js';
import type { CheckpointCandidate, SkippedCheckpoint } from '../recovery/checkpoint-selection.js';
import { create_restart_strategy, type RestartStrategy, type RestartStrategyConfig } from '../recovery/restart-strategy.js';
import type { NodeId, Runtime } from '../runtime.js';
import type { HaRecord } from '../ha/ha-protocol.js';
import { buildJob, type JobCatalogue } from './build-job.js';
import { all_task_ids, RestartAllFailoverStrategy, type FailoverStrategy } from './failover-strategy.js';
import type { ClusterMessage, DeploymentCheckpointing, DeploymentRestore, JobSpec, StateBackendOptions } from './messages.js';

export type JobStatus = 'CREATED' | 'RUNNING' | 'FAILING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** Attempt numbers of a leader start at fencing_token × this, so a newer leader's attempts fence older ones. */
export const ATTEMPT_STRIDE = 1_000_000;

/** How often a recovery looks again whether the checkpoints being finalized at the failure have settled. */
const FINALIZING_POLL_MS = 10;
/** Rounds of reading the newest completed checkpoint again (a heartbeat apart) before a restore fails. */
const MAX_VERIFY_ROUNDS = 5;
/** How often the split enumerators get a tick (retries, discovery). */
const SPLIT_TICK_MS = 20;
/** Heartbeat timeouts the JobManager waits for TaskManagers to confirm the final commit before finishing anyway. */
const MAX_FINISHING_TIMEOUTS = 10;
/** Attempts at the final checkpoint of a finished bounded job before the job fails. */
const MAX_FINAL_CHECKPOINT_ATTEMPTS = 10;

export type SchedulerTimer =
  | { kind: 'restart'; attempt: number }
  | { kind: 'deploy_timeout'; attempt: number }
  | { kind: 'ha_reselect'; attempt: number }
  | { kind: 'split_tick'; attempt: number };

const SCHEDULER_TIMERS: ReadonlySet<string> = new Set<SchedulerTimer['kind']>(['restart', 'deploy_timeout', 'ha_reselect', 'split_tick']);

export function is_scheduler_timer(tag: unknown): tag is SchedulerTimer {
  return typeof tag === 'object' && tag !== null && SCHEDULER_TIMERS.has((tag as { kind?: unknown }).kind as string);
}

export interface RecoveryRecord {
  reason: string;
  failed_at_ms: number;
  restored_checkpoint_id: number | null;
  redeployed_at_ms?: number;
  running_at_ms?: number;
}

/** The savepoint the running job resumed from: a failover before the next checkpoint restores it again. */
export interface ResumedSavepoint {
  savepoint_id: number;
  path: string;
  restore: DeploymentRestore;
  master_states: MasterState[];
}

/** Checkpointing settings of the job as the JobManager was configured (see JobManagerConfig.checkpointing). */
export interface SchedulerCheckpointing {
  mode?: 'aligned' | 'at_least_once' | 'unaligned';
  aligned_checkpoint_timeout_ms?: number;
  state_backend?: 'heap' | 'lsm';
  state_backend_options?: StateBackendOptions;
}

/** What the scheduler needs from the JobMaster that hosts it. */
export interface SchedulerContext {
  readonly runtime: Runtime;
  readonly job_id: string;
  readonly jobs: JobCatalogue;
  readonly job: JobSpec;
  readonly expected_task_managers: number;
  readonly heartbeat_interval_ms: number;
  readonly heartbeat_timeout_ms: number;
  readonly checkpointing: SchedulerCheckpointing | undefined;
  readonly restart_strategy: RestartStrategyConfig | undefined;
  readonly restore_choice: ((retained_newest_first: readonly number[]) => number | undefined) | undefined;
  readonly reader: CheckpointReader;
  /** The checkpoint coordinator (undefined without checkpointing). */
  coordinator(): CheckpointCoordinator | undefined;
  /** Registered TaskManagers and their slots, in registration order. */
  registered_slots(): Map<NodeId, number>;
  /** Registered TaskManagers, sorted. */
  registered_task_managers(): NodeId[];
  /** The job reached a globally terminal status: record it and discard its checkpoints. */
  clean_up_terminal(status: 'FINISHED' | 'FAILED'): void;
  /** The first attempt number of this leader (0 without HA). */
  attempt_base(): number;
  /** The first checkpoint id this leader may use (1 without HA). */
  first_checkpoint_id(): number;
  /** Whether this JobManager leads the job (always without HA). */
  is_leader(): boolean;
  /** Whether a stop-with-savepoint is in flight (it ends the job, so no final checkpoint may follow it). */
  stopping_with_savepoint(): boolean;
}

export class Scheduler {
  status: JobStatus = 'CREATED';
  readonly status_history: { status: JobStatus; time_ms: number; reason: string }[] = [];
  readonly recoveries: RecoveryRecord[] = [];
  readonly completed_checkpoints: number[] = [];
  /** Completed checkpoints still in the coordinator's store (completed, not yet subsumed): restore candidates. */
  readonly retained_checkpoints = new Set<number>();
  /**
   * The newest stop-with-savepoint whose completion the sinks committed on: a restore point (newer than every retained
   * checkpoint) until a checkpoint completes after it, or the job resumes from it.
   */
  committed_savepoint: number | undefined;
  job_spec: JobSpec;
  plan: ExecutionPlan;
  graph: JobGraph;
  total_tasks: number;
  /** The attempt being deployed or running (0 before the first deployment). */
  attempt = 0;
  deployed_acks = new Set<NodeId>();
  /** TaskManagers running tasks of the current attempt, sorted. */
  deployed_to: NodeId[] = [];
  finished_tasks = new Map<string, { records_in: number; records_out: number }>();
  /** The checkpoint the next deployment restores. */
  restore_from: CompletedCheckpoint | undefined;
  /** RESTARTING: the restart strategy's delay has passed (a redeploy may start once enough slots are registered). */
  restart_due = false;
  /** The savepoint the running job resumed from: a failover before the next checkpoint restores it again. */
  resumed_from: ResumedSavepoint | undefined;
  /** The split sources' enumerators of the current attempt (rebuilt from master state at every deployment). */
  split_coordinators: LogSplitCoordinator[] = [];
  /** The request id of the final checkpoint after all tasks finished (bounded input with checkpointing). */
  awaiting_final_checkpoint: number | undefined = undefined;
  /** TaskManagers that have not yet settled after the final checkpoint. */
  awaiting_settled: Set<NodeId> | undefined = undefined;
  private restart_strategy: RestartStrategy;
  private readonly failover_strategy: FailoverStrategy = new RestartAllFailoverStrategy();
  /**
   * When the verification of the checkpoint in restore_from began reading it (the deployment may come much later). A
   * read takes the store's state when it is issued, so damage after this instant may not be in what was verified.
   */
  private restore_verified_ms = 0;
  private verify_rounds = 0;
  private ha_reselect_record: HaRecord | undefined;
  private final_checkpoint_attempts = 0;
  private triggering_final_checkpoint = false;
  private final_checkpoint_id = 0;
  private finishing_since_ms = 0;

  constructor(private readonly context: SchedulerContext) {
    this.job_spec = context.job;
    const built = buildJob(context.jobs, context.job);
    this.plan = built.plan;
    this.graph = built.graph;
    this.total_tasks = this.plan.vertices.reduce((sum, v) => sum + v.parallelism, 0);
    this.restart_strategy = this.new_restart_strategy();
  }

  private new_restart_strategy(): RestartStrategy {
    return create_restart_strategy(
      // Flink 1.19+: exponential-delay (its defaults) when checkpointing is on, else none.
      this.context.restart_strategy ?? (this.context.checkpointing !== undefined ? { type: 'exponential-delay' } : { type: 'none' }),
      this.context.runtime.rng,
    );
  }

  /**
   * A job resumed from a savepoint is a new submission (Flink: a new JobMaster with a new restart strategy), so the
   * failures of the job that was stopped no longer count.
   */
  reset_restart_strategy(): void {
    this.restart_strategy = this.new_restart_strategy();
  }

  private get runtime(): Runtime {
    return this.context.runtime;
  }

  private get coordinator(): CheckpointCoordinator | undefined {
    return this.context.coordinator();
  }

  get records(): { records_in: number; records_out: number }[] {
    return [...this.finished_tasks.values()];
  }

  is_terminal(): boolean {
    return this.status === 'FINISHED' || this.status === 'FAILED' || this.status === 'CANCELED';
  }

  set_status(status: JobStatus, reason: string): void {
    this.status = status;
    if (status === 'FINISHED' || status === 'FAILED' || status === 'CANCELED') {
      for (const tm of this.context.registered_task_managers()) {
        this.runtime.send(tm, { type: 'job.terminated', attempt: this.attempt, status } satisfies ClusterMessage);
      }
    }
    this.status_history.push({ status, time_ms: this.runtime.now_ms(), reason });
    this.runtime.log('job.status', { status, reason, attempt: this.attempt });
  }

  /** Sends `message` (built for the current attempt) to every TaskManager running tasks of the attempt. */
  send_to_deployed(message: (attempt: number) => ClusterMessage): void {
    for (const tm of this.deployed_to) this.runtime.send(tm, message(this.attempt));
  }

  // ---- failover ------------------------------------------------------------------------------------------------

  /** Losing a TaskManager that runs tasks of the current attempt fails the attempt. */
  on_task_manager_lost(tm: NodeId, why: string): void {
    if (this.deployed_to.includes(tm) && !this.is_terminal()) {
      this.fail_job(`TaskManager ${tm} lost (${why})`);
    }
  }

  /**
   * Full failover: FAILING → cancel every task of the attempt, abort pending checkpoints; then the restart strategy
   * decides: RESTARTING and a redeploy after its delay from the newest completed checkpoint, or FAILED.
   */
  fail_job(reason: string, while_stopped = false): void {
    // A failure while restarting (nothing deployed) merges into that restart; `while_stopped`: the job was stopped on
    // purpose (stop-with-savepoint) and cannot go on as planned, so the restart strategy must decide after all.
    if (this.is_terminal() || (this.status === 'RESTARTING' && this.deployed_to.length === 0 && !while_stopped)) return;
    this.set_status('FAILING', reason);
    this.split_coordinators = [];
    this.awaiting_final_checkpoint = undefined;
    this.awaiting_settled = undefined;
    this.runtime.probe('job.failover');
    this.coordinator?.stop_periodic();
    if (this.coordinator !== undefined) {
      for (const task of this.failover_strategy.tasks_to_restart(this.plan, undefined)) this.coordinator.on_task_failure(task);
    }
    for (const tm of this.deployed_to) this.runtime.send(tm, { type: 'cancel', attempt: this.attempt } satisfies ClusterMessage);
    const decision = this.restart_strategy.on_failure(this.runtime.now_ms());
    if (!decision.restart) {
      this.set_status('FAILED', decision.reason);
      this.context.clean_up_terminal('FAILED');
      return;
    }
    this.restore_from = undefined;
    this.restart_due = false;
    this.recoveries.push({
      reason,
      failed_at_ms: this.runtime.now_ms(),
      restored_checkpoint_id: null,
    });
    this.runtime.log('recovery.started', { reason, attempt: this.recoveries.length });
    this.set_status('RESTARTING', `restart in ${decision.delay_ms} ms`);
    this.finished_tasks = new Map();
    this.deployed_acks = new Set();
    this.deployed_to = [];
    this.runtime.setTimer(decision.delay_ms, { kind: 'restart', attempt: this.attempt } satisfies SchedulerTimer);
  }

  /** The tasks of the attempt were cancelled by a stop-with-savepoint: nothing runs until a resume deploys again. */
  clear_deployment(): void {
    this.split_coordinators = [];
    this.deployed_to = [];
    this.deployed_acks = new Set();
    this.finished_tasks = new Map();
  }

  /**
   * Recovery restores the newest completed checkpoint, and only that one, as Flink's CheckpointCoordinator restores the
   * latest checkpoint of its store: its completion was notified, so a two-phase-commit sink may have committed its
   * transactions, and restoring an older checkpoint (or none) would replay output that is already committed. The
   * JobManager reads it back and verifies its _metadata and every referenced file (checksums, sizes) before deploying;
   * a read that fails is retried MAX_VERIFY_ROUNDS times a heartbeat apart (reads can flip bits in transit), then the
   * restore fails (failRestore). A job that never completed a checkpoint restarts from the beginning of the input, or
   * from the savepoint it was resumed from. Checkpoints every task acknowledged before the failure, whose metadata is
   * still being written, are waited for first: one of them may complete and become the newest.
   */
  private selectCheckpointThenDeploy(attempt: number): void {
    const still_current = (): boolean => this.attempt === attempt && this.status === 'RESTARTING';
    const deploy = (chosen: CompletedCheckpoint | undefined): void => {
      this.restore_from = chosen;
      const recovery = this.recoveries[this.recoveries.length - 1];
      if (recovery !== undefined) recovery.restored_checkpoint_id = chosen?.checkpoint_id ?? this.resumed_from?.savepoint_id ?? null;
      this.restart_due = true;
      this.try_deploy();
    };
    const finalizing = this.coordinator?.finalizing_checkpoint_ids() ?? [];
    if (finalizing.length > 0) {
      // Every task acknowledged these before the failure and their metadata is being written: one may still complete
      // (and be the newest), so choose only once they have completed or failed.
      this.runtime.log('recovery.awaiting_finalizing', { checkpoint_ids: finalizing });
      this.runtime.setTimer(FINALIZING_POLL_MS, { kind: 'restart', attempt } satisfies SchedulerTimer);
      return;
    }
    const committed_savepoint = this.committed_savepoint;
    const retained = [...this.retained_checkpoints, ...(committed_savepoint !== undefined ? [committed_savepoint] : [])].sort((a, b) => b - a);
    const newest = this.context.restore_choice === undefined ? retained[0] : this.context.restore_choice(retained);
    if (this.coordinator === undefined || newest === undefined) {
      // (after a resume from a savepoint, retained_checkpoints holds only checkpoints taken since)
      deploy(undefined);
      return;
    }
    const path = newest === committed_savepoint ? savepoint_metadata_path(this.context.job_id, newest) : metadata_path(this.context.job_id, newest);
    this.verifyNewest({ checkpoint_id: newest, metadata_path: path }, { kind: 'restart', attempt }, still_current, deploy);
  }

  /**
   * Reads and verifies the checkpoint a recovery must restore. Unreadable: read again after a heartbeat interval
   * (`retry` re-enters the selection), up to MAX_VERIFY_ROUNDS times, then fail the restore.
   */
  private verifyNewest(
    candidate: CheckpointCandidate,
    retry: SchedulerTimer,
    still_current: () => boolean,
    restore: (chosen: CompletedCheckpoint) => void,
  ): void {
    const reading_since_ms = this.runtime.now_ms();
    this.context.reader.load(candidate, (loaded) => {
      if (!still_current()) return;
      if (loaded.ok) {
        this.verify_rounds = 0;
        this.restore_verified_ms = reading_since_ms;
        restore({ checkpoint_id: candidate.checkpoint_id, metadata: loaded.metadata, metadata_path: candidate.metadata_path });
        return;
      }
      const unreadable: SkippedCheckpoint = { checkpoint_id: candidate.checkpoint_id, reason: loaded.error };
      if (this.verify_rounds < MAX_VERIFY_ROUNDS) {
        this.verify_rounds++;
        this.runtime.log('recovery.verify_retry', { round: this.verify_rounds, checkpoint_id: candidate.checkpoint_id, reason: loaded.error });
        this.runtime.probe('recovery.verify_retry');
        this.runtime.setTimer(this.context.heartbeat_interval_ms, retry);
        return;
      }
      this.verify_rounds = 0;
      this.failRestore(unreadable, retry);
    });
  }

  /**
   * The checkpoint a recovery must restore cannot be read, even after MAX_VERIFY_ROUNDS reads. Flink fails such a
   * recovery (a checkpoint it cannot retrieve is a FlinkException, and it never falls back to an older one); here the
   * failed restore counts as one more failure for the restart strategy: it tries again after its delay (`retry`), or
   * the job is FAILED. Getting such a job going again takes an operator: a savepoint, or a repaired store.
   */
  private failRestore(unreadable: SkippedCheckpoint, retry: SchedulerTimer): void {
    const reason =
      `recovery could not read the newest completed checkpoint chk-${unreadable.checkpoint_id} (${unreadable.reason}); ` +
      'an older checkpoint would replay output committed on it';
    this.runtime.log('recovery.restore_failed', { checkpoint_id: unreadable.checkpoint_id, reason: unreadable.reason });
    this.runtime.probe('recovery.restore_failed');
    const decision = this.restart_strategy.on_failure(this.runtime.now_ms());
    if (!decision.restart) {
      this.set_status('FAILED', `${reason}; ${decision.reason}`);
      this.context.clean_up_terminal('FAILED');
      return;
    }
    this.set_status('RESTARTING', `${reason}; restore again in ${decision.delay_ms} ms`);
    this.runtime.setTimer(decision.delay_ms, retry);
  }

  /** A JobManager failover: the previous leader ran the job; recover like a TaskManager failure. */
  start_leader_failover_recovery(reason: string): void {
    this.recoveries.push({ reason, failed_at_ms: this.runtime.now_ms(), restored_checkpoint_id: null });
    this.runtime.log('recovery.started', { reason, attempt: this.recoveries.length });
    this.set_status('RESTARTING', 'JobManager failover');
  }

  /**
   * Failover recovery: the newest checkpoint the HA record names, verified and adopted into the coordinator. Never an
   * older one (see selectCheckpointThenDeploy); a record without pointers means no checkpoint ever completed.
   */
  select_from_ha_then_deploy(previous: HaRecord): void {
    const attempt = this.attempt;
    const newest = previous.checkpoints[0];
    const still_current = (): boolean => this.attempt === attempt && this.status === 'RESTARTING' && this.context.is_leader();
    const deploy = (verified: CompletedCheckpoint | undefined): void => {
      this.ha_reselect_record = undefined;
      let chosen = verified;
      if (chosen !== undefined) {
        if (chosen.checkpoint_id >= this.context.first_checkpoint_id()) {
          this.runtime.fail_invariant('a restored checkpoint id is not below the ids reserved for the new leader', { checkpoint_id: chosen.checkpoint_id });
        }
        this.coordinator?.restore_checkpoint_counter(chosen.checkpoint_id, this.context.first_checkpoint_id());
        this.runtime.probe('jm.failover_restored');
      }
      if (chosen !== undefined && chosen.metadata.kind !== 'checkpoint') {
        // A stop-with-savepoint the previous leader completed (its sinks committed on it): restore the savepoint,
        // and restore it again on a failover before the next checkpoint.
        this.resumed_from = {
          savepoint_id: chosen.checkpoint_id,
          path: chosen.metadata_path,
          restore: {
            checkpoint_id: chosen.checkpoint_id,
            operators: chosen.metadata.operators.map((op) => ({
              operator_id: op.operator_id,
              max_parallelism: op.max_parallelism,
              subtasks: op.subtasks.map((sub) => ({ subtask_index: sub.subtask_index, keyed: sub.keyed, operator_state: sub.operator_state, ...(sub.extra !== undefined ? { extra: sub.extra } : {}) })),
            })),
          },
          master_states: chosen.metadata.master_states,
        };
        chosen = undefined;
      } else if (chosen !== undefined) {
        this.coordinator?.adopt_completed([chosen]);
        this.retained_checkpoints.add(chosen.checkpoint_id);
      }
      this.restore_from = chosen;
      const recovery = this.recoveries[this.recoveries.length - 1];
      const restored_id = chosen?.checkpoint_id ?? this.resumed_from?.savepoint_id ?? null;
      if (recovery !== undefined) recovery.restored_checkpoint_id = restored_id;
      this.runtime.log('jm.failover_restored', { checkpoint_id: restored_id });
      this.restart_due = true;
      this.try_deploy();
    };
    if (newest === undefined) {
      deploy(undefined);
      return;
    }
    this.ha_reselect_record = previous;
    this.verifyNewest({ checkpoint_id: newest.checkpoint_id, metadata_path: newest.metadata_path }, { kind: 'ha_reselect', attempt }, still_current, deploy);
  }

  // ---- deployment ----------------------------------------------------------------------------------------------

  try_deploy(): void {
    if (this.status === 'CREATED' && this.attempt > this.context.attempt_base()) return;
    if (this.status !== 'CREATED' && this.status !== 'RESTARTING') return;
    const registered = this.context.registered_slots();
    if (this.status === 'CREATED' && registered.size < this.context.expected_task_managers) return;
    if (this.status === 'RESTARTING' && (this.deployed_to.length > 0 || !this.restart_due)) return;
    const placement = placeSubtasks(this.plan, registered);
    if (placement === undefined) return;
    this.attempt++;
    if (this.attempt - this.context.attempt_base() >= ATTEMPT_STRIDE) this.runtime.fail_invariant('too many attempts for one leader', { attempt: this.attempt });
    this.deployed_acks = new Set();
    this.deployed_to = [...new Set(placement.flat())].sort();
    const settings = this.context.checkpointing;
    const job_id = this.context.job_id;
    const checkpointing: (DeploymentCheckpointing & { unaligned?: { aligned_checkpoint_timeout_ms: number } }) | undefined =
      this.coordinator === undefined || settings === undefined
        ? undefined
        : settings.mode === 'unaligned'
          ? {
              job_id,
              mode: 'aligned' as const,
              state_backend: settings.state_backend ?? 'heap',
              ...(settings.state_backend_options === undefined ? {} : { state_backend_options: settings.state_backend_options }),
              unaligned: { aligned_checkpoint_timeout_ms: settings.aligned_checkpoint_timeout_ms ?? 0 },
            }
          : {
              job_id,
              mode: settings.mode ?? 'aligned',
              state_backend: settings.state_backend ?? 'heap',
              ...(settings.state_backend_options === undefined ? {} : { state_backend_options: settings.state_backend_options }),
            };
    let restore: DeploymentRestore | undefined;
    const from = this.restore_from;
    if (from !== undefined) {
      restore = {
        checkpoint_id: from.checkpoint_id,
        operators: from.metadata.operators.map((op) => ({
          operator_id: op.operator_id,
          max_parallelism: op.max_parallelism,
          subtasks: op.subtasks.map((s) => ({
            subtask_index: s.subtask_index,
            keyed: s.keyed,
            operator_state: s.operator_state,
            ...(s.extra !== undefined ? { extra: s.extra } : {}),
          })),
        })),
      };
      this.runtime.log('recovery.restored', { checkpoint_id: from.checkpoint_id, verified_ms: this.restore_verified_ms });
    } else if (this.resumed_from !== undefined) {
      restore = structuredClone(this.resumed_from.restore);
      if (this.recoveries.length > 0 && this.status === 'RESTARTING' && this.recoveries[this.recoveries.length - 1]!.redeployed_at_ms === undefined) {
        this.runtime.log('recovery.restored', { checkpoint_id: this.resumed_from.savepoint_id, savepoint: this.resumed_from.path });
      }
    } else if (this.status === 'RESTARTING') {
      this.runtime.log('recovery.restored', { checkpoint_id: null });
    }
    this.startSplitCoordinators(restore?.checkpoint_id ?? 0, from?.metadata.master_states ?? (from === undefined ? this.resumed_from?.master_states : undefined) ?? null);
    this.coordinator?.set_expected_tasks(all_task_ids(this.plan));
    if (this.status === 'RESTARTING') {
      const recovery = this.recoveries[this.recoveries.length - 1];
      if (recovery !== undefined) recovery.redeployed_at_ms = this.runtime.now_ms();
      this.restart_due = false;
    }
    for (const tm of this.deployed_to) {
      this.runtime.send(tm, {
        type: 'deploy',
        attempt: this.attempt,
        job: this.job_spec,
        placement,
        checkpointing,
        restore,
      } satisfies ClusterMessage);
    }
    this.runtime.log('jm.deploying', { attempt: this.attempt, task_managers: this.deployed_to, tasks: this.total_tasks });
    this.runtime.setTimer(this.context.heartbeat_timeout_ms, { kind: 'deploy_timeout', attempt: this.attempt } satisfies SchedulerTimer);
  }

  /** A TaskManager deployed its tasks of `attempt`; once all did, the attempt starts and the job is RUNNING. */
  on_deployed(from: NodeId, attempt: number): void {
    if (attempt !== this.attempt || (this.status !== 'CREATED' && this.status !== 'RESTARTING')) return;
    // A failover during the deployment cleared deployed_to: late acks of the cancelled attempt count for nothing.
    if (!this.deployed_to.includes(from)) return;
    this.deployed_acks.add(from);
    if (!this.deployed_to.every((tm) => this.deployed_acks.has(tm))) return;
    for (const tm of this.deployed_to) this.runtime.send(tm, { type: 'start', attempt: this.attempt } satisfies ClusterMessage);
    this.set_status('RUNNING', 'all tasks deployed');
    const recovery = this.recoveries[this.recoveries.length - 1];
    if (recovery !== undefined && recovery.running_at_ms === undefined) {
      recovery.running_at_ms = this.runtime.now_ms();
      // Recovery-time parts the JobManager can see: redeploy = restart delay, checkpoint selection and
      // scheduling (failure noticed → deploy sent); load state = tasks reading and restoring the snapshot
      // (deploy sent → every TaskManager acknowledged, which it does only after its state is restored).
      // Detection happens before the JobManager knows of the failure: the runner measures it from the fault.
      const deploy_sent_ms = recovery.redeployed_at_ms ?? recovery.failed_at_ms;
      this.runtime.log('recovery.completed', {
        detect_ms: 0,
        redeploy_ms: deploy_sent_ms - recovery.failed_at_ms,
        load_state_ms: recovery.running_at_ms - deploy_sent_ms,
        checkpoint_id: recovery.restored_checkpoint_id,
      });
    }
    this.coordinator?.start_periodic();
  }

  /**
   * One LogSplitCoordinator per split source of the job, for this attempt, started from the restored master state
   * (full failover: unassigned splits come back from the checkpoint; a reader's splits from its list state).
   */
  private startSplitCoordinators(restored_checkpoint_id: number, master_states: readonly MasterState[] | null): void {
    this.split_coordinators = [];
    for (const node of this.graph.nodes) {
      if (node.operator.kind !== 'source' || !is_split_log_source(node.operator.source)) continue;
      const config = node.operator.source.config;
      const split = new LogSplitCoordinator(this.runtime, {
        source_uid: config.source_uid,
        topic: config.topic,
        mode: config.bounded ? 'bounded' : 'unbounded',
        parallelism: node.parallelism,
        broker_node: config.broker,
        // Unique per split source too: broker replies are routed by it, and a job may read several topics this way.
        instance_id: `${this.runtime.node_id}#${this.runtime.incarnation}/attempt-${this.attempt}/${config.source_uid}`,
        attempt: this.attempt,
        ...(config.retry_ms === undefined ? {} : { retry_after_ms: config.retry_ms }),
      });
      split.start(master_states, restored_checkpoint_id);
      this.split_coordinators.push(split);
    }
    if (this.split_coordinators.length > 0) {
      this.runtime.setTimer(SPLIT_TICK_MS, { kind: 'split_tick', attempt: this.attempt } satisfies SchedulerTimer);
    }
  }

  // ---- finishing -----------------------------------------------------------------------------------------------

  /** A task of the attempt finished (bounded input); once all did, the final checkpoint (or, without one, FINISHED). */
  on_task_finished(attempt: number, task: string, records: { records_in: number; records_out: number }): void {
    if (attempt !== this.attempt || this.status !== 'RUNNING') return;
    // TaskManagers repeat finish reports with every heartbeat (a report can be lost): duplicates are expected.
    if (this.finished_tasks.has(task)) return;
    this.finished_tasks.set(task, records);
    if (this.finished_tasks.size !== this.total_tasks) return;
    if (this.coordinator === undefined) {
      this.set_status('FINISHED', 'all tasks finished');
      return;
    }
    // A stop-with-savepoint in flight ends the job (or, if it fails, starts the final checkpoint then): a final
    // checkpoint completing after the savepoint would commit output the resumed job produces again.
    if (this.context.stopping_with_savepoint()) return;
    this.start_final_checkpoint();
  }

  /** Whether every task of the attempt finished (the job waits only for its final checkpoint). */
  all_tasks_finished(): boolean {
    return this.finished_tasks.size === this.total_tasks;
  }

  /** Flink's final checkpoint (FLIP-147): transactional sinks commit their last transaction on its completion. */
  start_final_checkpoint(): void {
    this.coordinator?.stop_periodic();
    this.final_checkpoint_attempts = 0;
    this.triggerFinalCheckpoint();
  }

  /** Whether a request the coordinator just finished is (or was, synchronously) the final checkpoint; handles it. */
  on_checkpoint_request_done(request_id: number, outcome: { ok: true; checkpoint_id: number } | { ok: false }): void {
    if (this.triggering_final_checkpoint) {
      this.triggering_final_checkpoint = false;
      this.awaiting_final_checkpoint = request_id;
    }
    if (request_id === this.awaiting_final_checkpoint) {
      if (outcome.ok) this.final_checkpoint_id = outcome.checkpoint_id;
      this.onFinalCheckpointOutcome(outcome.ok);
    }
  }

  private triggerFinalCheckpoint(): void {
    if (++this.final_checkpoint_attempts > MAX_FINAL_CHECKPOINT_ATTEMPTS) {
      this.fail_job('the final checkpoint did not complete');
      return;
    }
    this.triggering_final_checkpoint = true;
    const request_id = this.coordinator!.trigger_checkpoint({ forced: true });
    if (!this.triggering_final_checkpoint) return; // rejected synchronously and already handled
    this.triggering_final_checkpoint = false;
    this.awaiting_final_checkpoint = request_id;
    this.runtime.log('jm.final_checkpoint', { request: this.awaiting_final_checkpoint, attempt: this.final_checkpoint_attempts });
  }

  private onFinalCheckpointOutcome(completed: boolean): void {
    if (this.awaiting_final_checkpoint === undefined || this.status !== 'RUNNING') return;
    this.awaiting_final_checkpoint = undefined;
    if (!completed) {
      this.triggerFinalCheckpoint();
      return;
    }
    // FLIP-147: the job is FINISHED only once every TaskManager processed the final completion (sinks committed);
    // a TaskManager lost meanwhile fails over, and the restore recovers and commits its pending transactions.
    this.awaiting_settled = new Set(this.deployed_to);
    this.finishing_since_ms = this.runtime.now_ms();
    for (const tm of this.deployed_to) {
      this.runtime.send(tm, {
        type: 'job.finishing',
        attempt: this.attempt,
        final_checkpoint_id: this.final_checkpoint_id,
      } satisfies ClusterMessage);
    }
  }

  on_settled(tm: NodeId, attempt: number): void {
    if (attempt !== this.attempt || this.status !== 'RUNNING' || this.awaiting_settled === undefined) return;
    this.awaiting_settled.delete(tm);
    if (this.awaiting_settled.size > 0) return;
    this.awaiting_settled = undefined;
    this.set_status('FINISHED', 'all tasks finished, final checkpoint committed');
    this.context.clean_up_terminal('FINISHED');
  }

  /** Finishing: ask `tm` again to confirm its commits (a job.finishing or tm.settled message may have been lost). */
  remind_finishing(tm: NodeId): void {
    if (this.awaiting_settled?.has(tm) === true && this.status === 'RUNNING') {
      this.runtime.send(tm, {
        type: 'job.finishing',
        attempt: this.attempt,
        final_checkpoint_id: this.final_checkpoint_id,
      } satisfies ClusterMessage);
    }
  }

  /** Bounded wait: a TaskManager that stays alive but never confirms must not keep the job from finishing. */
  check_finishing_timeout(now_ms: number): void {
    if (this.awaiting_settled !== undefined && this.status === 'RUNNING' && now_ms - this.finishing_since_ms > MAX_FINISHING_TIMEOUTS * this.context.heartbeat_timeout_ms) {
      this.runtime.log('jm.finish_unconfirmed', { task_managers: [...this.awaiting_settled].sort() });
      this.runtime.probe('job.finished_unconfirmed');
      this.awaiting_settled = undefined;
      this.set_status('FINISHED', 'final checkpoint completed; some TaskManagers did not confirm their commits');
      this.context.clean_up_terminal('FINISHED');
    }
  }

  // ---- timers --------------------------------------------------------------------------------------------------

  on_timer(timer: SchedulerTimer): void {
    switch (timer.kind) {
      case 'deploy_timeout':
        // A deploy or its ack was lost (partition): without this the job would wait forever.
        if (timer.attempt === this.attempt && this.deployed_to.length > 0 && (this.status === 'CREATED' || this.status === 'RESTARTING')) {
          this.fail_job(`deployment of attempt ${timer.attempt} timed out`);
        }
        return;
      case 'split_tick':
        if (timer.attempt !== this.attempt || this.split_coordinators.length === 0 || this.is_terminal()) return;
        for (const split of this.split_coordinators) split.tick();
        this.runtime.setTimer(SPLIT_TICK_MS, timer);
        return;
      case 'ha_reselect': {
        const record = this.ha_reselect_record;
        this.ha_reselect_record = undefined;
        if (record !== undefined && timer.attempt === this.attempt && this.status === 'RESTARTING') this.select_from_ha_then_deploy(record);
        return;
      }
      case 'restart':
        if (timer.attempt === this.attempt && this.status === 'RESTARTING') this.selectCheckpointThenDeploy(timer.attempt);
        return;
    }
  }
}
