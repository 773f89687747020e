// The JobManager process (Flink's JobMaster): TaskManager registration, the RPC surface (every message and timer is
// dispatched here), heartbeats to TaskManagers (heartbeat-manager.ts) and the wiring of the checkpoint coordinator
// (engine/checkpoint) to the scheduler (scheduler.ts: job status, deployment, failover, restore, finishing), the
// savepoints (savepoint-handler.ts) and, with high availability, leadership (leadership.ts). Checkpoint pointers are
// written to the HA store before a checkpoint completes; the split sources' enumerators live in the scheduler.
import {
  CheckpointCoordinator,
  is_coordinator_timer,
  type CheckpointCoordinatorConfig,
  type CompletedCheckpoint,
} from '../checkpoint/index.js';
import { metadata_path, type CheckpointMetadata } from '../checkpoint/metadata.js';
import { CheckpointReader, type CheckpointVerification } from '../recovery/checkpoint-reader.js';
import type { RestartStrategyConfig } from '../recovery/restart-strategy.js';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import type { JobCatalogue } from './build-job.js';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_RPC_FAILURE_THRESHOLD,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  HeartbeatManager,
  is_heartbeat_timeout_timer,
  type TargetLoss,
} from './heartbeat-manager.js';
import { JobLeadership, type EarlyRegistration, type JobManagerHaConfig, type JobManagerRole } from './leadership.js';
import { isClusterMessage, type ClusterMessage, type JobSpec, type StateBackendOptions } from './messages.js';
import { SavepointHandler, type SavepointOutcome, type SavepointResume, type SavepointTimer } from './savepoint-handler.js';
import { ATTEMPT_STRIDE, is_scheduler_timer, Scheduler, type JobStatus, type RecoveryRecord } from './scheduler.js';
import type { HaRecord } from '../ha/ha-protocol.js';
import { put_durable } from '../util/durable-write.js';

export { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_RPC_FAILURE_THRESHOLD, DEFAULT_HEARTBEAT_TIMEOUT_MS } from './heartbeat-manager.js';
export { CHECKPOINT_ID_BLOCK, type JobManagerHaConfig, type JobManagerRole } from './leadership.js';
export { canonical_savepoint_path, restore_from_savepoint_bytes, type SavepointOutcome, type SavepointResume } from './savepoint-handler.js';
export { ATTEMPT_STRIDE, type JobStatus, type RecoveryRecord } from './scheduler.js';

export interface JobManagerConfig {
  job: JobSpec;
  jobs: JobCatalogue;
  /** Deploy only once this many TaskManagers registered (and enough slots exist). */
  expected_task_managers: number;
  heartbeat_interval_ms?: number;
  heartbeat_timeout_ms?: number;
  /** Consecutive refused heartbeat requests after which a TaskManager is unreachable (Flink default 2; -1: off). */
  heartbeat_rpc_failure_threshold?: number;
  /** Aligned (exactly-once) checkpoints; absent = checkpointing off (Flink's default). job_id defaults to the job name. */
  checkpointing?: Omit<CheckpointCoordinatorConfig, 'job_id'> & {
    job_id?: string;
    /** Default aligned (exactly-once). */
    mode?: 'aligned' | 'at_least_once' | 'unaligned';
    /** Unaligned mode: align first, switch to unaligned after this long (0 = always unaligned, the default). */
    aligned_checkpoint_timeout_ms?: number;
    /** Default heap. */
    state_backend?: 'heap' | 'lsm';
    /** Incremental snapshots, inline threshold and write buffer of the backend (default: the backend's own). */
    state_backend_options?: StateBackendOptions;
  };
  /** Default: none without checkpointing; with checkpointing exponential-delay with Flink's defaults (Flink 1.19+). */
  restart_strategy?: RestartStrategyConfig;
  /** JobManager high availability: leader election and checkpoint pointers in the HA store process. */
  high_availability?: JobManagerHaConfig;
  /** Test-only seam: which retained checkpoint a recovery restores, given their ids newest first (default: the first). */
  restore_choice?: (retained_newest_first: readonly number[]) => number | undefined;
  /** Test-only seam: how a restore candidate is verified (default: engine/recovery/checkpoint-selection.ts). */
  checkpoint_verification?: CheckpointVerification;
}

type JobManagerTimer = { kind: 'heartbeat' };

interface RegisteredTaskManager {
  slots: number;
  incarnation: number;
}

export class JobManager implements EngineNode {
  /** Registered TaskManagers, in registration order (a lost one is dropped and registers anew). */
  private readonly task_managers = new Map<NodeId, RegisteredTaskManager>();
  private readonly coordinator: CheckpointCoordinator | undefined;
  private readonly job_id: string;
  private readonly heartbeat_interval_ms: number;
  private readonly heartbeat_timeout_ms: number;
  private readonly heartbeats: HeartbeatManager;
  private readonly reader: CheckpointReader;
  private readonly scheduler: Scheduler;
  private readonly savepoints: SavepointHandler;
  private readonly leadership: JobLeadership | undefined;
  /** The first attempt number of this leader (fencing token × ATTEMPT_STRIDE with HA, else 0). */
  private attempt_base = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly config: JobManagerConfig,
  ) {
    this.heartbeat_interval_ms = config.heartbeat_interval_ms ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeat_timeout_ms = config.heartbeat_timeout_ms ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    const heartbeat_config = {
      interval_ms: this.heartbeat_interval_ms,
      timeout_ms: this.heartbeat_timeout_ms,
      rpc_failure_threshold: config.heartbeat_rpc_failure_threshold ?? DEFAULT_HEARTBEAT_RPC_FAILURE_THRESHOLD,
    };
    this.heartbeats = new HeartbeatManager(runtime, heartbeat_config, {
      notify_target_lost: (tm, loss) => this.onTaskManagerLost(tm, loss),
      request_heartbeat: (tm, seq) => {
        const started = this.scheduler.status === 'RUNNING' && this.scheduler.deployed_to.includes(tm);
        this.runtime.send(tm, (started ? { type: 'hb.request', seq, running_attempt: this.scheduler.attempt } : { type: 'hb.request', seq }) satisfies ClusterMessage);
        this.scheduler.remind_finishing(tm);
      },
    });
    this.job_id = config.checkpointing?.job_id ?? config.job.name;
    this.reader = new CheckpointReader(runtime.checkpoint_store, config.checkpoint_verification);
    this.scheduler = new Scheduler({
      runtime,
      job_id: this.job_id,
      jobs: config.jobs,
      job: config.job,
      expected_task_managers: config.expected_task_managers,
      heartbeat_interval_ms: this.heartbeat_interval_ms,
      heartbeat_timeout_ms: this.heartbeat_timeout_ms,
      checkpointing: config.checkpointing,
      restart_strategy: config.restart_strategy,
      restore_choice: config.restore_choice,
      reader: this.reader,
      coordinator: () => this.coordinator,
      registered_slots: () => new Map([...this.task_managers].map(([id, tm]) => [id, tm.slots] as const)),
      registered_task_managers: () => [...this.task_managers.keys()].sort(),
      clean_up_terminal: (status) => this.cleanUpTerminal(status),
      attempt_base: () => this.attempt_base,
      first_checkpoint_id: () => this.leadership?.first_checkpoint_id ?? 1,
      is_leader: () => this.is_leader,
      stopping_with_savepoint: () => this.savepoints.stopping,
    });
    this.savepoints = new SavepointHandler({
      runtime,
      job_id: this.job_id,
      jobs: config.jobs,
      scheduler: this.scheduler,
      reader: this.reader,
      coordinator: () => this.coordinator,
      clean_up_terminal: (status) => this.cleanUpTerminal(status),
      is_leader: () => this.is_leader,
    });
    if (config.high_availability !== undefined) this.leadership = this.createLeadership(config.high_availability);
    if (config.checkpointing !== undefined) this.coordinator = this.createCoordinator(config.checkpointing);
  }

  private createLeadership(ha: JobManagerHaConfig): JobLeadership {
    const scheduler = this.scheduler;
    return new JobLeadership(
      {
        runtime: this.runtime,
        job_id: this.job_id,
        heartbeat_interval_ms: this.heartbeat_interval_ms,
        heartbeat_timeout_ms: this.heartbeat_timeout_ms,
        is_terminal: () => scheduler.is_terminal(),
        on_message: (from, message) => this.on_message(from, message),
        adopt_leadership: (fencing_token, first_id) => {
          this.attempt_base = fencing_token * ATTEMPT_STRIDE;
          scheduler.attempt = this.attempt_base;
          this.coordinator?.restore_checkpoint_counter(first_id - 1, first_id);
        },
        on_leader: (previous, registrations) => this.onLeader(previous, registrations),
        on_retired: (reason) => {
          this.coordinator?.stop_periodic();
          // Flink's JobMaster disconnects its TaskManagers when it loses leadership, so they reconnect to the next
          // leader even when they believe the job over (this leader may have finished it without recording that).
          for (const tm of [...this.task_managers.keys()].sort()) this.runtime.send(tm, { type: 'jm.disconnect', reason } satisfies ClusterMessage);
        },
        keep_pointer: (id) => scheduler.retained_checkpoints.has(id) || id === scheduler.resumed_from?.savepoint_id,
        next_checkpoint_id: () => this.coordinator?.next_checkpoint_id() ?? 1,
      },
      ha,
    );
  }

  private createCoordinator(checkpointing: NonNullable<JobManagerConfig['checkpointing']>): CheckpointCoordinator {
    const runtime = this.runtime;
    const scheduler = this.scheduler;
    const savepoints = this.savepoints;
    const { mode: _mode, state_backend: _backend, state_backend_options: _options, aligned_checkpoint_timeout_ms: _timeout, ...coordinator_config } = checkpointing;
    if (checkpointing.mode === 'unaligned' && (coordinator_config.max_concurrent ?? 1) !== 1) {
      throw new Error('unaligned checkpoints need max_concurrent 1');
    }
    return new CheckpointCoordinator(
      { ...coordinator_config, job_id: this.job_id },
      {
        now_ms: () => runtime.now_ms(),
        monotonic_ms: () => runtime.monotonic_ms(),
        schedule: (after_ms, tag) => runtime.setTimer(after_ms, tag),
        random: runtime.rng,
        trigger_sources: (checkpoint_id, timestamp_ms, options) => {
          this.leadership?.check_id_reserved(checkpoint_id);
          if (scheduler.awaiting_settled !== undefined && checkpointing.test_only_keep_periodic_after_stop !== true) {
            // After the final checkpoint (FLIP-147) the tasks are done: a sink would pre-commit a transaction that no
            // completion ever commits.
            runtime.fail_invariant('a checkpoint was triggered after the final checkpoint completed', { checkpoint_id });
          }
          savepoints.on_triggered(checkpoint_id, options);
          const savepoint = options?.kind === 'savepoint' ? { savepoint: true, ...(options.drain ? { drain: true } : {}) } : {};
          scheduler.send_to_deployed((attempt) => ({ type: 'checkpoint.trigger', attempt, checkpoint_id, timestamp_ms, ...savepoint }) satisfies ClusterMessage);
        },
        notify_complete: (checkpoint_id, last_subsumed_id) => {
          if (savepoints.is_synchronous_savepoint(checkpoint_id)) {
            // Sinks commit on a stop-with-savepoint: until the job resumes from it, a recovery restores it rather than
            // an older checkpoint (that would replay committed output).
            scheduler.committed_savepoint = checkpoint_id;
          }
          if (!savepoints.is_savepoint(checkpoint_id)) {
            if (scheduler.committed_savepoint !== undefined && scheduler.committed_savepoint < checkpoint_id) scheduler.committed_savepoint = undefined;
            savepoints.forget_before(checkpoint_id);
            for (const split of scheduler.split_coordinators) split.notify_checkpoint_complete(checkpoint_id);
            scheduler.completed_checkpoints.push(checkpoint_id);
            scheduler.retained_checkpoints.add(checkpoint_id);
            if (last_subsumed_id !== undefined) scheduler.retained_checkpoints.delete(last_subsumed_id);
          }
          scheduler.send_to_deployed((attempt) => ({ type: 'checkpoint.complete', attempt, checkpoint_id }) satisfies ClusterMessage);
        },
        notify_aborted: (checkpoint_id) => {
          scheduler.send_to_deployed((attempt) => ({ type: 'checkpoint.abort', attempt, checkpoint_id }) satisfies ClusterMessage);
        },
        persist_completed: (metadata, bytes, path) => {
          // _metadata is durable before the checkpoint can complete (and before the HA pointer names it).
          put_durable(runtime.checkpoint_store, path, bytes, (written) => {
            if (!written.ok) {
              if (written.error === 'no_space') runtime.probe('checkpoint.write_no_space');
              this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, false, written.error);
              return;
            }
            this.reader.read_back(metadata, bytes, path, (problem) => {
              if (problem === undefined) this.onCheckpointReadBack(metadata, path);
              else {
                runtime.log('checkpoint.read_back_failed', { checkpoint_id: metadata.checkpoint_id, path, problem });
                runtime.probe('checkpoint.read_back_failed');
                this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, false, `read back: ${problem}`);
              }
            });
          });
        },
        discard_files: (paths) => {
          for (const path of paths) {
            this.reader.forget(path);
            runtime.checkpoint_store.delete(path, () => {});
          }
        },
        fail_job: (reason) => scheduler.fail_job(reason),
        snapshot_master_states: (checkpoint_id) => scheduler.split_coordinators.map((c) => c.snapshot_master_state(checkpoint_id)),
        on_request_done: (request_id, outcome) => {
          if (savepoints.owns_request(request_id)) {
            savepoints.on_savepoint_done(request_id, outcome.ok ? { ok: true, checkpoint_id: outcome.checkpoint_id, metadata_path: outcome.metadata_path } : { ok: false, reason: outcome.reason });
            return;
          }
          scheduler.on_checkpoint_request_done(request_id, outcome);
        },
        log: (event, fields) => runtime.log(event, fields),
      },
    );
  }

  /** The newest completed checkpoint (what a recovery restores), if any. */
  latestCompletedCheckpoint(): CompletedCheckpoint | undefined {
    return this.coordinator?.latest_completed();
  }

  /** The attempt being deployed or running (0 before the first deployment). */
  get current_attempt(): number {
    return this.scheduler.attempt;
  }

  get job_status(): JobStatus {
    return this.scheduler.status;
  }

  get status_history(): { status: JobStatus; time_ms: number; reason: string }[] {
    return this.scheduler.status_history;
  }

  get recoveries(): RecoveryRecord[] {
    return this.scheduler.recoveries;
  }

  get completed_checkpoints(): number[] {
    return this.scheduler.completed_checkpoints;
  }

  get records(): { records_in: number; records_out: number }[] {
    return this.scheduler.records;
  }

  /** The HA role (always leader without high availability). */
  get ha_role(): JobManagerRole {
    return this.leadership?.current_role ?? 'leader';
  }

  /** The fencing token this JobManager leads with (0 without HA or before it leads). */
  get leader_fencing_token(): number {
    return this.leadership?.leader_fencing_token ?? 0;
  }

  get is_leader(): boolean {
    return this.leadership?.is_leader ?? true;
  }

  on_start(): void {
    if (this.leadership !== undefined) {
      this.leadership.start();
      return;
    }
    this.scheduler.set_status('CREATED', 'submitted');
    this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }

  // ---- savepoints ----------------------------------------------------------------------------------------------

  /**
   * An intermediate savepoint (always aligned): not a restore candidate, and no completion notification, so
   * transactional sinks commit nothing on its account. Calls `done` once the canonical savepoint file is written.
   */
  trigger_savepoint(done: (outcome: SavepointOutcome) => void = () => {}): void {
    this.savepoints.trigger_savepoint(done);
  }

  /**
   * Stop-with-savepoint: a synchronous savepoint whose completion makes the sinks commit, then the tasks are
   * cancelled. Without `resume` the job is FINISHED; with it the job is redeployed after `resume.after_ms` at
   * `resume.parallelism` from the canonical savepoint file (key groups and list state redistributed).
   * `drain`: sources emit MAX_WATERMARK before the barrier, so windows and timers fire; never with `resume`.
   */
  stop_with_savepoint(options: { resume?: SavepointResume; drain?: boolean } = {}, done: (outcome: SavepointOutcome) => void = () => {}): void {
    this.savepoints.stop_with_savepoint(options, done);
  }

  // ---- checkpoint completion and high availability -------------------------------------------------------------

  /** The checkpoint read back intact: with HA its pointer becomes durable in the HA store before anyone hears of it. */
  private onCheckpointReadBack(metadata: CheckpointMetadata, path: string): void {
    const commits = path === metadata_path(this.job_id, metadata.checkpoint_id) || this.savepoints.is_synchronous_savepoint(metadata.checkpoint_id);
    if (this.leadership === undefined || !commits) {
      this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, true, '');
      return;
    }
    this.leadership.persist_pointer(metadata.checkpoint_id, path, (ok, detail, possibly_written) => {
      if (!this.is_leader) return;
      this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, ok, ok ? '' : `HA store: ${detail}`, { possibly_persisted: possibly_written === true });
    });
  }

  /** Leadership granted: start the job, adopt the result the previous leader recorded, or recover the job it ran. */
  private onLeader(previous: HaRecord | null, registrations: EarlyRegistration[]): void {
    const scheduler = this.scheduler;
    this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
    if (previous === null || previous.leader === null) {
      scheduler.set_status('CREATED', 'submitted');
      for (const { from, message } of registrations) this.on_message(from, message);
      return;
    }
    if (previous.terminal !== undefined) {
      // The previous leader recorded the job's result (and may have discarded its checkpoints): adopt it.
      this.runtime.log('jm.job_result_adopted', { status: previous.terminal.status, previous_leader: previous.leader.node_id });
      scheduler.set_status(previous.terminal.status, `${previous.terminal.reason} (recorded by ${previous.leader.node_id})`);
      return;
    }
    // A failover: the previous leader ran the job. Recover like a TaskManager failure, from the HA pointers.
    this.runtime.probe('jm.failover');
    scheduler.start_leader_failover_recovery(`JobManager failover (previous leader ${previous.leader.node_id})`);
    for (const { from, message } of registrations) this.on_message(from, message);
    scheduler.select_from_ha_then_deploy(previous);
  }

  /**
   * The job reached a globally terminal status: discard its checkpoints (as the retention says). With HA the status is
   * written to the HA record first, as Flink writes its JobResultStore before cleaning up, so a JobManager that takes
   * over later (say, a standby cut off from this leader) adopts the result instead of re-running the job from
   * checkpoints that are gone. If that write fails the checkpoints stay, and a successor recovers from them.
   */
  private cleanUpTerminal(status: 'FINISHED' | 'FAILED'): void {
    if (this.leadership === undefined || !this.leadership.is_leader) {
      this.coordinator?.shutdown(status);
      return;
    }
    const history = this.scheduler.status_history;
    const reason = history[history.length - 1]?.reason ?? status;
    this.coordinator?.stop_pending();
    this.leadership.record_job_result(status, reason, (ok, detail) => {
      this.runtime.log('jm.job_result_recorded', { status, ok, ...(ok ? {} : { detail }) });
      if (ok) this.coordinator?.shutdown(status);
    });
  }

  // ---- messages ------------------------------------------------------------------------------------------------

  on_message(from: NodeId, message: unknown): void {
    if (this.leadership !== undefined && this.leadership.intercept_message(from, message)) return;
    const scheduler = this.scheduler;
    // Split source events and the enumerators' broker replies go to the attempt's coordinators.
    for (const split of scheduler.split_coordinators) if (split.on_message(from, message)) return;
    if (!isClusterMessage(message)) return;
    switch (message.type) {
      case 'tm.register':
        this.onRegister(from, message);
        return;
      case 'checkpoint.ack':
        if (message.attempt !== scheduler.attempt || this.coordinator === undefined) return;
        this.coordinator.acknowledge(message.checkpoint_id, message.ack);
        return;
      case 'checkpoint.decline':
        if (message.attempt !== scheduler.attempt || this.coordinator === undefined) return;
        this.coordinator.decline(message.checkpoint_id, message.task, message.failure_reason ?? 'CHECKPOINT_DECLINED', message.reason);
        return;
      case 'hb.reply':
        this.heartbeats.receive_heartbeat(from);
        return;
      case 'deployed':
        scheduler.on_deployed(from, message.attempt);
        return;
      case 'task.finished':
        scheduler.on_task_finished(message.attempt, message.task, { records_in: message.records_in, records_out: message.records_out });
        return;
      case 'tm.settled':
        scheduler.on_settled(from, message.attempt);
        return;
      case 'task.failed':
        if (message.attempt !== scheduler.attempt || scheduler.deployed_to.length === 0) return;
        scheduler.fail_job(`task ${message.task} failed: ${message.reason}`);
        return;
      default:
        return;
    }
  }

  private onRegister(from: NodeId, message: Extract<ClusterMessage, { type: 'tm.register' }>): void {
    const scheduler = this.scheduler;
    const known = this.task_managers.get(from);
    this.task_managers.set(from, { slots: message.slots, incarnation: message.incarnation });
    this.heartbeats.monitor_target(from);
    this.runtime.send(
      from,
      (this.leadership === undefined ? { type: 'tm.registered' } : { type: 'tm.registered', leader_epoch: this.leadership.leader_fencing_token }) satisfies ClusterMessage,
    );
    if (scheduler.is_terminal()) {
      this.runtime.send(from, { type: 'job.terminated', attempt: scheduler.attempt, status: scheduler.status } satisfies ClusterMessage);
      return;
    }
    // A TaskManager declared lost that comes back may still run tasks of an older attempt: cancel them.
    if (known === undefined && !scheduler.deployed_to.includes(from) && scheduler.attempt > this.attempt_base) {
      this.runtime.send(from, { type: 'cancel', attempt: scheduler.attempt } satisfies ClusterMessage);
    }
    if (known === undefined || known.incarnation !== message.incarnation) {
      this.runtime.log('jm.tm_registered', { tm: from, slots: message.slots, incarnation: message.incarnation });
    }
    // A TaskManager that cancelled its tasks (it lost the JobManager for a while) registers without them.
    if (
      known !== undefined && known.incarnation === message.incarnation && message.running_attempt !== undefined &&
      message.running_attempt !== scheduler.attempt && scheduler.status === 'RUNNING' && scheduler.deployed_to.includes(from)
    ) {
      scheduler.fail_job(`TaskManager ${from} cancelled its tasks (JobManager silent)`);
    }
    // A TaskManager that restarted lost its tasks: the running attempt cannot continue.
    if (known !== undefined && known.incarnation !== message.incarnation && scheduler.deployed_to.includes(from) && !scheduler.is_terminal()) {
      scheduler.fail_job(`TaskManager ${from} restarted (incarnation ${message.incarnation})`);
    }
    scheduler.try_deploy();
  }

  /**
   * A TaskManager's heartbeat monitor declared it lost: it is no longer registered (it registers anew if it comes
   * back), and a failover follows if it ran tasks of the attempt.
   */
  private onTaskManagerLost(tm: NodeId, loss: TargetLoss): void {
    this.task_managers.delete(tm);
    this.runtime.log('jm.tm_lost', { tm, ...loss });
    const why = loss.cause === 'timeout' ? 'heartbeat timeout' : `unreachable: ${loss.failed_rpcs} heartbeat requests refused`;
    this.scheduler.on_task_manager_lost(tm, why);
  }

  /** A refused heartbeat request counts toward heartbeat.rpc-failure-threshold (other refusals count for nothing). */
  on_delivery_failed(peer: NodeId, message: unknown): void {
    if (!this.is_leader || !isClusterMessage(message) || message.type !== 'hb.request') return;
    this.heartbeats.report_rpc_failure(peer);
  }

  /** Control messages to or from a TaskManager of the attempt may be gone (deploy, start, acks): fail over. */
  on_link_broken(peer: NodeId): void {
    if (!this.is_leader) return;
    if (this.scheduler.deployed_to.includes(peer) && !this.scheduler.is_terminal()) this.scheduler.fail_job(`link to ${peer} broke`);
  }

  // ---- timers --------------------------------------------------------------------------------------------------

  on_timer(tag: unknown): void {
    if (this.leadership !== undefined && !this.leadership.on_timer(tag)) return;
    const scheduler = this.scheduler;
    if (is_coordinator_timer(tag) || (tag as Partial<JobManagerTimer>).kind === 'heartbeat' || is_heartbeat_timeout_timer(tag)) {
      if (this.leadership?.lease_expired() === true && !scheduler.is_terminal()) {
        // The leader's lease expired unrenewed (paused or cut off): hold checkpoint and heartbeat work until the HA
        // store renews it, so a leader that may have been replaced does not act before it learns whether it was.
        this.runtime.setTimer(this.heartbeat_interval_ms, tag);
        return;
      }
    }
    if (is_coordinator_timer(tag)) {
      if (!scheduler.is_terminal() && scheduler.status === 'RUNNING') this.coordinator?.on_timer(tag);
      return;
    }
    if (is_heartbeat_timeout_timer(tag)) {
      if (!scheduler.is_terminal()) this.heartbeats.on_timeout(tag);
      return;
    }
    if (is_scheduler_timer(tag)) {
      scheduler.on_timer(tag);
      return;
    }
    const timer = tag as SavepointTimer | JobManagerTimer;
    if (timer.kind === 'savepoint_resume') {
      this.savepoints.on_timer(timer);
      return;
    }
    if (timer.kind !== 'heartbeat') return;
    if (scheduler.is_terminal()) {
      this.heartbeats.stop();
      return;
    }
    this.heartbeats.request_heartbeats();
    scheduler.check_finishing_timeout(this.runtime.now_ms());
    if (!scheduler.is_terminal()) this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }
}

export function createJobManager(config: JobManagerConfig): (runtime: Runtime) => JobManager {
  return (runtime) => new JobManager(runtime, config);
}
