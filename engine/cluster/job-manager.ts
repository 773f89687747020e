// The JobManager process: TaskManager registration, slot-sharing scheduling and deployment of one job, heartbeats
// to TaskManagers (Flink defaults: interval 10 s, timeout 50 s), job status transitions logged as "job.status",
// and finish detection for bounded input. Checkpoint coordination and restarts hook in here (see on_task_lost).
import {
  CheckpointCoordinator,
  is_coordinator_timer,
  type CheckpointCoordinatorConfig,
  type CompletedCheckpoint,
} from '../checkpoint/index.js';
import { placeSubtasks, type ExecutionPlan } from '../graph/execution-graph.js';
import { create_restart_strategy, type RestartStrategy, type RestartStrategyConfig } from '../recovery/restart-strategy.js';
import {
  files_to_verify,
  verify_checkpoint,
  verify_metadata_bytes,
  type CheckpointCandidate,
  type SkippedCheckpoint,
} from '../recovery/checkpoint-selection.js';
import { metadata_path } from '../checkpoint/metadata.js';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { buildJob, type JobCatalogue } from './build-job.js';
import { isClusterMessage, type ClusterMessage, type DeploymentRestore, type JobSpec } from './messages.js';

export type JobStatus = 'CREATED' | 'RUNNING' | 'FAILING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELED';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 50_000;

export interface JobManagerConfig {
  job: JobSpec;
  jobs: JobCatalogue;
  /** Deploy only once this many TaskManagers registered (and enough slots exist). */
  expected_task_managers: number;
  heartbeat_interval_ms?: number;
  heartbeat_timeout_ms?: number;
  /** Aligned (exactly-once) checkpoints; absent = checkpointing off (Flink's default). job_id defaults to the job name. */
  checkpointing?: Omit<CheckpointCoordinatorConfig, 'job_id'> & {
    job_id?: string;
    /** Default aligned (exactly-once). */
    mode?: 'aligned' | 'at_least_once' | 'unaligned';
    /** Unaligned mode: align first, switch to unaligned after this long (0 = always unaligned, the default). */
    aligned_checkpoint_timeout_ms?: number;
    /** Default heap. */
    state_backend?: 'heap' | 'lsm';
  };
  /** Default: none without checkpointing; with checkpointing fixed-delay (Flink's default when checkpointing is on). */
  restart_strategy?: RestartStrategyConfig;
}

interface RegisteredTaskManager {
  slots: number;
  last_heartbeat_ms: number;
}

/** How many of the newest checkpoints in the store a recovery tries before restarting from scratch. */
const MAX_RESTORE_CANDIDATES = 8;
/** Heartbeat timeouts the JobManager waits for TaskManagers to confirm the final commit before finishing anyway. */
const MAX_FINISHING_TIMEOUTS = 10;
/** Attempts at the final checkpoint of a finished bounded job before the job fails. */
const MAX_FINAL_CHECKPOINT_ATTEMPTS = 10;

type JobManagerTimer =
  | { kind: 'heartbeat' }
  | { kind: 'restart'; attempt: number }
  | { kind: 'deploy_timeout'; attempt: number };

export interface RecoveryRecord {
  reason: string;
  failed_at_ms: number;
  restored_checkpoint_id: number | null;
  redeployed_at_ms?: number;
  running_at_ms?: number;
}

export class JobManager implements EngineNode {
  private readonly task_managers = new Map<NodeId, RegisteredTaskManager & { incarnation: number }>();
  private readonly coordinator: CheckpointCoordinator | undefined;
  private readonly restart_strategy: RestartStrategy;
  private readonly job_id: string;
  private restore_from: CompletedCheckpoint | undefined;
  /** RESTARTING: the restart strategy's delay has passed (a redeploy may start once enough slots are registered). */
  private restart_due = false;
  private restore_skipped: SkippedCheckpoint[] = [];
  /** The request id of the final checkpoint after all tasks finished (bounded input with checkpointing). */
  private awaiting_final_checkpoint: number | undefined = undefined;
  private final_checkpoint_attempts = 0;
  private triggering_final_checkpoint = false;
  /** TaskManagers that have not yet settled after the final checkpoint. */
  private awaiting_settled: Set<NodeId> | undefined = undefined;
  private final_checkpoint_id = 0;
  private finishing_since_ms = 0;
  readonly recoveries: RecoveryRecord[] = [];
  readonly completed_checkpoints: number[] = [];
  /** Completed checkpoints still in the coordinator's store (completed, not yet subsumed): restore candidates. */
  private readonly retained_checkpoints = new Set<number>();
  private readonly heartbeat_interval_ms: number;
  private readonly heartbeat_timeout_ms: number;
  private readonly plan: ExecutionPlan;
  private status: JobStatus = 'CREATED';
  private attempt = 0;
  private heartbeat_seq = 0;
  private deployed_acks = new Set<NodeId>();
  private deployed_to: NodeId[] = [];
  private finished_tasks = new Map<string, { records_in: number; records_out: number }>();
  private total_tasks: number;
  status_history: { status: JobStatus; time_ms: number; reason: string }[] = [];

  constructor(
    private readonly runtime: Runtime,
    private readonly config: JobManagerConfig,
  ) {
    this.heartbeat_interval_ms = config.heartbeat_interval_ms ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeat_timeout_ms = config.heartbeat_timeout_ms ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (!(this.heartbeat_timeout_ms > this.heartbeat_interval_ms)) throw new Error('heartbeat timeout must exceed interval');
    this.plan = buildJob(config.jobs, config.job).plan;
    this.total_tasks = this.plan.vertices.reduce((sum, v) => sum + v.parallelism, 0);
    this.job_id = config.checkpointing?.job_id ?? config.job.name;
    this.restart_strategy = create_restart_strategy(
      config.restart_strategy ?? (config.checkpointing !== undefined ? { type: 'fixed-delay', attempts: 2_147_483_647 } : { type: 'none' }),
      runtime.rng,
    );
    if (config.checkpointing !== undefined) {
      const { mode: _mode, state_backend: _backend, aligned_checkpoint_timeout_ms: _timeout, ...coordinator_config } = config.checkpointing;
      if (config.checkpointing.mode === 'unaligned' && (coordinator_config.max_concurrent ?? 1) !== 1) {
        throw new Error('unaligned checkpoints need max_concurrent 1');
      }
      this.coordinator = new CheckpointCoordinator(
        { ...coordinator_config, job_id: this.job_id },
        {
          now_ms: () => runtime.now_ms(),
          schedule: (after_ms, tag) => runtime.setTimer(after_ms, tag),
          random: runtime.rng,
          trigger_sources: (checkpoint_id) => {
            for (const tm of this.deployed_to) {
              runtime.send(tm, { type: 'checkpoint.trigger', attempt: this.attempt, checkpoint_id } satisfies ClusterMessage);
            }
          },
          notify_complete: (checkpoint_id, last_subsumed_id) => {
            this.completed_checkpoints.push(checkpoint_id);
            this.retained_checkpoints.add(checkpoint_id);
            if (last_subsumed_id !== undefined) this.retained_checkpoints.delete(last_subsumed_id);
            for (const tm of this.deployed_to) {
              runtime.send(tm, { type: 'checkpoint.complete', attempt: this.attempt, checkpoint_id } satisfies ClusterMessage);
            }
          },
          notify_aborted: (checkpoint_id) => {
            for (const tm of this.deployed_to) {
              runtime.send(tm, { type: 'checkpoint.abort', attempt: this.attempt, checkpoint_id } satisfies ClusterMessage);
            }
          },
          persist_completed: (metadata, bytes, path) => {
            runtime.checkpoint_store.put(path, bytes, (result) => {
              this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, result.ok, result.ok ? '' : result.error);
            });
          },
          discard_files: (paths) => {
            for (const path of paths) runtime.checkpoint_store.delete(path, () => {});
          },
          fail_job: (reason) => this.failJob(reason),
          on_request_done: (request_id, outcome) => {
            if (this.triggering_final_checkpoint) {
              this.triggering_final_checkpoint = false;
              this.awaiting_final_checkpoint = request_id;
            }
            if (request_id === this.awaiting_final_checkpoint) {
              if (outcome.ok) this.final_checkpoint_id = outcome.checkpoint_id;
              this.onFinalCheckpointOutcome(outcome.ok);
            }
          },
          log: (event, fields) => runtime.log(event, fields),
        },
      );
    }
  }

  /** The newest completed checkpoint (what a recovery restores), if any. */
  latestCompletedCheckpoint(): CompletedCheckpoint | undefined {
    return this.coordinator?.latest_completed();
  }

  /** The attempt being deployed or running (0 before the first deployment). */
  get current_attempt(): number {
    return this.attempt;
  }

  get job_status(): JobStatus {
    return this.status;
  }

  get records(): { records_in: number; records_out: number }[] {
    return [...this.finished_tasks.values()];
  }

  on_start(): void {
    this.setStatus('CREATED', 'submitted');
    this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }

  private setStatus(status: JobStatus, reason: string): void {
    this.status = status;
    if (status === 'FINISHED' || status === 'FAILED' || status === 'CANCELED') {
      for (const tm of [...this.task_managers.keys()].sort()) {
        this.runtime.send(tm, { type: 'job.terminated', attempt: this.attempt, status } satisfies ClusterMessage);
      }
    }
    this.status_history.push({ status, time_ms: this.runtime.now_ms(), reason });
    this.runtime.log('job.status', { status, reason, attempt: this.attempt });
  }

  private isTerminal(): boolean {
    return this.status === 'FINISHED' || this.status === 'FAILED' || this.status === 'CANCELED';
  }

  on_message(from: NodeId, message: unknown): void {
    if (!isClusterMessage(message)) return;
    switch (message.type) {
      case 'tm.register': {
        const known = this.task_managers.get(from);
        this.task_managers.set(from, {
          slots: message.slots,
          last_heartbeat_ms: this.runtime.now_ms(),
          incarnation: message.incarnation,
        });
        this.runtime.send(from, { type: 'tm.registered' } satisfies ClusterMessage);
        if (this.isTerminal()) {
          this.runtime.send(from, { type: 'job.terminated', attempt: this.attempt, status: this.status } satisfies ClusterMessage);
          return;
        }
        // A TaskManager declared lost that comes back may still run tasks of an older attempt: cancel them.
        if (known === undefined && !this.deployed_to.includes(from) && this.attempt > 0) {
          this.runtime.send(from, { type: 'cancel', attempt: this.attempt } satisfies ClusterMessage);
        }
        if (known === undefined || known.incarnation !== message.incarnation) {
          this.runtime.log('jm.tm_registered', { tm: from, slots: message.slots, incarnation: message.incarnation });
        }
        // A TaskManager that restarted lost its tasks: the running attempt cannot continue.
        if (known !== undefined && known.incarnation !== message.incarnation && this.deployed_to.includes(from) && !this.isTerminal()) {
          this.failJob(`TaskManager ${from} restarted (incarnation ${message.incarnation})`);
        }
        this.tryDeploy();
        return;
      }
      case 'checkpoint.ack':
        if (message.attempt !== this.attempt || this.coordinator === undefined) return;
        this.coordinator.acknowledge(message.checkpoint_id, message.ack);
        return;
      case 'checkpoint.decline':
        if (message.attempt !== this.attempt || this.coordinator === undefined) return;
        this.coordinator.decline(message.checkpoint_id, message.task, 'CHECKPOINT_DECLINED', message.reason);
        return;
      case 'hb.reply': {
        const tm = this.task_managers.get(from);
        if (tm !== undefined) tm.last_heartbeat_ms = this.runtime.now_ms();
        return;
      }
      case 'deployed': {
        if (message.attempt !== this.attempt || (this.status !== 'CREATED' && this.status !== 'RESTARTING')) return;
        // A failover during the deployment cleared deployed_to: late acks of the cancelled attempt count for nothing.
        if (!this.deployed_to.includes(from)) return;
        this.deployed_acks.add(from);
        if (this.deployed_to.every((tm) => this.deployed_acks.has(tm))) {
          for (const tm of this.deployed_to) this.runtime.send(tm, { type: 'start', attempt: this.attempt } satisfies ClusterMessage);
          this.setStatus('RUNNING', 'all tasks deployed');
          const recovery = this.recoveries[this.recoveries.length - 1];
          if (recovery !== undefined && recovery.running_at_ms === undefined) {
            recovery.running_at_ms = this.runtime.now_ms();
            this.runtime.log('recovery.completed', {
              detect_ms: 0,
              redeploy_ms: recovery.running_at_ms - (recovery.redeployed_at_ms ?? recovery.failed_at_ms),
              checkpoint_id: recovery.restored_checkpoint_id,
            });
          }
          this.coordinator?.start_periodic();
        }
        return;
      }
      case 'task.finished': {
        if (message.attempt !== this.attempt || this.status !== 'RUNNING') return;
        // TaskManagers repeat finish reports with every heartbeat (a report can be lost): duplicates are expected.
        if (this.finished_tasks.has(message.task)) return;
        this.finished_tasks.set(message.task, { records_in: message.records_in, records_out: message.records_out });
        if (this.finished_tasks.size === this.total_tasks) {
          if (this.coordinator === undefined) {
            this.setStatus('FINISHED', 'all tasks finished');
            return;
          }
          // Flink's final checkpoint (FLIP-147): transactional sinks commit their last transaction on its completion.
          this.coordinator.stop_periodic();
          this.final_checkpoint_attempts = 0;
          this.triggerFinalCheckpoint();
        }
        return;
      }
      case 'tm.settled':
        this.onSettled(from, message.attempt);
        return;
      case 'task.failed':
        if (message.attempt !== this.attempt || this.deployed_to.length === 0) return;
        this.failJob(`task ${message.task} failed: ${message.reason}`);
        return;
      default:
        return;
    }
  }

  /** Control messages to or from a TaskManager of the attempt may be gone (deploy, start, acks): fail over. */
  on_link_broken(peer: NodeId): void {
    if (this.deployed_to.includes(peer) && !this.isTerminal()) this.failJob(`link to ${peer} broke`);
  }

  on_timer(tag: unknown): void {
    if (is_coordinator_timer(tag)) {
      if (!this.isTerminal() && this.status === 'RUNNING') this.coordinator?.on_timer(tag);
      return;
    }
    const timer = tag as JobManagerTimer;
    if (timer.kind === 'deploy_timeout') {
      // A deploy or its ack was lost (partition): without this the job would wait forever.
      if (timer.attempt === this.attempt && this.deployed_to.length > 0 && (this.status === 'CREATED' || this.status === 'RESTARTING')) {
        this.failJob(`deployment of attempt ${timer.attempt} timed out`);
      }
      return;
    }
    if (timer.kind === 'restart') {
      if (timer.attempt === this.attempt && this.status === 'RESTARTING') this.selectCheckpointThenDeploy(timer.attempt);
      return;
    }
    if (timer.kind !== 'heartbeat' || this.isTerminal()) return;
    const now = this.runtime.now_ms();
    for (const tm of [...this.task_managers.keys()].sort()) {
      const entry = this.task_managers.get(tm)!;
      if (now - entry.last_heartbeat_ms > this.heartbeat_timeout_ms) {
        this.task_managers.delete(tm);
        this.runtime.log('jm.tm_lost', { tm, silent_ms: now - entry.last_heartbeat_ms });
        this.on_task_manager_lost(tm);
        continue;
      }
      this.runtime.send(tm, { type: 'hb.request', seq: ++this.heartbeat_seq } satisfies ClusterMessage);
      // Finishing: ask again (a job.finishing or tm.settled message may have been lost).
      if (this.awaiting_settled?.has(tm) === true && this.status === 'RUNNING') {
        this.runtime.send(tm, {
          type: 'job.finishing',
          attempt: this.attempt,
          final_checkpoint_id: this.final_checkpoint_id,
        } satisfies ClusterMessage);
      }
    }
    if (this.awaiting_settled !== undefined && this.status === 'RUNNING' && now - this.finishing_since_ms > MAX_FINISHING_TIMEOUTS * this.heartbeat_timeout_ms) {
      // Bounded wait: a TaskManager that stays alive but never confirms must not keep the job from finishing.
      this.runtime.log('jm.finish_unconfirmed', { task_managers: [...this.awaiting_settled].sort() });
      this.runtime.probe('job.finished_unconfirmed');
      this.awaiting_settled = undefined;
      this.setStatus('FINISHED', 'final checkpoint completed; some TaskManagers did not confirm their commits');
      this.coordinator?.shutdown('FINISHED');
    }
    if (!this.isTerminal()) this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }

  /** Losing a TaskManager that runs tasks of the current attempt fails the attempt (full failover). */
  private on_task_manager_lost(tm: NodeId): void {
    if (this.deployed_to.includes(tm) && !this.isTerminal()) {
      this.failJob(`TaskManager ${tm} lost (heartbeat timeout)`);
    }
  }

  /**
   * Full failover: FAILING → cancel every task of the attempt, abort pending checkpoints; then the restart strategy
   * decides: RESTARTING and a redeploy after its delay from the newest completed checkpoint, or FAILED.
   */
  private failJob(reason: string): void {
    if (this.isTerminal() || (this.status === 'RESTARTING' && this.deployed_to.length === 0)) return;
    this.setStatus('FAILING', reason);
    this.awaiting_final_checkpoint = undefined;
    this.awaiting_settled = undefined;
    this.runtime.probe('job.failover');
    this.coordinator?.stop_periodic();
    if (this.coordinator !== undefined) {
      for (const vertex of this.plan.vertices) {
        for (let s = 0; s < vertex.parallelism; s++) this.coordinator.on_task_failure(`${vertex.index}/${s}`);
      }
    }
    for (const tm of this.deployed_to) this.runtime.send(tm, { type: 'cancel', attempt: this.attempt } satisfies ClusterMessage);
    const decision = this.restart_strategy.on_failure(this.runtime.now_ms());
    if (!decision.restart) {
      this.setStatus('FAILED', decision.reason);
      this.coordinator?.shutdown('FAILED');
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
    this.setStatus('RESTARTING', `restart in ${decision.delay_ms} ms`);
    this.finished_tasks = new Map();
    this.deployed_acks = new Set();
    this.deployed_to = [];
    this.runtime.setTimer(decision.delay_ms, { kind: 'restart', attempt: this.attempt } satisfies JobManagerTimer);
  }

  /**
   * Recovery picks the newest checkpoint in the checkpoint store whose _metadata and every referenced file verify
   * (checksums, sizes): a corrupt or half-deleted checkpoint is skipped, never restored silently. No valid
   * checkpoint means a restart from the beginning of the input.
   */
  private selectCheckpointThenDeploy(attempt: number): void {
    const done = (chosen: CompletedCheckpoint | undefined, skipped: SkippedCheckpoint[]): void => {
      if (this.attempt !== attempt || this.status !== 'RESTARTING') return;
      this.restore_from = chosen;
      this.restore_skipped = skipped;
      const recovery = this.recoveries[this.recoveries.length - 1];
      if (recovery !== undefined) recovery.restored_checkpoint_id = chosen?.checkpoint_id ?? null;
      if (skipped.length > 0) this.runtime.probe('recovery.skipped_invalid_checkpoint');
      this.restart_due = true;
      this.tryDeploy();
    };
    if (this.coordinator === undefined) {
      done(undefined, []);
      return;
    }
    const store = this.runtime.checkpoint_store;
    store.list(`${this.job_id}/chk-`, (listed) => {
      if (!listed.ok) {
        // The store cannot be listed: fall back to the coordinator's own record (still verified by the restore).
        done(this.coordinator!.latest_completed(), [{ checkpoint_id: -1, reason: `list failed: ${listed.error}` }]);
        return;
      }
      // Only checkpoints the coordinator completed and still retains: an aborted or subsumed checkpoint's
      // _metadata may still be in the store, but its shared files are no longer registered (or being deleted).
      const ids = new Set<number>();
      for (const key of listed.value) {
        const match = /\/chk-(\d+)\/_metadata$/.exec(key);
        if (match !== null && this.retained_checkpoints.has(Number(match[1]))) ids.add(Number(match[1]));
      }
      const candidates = [...ids]
        .sort((a, b) => b - a)
        .slice(0, MAX_RESTORE_CANDIDATES)
        .map((id) => ({ checkpoint_id: id, metadata_path: metadata_path(this.job_id, id) }));
      this.verifyCandidates(candidates, 0, [], done);
    });
  }

  private verifyCandidates(
    candidates: CheckpointCandidate[],
    index: number,
    skipped: SkippedCheckpoint[],
    done: (chosen: CompletedCheckpoint | undefined, skipped: SkippedCheckpoint[]) => void,
  ): void {
    const candidate = candidates[index];
    if (candidate === undefined) {
      done(undefined, skipped);
      return;
    }
    const store = this.runtime.checkpoint_store;
    const next = (reason: string): void => {
      skipped.push({ checkpoint_id: candidate.checkpoint_id, reason });
      this.verifyCandidates(candidates, index + 1, skipped, done);
    };
    store.get(candidate.metadata_path, (read) => {
      const bytes = read.ok ? read.value : undefined;
      const step1 = verify_metadata_bytes(candidate, bytes);
      if (!step1.ok) {
        next(step1.reason);
        return;
      }
      const refs = files_to_verify(step1.metadata);
      const files = new Map<string, Uint8Array>();
      let pending = refs.length;
      let failed = false;
      const finish = (): void => {
        const verified = verify_checkpoint(candidate, bytes, files);
        if (!verified.ok) next(verified.reason);
        else done({ checkpoint_id: candidate.checkpoint_id, metadata: verified.metadata, metadata_path: candidate.metadata_path }, skipped);
      };
      if (pending === 0) {
        finish();
        return;
      }
      for (const ref of refs) {
        store.get(ref.path, (file) => {
          if (failed) return;
          if (!file.ok) {
            failed = true;
            next(`state file ${ref.path}: ${file.error}`);
            return;
          }
          files.set(ref.path, file.value);
          if (--pending === 0) finish();
        });
      }
    });
  }

  private triggerFinalCheckpoint(): void {
    if (++this.final_checkpoint_attempts > MAX_FINAL_CHECKPOINT_ATTEMPTS) {
      this.failJob('the final checkpoint did not complete');
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

  private onSettled(tm: NodeId, attempt: number): void {
    if (attempt !== this.attempt || this.status !== 'RUNNING' || this.awaiting_settled === undefined) return;
    this.awaiting_settled.delete(tm);
    if (this.awaiting_settled.size > 0) return;
    this.awaiting_settled = undefined;
    this.setStatus('FINISHED', 'all tasks finished, final checkpoint committed');
    this.coordinator?.shutdown('FINISHED');
  }

  private tryDeploy(): void {
    if (this.status === 'CREATED' && this.attempt > 0) return;
    if (this.status !== 'CREATED' && this.status !== 'RESTARTING') return;
    if (this.status === 'CREATED' && this.task_managers.size < this.config.expected_task_managers) return;
    if (this.status === 'RESTARTING' && (this.deployed_to.length > 0 || !this.restart_due)) return;
    const slots = new Map([...this.task_managers].map(([id, tm]) => [id, tm.slots] as const));
    const placement = placeSubtasks(this.plan, slots);
    if (placement === undefined) return;
    this.attempt++;
    this.deployed_acks = new Set();
    this.deployed_to = [...new Set(placement.flat())].sort();
    const settings = this.config.checkpointing;
    const checkpointing =
      this.coordinator === undefined || settings === undefined
        ? undefined
        : settings.mode === 'unaligned'
          ? {
              job_id: this.job_id,
              mode: 'aligned' as const,
              state_backend: settings.state_backend ?? 'heap',
              unaligned: { aligned_checkpoint_timeout_ms: settings.aligned_checkpoint_timeout_ms ?? 0 },
            }
          : { job_id: this.job_id, mode: settings.mode ?? 'aligned', state_backend: settings.state_backend ?? 'heap' };
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
      this.runtime.log('recovery.restored', { checkpoint_id: from.checkpoint_id, skipped: this.restore_skipped });
    } else if (this.status === 'RESTARTING') {
      this.runtime.log('recovery.restored', { checkpoint_id: null, skipped: this.restore_skipped });
    }
    this.coordinator?.set_expected_tasks(this.plan.vertices.flatMap((v) => Array.from({ length: v.parallelism }, (_, s) => `${v.index}/${s}`)));
    if (this.status === 'RESTARTING') {
      const recovery = this.recoveries[this.recoveries.length - 1];
      if (recovery !== undefined) recovery.redeployed_at_ms = this.runtime.now_ms();
      this.restart_due = false;
    }
    for (const tm of this.deployed_to) {
      this.runtime.send(tm, {
        type: 'deploy',
        attempt: this.attempt,
        job: this.config.job,
        placement,
        checkpointing,
        restore,
      } satisfies ClusterMessage);
    }
    this.runtime.log('jm.deploying', { attempt: this.attempt, task_managers: this.deployed_to, tasks: this.total_tasks });
    this.runtime.setTimer(this.heartbeat_timeout_ms, { kind: 'deploy_timeout', attempt: this.attempt } satisfies JobManagerTimer);
  }
}

export function createJobManager(config: JobManagerConfig): (runtime: Runtime) => JobManager {
  return (runtime) => new JobManager(runtime, config);
}
