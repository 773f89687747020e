// The JobManager process: TaskManager registration, slot-sharing scheduling and deployment of one job, heartbeats
// to TaskManagers (Flink defaults: interval 10 s, timeout 50 s), job status transitions logged as "job.status",
// and finish detection for bounded input. Checkpoint coordination and restarts hook in here (see on_task_lost).
// With high availability, leader election through the HA store, the checkpoint pointer written before completion,
// and recovery of the job by a new leader (fenced by its token). Savepoints: trigger, stop-with-savepoint, and
// resume from a canonical savepoint file at another parallelism (engine/savepoint). Hosts the split sources'
// enumerators (LogSplitCoordinator, Flink's OperatorCoordinator) with their state in checkpoints' master state.
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
  same_bytes,
  verify_checkpoint,
  verify_metadata_bytes,
  verify_state_file,
  type CheckpointCandidate,
  type SkippedCheckpoint,
} from '../recovery/checkpoint-selection.js';
import { metadata_path, savepoint_dir, type CheckpointMetadata } from '../checkpoint/metadata.js';
import { plan_restore, read_savepoint, restore_state_from_savepoint, savepoint_from_checkpoint } from '../savepoint/index.js';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import type { FileRef } from '../state/backend.js';
import { buildJob, type JobCatalogue } from './build-job.js';
import { HaClient, type HaRecord, type HaResult } from '../ha/ha-protocol.js';
import { isClusterMessage, type ClusterMessage, type DeploymentRestore, type JobSpec } from './messages.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { MasterState } from '../checkpoint/metadata.js';
import { LogSplitCoordinator, SplitLogSource } from '../connectors/split-source/index.js';

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
  /** JobManager high availability: leader election and checkpoint pointers in the HA store process. */
  high_availability?: JobManagerHaConfig;
  /** Test-only seam: which retained checkpoint a recovery restores, given their ids newest first (default: the first). */
  restore_choice?: (retained_newest_first: readonly number[]) => number | undefined;
  /** Test-only seam: how a restore candidate is verified (default: engine/recovery/checkpoint-selection.ts). */
  checkpoint_verification?: { verify_metadata_bytes: typeof verify_metadata_bytes; verify_checkpoint: typeof verify_checkpoint };
}

/** Where a stop-with-savepoint continues: the same job at another parallelism, from the canonical savepoint file. */
export interface SavepointResume {
  parallelism: number;
  /** Delay between the stop and the redeployment. */
  after_ms: number;
  /** Skip savepoint state of operator uids the job does not have (Flink's --allowNonRestoredState). */
  allow_non_restored_state?: boolean;
}

export type SavepointOutcome = { ok: true; savepoint_id: number; path: string } | { ok: false; error: string };

/** The canonical (backend- and parallelism-independent) savepoint file of savepoint `id`. */
export function canonical_savepoint_path(job_id: string, savepoint_id: number): string {
  return `${savepoint_dir(job_id, savepoint_id)}/savepoint`;
}

export interface JobManagerHaConfig {
  /** The HA store process. */
  ha_store: NodeId;
  /** A standby lets a leader-less job wait one heartbeat timeout before claiming it (the primary claims at once). */
  standby?: boolean;
}

/** HA role: electing (reading the record), standby (watching the leader), leader, retired (lost leadership). */
export type JobManagerRole = 'electing' | 'standby' | 'leader' | 'retired';

/** Attempt numbers of a leader start at fencing_token × this, so a newer leader's attempts fence older ones. */
export const ATTEMPT_STRIDE = 1_000_000;
/** Checkpoint ids a leader reserves in the HA record ahead of use, so a successor never reuses an id. */
export const CHECKPOINT_ID_BLOCK = 1_000;
/** Bound on HA writes waiting behind the one in flight. */
const MAX_QUEUED_HA_WRITES = 256;

interface RegisteredTaskManager {
  slots: number;
  last_heartbeat_ms: number;
}

/**
 * Checkpoint pointers this JobManager keeps in the HA record, newest first: a recovery restores the first, the rest are
 * for operators (the record itself allows up to ha-protocol's MAX_HA_POINTERS).
 */
const HA_POINTERS_KEPT = 8;
/** How often a recovery looks again whether the checkpoints being finalized at the failure have settled. */
const FINALIZING_POLL_MS = 10;
/** Rounds of reading the newest completed checkpoint again (a heartbeat apart) before a restore fails. */
const MAX_VERIFY_ROUNDS = 5;
/** Bound on the files remembered as read back intact at completion (forgotten when discarded; cleared beyond it). */
const MAX_READ_BACK_FILES = 100_000;
/** How often the split enumerators get a tick (retries, discovery). */
const SPLIT_TICK_MS = 20;
/** Bound on job messages held while a leader waits for the HA store to confirm it. */
const MAX_HELD_MESSAGES = 10_000;
/** Heartbeat timeouts the JobManager waits for TaskManagers to confirm the final commit before finishing anyway. */
const MAX_FINISHING_TIMEOUTS = 10;
/** Attempts at the final checkpoint of a finished bounded job before the job fails. */
const MAX_FINAL_CHECKPOINT_ATTEMPTS = 10;

type JobManagerTimer =
  | { kind: 'heartbeat' }
  | { kind: 'restart'; attempt: number }
  | { kind: 'deploy_timeout'; attempt: number }
  | { kind: 'ha_watch' }
  | { kind: 'savepoint_resume'; attempt: number }
  | { kind: 'ha_reselect'; attempt: number }
  | { kind: 'split_tick'; attempt: number }
  | { kind: 'ha_timeout'; request_id: number };

interface HaWrite {
  /** The record to write, built from the newest known record when the write starts. */
  build: (current: HaRecord | null) => HaRecord;
  done: (ok: boolean, detail: string) => void;
}

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
  /**
   * When the verification of the checkpoint in restore_from began reading it (the deployment may come much later). A
   * read takes the store's state when it is issued, so damage after this instant may not be in what was verified.
   */
  private restore_verified_ms = 0;
  /** RESTARTING: the restart strategy's delay has passed (a redeploy may start once enough slots are registered). */
  private restart_due = false;
  private verify_rounds = 0;
  private ha_reselect_record: HaRecord | undefined;
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
  /** State files read back intact when a checkpoint completed: path → checksum (files are never rewritten in place). */
  private readonly read_back_files = new Map<string, string>();
  private readonly heartbeat_interval_ms: number;
  private readonly heartbeat_timeout_ms: number;
  private plan: ExecutionPlan;
  private graph: JobGraph;
  private status: JobStatus = 'CREATED';
  private attempt = 0;
  private heartbeat_seq = 0;
  private deployed_acks = new Set<NodeId>();
  private deployed_to: NodeId[] = [];
  private finished_tasks = new Map<string, { records_in: number; records_out: number }>();
  private total_tasks: number;
  status_history: { status: JobStatus; time_ms: number; reason: string }[] = [];
  // ---- high availability ----
  private readonly ha: HaClient | undefined;
  private role: JobManagerRole = 'leader';
  private fencing_token = 0;
  private attempt_base = 0;
  private ha_version = 0;
  private ha_record: HaRecord | null = null;
  private readonly ha_handlers = new Map<number, (result: HaResult) => void>();
  private ha_write_in_flight = false;
  private readonly ha_writes: HaWrite[] = [];
  /** Checkpoint ids this leader may use: [first_checkpoint_id, reserved_until). */
  private first_checkpoint_id = 1;
  private reserved_until = Number.MAX_SAFE_INTEGER;
  private renewing_reservation = false;
  /** Standby: the leader being watched and when it last answered. */
  private watched_leader: { node_id: NodeId; fencing_token: number } | null = null;
  private last_leader_sign_ms = 0;
  private standby_since_ms = 0;
  private electing = false;
  /** When the HA store last confirmed this leader (send time of the read or write that did). */
  private leadership_confirmed_ms = Number.NEGATIVE_INFINITY;
  /** Job traffic that arrived while leadership was unconfirmed (replayed once confirmed, dropped on retirement). */
  private held_messages: { from: NodeId; message: unknown }[] = [];
  // ---- savepoints ----
  private job_spec: JobSpec;
  /** Ids the coordinator triggered as savepoints (their completion is not a checkpoint's). Bounded: pruned below the newest completion. */
  private readonly savepoint_ids = new Set<number>();
  /** Stop-with-savepoint ids: sinks commit on them, so (with HA) their pointer goes to the HA store first. */
  private readonly synchronous_savepoint_ids = new Set<number>();
  private readonly savepoint_requests = new Map<number, { stop: boolean; resume: SavepointResume | undefined; done: (outcome: SavepointOutcome) => void }>();
  /** The savepoint the running job resumed from: a failover before the next checkpoint restores it again. */
  private resumed_from: { savepoint_id: number; path: string; restore: DeploymentRestore; master_states: MasterState[] } | undefined;
  private stopping_with_savepoint = false;
  /** The split sources' enumerators of the current attempt (rebuilt from master state at every deployment). */
  private split_coordinators: LogSplitCoordinator[] = [];
  /** Registrations heard before leading (one per TaskManager), replayed on becoming leader if still fresh. */
  private readonly early_registrations = new Map<NodeId, { message: ClusterMessage; at_ms: number }>();

  constructor(
    private readonly runtime: Runtime,
    private readonly config: JobManagerConfig,
  ) {
    this.heartbeat_interval_ms = config.heartbeat_interval_ms ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeat_timeout_ms = config.heartbeat_timeout_ms ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (!(this.heartbeat_timeout_ms > this.heartbeat_interval_ms)) throw new Error('heartbeat timeout must exceed interval');
    this.job_spec = config.job;
    const built = buildJob(config.jobs, config.job);
    this.plan = built.plan;
    this.graph = built.graph;
    this.total_tasks = this.plan.vertices.reduce((sum, v) => sum + v.parallelism, 0);
    this.job_id = config.checkpointing?.job_id ?? config.job.name;
    if (config.high_availability !== undefined) {
      this.ha = new HaClient(config.high_availability.ha_store, (to, message) => runtime.send(to, message));
      this.role = 'electing';
    }
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
          monotonic_ms: () => runtime.monotonic_ms(),
          schedule: (after_ms, tag) => runtime.setTimer(after_ms, tag),
          random: runtime.rng,
          trigger_sources: (checkpoint_id, _timestamp_ms, options) => {
            this.checkIdReserved(checkpoint_id);
            if (this.awaiting_settled !== undefined) {
              // After the final checkpoint (FLIP-147) the tasks are done: a sink would pre-commit a transaction that no
              // completion ever commits.
              runtime.fail_invariant('a checkpoint was triggered after the final checkpoint completed', { checkpoint_id, final_checkpoint_id: this.final_checkpoint_id });
            }
            if (options?.kind === 'savepoint') this.savepoint_ids.add(checkpoint_id);
            if (options?.kind === 'savepoint' && options.synchronous) this.synchronous_savepoint_ids.add(checkpoint_id);
            for (const tm of this.deployed_to) {
              const savepoint = options?.kind === 'savepoint' ? { savepoint: true, ...(options.drain ? { drain: true } : {}) } : {};
              runtime.send(tm, { type: 'checkpoint.trigger', attempt: this.attempt, checkpoint_id, ...savepoint } satisfies ClusterMessage);
            }
          },
          notify_complete: (checkpoint_id, last_subsumed_id) => {
            if (this.savepoint_ids.has(checkpoint_id)) {
              // A synchronous savepoint (stop-with-savepoint): sinks commit, but it is no restore candidate.
              for (const tm of this.deployed_to) {
                runtime.send(tm, { type: 'checkpoint.complete', attempt: this.attempt, checkpoint_id } satisfies ClusterMessage);
              }
              return;
            }
            for (const id of this.savepoint_ids) if (id < checkpoint_id) this.savepoint_ids.delete(id);
            for (const id of this.synchronous_savepoint_ids) if (id < checkpoint_id) this.synchronous_savepoint_ids.delete(id);
            for (const split of this.split_coordinators) split.notify_checkpoint_complete(checkpoint_id);
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
            runtime.checkpoint_store.put(path, bytes, (written) => {
              if (!written.ok) {
                this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, false, written.error);
                return;
              }
              this.readBack(metadata, bytes, path, (problem) => {
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
              this.read_back_files.delete(path);
              runtime.checkpoint_store.delete(path, () => {});
            }
          },
          fail_job: (reason) => this.failJob(reason),
          snapshot_master_states: (checkpoint_id) => this.split_coordinators.map((c) => c.snapshot_master_state(checkpoint_id)),
          on_request_done: (request_id, outcome) => {
            if (this.savepoint_requests.has(request_id)) {
              this.onSavepointDone(request_id, outcome.ok ? { ok: true, checkpoint_id: outcome.checkpoint_id, metadata_path: outcome.metadata_path } : { ok: false, reason: outcome.reason });
              return;
            }
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

  /** The HA role (always leader without high availability). */
  get ha_role(): JobManagerRole {
    return this.role;
  }

  /** The fencing token this JobManager leads with (0 without HA or before it leads). */
  get leader_fencing_token(): number {
    return this.fencing_token;
  }

  get is_leader(): boolean {
    return this.role === 'leader';
  }

  on_start(): void {
    if (this.ha !== undefined) {
      this.standby_since_ms = this.runtime.now_ms();
      this.readRecord();
      this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'ha_watch' } satisfies JobManagerTimer);
      return;
    }
    this.setStatus('CREATED', 'submitted');
    this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }

  // ---- split source coordinators ---------------------------------------------------------------------------

  /**
   * One LogSplitCoordinator per split source of the job, for this attempt, started from the restored master state
   * (full failover: unassigned splits come back from the checkpoint; a reader's splits from its list state).
   */
  private startSplitCoordinators(restored_checkpoint_id: number, master_states: readonly MasterState[] | null): void {
    this.split_coordinators = [];
    for (const node of this.graph.nodes) {
      if (node.operator.kind !== 'source' || !(node.operator.source instanceof SplitLogSource)) continue;
      const config = node.operator.source.config;
      const split = new LogSplitCoordinator(this.runtime, {
        source_uid: config.source_uid,
        topic: config.topic,
        mode: config.bounded ? 'bounded' : 'unbounded',
        parallelism: node.parallelism,
        broker_node: config.broker,
        instance_id: `${this.runtime.node_id}#${this.runtime.incarnation}/attempt-${this.attempt}`,
        ...(config.retry_ms === undefined ? {} : { retry_after_ms: config.retry_ms }),
      });
      split.start(master_states, restored_checkpoint_id);
      this.split_coordinators.push(split);
    }
    if (this.split_coordinators.length > 0) {
      this.runtime.setTimer(SPLIT_TICK_MS, { kind: 'split_tick', attempt: this.attempt } satisfies JobManagerTimer);
    }
  }

  // ---- savepoints ------------------------------------------------------------------------------------------

  /**
   * An intermediate savepoint (always aligned): not a restore candidate, and no completion notification, so
   * transactional sinks commit nothing on its account. Calls `done` once the canonical savepoint file is written.
   */
  trigger_savepoint(done: (outcome: SavepointOutcome) => void = () => {}): void {
    this.requestSavepoint(false, undefined, done);
  }

  /**
   * Stop-with-savepoint: a synchronous savepoint whose completion makes the sinks commit, then the tasks are
   * cancelled. Without `resume` the job is FINISHED; with it the job is redeployed after `resume.after_ms` at
   * `resume.parallelism` from the canonical savepoint file (key groups and list state redistributed).
   * `drain`: sources emit MAX_WATERMARK before the barrier, so windows and timers fire; never with `resume`.
   */
  stop_with_savepoint(options: { resume?: SavepointResume; drain?: boolean } = {}, done: (outcome: SavepointOutcome) => void = () => {}): void {
    if (options.drain === true && options.resume !== undefined) {
      // Flink: --drain is for jobs that end; their windows and timers already fired, so a resume would repeat them.
      done({ ok: false, error: 'a drained savepoint must not be resumed: drain and resume are exclusive' });
      return;
    }
    this.requestSavepoint(true, options.resume, done, options.drain === true);
  }

  private requestSavepoint(stop: boolean, resume: SavepointResume | undefined, done: (outcome: SavepointOutcome) => void, drain = false): void {
    if (this.coordinator === undefined || this.status !== 'RUNNING' || this.role !== 'leader' || this.stopping_with_savepoint || this.awaiting_final_checkpoint !== undefined || this.awaiting_settled !== undefined) {
      done({ ok: false, error: `no savepoint: job is ${this.status}${this.coordinator === undefined ? ' without checkpointing' : ''}` });
      return;
    }
    if (stop) {
      this.stopping_with_savepoint = true;
      this.coordinator.stop_periodic();
    }
    const request_id = this.coordinator.trigger_savepoint({ synchronous: stop, drain });
    this.savepoint_requests.set(request_id, { stop, resume, done });
    this.runtime.log('jm.savepoint_requested', { request: request_id, stop, resume_parallelism: resume?.parallelism ?? null });
  }

  private onSavepointDone(request_id: number, outcome: { ok: true; checkpoint_id: number; metadata_path: string } | { ok: false; reason: string }): void {
    const request = this.savepoint_requests.get(request_id)!;
    this.savepoint_requests.delete(request_id);
    if (!outcome.ok) {
      this.runtime.log('jm.savepoint_failed', { request: request_id, reason: outcome.reason });
      if (request.stop && this.stopping_with_savepoint) {
        this.stopping_with_savepoint = false;
        if (this.status === 'RUNNING') this.coordinator?.start_periodic();
      }
      request.done({ ok: false, error: outcome.reason });
      return;
    }
    const savepoint_id = outcome.checkpoint_id;
    const attempt = this.attempt;
    if (request.stop && this.status === 'RUNNING') {
      // The sinks heard of the completion first (same FIFO link), so they commit before they are cancelled.
      for (const tm of this.deployed_to) this.runtime.send(tm, { type: 'cancel', attempt: this.attempt } satisfies ClusterMessage);
      this.split_coordinators = [];
      this.deployed_to = [];
      this.deployed_acks = new Set();
      this.finished_tasks = new Map();
      this.setStatus(request.resume === undefined ? 'FINISHED' : 'RESTARTING', `stopped with savepoint ${savepoint_id}`);
      if (request.resume === undefined) this.cleanUpTerminal('FINISHED');
    }
    this.writeCanonicalSavepoint(savepoint_id, outcome.metadata_path, (written) => {
      this.stopping_with_savepoint = false;
      if (!written.ok) {
        this.runtime.log('jm.savepoint_failed', { savepoint_id, reason: written.error });
        if (request.stop && request.resume !== undefined && this.attempt === attempt) this.failJob(`savepoint ${savepoint_id} could not be written: ${written.error}`);
        request.done(written);
        return;
      }
      this.runtime.log('jm.savepoint_completed', { savepoint_id, path: written.path, stop: request.stop });
      this.runtime.probe(request.stop ? 'savepoint.stop_completed' : 'savepoint.completed');
      request.done(written);
      if (request.stop && request.resume !== undefined && this.attempt === attempt && this.status === 'RESTARTING') {
        this.pending_resume = { path: written.path, resume: request.resume };
        this.runtime.setTimer(request.resume.after_ms, { kind: 'savepoint_resume', attempt } satisfies JobManagerTimer);
      }
    });
  }

  private pending_resume: { path: string; resume: SavepointResume } | undefined;

  /** Reads the native savepoint (metadata and every file, verified) and writes its canonical form beside it. */
  private writeCanonicalSavepoint(savepoint_id: number, native_path: string, done: (outcome: SavepointOutcome) => void): void {
    const candidate = { checkpoint_id: savepoint_id, metadata_path: native_path };
    this.loadCheckpoint(candidate, (loaded) => {
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
      const path = canonical_savepoint_path(this.job_id, savepoint_id);
      this.runtime.checkpoint_store.put(path, bytes, (result) => {
        done(result.ok ? { ok: true, savepoint_id, path } : { ok: false, error: `writing ${path}: ${result.error}` });
      });
    });
  }

  /** The verified metadata and files of a checkpoint or native savepoint. */
  private loadCheckpoint(
    candidate: CheckpointCandidate,
    done: (loaded: { ok: true; metadata: CheckpointMetadata; files: Map<string, Uint8Array> } | { ok: false; error: string }) => void,
  ): void {
    this.runtime.checkpoint_store.get(candidate.metadata_path, (read) => {
      const bytes = read.ok ? read.value : undefined;
      const verification = this.config.checkpoint_verification ?? { verify_metadata_bytes, verify_checkpoint };
      const step1 = verification.verify_metadata_bytes(candidate, bytes);
      if (!step1.ok) {
        done({ ok: false, error: step1.reason });
        return;
      }
      const files = new Map<string, Uint8Array>();
      const collect = (ref: FileRef, file: Uint8Array): undefined => {
        files.set(ref.path, file);
        return undefined;
      };
      this.readStateFiles(files_to_verify(step1.metadata), collect, (problem) => {
        if (problem !== undefined) {
          done({ ok: false, error: problem });
          return;
        }
        const verified = verification.verify_checkpoint(candidate, bytes, files);
        done(verified.ok ? { ok: true, metadata: verified.metadata, files } : { ok: false, error: verified.reason });
      });
    });
  }

  /**
   * Reads `refs` from the checkpoint store, all at once; `check` sees each file as it arrives. `done` gets the first
   * problem (a failed read, or what `check` returned) as soon as there is one, or undefined once every file passed.
   */
  private readStateFiles(refs: readonly FileRef[], check: (ref: FileRef, bytes: Uint8Array) => string | undefined, done: (problem: string | undefined) => void): void {
    let pending = refs.length;
    let failed = false;
    if (pending === 0) {
      done(undefined);
      return;
    }
    for (const ref of refs) {
      this.runtime.checkpoint_store.get(ref.path, (file) => {
        if (failed) return;
        const problem = file.ok ? check(ref, file.value) : `state file ${ref.path}: ${file.error}`;
        if (problem !== undefined) {
          failed = true;
          done(problem);
          return;
        }
        if (--pending === 0) done(undefined);
      });
    }
  }

  /**
   * Before a checkpoint (or savepoint) completes, its _metadata is read back and must equal the bytes written, and every
   * file it references that was not read back before must be present and intact. Flink trusts its file system here;
   * this JobManager does not, because a store that acknowledges a write and then loses or tears it would otherwise
   * leave a completed checkpoint — whose transactions the sinks then commit — that no recovery can restore.
   * `done(undefined)` when everything reads back; otherwise the problem.
   */
  private readBack(metadata: CheckpointMetadata, written: Uint8Array, path: string, done: (problem: string | undefined) => void): void {
    this.runtime.checkpoint_store.get(path, (read) => {
      if (!read.ok) {
        done(`${path}: ${read.error}`);
        return;
      }
      if (!same_bytes(read.value, written)) {
        done(`${path} differs from the bytes written (${read.value.length} of ${written.length} bytes)`);
        return;
      }
      const unread = files_to_verify(metadata).filter((ref) => this.read_back_files.get(ref.path) !== ref.checksum);
      const verify = (ref: FileRef, file: Uint8Array): string | undefined => {
        const problem = verify_state_file(ref, file);
        if (problem !== undefined) return problem;
        if (this.read_back_files.size >= MAX_READ_BACK_FILES) this.read_back_files.clear();
        this.read_back_files.set(ref.path, ref.checksum);
        return undefined;
      };
      this.readStateFiles(unread, verify, done);
    });
  }

  /** The checkpoint read back intact: with HA its pointer becomes durable in the HA store before anyone hears of it. */
  private onCheckpointReadBack(metadata: CheckpointMetadata, path: string): void {
    const commits = path === metadata_path(this.job_id, metadata.checkpoint_id) || this.synchronous_savepoint_ids.has(metadata.checkpoint_id);
    if (this.ha === undefined || !commits) {
      this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, true, '');
      return;
    }
    this.persistPointer(metadata.checkpoint_id, path, (ok, detail) => {
      if (this.role !== 'leader') return;
      this.coordinator!.on_metadata_persisted(metadata.checkpoint_id, ok, ok ? '' : `HA store: ${detail}`);
    });
  }

  /**
   * Resume from a canonical savepoint file at another parallelism. A savepoint that does not match the job (max
   * parallelism, unknown operator state without allow_non_restored_state, corrupt bytes) fails the job with a clear
   * message; the store's files are left untouched.
   */
  private resumeFromSavepoint(attempt: number): void {
    const pending = this.pending_resume;
    if (pending === undefined || attempt !== this.attempt || this.status !== 'RESTARTING') return;
    this.pending_resume = undefined;
    this.runtime.checkpoint_store.get(pending.path, (read) => {
      if (attempt !== this.attempt || this.status !== 'RESTARTING') return;
      const fail = (message: string): void => {
        this.runtime.log('jm.savepoint_restore_failed', { path: pending.path, message });
        this.setStatus('FAILED', message);
        this.cleanUpTerminal('FAILED');
      };
      if (!read.ok) {
        fail(`cannot read savepoint ${pending.path}: ${read.error}`);
        return;
      }
      const spec: JobSpec = { ...this.job_spec, parallelism: pending.resume.parallelism };
      const result = restore_from_savepoint_bytes(read.value, this.config.jobs, spec, pending.resume.allow_non_restored_state ?? false);
      if (!result.ok) {
        fail(result.error);
        return;
      }
      this.job_spec = spec;
      this.plan = result.plan;
      this.graph = result.graph;
      this.total_tasks = this.plan.vertices.reduce((sum, v) => sum + v.parallelism, 0);
      // A failover before the next checkpoint restores the savepoint again, never an older checkpoint.
      this.retained_checkpoints.clear();
      this.resumed_from = { savepoint_id: result.restore.checkpoint_id, path: pending.path, restore: result.restore, master_states: result.master_states };
      this.coordinator?.restore_checkpoint_counter(result.restore.checkpoint_id);
      this.restore_from = undefined;
      this.runtime.log('jm.savepoint_resuming', {
        savepoint_id: result.restore.checkpoint_id, parallelism: spec.parallelism, non_restored: result.non_restored,
      });
      this.runtime.probe('savepoint.resumed_rescaled');
      this.restart_due = true;
      this.tryDeploy();
    });
  }

  // ---- high availability -------------------------------------------------------------------------------------

  private haRequest(send: () => number, handle: (result: HaResult) => void): void {
    const request_id = send();
    this.ha_handlers.set(request_id, handle);
    this.runtime.setTimer(this.heartbeat_timeout_ms, { kind: 'ha_timeout', request_id } satisfies JobManagerTimer);
  }

  /** Electing or watching: read the record and decide (claim, follow a leader, or confirm leadership). */
  private readRecord(): void {
    if (this.electing) return;
    this.electing = true;
    const sent_ms = this.runtime.now_ms();
    this.haRequest(
      () => this.ha!.get(this.job_id),
      (result) => {
        this.electing = false;
        if (!result.ok) {
          this.runtime.log('jm.ha_read_failed', { error: result.error, detail: result.detail });
          return; // the watch timer reads again
        }
        if (this.role === 'leader' && result.version < this.ha_version) return; // older than our own write
        this.ha_version = result.version;
        this.ha_record = result.record;
        this.onRecord(result.record, sent_ms);
      },
    );
  }

  private onRecord(record: HaRecord | null, confirmed_at_ms = Number.NEGATIVE_INFINITY): void {
    const self = this.runtime.node_id;
    const leader = record?.leader ?? null;
    if (this.role === 'leader') {
      if (leader === null || leader.node_id !== self || leader.fencing_token !== this.fencing_token) this.retire('another JobManager leads the job');
      else {
        this.leadership_confirmed_ms = Math.max(this.leadership_confirmed_ms, confirmed_at_ms);
        if (!this.leadershipUnconfirmed() && this.held_messages.length > 0) {
          const held = this.held_messages;
          this.held_messages = [];
          for (const { from, message } of held) this.on_message(from, message);
        }
      }
      return;
    }
    if (this.role === 'retired') return;
    const now = this.runtime.now_ms();
    if (leader === null || leader.node_id === self) {
      // No leader, or this process led before it restarted: claim (a standby first gives the primary a chance).
      if (leader === null && this.config.high_availability?.standby === true && now - this.standby_since_ms <= this.heartbeat_timeout_ms) {
        this.role = 'standby';
        return;
      }
      this.claim(record);
      return;
    }
    if (this.watched_leader === null || this.watched_leader.fencing_token !== leader.fencing_token) {
      this.watched_leader = { ...leader };
      this.last_leader_sign_ms = now;
      if (this.role !== 'standby') this.runtime.log('jm.standby', { leader: leader.node_id, fencing_token: leader.fencing_token });
      this.role = 'standby';
      return;
    }
    if (now - this.last_leader_sign_ms > this.heartbeat_timeout_ms) this.claim(record);
  }

  /** Compare-and-set the record with this process as leader; the new version is the fencing token. */
  private claim(record: HaRecord | null): void {
    const expected = this.ha_version;
    const first_id = record?.checkpoint_id_counter ?? 1;
    const claimed: HaRecord = {
      job_id: this.job_id,
      checkpoints: record?.checkpoints.map((p) => ({ ...p })) ?? [],
      checkpoint_id_counter: first_id + CHECKPOINT_ID_BLOCK,
      leader: { node_id: this.runtime.node_id, fencing_token: expected + 1 },
      ...(record?.terminal !== undefined ? { terminal: record.terminal } : {}),
    };
    this.electing = true;
    this.haRequest(
      () => this.ha!.put(this.job_id, expected, claimed),
      (result) => {
        this.electing = false;
        if (!result.ok) {
          this.runtime.log('jm.claim_failed', { error: result.error, detail: result.detail });
          if (result.error === 'version_conflict' && result.version !== undefined) {
            this.ha_version = result.version;
            this.ha_record = result.record ?? null;
            this.onRecord(this.ha_record);
          }
          return;
        }
        this.ha_version = result.version;
        this.ha_record = claimed;
        this.becomeLeader(record, claimed, first_id);
      },
    );
  }

  private becomeLeader(previous: HaRecord | null, claimed: HaRecord, first_id: number): void {
    this.role = 'leader';
    this.leadership_confirmed_ms = this.runtime.now_ms();
    this.fencing_token = claimed.leader!.fencing_token;
    this.attempt_base = this.fencing_token * ATTEMPT_STRIDE;
    this.attempt = this.attempt_base;
    this.first_checkpoint_id = first_id;
    this.reserved_until = claimed.checkpoint_id_counter;
    this.coordinator?.restore_checkpoint_counter(first_id - 1, first_id);
    this.runtime.log('jm.leader', { fencing_token: this.fencing_token, first_checkpoint_id: first_id, previous_leader: previous?.leader?.node_id ?? null });
    this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
    const fresh = [...this.early_registrations].filter(([, r]) => this.runtime.now_ms() - r.at_ms <= this.heartbeat_timeout_ms);
    this.early_registrations.clear();
    if (previous === null || previous.leader === null) {
      this.setStatus('CREATED', 'submitted');
      for (const [from, r] of fresh) this.on_message(from, r.message);
      return;
    }
    if (previous.terminal !== undefined) {
      // The previous leader recorded the job's result (and may have discarded its checkpoints): adopt it.
      this.runtime.log('jm.job_result_adopted', { status: previous.terminal.status, previous_leader: previous.leader.node_id });
      this.setStatus(previous.terminal.status, `${previous.terminal.reason} (recorded by ${previous.leader.node_id})`);
      return;
    }
    // A failover: the previous leader ran the job. Recover like a TaskManager failure, from the HA pointers.
    this.runtime.probe('jm.failover');
    const reason = `JobManager failover (previous leader ${previous.leader.node_id})`;
    this.recoveries.push({ reason, failed_at_ms: this.runtime.now_ms(), restored_checkpoint_id: null });
    this.runtime.log('recovery.started', { reason, attempt: this.recoveries.length });
    this.setStatus('RESTARTING', 'JobManager failover');
    for (const [from, r] of fresh) this.on_message(from, r.message);
    this.selectFromHaThenDeploy(previous);
  }

  /** The leader lost its leadership (its write was fenced, or the record names another leader): it goes inert. */
  private retire(reason: string): void {
    if (this.role === 'retired') return;
    this.role = 'retired';
    this.held_messages = [];
    this.coordinator?.stop_periodic();
    this.runtime.log('jm.leadership_lost', { reason, fencing_token: this.fencing_token });
    this.runtime.probe('jm.leadership_lost');
    for (const write of this.ha_writes.splice(0)) write.done(false, 'leadership lost');
  }

  /** Queue an HA write; one is in flight at a time, each built from the newest record. */
  private haWrite(write: HaWrite): void {
    if (this.ha_writes.length >= MAX_QUEUED_HA_WRITES) {
      write.done(false, 'too many queued HA writes');
      return;
    }
    this.ha_writes.push(write);
    this.nextHaWrite();
  }

  private nextHaWrite(): void {
    if (this.ha_write_in_flight || this.role !== 'leader') return;
    const write = this.ha_writes.shift();
    if (write === undefined) return;
    const record = write.build(this.ha_record);
    this.ha_write_in_flight = true;
    const sent_ms = this.runtime.now_ms();
    this.haRequest(
      () => this.ha!.put(this.job_id, this.ha_version, record),
      (result) => {
        this.ha_write_in_flight = false;
        if (result.ok) {
          this.ha_version = result.version;
          this.ha_record = record;
          this.reserved_until = Math.max(this.reserved_until, record.checkpoint_id_counter);
          this.leadership_confirmed_ms = Math.max(this.leadership_confirmed_ms, sent_ms);
          write.done(true, '');
        } else if (result.error === 'version_conflict') {
          const current = result.record ?? null;
          const mine = current?.leader?.node_id === this.runtime.node_id && current.leader.fencing_token === this.fencing_token;
          if (mine && result.version !== undefined) {
            // An earlier write of ours landed although its answer was lost: catch up and write again.
            this.ha_version = result.version;
            this.ha_record = current;
            this.ha_writes.unshift(write);
          } else {
            write.done(false, 'fenced: another JobManager leads the job');
            this.retire('HA write fenced');
          }
        } else {
          write.done(false, `${result.error}: ${result.detail}`);
        }
        this.nextHaWrite();
      },
    );
  }

  /** The completed checkpoint's pointer (and a renewed id reservation) into the HA record. */
  private persistPointer(checkpoint_id: number, path: string, done: (ok: boolean, detail: string) => void): void {
    this.haWrite({
      build: (current) => {
        const keep = (id: number): boolean => this.retained_checkpoints.has(id) || id === this.resumed_from?.savepoint_id;
        const pointers = (current?.checkpoints ?? []).filter((p) => p.checkpoint_id !== checkpoint_id && keep(p.checkpoint_id));
        pointers.push({ checkpoint_id, metadata_path: path });
        pointers.sort((a, b) => b.checkpoint_id - a.checkpoint_id);
        const counter = Math.max(current?.checkpoint_id_counter ?? 1, (this.coordinator?.next_checkpoint_id() ?? 1) + CHECKPOINT_ID_BLOCK, checkpoint_id + 1);
        return {
          job_id: this.job_id,
          checkpoints: pointers.slice(0, HA_POINTERS_KEPT),
          checkpoint_id_counter: counter,
          leader: current?.leader ?? null,
          ...(current?.terminal !== undefined ? { terminal: current.terminal } : {}),
        };
      },
      done,
    });
  }

  /** Never reuse a checkpoint id: every id a leader triggers lies in the range it reserved in the HA store. */
  private checkIdReserved(checkpoint_id: number): void {
    if (this.ha === undefined) return;
    if (checkpoint_id < this.first_checkpoint_id || checkpoint_id >= this.reserved_until) {
      this.runtime.fail_invariant('checkpoint id outside the range reserved in the HA store', {
        checkpoint_id, first: this.first_checkpoint_id, reserved_until: this.reserved_until,
      });
    }
    if (!this.renewing_reservation && checkpoint_id >= this.reserved_until - CHECKPOINT_ID_BLOCK / 2) {
      this.renewing_reservation = true;
      this.haWrite({
        build: (current) => ({ ...(current ?? { job_id: this.job_id, checkpoints: [], leader: null }), checkpoint_id_counter: checkpoint_id + CHECKPOINT_ID_BLOCK }),
        done: () => { this.renewing_reservation = false; },
      });
    }
  }

  /**
   * Failover recovery: the newest checkpoint the HA record names, verified and adopted into the coordinator. Never an
   * older one (see selectCheckpointThenDeploy); a record without pointers means no checkpoint ever completed.
   */
  private selectFromHaThenDeploy(previous: HaRecord): void {
    const attempt = this.attempt;
    const newest = previous.checkpoints[0];
    const still_current = (): boolean => this.attempt === attempt && this.status === 'RESTARTING' && this.role === 'leader';
    const deploy = (verified: CompletedCheckpoint | undefined): void => {
      this.ha_reselect_record = undefined;
      let chosen = verified;
      if (chosen !== undefined) {
        if (chosen.checkpoint_id >= this.first_checkpoint_id) {
          this.runtime.fail_invariant('a restored checkpoint id is not below the ids reserved for the new leader', { checkpoint_id: chosen.checkpoint_id });
        }
        this.coordinator?.restore_checkpoint_counter(chosen.checkpoint_id, this.first_checkpoint_id);
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
              subtasks: op.subtasks.map((sub) => ({ subtask_index: sub.subtask_index, keyed: sub.keyed, operator_state: sub.operator_state })),
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
      this.tryDeploy();
    };
    if (newest === undefined) {
      deploy(undefined);
      return;
    }
    this.ha_reselect_record = previous;
    this.verifyNewest({ checkpoint_id: newest.checkpoint_id, metadata_path: newest.metadata_path }, { kind: 'ha_reselect', attempt }, still_current, deploy);
  }

  /**
   * The job reached a globally terminal status: discard its checkpoints (as the retention says). With HA the status is
   * written to the HA record first, as Flink writes its JobResultStore before cleaning up, so a JobManager that takes
   * over later (say, a standby cut off from this leader) adopts the result instead of re-running the job from
   * checkpoints that are gone. If that write fails the checkpoints stay, and a successor recovers from them.
   */
  private cleanUpTerminal(status: 'FINISHED' | 'FAILED'): void {
    if (this.ha === undefined || this.role !== 'leader') {
      this.coordinator?.shutdown(status);
      return;
    }
    const reason = this.status_history[this.status_history.length - 1]?.reason ?? status;
    this.coordinator?.stop_pending();
    this.haWrite({
      build: (current) => ({ ...(current ?? { job_id: this.job_id, checkpoints: [], checkpoint_id_counter: 1, leader: null }), terminal: { status, reason } }),
      done: (ok, detail) => {
        this.runtime.log('jm.job_result_recorded', { status, ok, ...(ok ? {} : { detail }) });
        if (ok) this.coordinator?.shutdown(status);
      },
    });
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
    if (this.ha !== undefined) {
      const response = this.ha.parse(from, message);
      if (response !== undefined) {
        const handle = this.ha_handlers.get(response.request_id);
        this.ha_handlers.delete(response.request_id);
        if (response.job_id === this.job_id) handle?.(response.result);
        return;
      }
      if (!isClusterMessage(message)) return;
      if (message.type === 'jm.ping') {
        if (this.role === 'leader') {
          this.runtime.send(from, { type: 'jm.pong', fencing_token: this.fencing_token, terminal: this.isTerminal() } satisfies ClusterMessage);
        }
        return;
      }
      if (message.type === 'jm.pong') {
        if (this.watched_leader !== null && from === this.watched_leader.node_id && message.fencing_token === this.watched_leader.fencing_token) {
          this.last_leader_sign_ms = this.runtime.now_ms();
          // The job is over: nothing left to stand by for (lets a finished cluster run out of events).
          if (message.terminal === true && this.role === 'standby') {
            this.role = 'retired';
            this.runtime.log('jm.standby_stopped', { reason: 'the leader reports the job terminal' });
          }
        }
        return;
      }
      if (this.role === 'leader' && this.leadershipUnconfirmed()) {
        // Paused or cut off lately: act on nothing until the HA store confirms this leader (or names another).
        if (this.held_messages.length < MAX_HELD_MESSAGES) this.held_messages.push({ from, message });
        this.readRecord();
        return;
      }
      // Only the leader runs the job; a standby or a retired leader ignores the job's traffic.
      if (this.role !== 'leader') {
        if (message.type === 'tm.register' && this.role !== 'retired') {
          this.early_registrations.delete(from);
          this.early_registrations.set(from, { message, at_ms: this.runtime.now_ms() });
        }
        return;
      }
    }
    // Split source events and the enumerators' broker replies go to the attempt's coordinators.
    for (const split of this.split_coordinators) if (split.on_message(from, message)) return;
    if (!isClusterMessage(message)) return;
    switch (message.type) {
      case 'tm.register': {
        const known = this.task_managers.get(from);
        this.task_managers.set(from, {
          slots: message.slots,
          last_heartbeat_ms: this.runtime.now_ms(),
          incarnation: message.incarnation,
        });
        this.runtime.send(
          from,
          (this.ha === undefined ? { type: 'tm.registered' } : { type: 'tm.registered', leader_epoch: this.fencing_token }) satisfies ClusterMessage,
        );
        if (this.isTerminal()) {
          this.runtime.send(from, { type: 'job.terminated', attempt: this.attempt, status: this.status } satisfies ClusterMessage);
          return;
        }
        // A TaskManager declared lost that comes back may still run tasks of an older attempt: cancel them.
        if (known === undefined && !this.deployed_to.includes(from) && this.attempt > this.attempt_base) {
          this.runtime.send(from, { type: 'cancel', attempt: this.attempt } satisfies ClusterMessage);
        }
        if (known === undefined || known.incarnation !== message.incarnation) {
          this.runtime.log('jm.tm_registered', { tm: from, slots: message.slots, incarnation: message.incarnation });
        }
        // A TaskManager that cancelled its tasks (it lost the JobManager for a while) registers without them.
        if (
          known !== undefined && known.incarnation === message.incarnation && message.running_attempt !== undefined &&
          message.running_attempt !== this.attempt && this.status === 'RUNNING' && this.deployed_to.includes(from)
        ) {
          this.failJob(`TaskManager ${from} cancelled its tasks (JobManager silent)`);
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
        this.coordinator.decline(message.checkpoint_id, message.task, message.failure_reason ?? 'CHECKPOINT_DECLINED', message.reason);
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
    if (this.role !== 'leader') return;
    if (this.deployed_to.includes(peer) && !this.isTerminal()) this.failJob(`link to ${peer} broke`);
  }

  on_timer(tag: unknown): void {
    if (this.ha !== undefined && !this.onHaTimer(tag)) return;
    if (is_coordinator_timer(tag) || (tag as Partial<JobManagerTimer>).kind === 'heartbeat') {
      if (this.leadershipUnconfirmed() && !this.isTerminal()) {
        // Not confirmed as leader lately (paused or cut off): hold checkpoint work until the HA store answers, so a
        // superseded leader does not trigger checkpoints before it learns that it was replaced.
        this.runtime.setTimer(this.heartbeat_interval_ms, tag);
        return;
      }
    }
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
    if (timer.kind === 'split_tick') {
      if (timer.attempt !== this.attempt || this.split_coordinators.length === 0 || this.isTerminal()) return;
      for (const split of this.split_coordinators) split.tick();
      this.runtime.setTimer(SPLIT_TICK_MS, timer);
      return;
    }
    if (timer.kind === 'ha_reselect') {
      const record = this.ha_reselect_record;
      this.ha_reselect_record = undefined;
      if (record !== undefined && timer.attempt === this.attempt && this.status === 'RESTARTING') this.selectFromHaThenDeploy(record);
      return;
    }
    if (timer.kind === 'savepoint_resume') {
      this.resumeFromSavepoint(timer.attempt);
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
      const started = this.status === 'RUNNING' && this.deployed_to.includes(tm);
      this.runtime.send(tm, (started ? { type: 'hb.request', seq: ++this.heartbeat_seq, running_attempt: this.attempt } : { type: 'hb.request', seq: ++this.heartbeat_seq }) satisfies ClusterMessage);
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
      this.cleanUpTerminal('FINISHED');
    }
    if (!this.isTerminal()) this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }

  /** HA: the HA store has not confirmed this leader for two heartbeat intervals (never true without HA). */
  private leadershipUnconfirmed(): boolean {
    return this.ha !== undefined && this.role === 'leader' && this.runtime.now_ms() - this.leadership_confirmed_ms > 2 * this.heartbeat_interval_ms;
  }

  /** HA timers; false = the timer is consumed (or this JobManager does not lead the job). */
  private onHaTimer(tag: unknown): boolean {
    const timer = tag as Partial<JobManagerTimer>;
    if (timer.kind === 'ha_timeout') {
      const request_id = (tag as { request_id: number }).request_id;
      const handle = this.ha_handlers.get(request_id);
      if (handle !== undefined) {
        this.ha_handlers.delete(request_id);
        handle({ ok: false, error: 'io_error', detail: 'no answer from the HA store' });
      }
      return false;
    }
    if (timer.kind === 'ha_watch') {
      if (this.role === 'retired' || (this.role === 'leader' && this.isTerminal())) return false;
      if (this.role === 'standby' && this.watched_leader !== null) {
        this.runtime.send(this.watched_leader.node_id, { type: 'jm.ping' } satisfies ClusterMessage);
      }
      // Leader: confirm leadership; standby/electing: look for a dead or missing leader.
      this.readRecord();
      this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'ha_watch' } satisfies JobManagerTimer);
      return false;
    }
    return this.role === 'leader';
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
    this.split_coordinators = [];
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
      this.cleanUpTerminal('FAILED');
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
      this.tryDeploy();
    };
    const finalizing = this.coordinator?.finalizing_checkpoint_ids() ?? [];
    if (finalizing.length > 0) {
      // Every task acknowledged these before the failure and their metadata is being written: one may still complete
      // (and be the newest), so choose only once they have completed or failed.
      this.runtime.log('recovery.awaiting_finalizing', { checkpoint_ids: finalizing });
      this.runtime.setTimer(FINALIZING_POLL_MS, { kind: 'restart', attempt } satisfies JobManagerTimer);
      return;
    }
    const retained = [...this.retained_checkpoints].sort((a, b) => b - a);
    const newest = this.config.restore_choice === undefined ? retained[0] : this.config.restore_choice(retained);
    if (this.coordinator === undefined || newest === undefined) {
      // (after a resume from a savepoint, retained_checkpoints holds only checkpoints taken since)
      deploy(undefined);
      return;
    }
    this.verifyNewest({ checkpoint_id: newest, metadata_path: metadata_path(this.job_id, newest) }, { kind: 'restart', attempt }, still_current, deploy);
  }

  /**
   * Reads and verifies the checkpoint a recovery must restore. Unreadable: read again after a heartbeat interval
   * (`retry` re-enters the selection), up to MAX_VERIFY_ROUNDS times, then fail the restore.
   */
  private verifyNewest(
    candidate: CheckpointCandidate,
    retry: JobManagerTimer,
    still_current: () => boolean,
    restore: (chosen: CompletedCheckpoint) => void,
  ): void {
    const reading_since_ms = this.runtime.now_ms();
    this.loadCheckpoint(candidate, (loaded) => {
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
        this.runtime.setTimer(this.heartbeat_interval_ms, retry);
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
  private failRestore(unreadable: SkippedCheckpoint, retry: JobManagerTimer): void {
    const reason =
      `recovery could not read the newest completed checkpoint chk-${unreadable.checkpoint_id} (${unreadable.reason}); ` +
      'an older checkpoint would replay output committed on it';
    this.runtime.log('recovery.restore_failed', { checkpoint_id: unreadable.checkpoint_id, reason: unreadable.reason });
    this.runtime.probe('recovery.restore_failed');
    const decision = this.restart_strategy.on_failure(this.runtime.now_ms());
    if (!decision.restart) {
      this.setStatus('FAILED', `${reason}; ${decision.reason}`);
      this.cleanUpTerminal('FAILED');
      return;
    }
    this.setStatus('RESTARTING', `${reason}; restore again in ${decision.delay_ms} ms`);
    this.runtime.setTimer(decision.delay_ms, retry);
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
    this.cleanUpTerminal('FINISHED');
  }

  private tryDeploy(): void {
    if (this.status === 'CREATED' && this.attempt > this.attempt_base) return;
    if (this.status !== 'CREATED' && this.status !== 'RESTARTING') return;
    if (this.status === 'CREATED' && this.task_managers.size < this.config.expected_task_managers) return;
    if (this.status === 'RESTARTING' && (this.deployed_to.length > 0 || !this.restart_due)) return;
    const slots = new Map([...this.task_managers].map(([id, tm]) => [id, tm.slots] as const));
    const placement = placeSubtasks(this.plan, slots);
    if (placement === undefined) return;
    this.attempt++;
    if (this.attempt - this.attempt_base >= ATTEMPT_STRIDE) this.runtime.fail_invariant('too many attempts for one leader', { attempt: this.attempt });
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
        job: this.job_spec,
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

/**
 * Validates a canonical savepoint against a job spec (operator uids, max parallelism, allow_non_restored_state) and
 * builds the deployment restore for it. Pure: the bytes are not modified.
 */
export function restore_from_savepoint_bytes(
  bytes: Uint8Array,
  jobs: JobCatalogue,
  spec: JobSpec,
  allow_non_restored_state: boolean,
): { ok: true; restore: DeploymentRestore; plan: ExecutionPlan; graph: JobGraph; non_restored: string[]; master_states: MasterState[] } | { ok: false; error: string } {
  const read = read_savepoint(bytes);
  if (!read.ok) return { ok: false, error: `savepoint unreadable (${read.error}): ${read.message}` };
  let built: ReturnType<typeof buildJob>;
  try {
    built = buildJob(jobs, spec);
  } catch (error) {
    return { ok: false, error: `cannot build job: ${error instanceof Error ? error.message : String(error)}` };
  }
  const job = { operators: built.graph.nodes.map((n) => ({ uid: n.uid, parallelism: n.parallelism, max_parallelism: n.max_parallelism })) };
  const planned = plan_restore(read.savepoint, job, { allow_non_restored_state });
  if (!planned.ok) return { ok: false, error: planned.message };
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
          subtasks: op.subtasks.map((sub) => ({ subtask_index: sub.subtask_index, keyed: sub.keyed, operator_state: sub.operator_state })),
        })),
    },
    plan: built.plan,
    graph: built.graph,
    non_restored: planned.plan.non_restored,
    master_states: state.master_states,
  };
}
