// The TaskManager process: registers its slots with the JobManager, answers heartbeats, deploys subtasks, moves
// buffers and credits between tasks (local channels shortcut the network), and runs ready tasks mailbox-style:
// right after the message or timer that made them ready, a bounded number of bounded steps at a time, yielding to
// other events through a 0-ms timer while work remains.
import type { EngineNode, NodeId, Runtime, TimerHandle } from '../runtime.js';
import type { KeyedStateBackend, KeyGroupRange } from '../state/backend.js';
import { MemoryKeyedStateBackend } from '../state/memory-backend.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { LsmKeyedStateBackend } from '../state/lsm/lsm-backend.js';
import { shared_dir, subtask_state_prefix } from '../checkpoint/metadata.js';
import type { DeclineReason } from '../checkpoint/failure-manager.js';
import {
  DEFAULT_NETWORK_CONFIG,
  type ChannelTransport,
  type InputChannel,
  type NetworkBuffer,
  type NetworkConfig,
  type OutputChannel,
} from '../task/network.js';
import { Task, type OperatorRestoreState, type TaskHost, type TaskSeams, type UnalignedSettings } from '../task/task.js';
import { buildJob, type JobCatalogue } from './build-job.js';
import {
  isClusterMessage,
  type ClusterMessage,
  type DeploymentCheckpointing,
  type DeploymentRestore,
  type JobSpec,
} from './messages.js';

export interface TaskManagerConfig {
  job_manager: NodeId;
  slots: number;
  jobs: JobCatalogue;
  network?: Partial<NetworkConfig>;
  /** Records one task may process in one step. */
  step_budget_records?: number;
  /** Task steps per mailbox event before yielding to other events. */
  max_steps_per_event?: number;
  registration_retry_ms?: number;
  /**
   * Without a heartbeat from the JobManager for this long, the TaskManager registers again (the JobManager may have
   * declared it lost, e.g. after a long pause). Default 50 s (Flink's heartbeat timeout).
   */
  job_manager_timeout_ms?: number;
  /**
   * High availability: every JobManager that may lead the job. Registration goes to all of them; the TaskManager
   * follows the one that answers with the highest leader epoch and ignores the others' messages (fencing).
   */
  job_manager_candidates?: NodeId[];
  create_keyed_backend?: (operator_uid: string, range: KeyGroupRange, max_parallelism: number) => KeyedStateBackend;
  /** Test-only seams of the tasks (planted bugs). */
  task_seams?: TaskSeams;
  /**
   * Test-only seam (a planted bug): acknowledge a checkpoint once its files are written, never syncing them, trusting
   * writes a crash can still drop or tear.
   */
  ack_unsynced_checkpoint_files?: boolean;
  /** Test-only seam (a planted bug): finished tasks snapshot every trigger, even after the final checkpoint. */
  test_only_snapshot_after_final?: boolean;
}

/** A deployment's checkpointing settings; `unaligned` (exactly-once only) is set by JobManagers that support it. */
type CheckpointingSettings = DeploymentCheckpointing & { unaligned?: UnalignedSettings };

type TaskManagerTimer =
  | { kind: 'mailbox' }
  | { kind: 'register' }
  | { kind: 'jm_timeout' }
  | { kind: 'task'; attempt: number; task: string }
  | { kind: 'flush'; attempt: number; task: string };

interface Deployment {
  attempt: number;
  job: JobSpec;
  checkpointing: CheckpointingSettings | undefined;
  /** Restoring state before reporting deployed. */
  restoring: boolean;
  /** The tasks were started (by `start`, or by a heartbeat naming this attempt as running). */
  started: boolean;
  tasks: Map<string, Task>;
  input_channels: Map<string, { task: Task; channel: InputChannel }>;
  output_channels: Map<string, OutputChannel>;
  source_tasks_by_tag: Map<string, Task>;
  sink_tasks_by_tag: Map<string, Task>;
  finished_tasks: number;
  /** Snapshots whose files are durable, waiting for their sink writers' parts (bounded by MAX_PENDING_ACKS). */
  pending_acks: PendingAck[];
  failed_tasks: Set<string>;
  restored_checkpoint_id: number | null;
  /** The JobManager waits for this TaskManager to settle (final checkpoint committed) before FINISHED. */
  finishing: boolean;
  settled_reported: boolean;
}

interface PendingAck {
  task: Task;
  checkpoint_id: number;
  files_written: boolean;
  send: () => void;
}

/** Bound on checkpoint acknowledgements waiting for sink durability per TaskManager. */
const MAX_PENDING_ACKS = 256;
/** A checkpoint file whose sync takes longer than this hits the probe checkpoint.slow_sync (stores answer in ≤ 10 ms). */
const SLOW_SYNC_MS = 50;

export class TaskManager implements EngineNode, ChannelTransport {
  private readonly network: NetworkConfig;
  private readonly step_budget_records: number;
  private readonly max_steps_per_event: number;
  private registered = false;
  /** The JobManager this TaskManager follows, and its leader epoch (fencing token; 0 without HA). */
  private job_manager: NodeId;
  private leader_epoch = 0;
  private readonly job_manager_candidates: ReadonlySet<NodeId>;
  private deployment: Deployment | undefined;
  /** Ready tasks in FIFO order; each task at most once (bounded by the number of tasks). */
  private readonly ready: Task[] = [];
  private mailbox_timer: TimerHandle | undefined;
  /**
   * A message or timer handler, or the mailbox, is running: a task made ready meanwhile runs when it ends (a handler
   * runs the mailbox at once; the mailbox yields through a 0-ms timer when work remains). Never inside a step.
   */
  private in_handler = false;
  private in_mailbox = false;
  private jm_timeout_timer: TimerHandle | undefined;
  private job_terminated = false;
  private readonly task_timers = new Map<string, { handle: TimerHandle; due_ms: number }>();
  /** Buffer-timeout timers, at most one per task. */
  private readonly flush_timers = new Map<string, TimerHandle>();
  max_ready_observed = 0;
  mailbox_events = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly config: TaskManagerConfig,
  ) {
    this.network = { ...DEFAULT_NETWORK_CONFIG, ...config.network };
    this.step_budget_records = config.step_budget_records ?? 2048;
    this.max_steps_per_event = config.max_steps_per_event ?? 16;
    if (config.slots < 1) throw new Error('a TaskManager needs at least one slot');
    this.job_manager = config.job_manager;
    this.job_manager_candidates = new Set(config.job_manager_candidates ?? [config.job_manager]);
  }

  on_start(): void {
    this.register();
  }

  private register(): void {
    if (this.registered) return;
    for (const job_manager of this.config.job_manager_candidates ?? [this.config.job_manager]) {
      this.runtime.send(job_manager, {
        type: 'tm.register',
        slots: this.config.slots,
        incarnation: this.runtime.incarnation,
        // The attempt whose tasks still run here (null once cancelled): a JobManager that believes this TaskManager
        // runs the current attempt learns from it that the tasks are gone.
        running_attempt: this.deployment?.attempt ?? null,
      } satisfies ClusterMessage);
    }
    this.runtime.setTimer(this.config.registration_retry_ms ?? 1000, { kind: 'register' } satisfies TaskManagerTimer);
  }

  on_message(from: NodeId, message: unknown): void {
    this.in_handler = true;
    try {
      this.handleMessage(from, message);
    } finally {
      this.in_handler = false;
    }
    this.runMailboxIfReady();
  }

  private handleMessage(from: NodeId, message: unknown): void {
    if (!isClusterMessage(message)) {
      this.routeToSource(message);
      return;
    }
    if (this.job_manager_candidates.size > 1 && this.job_manager_candidates.has(from) && !this.followLeader(from, message)) return;
    switch (message.type) {
      case 'tm.registered':
        this.registered = true;
        if (!this.job_terminated) this.armJobManagerTimeout();
        return;
      case 'hb.request':
        this.runtime.send(from, { type: 'hb.reply', seq: message.seq } satisfies ClusterMessage);
        this.probeChannels();
        this.repeatFinishReports();
        this.job_terminated = false;
        this.armJobManagerTimeout();
        if (message.running_attempt !== undefined) this.startDeployment(message.running_attempt);
        return;
      case 'deploy':
        this.deploy(message.attempt, message.job, message.placement, message.checkpointing, message.restore);
        return;
      case 'start':
        this.startDeployment(message.attempt);
        return;
      case 'checkpoint.trigger':
        if (this.deployment?.attempt !== message.attempt) return;
        this.triggerCheckpoint(message.checkpoint_id, message.savepoint === true, message.drain === true, message.timestamp_ms);
        return;
      case 'checkpoint.complete':
      case 'checkpoint.abort': {
        if (this.deployment?.attempt !== message.attempt) return;
        for (const task of this.deployment.tasks.values()) {
          if (message.type === 'checkpoint.complete') task.notifyCheckpointComplete(message.checkpoint_id);
          else task.notifyCheckpointAborted(message.checkpoint_id);
          task.tickFinishedWriters();
        }
        if (message.type === 'checkpoint.abort') {
          this.deployment.pending_acks = this.deployment.pending_acks.filter((p) => p.checkpoint_id !== message.checkpoint_id);
        }
        return;
      }
      case 'job.finishing':
        if (this.deployment?.attempt !== message.attempt) return;
        this.deployment.finishing = true;
        this.deployment.settled_reported = false; // the JobManager asks again when a report was lost
        // Completion notifications are best effort: repeat the final one (committing everything ≤ id is idempotent).
        for (const task of this.deployment.tasks.values()) {
          task.notifyCheckpointComplete(message.final_checkpoint_id);
          task.tickFinishedWriters();
        }
        this.checkSettled();
        return;
      case 'jm.disconnect':
        // Only the followed leader gets here (followLeader): it lost its leadership.
        this.runtime.log('tm.job_manager_disconnected', { job_manager: from, reason: message.reason });
        if (this.jm_timeout_timer !== undefined) this.runtime.cancelTimer(this.jm_timeout_timer);
        this.jm_timeout_timer = undefined;
        if (this.deployment !== undefined) {
          this.runtime.log('tm.tasks_cancelled', { attempt: this.deployment.attempt, reason: 'job manager lost its leadership' });
          this.undeploy();
        }
        this.job_terminated = false;
        this.registered = false;
        this.register();
        return;
      case 'job.terminated':
        if (this.jm_timeout_timer !== undefined) this.runtime.cancelTimer(this.jm_timeout_timer);
        this.jm_timeout_timer = undefined;
        this.job_terminated = true;
        for (const task of this.deployment?.tasks.values() ?? []) task.dispose();
        return;
      case 'cancel':
        if (this.deployment !== undefined && this.deployment.attempt <= message.attempt) this.undeploy();
        return;
      case 'data': {
        if (this.deployment?.attempt !== message.attempt) return;
        const target = this.deployment.input_channels.get(message.channel);
        if (target === undefined) this.runtime.fail_invariant('data for an unknown channel', { channel: message.channel });
        if (message.seq !== ++target.channel.data_messages_received) {
          this.failAttempt(`data message lost on channel ${message.channel} (got ${message.seq}, expected ${target.channel.data_messages_received})`);
          return;
        }
        target.task.receive(target.channel, message.buffer);
        return;
      }
      case 'credit': {
        if (this.deployment?.attempt !== message.attempt) return;
        const channel = this.deployment.output_channels.get(message.channel);
        if (channel === undefined) this.runtime.fail_invariant('credit for an unknown channel', { channel: message.channel });
        if (message.seq !== ++channel.credit_messages_received) {
          this.failAttempt(`credit message lost on channel ${message.channel}`);
          return;
        }
        channel.addCredit(message.credits);
        return;
      }
      case 'channel.probe': {
        if (this.deployment?.attempt !== message.attempt) return;
        const channel = this.deployment.output_channels.get(message.channel);
        if (channel === undefined) return;
        if (message.credits_sent !== channel.credit_messages_received) {
          this.failAttempt(`credit message lost on channel ${message.channel} (probe)`);
          return;
        }
        this.runtime.send(from, {
          type: 'channel.mark',
          attempt: message.attempt,
          channel: message.channel,
          data_sent: channel.buffers_sent,
        } satisfies ClusterMessage);
        return;
      }
      case 'channel.mark': {
        if (this.deployment?.attempt !== message.attempt) return;
        const target = this.deployment.input_channels.get(message.channel);
        if (target === undefined) return;
        if (message.data_sent !== target.channel.data_messages_received) {
          this.failAttempt(`data message lost on channel ${message.channel} (mark)`);
        }
        return;
      }
      default:
        this.routeToSource(message);
        return;
    }
  }

  /**
   * HA fencing: a registration answer with a higher leader epoch switches this TaskManager to that JobManager (tasks of
   * the old leader's attempts are cancelled); anything else from a JobManager that is not the leader is dropped.
   */
  private followLeader(from: NodeId, message: ClusterMessage): boolean {
    if (message.type === 'tm.registered') {
      const epoch = message.leader_epoch ?? 0;
      if (epoch < this.leader_epoch || (epoch === this.leader_epoch && from !== this.job_manager)) return false;
      if (from !== this.job_manager || epoch > this.leader_epoch) {
        this.runtime.log('tm.leader_changed', { leader: from, leader_epoch: epoch });
        if (this.deployment !== undefined) this.undeploy();
        this.job_manager = from;
        this.leader_epoch = epoch;
      }
      return true;
    }
    return from === this.job_manager;
  }

  /**
   * (Re)starts the JobManager-silence timer. Armed only by messages from the JobManager (registration ack,
   * heartbeats), so once the job is terminal and heartbeats stop, the cluster still runs out of events.
   */
  private armJobManagerTimeout(): void {
    if (this.jm_timeout_timer !== undefined) this.runtime.cancelTimer(this.jm_timeout_timer);
    this.jm_timeout_timer = this.runtime.setTimer(this.config.job_manager_timeout_ms ?? 50_000, {
      kind: 'jm_timeout',
    } satisfies TaskManagerTimer);
  }

  /** A finish report can be lost like any message: finished tasks repeat it with every heartbeat. */
  private repeatFinishReports(): void {
    const deployment = this.deployment;
    if (deployment === undefined) return;
    for (const task of deployment.tasks.values()) {
      if (task.status !== 'finished') continue;
      this.runtime.send(this.job_manager, {
        type: 'task.finished',
        attempt: deployment.attempt,
        task: task.key,
        records_in: task.records_in,
        records_out: task.records_out,
      } satisfies ClusterMessage);
    }
  }

  /** Probes every remote input channel that has not ended (see the channel.probe message). */
  private probeChannels(): void {
    const deployment = this.deployment;
    if (deployment === undefined || deployment.restoring) return;
    for (const task of deployment.tasks.values()) {
      if (task.status !== 'running') continue;
      for (const channel of task.gate.channels) {
        if (channel.local || channel.ended) continue;
        this.runtime.send(channel.source_node, {
          type: 'channel.probe',
          attempt: deployment.attempt,
          channel: channel.id,
          credits_sent: channel.credit_messages_sent,
        } satisfies ClusterMessage);
      }
    }
  }

  /**
   * The data plane of this attempt lost a message (a broken link or a partition): like a broken network connection
   * in Flink, the tasks fail and the JobManager fails over. Reported once per attempt.
   */
  private failAttempt(reason: string): void {
    const deployment = this.deployment;
    if (deployment === undefined || deployment.failed_tasks.has('*')) return;
    deployment.failed_tasks.add('*');
    this.runtime.log('tm.attempt_failed', { attempt: deployment.attempt, reason });
    this.runtime.probe('tm.data_plane_failure');
    this.runtime.send(this.job_manager, {
      type: 'task.failed',
      attempt: deployment.attempt,
      task: '*',
      reason,
    } satisfies ClusterMessage);
  }

  /** A link broke: in-flight messages in both directions are gone. */
  on_link_broken(peer: NodeId): void {
    const deployment = this.deployment;
    if (deployment === undefined) return;
    for (const task of deployment.tasks.values()) task.source_reader?.onPeerLost?.(peer);
    const peers = new Set<string>();
    for (const task of deployment.tasks.values()) {
      for (const c of task.output_channels) if (!c.local) peers.add(c.target_node);
      for (const c of task.gate.channels) if (!c.local) peers.add(c.source_node);
    }
    if (peers.has(peer)) this.failAttempt(`link to ${peer} broke`);
  }

  /** Replies from external systems (e.g. the log broker) carry the reader's reply_tag. */
  private routeToSource(message: unknown): void {
    const tag = (message as { reply_tag?: unknown } | null)?.reply_tag;
    if (typeof tag !== 'string' || this.deployment === undefined) return;
    const sink_task = this.deployment.sink_tasks_by_tag.get(tag);
    if (sink_task !== undefined) {
      sink_task.routeToSinkWriter(tag, message);
      this.checkTask(sink_task);
      return;
    }
    const task = this.deployment.source_tasks_by_tag.get(tag);
    if (task === undefined || task.status !== 'running') return;
    task.source_reader!.onMessage(message);
  }

  on_timer(tag: unknown): void {
    this.in_handler = true;
    try {
      this.handleTimer(tag as TaskManagerTimer);
    } finally {
      this.in_handler = false;
    }
    this.runMailboxIfReady();
  }

  private handleTimer(timer: TaskManagerTimer): void {
    switch (timer.kind) {
      case 'register':
        this.register();
        return;
      case 'jm_timeout':
        this.jm_timeout_timer = undefined;
        if (this.job_terminated) return;
        this.runtime.log('tm.job_manager_silent', { timeout_ms: this.config.job_manager_timeout_ms ?? 50_000 });
        // Like a Flink TaskManager that loses its JobManager: its tasks are failed (the JobManager has most likely
        // failed over already), then it offers its slots again.
        if (this.deployment !== undefined) {
          this.runtime.log('tm.tasks_cancelled', { attempt: this.deployment.attempt, reason: 'job manager silent' });
          this.undeploy();
        }
        this.registered = false;
        this.register();
        return;
      case 'mailbox':
        this.mailbox_timer = undefined;
        this.runMailbox();
        return;
      case 'task': {
        this.task_timers.delete(timer.task);
        const task = this.deployment?.attempt === timer.attempt ? this.deployment.tasks.get(timer.task) : undefined;
        if (task === undefined) return;
        task.processing_time_due = true;
        this.wake(task);
        task.tickFinishedWriters();
        if (task.checkpointed_writers.size > 0) this.checkTask(task);
        return;
      }
      case 'flush': {
        this.flush_timers.delete(timer.task);
        const task = this.deployment?.attempt === timer.attempt ? this.deployment.tasks.get(timer.task) : undefined;
        task?.flushOutputs();
        return;
      }
    }
  }

  /** Starts the tasks of `attempt` once (after `start`, or a heartbeat saying the JobManager runs that attempt). */
  private startDeployment(attempt: number): void {
    const deployment = this.deployment;
    if (deployment?.attempt !== attempt || deployment.restoring || deployment.started) return;
    deployment.started = true;
    for (const task of deployment.tasks.values()) task.start();
  }

  private deploy(
    attempt: number,
    job: JobSpec,
    placement: string[][],
    checkpointing: DeploymentCheckpointing | undefined,
    restore: DeploymentRestore | undefined,
  ): void {
    if (this.deployment !== undefined) {
      if (this.deployment.attempt >= attempt) return;
      this.undeploy();
    }
    const { graph, plan } = buildJob(this.config.jobs, job);
    const deployment: Deployment = {
      attempt,
      job,
      checkpointing,
      restoring: restore !== undefined,
      started: false,
      tasks: new Map(),
      input_channels: new Map(),
      output_channels: new Map(),
      source_tasks_by_tag: new Map(),
      sink_tasks_by_tag: new Map(),
      finished_tasks: 0,
      pending_acks: [],
      failed_tasks: new Set(),
      restored_checkpoint_id: restore?.checkpoint_id ?? null,
      finishing: false,
      settled_reported: false,
    };
    this.deployment = deployment;
    const unaligned = (checkpointing as CheckpointingSettings | undefined)?.unaligned;
    if (unaligned !== undefined && checkpointing?.mode !== 'aligned') {
      this.runtime.fail_invariant('unaligned checkpoints need exactly-once mode', { mode: checkpointing?.mode });
    }
    const host = this.taskHost(attempt, checkpointing?.mode ?? 'aligned', restore?.checkpoint_id ?? null, unaligned);
    for (const vertex of plan.vertices) {
      const row = placement[vertex.index];
      if (row === undefined || row.length !== vertex.parallelism) {
        this.runtime.fail_invariant('placement does not match the plan', { vertex: vertex.index });
      }
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        if (row[subtask] !== this.runtime.node_id) continue;
        const task = new Task(host, graph, plan, placement, vertex.index, subtask);
        deployment.tasks.set(task.key, task);
        for (const channel of task.gate.channels) deployment.input_channels.set(channel.id, { task, channel });
        for (const channel of task.output_channels) deployment.output_channels.set(channel.id, channel);
        if (task.is_source) deployment.source_tasks_by_tag.set(`${attempt}/${task.key}`, task);
        for (const tag of task.checkpointed_writers.keys()) deployment.sink_tasks_by_tag.set(tag, task);
      }
    }
    const used_slots = new Set(plan.vertices.flatMap((v) => placement[v.index]!.map((tm, i) => (tm === this.runtime.node_id ? i : -1))));
    used_slots.delete(-1);
    if (used_slots.size > this.config.slots) {
      this.runtime.fail_invariant('more slots used than this TaskManager offers', { used: used_slots.size, slots: this.config.slots });
    }
    if (restore !== undefined) {
      this.restoreDeployment(deployment, restore);
      return;
    }
    this.reportDeployed(deployment);
  }

  private reportDeployed(deployment: Deployment): void {
    deployment.restoring = false;
    this.runtime.log('tm.deployed', { attempt: deployment.attempt, tasks: deployment.tasks.size });
    this.runtime.send(this.job_manager, {
      type: 'deployed',
      attempt: deployment.attempt,
      tasks: deployment.tasks.size,
    } satisfies ClusterMessage);
  }

  /** Reads every file the checkpoint's keyed handles reference, restores each local task, then reports deployed. */
  private restoreDeployment(deployment: Deployment, restore: DeploymentRestore): void {
    const states = new Map<string, OperatorRestoreState>(restore.operators.map((op) => [op.operator_id, op] as const));
    const paths = Task.referencedFiles(restore.operators);
    const files = new Map<string, Uint8Array>();
    let pending = paths.length;
    let failed = false;
    const finish = (): void => {
      if (this.deployment !== deployment) return;
      for (const task of deployment.tasks.values()) {
        try {
          task.restore(states, files, restore.checkpoint_id);
        } catch (error) {
          this.reportRestoreFailure(deployment, task.key, String(error));
          return;
        }
      }
      this.runtime.log('tm.restored', { attempt: deployment.attempt, checkpoint_id: restore.checkpoint_id, files: paths.length });
      this.reportDeployed(deployment);
    };
    if (pending === 0) {
      finish();
      return;
    }
    for (const path of paths) {
      this.runtime.checkpoint_store.get(path, (result) => {
        if (failed || this.deployment !== deployment) return;
        if (!result.ok) {
          failed = true;
          this.reportRestoreFailure(deployment, 'restore', `cannot read ${path}: ${result.error}`);
          return;
        }
        files.set(path, result.value);
        if (--pending === 0) finish();
      });
    }
  }

  private reportRestoreFailure(deployment: Deployment, task: string, reason: string): void {
    this.runtime.log('tm.restore_failed', { attempt: deployment.attempt, task, reason });
    this.runtime.send(this.job_manager, {
      type: 'task.failed',
      attempt: deployment.attempt,
      task,
      reason: `restore failed: ${reason}`,
    } satisfies ClusterMessage);
  }

  // ---- checkpoints ------------------------------------------------------------------------------------------

  /** Sources inject the barrier; finished tasks acknowledge with their final state (it no longer changes). */
  private triggerCheckpoint(checkpoint_id: number, savepoint: boolean, drain = false, timestamp_ms?: number): void {
    const deployment = this.deployment!;
    if (deployment.checkpointing === undefined) {
      this.runtime.fail_invariant('checkpoint triggered on a deployment without checkpointing', { checkpoint_id });
    }
    for (const task of deployment.tasks.values()) {
      if (task.status === 'finished') {
        if (deployment.finishing && this.config.test_only_snapshot_after_final !== true) {
          // The final checkpoint completed: the task is done (Flink's Task declines a trigger once it is no longer
          // RUNNING). A snapshot now would pre-commit a sink transaction that no completion commits.
          this.runtime.probe('checkpoint.declined_after_final');
          this.decline(deployment, task, checkpoint_id, 'the task finished and the final checkpoint completed', 'CHECKPOINT_DECLINED_TASK_NOT_READY');
          continue;
        }
        if (!task.takeFinishedTrigger(checkpoint_id)) continue;
        if (!savepoint) task.finishedTaskUnalignedBarrier(checkpoint_id);
        this.snapshotAndAcknowledge(deployment, task, checkpoint_id);
      }
      else if (task.is_source && task.status === 'running') {
        if (drain) task.drainWatermark();
        task.triggerSourceCheckpoint(checkpoint_id, savepoint, timestamp_ms);
      }
    }
  }

  /** Synchronous snapshot, then the files go to the checkpoint store; the ack follows once all are durable. */
  private snapshotAndAcknowledge(deployment: Deployment, task: Task, checkpoint_id: number): void {
    const job_id = deployment.checkpointing!.job_id;
    let snapshot;
    try {
      snapshot = task.snapshot(
        checkpoint_id,
        (uid) => subtask_state_prefix(job_id, checkpoint_id, uid, task.subtask_index),
        shared_dir(job_id),
      );
    } catch (error) {
      this.decline(deployment, task, checkpoint_id, `snapshot failed: ${String(error)}`, 'CHECKPOINT_DECLINED');
      return;
    }
    const pending_ack: PendingAck = {
      task,
      checkpoint_id,
      files_written: false,
      send: () => {
        // Unaligned checkpoints: the channel state (complete by now) travels on the vertex's first operator.
        const channel_state = task.takeChannelState(checkpoint_id);
        const operators =
          channel_state === undefined || (channel_state.input.length === 0 && channel_state.output.length === 0)
            ? snapshot.operators
            : snapshot.operators.map((op, i) => (i === 0 ? { ...op, state: { ...op.state, extra: { ...op.state.extra, channel_state } } } : op));
        this.runtime.send(this.job_manager, {
          type: 'checkpoint.ack',
          attempt: deployment.attempt,
          checkpoint_id,
          ack: { task_id: task.key, operators, written_files: snapshot.files.map((f) => f.path) },
        } satisfies ClusterMessage);
      },
    };
    deployment.pending_acks.push(pending_ack);
    if (deployment.pending_acks.length > MAX_PENDING_ACKS) {
      this.runtime.fail_invariant('too many checkpoint acknowledgements pending', { pending: deployment.pending_acks.length });
    }
    // The ack goes out once the files are durable and every checkpointed sink writer's part is durable too.
    const ack = (): void => {
      if (this.deployment !== deployment) return;
      pending_ack.files_written = true;
      this.checkTask(task);
    };
    let pending = snapshot.files.length;
    if (pending === 0) {
      ack();
      return;
    }
    let failed = false;
    const store = this.runtime.checkpoint_store;
    const fail = (path: string, step: string, error: string): void => {
      if (failed) return;
      failed = true;
      if (error === 'no_space') this.runtime.probe('checkpoint.write_no_space');
      // Flink: an exception while writing the snapshot asynchronously (counted by the failure manager).
      this.decline(deployment, task, checkpoint_id, `${step} ${path} failed: ${error}`, 'CHECKPOINT_ASYNC_EXCEPTION');
    };
    // Each file is written, then synced: the acknowledgement promises the JobManager files a crash cannot lose.
    for (const file of snapshot.files) {
      store.put(file.path, file.bytes, (written) => {
        if (!written.ok) return fail(file.path, 'write', written.error);
        const sync_started_ms = this.runtime.monotonic_ms();
        if (this.config.ack_unsynced_checkpoint_files === true) {
          if (!failed && --pending === 0) ack();
          return;
        }
        store.sync(file.path, (synced) => {
          if (!synced.ok) return fail(file.path, 'sync', synced.error);
          if (this.runtime.monotonic_ms() - sync_started_ms > SLOW_SYNC_MS) this.runtime.probe('checkpoint.slow_sync');
          if (!failed && --pending === 0) ack();
        });
      });
    }
  }

  /** Finishing: report once every task finished and every sink writer committed what the final checkpoint covers. */
  private checkSettled(): void {
    const deployment = this.deployment;
    if (deployment === undefined || !deployment.finishing || deployment.settled_reported) return;
    for (const task of deployment.tasks.values()) if (task.status !== 'finished' || !task.sinkWritersSettled()) return;
    deployment.settled_reported = true;
    this.runtime.send(this.job_manager, { type: 'tm.settled', attempt: deployment.attempt } satisfies ClusterMessage);
  }

  /** After a step or a reply: send acknowledgements that became ready; fail the task if a sink writer failed. */
  private checkTask(task: Task): void {
    const deployment = this.deployment;
    if (deployment === undefined) return;
    this.checkSettled();
    // Sends the acknowledgements that became ready, in order; the list is copied only when one leaves it.
    const acks = deployment.pending_acks;
    let remaining: PendingAck[] | undefined;
    for (let i = 0; i < acks.length; i++) {
      const pending = acks[i]!;
      const ready = pending.task === task && pending.files_written && task.channelStateReady(pending.checkpoint_id);
      if (ready && task.isSnapshotDurable(pending.checkpoint_id)) {
        remaining ??= acks.slice(0, i);
        pending.send();
      } else remaining?.push(pending);
    }
    if (remaining !== undefined) deployment.pending_acks = remaining;
    const failure = task.failure();
    if (failure !== null && !deployment.failed_tasks.has(task.key)) {
      deployment.failed_tasks.add(task.key);
      this.runtime.log('task.failed', { task: task.key, reason: failure });
      this.runtime.send(this.job_manager, {
        type: 'task.failed',
        attempt: deployment.attempt,
        task: task.key,
        reason: failure,
      } satisfies ClusterMessage);
    }
  }

  private decline(deployment: Deployment, task: Task, checkpoint_id: number, reason: string, failure_reason: DeclineReason): void {
    if (this.deployment !== deployment) return;
    this.runtime.send(this.job_manager, {
      type: 'checkpoint.decline',
      attempt: deployment.attempt,
      checkpoint_id,
      task: task.key,
      reason,
      failure_reason,
    } satisfies ClusterMessage);
  }

  private undeploy(): void {
    for (const task of this.deployment?.tasks.values() ?? []) task.dispose();
    this.deployment = undefined;
    this.ready.length = 0;
    for (const timer of this.task_timers.values()) this.runtime.cancelTimer(timer.handle);
    this.task_timers.clear();
    for (const handle of this.flush_timers.values()) this.runtime.cancelTimer(handle);
    this.flush_timers.clear();
  }

  private taskHost(
    attempt: number,
    checkpointing_mode: 'aligned' | 'at_least_once',
    restored_checkpoint_id: number | null,
    unaligned: UnalignedSettings | undefined,
  ): TaskHost {
    const runtime = this.runtime;
    return {
      node_id: runtime.node_id,
      attempt,
      job_manager: () => this.job_manager,
      checkpointing_mode,
      ...(unaligned !== undefined ? { unaligned } : {}),
      ...(this.config.task_seams !== undefined ? { seams: this.config.task_seams } : {}),
      restored_checkpoint_id,
      probe: (name) => runtime.probe(name),
      network: this.network,
      transport: this,
      now_ms: () => runtime.now_ms(),
      send: (to, message) => runtime.send(to, message),
      log: (event, fields) => runtime.log(event, fields),
      fail: (message, detail) => runtime.fail_invariant(message, detail),
      wake: (task) => this.wake(task),
      wakeAfter: (task, after_ms) => this.wakeAfter(task, attempt, after_ms),
      flushAfter: (task, after_ms) => {
        const handle = this.runtime.setTimer(after_ms, { kind: 'flush', attempt, task: task.key } satisfies TaskManagerTimer);
        this.flush_timers.set(task.key, handle);
      },
      createKeyedBackend: (uid, range, max_parallelism) => {
        const custom = this.config.create_keyed_backend?.(uid, range, max_parallelism);
        if (custom !== undefined) return custom;
        // With checkpointing the configured backend (heap: full snapshots, lsm: incremental); without, in-memory.
        const checkpointing = this.deployment?.checkpointing;
        if (checkpointing === undefined) return new MemoryKeyedStateBackend(range, max_parallelism);
        const options = checkpointing.state_backend_options ?? {};
        if (checkpointing.state_backend === 'lsm') {
          return new LsmKeyedStateBackend({
            key_group_range: range,
            max_parallelism,
            ...(options.incremental === undefined ? {} : { incremental: options.incremental }),
            ...(options.write_buffer_size_bytes === undefined ? {} : { write_buffer_size_bytes: options.write_buffer_size_bytes }),
          });
        }
        return new HeapKeyedStateBackend({
          key_group_range: range,
          max_parallelism,
          ...(options.memory_threshold_bytes === undefined ? {} : { memory_threshold_bytes: options.memory_threshold_bytes }),
        });
      },
      onTaskFinished: (task) => this.onTaskFinished(task, attempt),
      onBarrierAligned: (task, checkpoint_id) => {
        const deployment = this.deployment;
        if (deployment?.attempt === attempt && !task.takeAbortedAhead(checkpoint_id)) this.snapshotAndAcknowledge(deployment, task, checkpoint_id);
      },
      onAlignmentAborted: (task, checkpoint_id, reason, failure_reason) => {
        const deployment = this.deployment;
        if (deployment?.attempt === attempt) this.decline(deployment, task, checkpoint_id, reason, failure_reason);
      },
      onChannelStateComplete: (task) => {
        if (this.deployment?.attempt === attempt) this.checkTask(task);
      },
    };
  }

  private onTaskFinished(task: Task, attempt: number): void {
    const deployment = this.deployment;
    if (deployment?.attempt !== attempt) return;
    deployment.finished_tasks++;
    this.runtime.send(this.job_manager, {
      type: 'task.finished',
      attempt,
      task: task.key,
      records_in: task.records_in,
      records_out: task.records_out,
    } satisfies ClusterMessage);
  }

  // ---- mailbox ----------------------------------------------------------------------------------------------

  wake(task: Task): void {
    if (task.in_ready_queue || task.status !== 'running') return;
    task.in_ready_queue = true;
    this.ready.push(task);
    if (this.ready.length > this.max_ready_observed) this.max_ready_observed = this.ready.length;
    if (this.deployment !== undefined && this.ready.length > this.deployment.tasks.size) {
      this.runtime.fail_invariant('ready queue holds more entries than tasks', { ready: this.ready.length });
    }
    if (this.mailbox_timer === undefined && !this.in_handler && !this.in_mailbox) {
      this.mailbox_timer = this.runtime.setTimer(0, { kind: 'mailbox' } satisfies TaskManagerTimer);
    }
  }

  /** End of a handler: ready tasks run now, in the same virtual instant, unless a mailbox run is already scheduled. */
  private runMailboxIfReady(): void {
    if (this.ready.length > 0 && this.mailbox_timer === undefined) this.runMailbox();
  }

  /** One timer per task: a request for an earlier wake-up replaces a later one. */
  private wakeAfter(task: Task, attempt: number, after_ms: number): void {
    const due_ms = this.runtime.now_ms() + Math.max(0, after_ms);
    const existing = this.task_timers.get(task.key);
    if (existing !== undefined) {
      if (existing.due_ms <= due_ms) return;
      this.runtime.cancelTimer(existing.handle);
    }
    const handle = this.runtime.setTimer(Math.max(0, after_ms), { kind: 'task', attempt, task: task.key } satisfies TaskManagerTimer);
    this.task_timers.set(task.key, { handle, due_ms });
  }

  private runMailbox(): void {
    this.mailbox_events++;
    let steps = 0;
    this.in_mailbox = true;
    try {
      while (steps < this.max_steps_per_event) {
        const task = this.ready.shift();
        if (task === undefined) break;
        task.in_ready_queue = false;
        steps++;
        if (task.step(this.step_budget_records)) this.wake(task);
        if (task.checkpointed_writers.size > 0) this.checkTask(task);
      }
    } finally {
      this.in_mailbox = false;
    }
    if (this.ready.length > 0 && this.mailbox_timer === undefined) {
      this.mailbox_timer = this.runtime.setTimer(0, { kind: 'mailbox' } satisfies TaskManagerTimer);
    }
  }

  // ---- transport --------------------------------------------------------------------------------------------

  sendBuffer(channel: OutputChannel, buffer: NetworkBuffer): void {
    const deployment = this.deployment!;
    if (channel.local) {
      const target = deployment.input_channels.get(channel.id);
      if (target === undefined) this.runtime.fail_invariant('local channel without receiver', { channel: channel.id });
      target.task.receive(target.channel, buffer);
      return;
    }
    this.runtime.send(channel.target_node, {
      type: 'data',
      attempt: deployment.attempt,
      channel: channel.id,
      seq: channel.buffers_sent,
      buffer,
    } satisfies ClusterMessage);
  }

  returnCredit(channel: InputChannel, credits: number): void {
    const deployment = this.deployment!;
    if (channel.local) {
      const sender = deployment.output_channels.get(channel.id);
      if (sender === undefined) this.runtime.fail_invariant('local channel without sender', { channel: channel.id });
      sender.addCredit(credits);
      return;
    }
    this.runtime.send(channel.source_node, {
      type: 'credit',
      attempt: deployment.attempt,
      channel: channel.id,
      seq: ++channel.credit_messages_sent,
      credits,
    } satisfies ClusterMessage);
  }

  // ---- introspection (tests, benchmarks, scenario reports) --------------------------------------------------

  get tasks(): readonly Task[] {
    return this.deployment === undefined ? [] : [...this.deployment.tasks.values()];
  }

  get attempt(): number | undefined {
    return this.deployment?.attempt;
  }
}

export function createTaskManager(config: TaskManagerConfig): (runtime: Runtime) => TaskManager {
  return (runtime) => new TaskManager(runtime, config);
}
