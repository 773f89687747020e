// Control-plane and data-plane messages between JobManager, TaskManagers and collectors (plain data).
import type { DeclineReason } from '../checkpoint/failure-manager.js';
import type { NetworkBuffer } from '../task/network.js';
import type { OperatorRestoreState, OperatorSnapshot } from '../task/task.js';

/** Checkpointing settings a deployment carries to the TaskManagers. */
export interface DeploymentCheckpointing {
  job_id: string;
  /** aligned: exactly-once barrier alignment; at_least_once: barriers are only counted, inputs never block. */
  mode: 'aligned' | 'at_least_once';
  /** Keyed state backend: heap (full snapshots) or lsm (incremental or full, see state_backend_options). */
  state_backend: 'heap' | 'lsm';
  /** The backend's settings from the job's configuration; absent = each backend's own defaults. */
  state_backend_options?: StateBackendOptions;
}

/**
 * Flink's state backend keys: `state.backend.incremental` (lsm), `state.storage.fs.memory-threshold` (heap: a
 * snapshot below it goes inline in the checkpoint metadata) and `state.backend.rocksdb.writebuffer.size` (lsm memtable).
 */
export interface StateBackendOptions {
  incremental?: boolean;
  memory_threshold_bytes?: number;
  write_buffer_size_bytes?: number;
}

/** What a deployment restores from: a completed checkpoint's operator states. */
export interface DeploymentRestore {
  checkpoint_id: number;
  operators: OperatorRestoreState[];
}

export interface TaskCheckpointAck {
  task_id: string;
  operators: OperatorSnapshot[];
  written_files: string[];
}

/** What to run: a job factory name from the catalogue with its parameters. */
export interface JobSpec {
  name: string;
  params: Record<string, unknown>;
  parallelism: number;
  max_parallelism?: number;
  /** Operators whose derived max parallelism was adopted from the savepoint they restore (uid → max parallelism). */
  max_parallelism_by_uid?: Record<string, number>;
}

export type ClusterMessage =
  /** `running_attempt`: the attempt whose tasks the TaskManager still runs, null after it cancelled them. */
  | { type: 'tm.register'; slots: number; incarnation: number; running_attempt?: number | null }
  /** `leader_epoch`: the JobManager's fencing token under high availability (absent without HA). */
  | { type: 'tm.registered'; leader_epoch?: number }
  /** High availability: a standby JobManager checks that the leader is alive; the leader answers with its token. */
  | { type: 'jm.ping' }
  /**
   * A JobManager that lost its leadership disconnects the TaskManagers registered with it (Flink's JobMaster
   * disconnectTaskManager on suspension): they drop its tasks and register with every candidate again, as a Flink
   * TaskExecutor reconnects to the job's next leader.
   */
  | { type: 'jm.disconnect'; reason: string }
  | { type: 'jm.pong'; fencing_token: number; terminal?: boolean }
  /**
   * `running_attempt`: the attempt the JobManager has started (status RUNNING) on this TaskManager. A TaskManager whose
   * one-way `start` was lost (a partition right after the deployment) starts that attempt's tasks on the next heartbeat.
   */
  | { type: 'hb.request'; seq: number; running_attempt?: number }
  | { type: 'hb.reply'; seq: number }
  | {
      type: 'deploy';
      attempt: number;
      job: JobSpec;
      placement: string[][];
      checkpointing?: DeploymentCheckpointing;
      restore?: DeploymentRestore;
    }
  /** savepoint: always aligned, also when the job checkpoints unaligned (Flink's rule). */
  /** `drain`: stop-with-savepoint --drain, sources emit MAX_WATERMARK before the barrier. */
  /** `timestamp_ms`: when the JobManager started the checkpoint (its clock); barriers carry it (aligned-checkpoint timeout). */
  | { type: 'checkpoint.trigger'; attempt: number; checkpoint_id: number; savepoint?: boolean; drain?: boolean; timestamp_ms?: number }
  | { type: 'checkpoint.ack'; attempt: number; checkpoint_id: number; ack: TaskCheckpointAck }
  | { type: 'checkpoint.decline'; attempt: number; checkpoint_id: number; task: string; reason: string; failure_reason?: DeclineReason }
  | { type: 'checkpoint.complete'; attempt: number; checkpoint_id: number }
  | { type: 'checkpoint.abort'; attempt: number; checkpoint_id: number }
  | { type: 'deployed'; attempt: number; tasks: number }
  | { type: 'start'; attempt: number }
  | { type: 'cancel'; attempt: number }
  /** The job reached a terminal status: TaskManagers stop watching the JobManager (tasks stay for inspection). */
  | { type: 'job.terminated'; attempt: number; status: string }
  /**
   * FLIP-147: after the final checkpoint completed, the JobManager asks every TaskManager to report once its
   * finished tasks processed the completion (transactional sinks committed); only then is the job FINISHED.
   */
  | { type: 'job.finishing'; attempt: number; final_checkpoint_id: number }
  | { type: 'tm.settled'; attempt: number }
  | { type: 'task.finished'; attempt: number; task: string; records_in: number; records_out: number }
  | { type: 'task.failed'; attempt: number; task: string; reason: string }
  /** `seq` counts messages per channel from 1, so a dropped message is detected at the next one. */
  | { type: 'data'; attempt: number; channel: string; seq: number; buffer: NetworkBuffer }
  | { type: 'credit'; attempt: number; channel: string; seq: number; credits: number }
  /**
   * Loss detection for the last messages of a channel (which no later seq would reveal): on every JobManager
   * heartbeat a receiver sends a probe with its credit messages sent; the sender checks them and answers on the
   * data link with its data messages sent. FIFO links make both counts exact when they arrive.
   */
  | { type: 'channel.probe'; attempt: number; channel: string; credits_sent: number }
  | { type: 'channel.mark'; attempt: number; channel: string; data_sent: number };

export function isClusterMessage(message: unknown): message is ClusterMessage {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}
