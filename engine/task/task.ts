// One running subtask: its operator chain, the source driver (for source vertices), the input gate and record
// writers. It runs mailbox-style in bounded steps (step(budget)) scheduled by its TaskManager; it never blocks.
// Partial output buffers leave when full, ahead of events, or on the task's buffer-timeout timer (one per task).
import { MAX_WATERMARK, MIN_WATERMARK, type SinkWriter, type SourceReader } from '../api/functions.js';
import {
  channelId,
  sourceSubtasks,
  targetSubtasks,
  type ExecutionPlan,
  type JobVertex,
  type Placement,
} from '../graph/execution-graph.js';
import type { GraphNode, JobGraph } from '../graph/job-graph.js';
import type { NodeId } from '../runtime.js';
import type { KeyedStateBackend, KeyGroupRange } from '../state/backend.js';
import type { DeclineReason } from '../checkpoint/failure-manager.js';
import { SourceDriver } from './source-driver.js';
import type { ValveChange, WatermarkStatus } from './watermark-valve.js';

/** One operator's part of a task snapshot (shape of the checkpoint coordinator's OperatorSubtaskAck). */
export interface OperatorSnapshot {
  operator_id: string;
  parallelism: number;
  max_parallelism: number;
  state: {
    subtask_index: number;
    keyed: KeyedStateHandle[];
    operator_state: { name: string; mode: 'even-split' | 'union' | 'broadcast'; entries: unknown[] }[];
    /**
     * Unaligned checkpoints: `{ channel_state: ChannelState }` on the first operator of the vertex. Keyed operators:
     * `{ watermark_ms }`, the operator's watermark when it snapshotted (which timers had fired; checks read it, a
     * restore does not: as in Flink, a restored operator starts from the minimum watermark), at least the lowest its
     * restored key groups had reached; key groups restored from an old subtask further along (their timers up to it
     * fired before the restore) also give their own: `key_group_watermarks: [first, last, watermark_ms][]`.
     */
    extra?: Record<string, unknown>;
  };
}

/** In-flight data of one subtask captured by an unaligned checkpoint (stored in the snapshot, replayed on restore). */
export interface ChannelState {
  /** Records the barrier overtook on the input side, replayed into the chain before any new input. */
  input: ChannelRecords[];
  /** Records the barrier overtook in the output queues, emitted again on their channel before anything else. */
  output: ChannelRecords[];
}

/** Unaligned checkpoint settings a deployment carries (exactly-once only, at most one concurrent checkpoint). */
export interface UnalignedSettings {
  /** 0: barriers overtake from the start; > 0: align first, switch to unaligned when alignment takes longer. */
  aligned_checkpoint_timeout_ms: number;
}

/** Channel state captured so far for the unaligned checkpoint in progress. */
interface ChannelStateCollection {
  checkpoint_id: number;
  state: ChannelState;
  /** Input channel index → captured records of a channel whose barrier has not arrived yet. */
  waiting: Map<number, { records: ChannelRecords; buffers: number }>;
  /** Waiting channels are blocked (pure unaligned mode): their channel state stays within the channel's credit. */
  blocking: boolean;
}

/** Test-only seam: rewrites the channel state a task puts into its snapshot (planted bugs). */
export interface TaskSeams {
  channel_state?: (state: ChannelState, context: { side_output_channel(channel_id: string): boolean }) => ChannelState;
  /** Planted bug: a two-input task blocks only input 1's channels at a barrier (input 2 is never aligned). */
  align_input_1_only?: boolean;
  /** Planted bug: a restore hands broadcast state to subtask 0 only (the others start without it). */
  broadcast_state_on_subtask_0_only?: boolean;
  /** Replaces Flink's operator list state redistribution on restore (engine/state/operator-state.ts). */
  operator_state_redistribution?: typeof redistributeOperatorState;
  /** Rewrites each key's merging window set (session windows) as a window operator restores it. */
  merging_windows_restored?: (mapping: WindowMapping) => WindowMapping;
  /**
   * Planted bugs in late data: `dropped_after_restore` makes a restored window operator drop late elements instead of
   * sending them to the sideOutputLateData tag; `also_in_window` adds a late element to its windows (an interval join:
   * buffers and joins it) as well as sending it to the late-data side output.
   */
  late_data?: 'dropped_after_restore' | 'also_in_window';
  /** Planted bug: a keyed operator's restored TTL values get the restore time as their last access. */
  ttl_access_reset_at_restore?: boolean;
}

export interface TaskSnapshot {
  checkpoint_id: number;
  operators: OperatorSnapshot[];
  /** Files to write to the checkpoint store before acknowledging. */
  files: SnapshotFile[];
}

/**
 * The watermark each restored key group of `range` had reached: its old subtask's `watermark_ms`, or that subtask's
 * own `key_group_watermarks` where higher (it had been restored itself and not caught up yet).
 */
export function restoredKeyGroupWatermarks(state: OperatorRestoreState, range: KeyGroupRange): KeyGroupWatermark[] {
  return keyGroupWatermarks(state.subtasks, state.max_parallelism, range);
}

/** The state of one operator (by uid) across the old subtasks, as restored from checkpoint metadata. */
export interface OperatorRestoreState {
  operator_id: string;
  max_parallelism: number;
  subtasks: OperatorSnapshot['state'][];
}
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';
import { keyGroupWatermarks, type KeyGroupWatermark } from '../checkpoint/key-group-watermarks.js';
import { OperatorListState, redistributeOperatorState, type NamedListState, type OperatorStateMode } from '../state/operator-state.js';
import type { KeyedStateHandle, SnapshotFile } from '../state/backend.js';
import {
  type BufferedWatermark,
  type ChannelRecords,
  InputGate,
  OutputChannel,
  RecordWriter,
  type ChannelTransport,
  type InputChannel,
  type NetworkBuffer,
  type NetworkConfig,
  type OutputAvailabilityListener,
  outputQueueHardBound,
} from './network.js';
import { is_checkpointed_sink_writer, type CheckpointedSinkWriter } from '../connectors/two-phase-commit-sink.js';
import type { WindowMapping } from './operators/window/merging-window-set.js';
import { createOperator, SinkOperator, type OperatorEnvironment, type Output, type StreamOperator } from './operators.js';
import { BarrierTracker, type TrackerOutcome } from './barrier-tracker.js';
import { createTwoInputOperator, isTwoInputOperator, type TwoInputStreamOperator } from './two-input-operators.js';

/** What a task needs from the TaskManager hosting it. */
export interface TaskHost {
  readonly node_id: NodeId;
  readonly attempt: number;
  readonly network: NetworkConfig;
  /** aligned blocks channels that delivered the barrier; at_least_once only counts barriers. */
  readonly checkpointing_mode?: 'aligned' | 'at_least_once';
  /** Present: unaligned exactly-once checkpoints (checkpointing_mode must be aligned). */
  readonly unaligned?: UnalignedSettings;
  readonly seams?: TaskSeams;
  /** The checkpoint this deployment restored from (null on a fresh start). */
  readonly restored_checkpoint_id?: number | null;
  probe?(name: string): void;
  readonly transport: ChannelTransport;
  now_ms(): number;
  send(to: NodeId, message: unknown): void;
  /** The JobManager the TaskManager follows now (the HA leader). */
  job_manager(): NodeId;
  log(event: string, fields?: Record<string, unknown>): void;
  fail(message: string, detail?: Record<string, unknown>): never;
  /** Put the task on the ready queue (it has work). */
  wake(task: Task): void;
  /** Wake the task after `after_ms`. */
  wakeAfter(task: Task, after_ms: number): void;
  /** Call task.flushOutputs() after `after_ms` (the buffer timeout; the task arms at most one at a time). */
  flushAfter(task: Task, after_ms: number): void;
  createKeyedBackend(operator_uid: string, range: KeyGroupRange, max_parallelism: number): KeyedStateBackend;
  onTaskFinished(task: Task): void;
  /** Aligned checkpoints: barrier `checkpoint_id` arrived on every input channel (snapshot now, then forward it). */
  onBarrierAligned?(task: Task, checkpoint_id: number): void;
  /**
   * The task gives up on a checkpoint: a newer barrier overtook it (CHECKPOINT_DECLINED_SUBSUMED, Flink's), or its
   * channel state outgrew its bound (CHECKPOINT_DECLINED).
   */
  onAlignmentAborted?(task: Task, checkpoint_id: number, reason: string, failure_reason: DeclineReason): void;
  /** Unaligned checkpoints: the channel state of `checkpoint_id` is complete (the acknowledgement may go out). */
  onChannelStateComplete?(task: Task, checkpoint_id: number): void;
}

export type TaskStatus = 'created' | 'running' | 'finished';

/** Aborted checkpoints a task remembers until their barrier arrives (more would be older than any in flight). */
const MAX_ABORTED_AHEAD = 64;

/** Channel states a task holds between capture and acknowledgement (max concurrent checkpoints is 1). */
const MAX_COMPLETED_CHANNEL_STATES = 8;

/** Forwards to the next operator of the chain. */
class ChainingOutput implements Output {
  constructor(private readonly next: StreamOperator) {}
  collect(value: unknown, timestamp_ms: number): void {
    this.next.processElement(value, timestamp_ms);
  }
  /** An operator followed by a chained one has no side-output consumers (side-output edges never chain). */
  collectSide(): void {}
  emitWatermark(watermark_ms: number): void {
    this.next.processWatermark(watermark_ms);
  }
  emitWatermarkStatus(status: WatermarkStatus): void {
    this.next.processWatermarkStatus(status);
  }
}

/**
 * The chain's tail output: a main-output record goes to every main-output edge's writer, a side-output record to
 * the writers of the edges reading that OutputTag; watermarks go to all (as Flink's RecordWriterOutput does).
 */
class WriterOutput implements Output {
  last_watermark_ms = MIN_WATERMARK;
  records_out = 0;
  private readonly main: RecordWriter[];
  private readonly side = new Map<string, RecordWriter[]>();
  constructor(
    private readonly writers: RecordWriter[],
    side_output_tags: readonly (string | undefined)[],
  ) {
    this.main = writers.filter((_, i) => side_output_tags[i] === undefined);
    writers.forEach((writer, i) => {
      const tag = side_output_tags[i];
      if (tag === undefined) return;
      const list = this.side.get(tag) ?? [];
      list.push(writer);
      this.side.set(tag, list);
    });
  }
  collect(value: unknown, timestamp_ms: number): void {
    this.records_out++;
    const writers = this.main;
    if (writers.length === 1) {
      writers[0]!.emit(value, timestamp_ms);
      return;
    }
    for (let i = 0; i < writers.length; i++) writers[i]!.emit(value, timestamp_ms);
  }
  collectSide(tag_id: string, value: unknown, timestamp_ms: number): void {
    const writers = this.side.get(tag_id);
    if (writers === undefined) return;
    this.records_out++;
    for (let i = 0; i < writers.length; i++) writers[i]!.emit(value, timestamp_ms);
  }
  emitWatermark(watermark_ms: number): void {
    // An idle stream announces no watermarks (Flink's RecordWriterOutput drops them while idle).
    if (watermark_ms <= this.last_watermark_ms || this.announced_status === 'idle') return;
    this.last_watermark_ms = watermark_ms;
    for (const writer of this.writers) writer.broadcastWatermark(watermark_ms);
  }
  private announced_status: WatermarkStatus = 'active';
  emitWatermarkStatus(status: WatermarkStatus): void {
    if (status === this.announced_status) return;
    this.announced_status = status;
    for (const writer of this.writers) writer.broadcastWatermarkStatus(status);
  }
}

export class Task implements OutputAvailabilityListener {
  readonly key: string;
  readonly vertex: JobVertex;
  readonly operators: StreamOperator[] = [];
  readonly gate: InputGate;
  readonly writers: RecordWriter[] = [];
  readonly output_channels: OutputChannel[] = [];
  readonly key_group_range: KeyGroupRange;
  readonly operator_states = new Map<string, OperatorListState<unknown>>();
  /** Keyed operator uid → the watermarks its restored key groups had reached (check metadata, see OperatorSnapshot). */
  private readonly restored_key_group_watermarks = new Map<string, [first: number, last: number, watermark_ms: number][]>();
  private readonly writer_output: WriterOutput;
  private source: SourceDriver | undefined;
  private source_node: GraphNode | undefined;
  status: TaskStatus = 'created';
  full_output_channels = 0;
  in_ready_queue = false;
  processing_time_due = false;
  records_in = 0;
  steps = 0;
  /** Aligned checkpoints: the checkpoint being aligned, and the newest checkpoint this task has snapshotted. */
  private aligning_checkpoint: number | undefined = undefined;
  private last_checkpoint_id = 0;
  alignment_started_ms = 0;
  /** The checkpoint being aligned is a savepoint: aligned even in unaligned mode, never switched on timeout. */
  private alignment_forced = false;
  /** At-least-once mode: barriers are counted, several checkpoints at once (Flink's CheckpointBarrierTracker). */
  private readonly tracker: BarrierTracker | undefined;

  constructor(
    readonly host: TaskHost,
    readonly graph: JobGraph,
    readonly plan: ExecutionPlan,
    readonly placement: Placement,
    vertex_index: number,
    readonly subtask_index: number,
  ) {
    const vertex = plan.vertices[vertex_index];
    if (vertex === undefined) throw new Error(`no vertex ${vertex_index}`);
    this.vertex = vertex;
    this.key = `${vertex_index}/${subtask_index}`;
    this.key_group_range = computeKeyGroupRangeForOperatorIndex(vertex.max_parallelism, vertex.parallelism, subtask_index);
    const fail = (message: string, detail?: Record<string, unknown>): never => host.fail(message, { task: this.key, ...detail });
    this.gate = new InputGate(fail);

    for (const edge_index of vertex.output_edges) {
      const edge = plan.edges[edge_index]!;
      const channels = targetSubtasks(plan, edge, subtask_index).map((target) => {
        const target_node = placement[edge.target_vertex]![target]!;
        const channel = new OutputChannel(
          channelId(edge.index, subtask_index, target),
          target_node,
          target_node === host.node_id,
          host.network,
          host.transport,
          this,
          fail,
        );
        this.output_channels.push(channel);
        return channel;
      });
      const target_vertex = plan.vertices[edge.target_vertex]!;
      this.writers.push(new RecordWriter(channels, edge.partitioning, edge.key_selector, target_vertex.max_parallelism, subtask_index));
    }
    for (const edge_index of vertex.input_edges) {
      const edge = plan.edges[edge_index]!;
      for (const source of sourceSubtasks(plan, edge, subtask_index)) {
        const source_node = placement[edge.source_vertex]![source]!;
        this.gate.addChannel(
          channelId(edge.index, source, subtask_index),
          source_node,
          source_node === host.node_id,
          host.network.input_buffers_per_channel,
          edge.input,
        );
      }
    }

    this.tracker =
      host.checkpointing_mode === 'at_least_once' && this.gate.channels.length > 0
        ? new BarrierTracker(this.gate.channels.length, (index) => this.gate.channels[index]?.ended !== true)
        : undefined;
    this.writer_output = new WriterOutput(
      this.writers,
      vertex.output_edges.map((edge_index) => plan.edges[edge_index]!.side_output_tag),
    );
    const operator_env: OperatorEnvironment = {
      subtask_index,
      parallelism: vertex.parallelism,
      max_parallelism: vertex.max_parallelism,
      key_group_range: this.key_group_range,
      // Operators see processing time as Flink's do (System.currentTimeMillis()): whole milliseconds of the process clock.
      now_ms: () => Math.floor(host.now_ms()),
      createKeyedBackend: (uid, range, max_parallelism) => host.createKeyedBackend(uid, range, max_parallelism),
      requestProcessingTimeWakeup: (time_ms) => host.wakeAfter(this, Math.max(0, time_ms - host.now_ms())),
      getOperatorListState: (uid, name, mode) => this.getOperatorListState(uid, name, mode),
      restored: host.restored_checkpoint_id !== undefined && host.restored_checkpoint_id !== null,
      task_name: vertex.name,
      probe: (name) => host.probe?.(name),
      ...(host.seams !== undefined ? { seams: host.seams } : {}),
      fail,
    };
    const chained_nodes = vertex.node_ids.map((id) => graph.node(id));
    for (const node of chained_nodes) {
      if (node.operator.kind === 'source') {
        this.source_node = node;
        continue;
      }
      this.operators.push(
        node.operator.kind === 'two_input'
          ? createTwoInputOperator(node, operator_env, node.operator.spec)
          : createOperator(node, operator_env, (sink_node) => this.createSinkWriter(sink_node)),
      );
    }
    this.gated_operators = this.operators.filter((operator) => operator instanceof SinkOperator);
    const head = this.operators[0];
    if (head !== undefined && isTwoInputOperator(head)) this.two_input_head = head;
    if ((this.gate.input_count === 2) !== (this.two_input_head !== undefined)) {
      host.fail('a task has two inputs exactly when its head operator does', { task: this.key, inputs: this.gate.input_count });
    }
    for (let i = 0; i < this.operators.length; i++) {
      const next = this.operators[i + 1];
      this.operators[i]!.output = next === undefined ? this.tailOutput() : new ChainingOutput(next);
    }
    const source_node = this.source_node;
    if (source_node !== undefined && source_node.operator.kind === 'source') {
      const head = this.operators[0] === undefined ? this.tailOutput() : new ChainingOutput(this.operators[0]);
      const reader = source_node.operator.source.createReader({
        node_id: host.node_id,
        subtask_index,
        parallelism: vertex.parallelism,
        reply_tag: `${host.attempt}/${this.key}`,
        job_manager: () => host.job_manager(),
        now_ms: () => host.now_ms(),
        send: (to, message) => host.send(to, message),
        wake: () => host.wake(this),
        wakeAfter: (after_ms) => host.wakeAfter(this, after_ms),
        getOperatorListState: (name, mode) => this.getOperatorListState(source_node.uid, name, mode),
        log: (event, fields) => host.log(event, { task: this.key, ...fields }),
        probe: (name) => host.probe?.(name),
      });
      this.source = new SourceDriver(reader, source_node.operator.watermarks, head, () => host.now_ms());
    }
  }

  private tailOutput(): Output {
    if (this.writers.length > 0) return this.writer_output;
    return {
      collect: () => this.host.fail('records emitted by an operator without outputs', { task: this.key }),
      collectSide: () => {},
      emitWatermark: () => {},
      emitWatermarkStatus: () => {},
    };
  }

  /** Sink writers with checkpoint hooks (transactional, idempotent, at-least-once sinks), by reply tag. */
  readonly checkpointed_writers = new Map<string, CheckpointedSinkWriter<unknown>>();
  private readonly writer_uids = new Map<string, string>();

  /**
   * Sink writers get the CheckpointedSinkWriterContext: a reply tag routed back to them, the restored checkpoint,
   * logging, probes and invariant failures.
   */
  private createSinkWriter(node: GraphNode): SinkWriter<unknown> {
    if (node.operator.kind !== 'sink') throw new Error('not a sink');
    const host = this.host;
    const reply_tag = `${host.attempt}/${this.key}/${node.uid}`;
    const writer = node.operator.sink.createWriter({
      node_id: host.node_id,
      subtask_index: this.subtask_index,
      parallelism: this.vertex.parallelism,
      sink_name: node.uid,
      now_ms: () => host.now_ms(),
      send: (to, message) => host.send(to, message),
      wakeAfter: (after_ms) => host.wakeAfter(this, after_ms),
      getOperatorListState: (name, mode) => this.getOperatorListState(node.uid, name, mode),
      reply_tag,
      restored_checkpoint_id: host.restored_checkpoint_id ?? null,
      attempt: host.attempt,
      log: (event: string, fields?: Record<string, unknown>) => host.log(event, { task: this.key, ...fields }),
      probe: (name: string) => host.probe?.(name),
      fail_invariant: (message: string, detail?: Record<string, unknown>) => host.fail(message, { task: this.key, ...detail }),
    } as Parameters<typeof node.operator.sink.createWriter>[0]);
    if (is_checkpointed_sink_writer(writer)) {
      this.checkpointed_writers.set(reply_tag, writer);
      this.writer_uids.set(reply_tag, node.uid);
    }
    return writer;
  }

  /** A reply (tagged with a writer's reply_tag) from an external system. */
  routeToSinkWriter(reply_tag: string, message: unknown): boolean {
    const writer = this.checkpointed_writers.get(reply_tag);
    if (writer === undefined) return false;
    writer.onMessage(message);
    if (this.status === 'running') this.host.wake(this);
    return true;
  }

  /** True when every checkpointed sink writer made its part of `checkpoint_id` durable (e.g. pre-committed). */
  isSnapshotDurable(checkpoint_id: number): boolean {
    for (const writer of this.checkpointed_writers.values()) if (!writer.isSnapshotDurable(checkpoint_id)) return false;
    return true;
  }

  notifyCheckpointComplete(checkpoint_id: number): void {
    // Channel states of this checkpoint and older ones are acknowledged or subsumed (a lost abort notification too).
    for (const id of [...this.completed_channel_states.keys()]) if (id <= checkpoint_id) this.completed_channel_states.delete(id);
    for (const writer of this.checkpointed_writers.values()) writer.notifyCheckpointComplete(checkpoint_id);
    for (const operator of this.operators) operator.keyed_backend?.notify_checkpoint_complete(checkpoint_id);
    if (this.status === 'running') this.host.wake(this);
  }

  notifyCheckpointAborted(checkpoint_id: number): void {
    if (checkpoint_id > this.last_checkpoint_id) {
      // Its barrier (or, for a finished task, its trigger) has not reached this task yet: when it does, the task
      // forwards it but takes no snapshot (Flink's SubtaskCheckpointCoordinator.checkAndClearAbortedStatus), so a sink
      // never pre-commits for a dead checkpoint.
      this.aborted_ahead.add(checkpoint_id);
      if (this.aborted_ahead.size > MAX_ABORTED_AHEAD) this.aborted_ahead.delete(this.aborted_ahead.values().next().value as number);
    }
    this.abortAlignment(checkpoint_id);
    for (const writer of this.checkpointed_writers.values()) writer.notifyCheckpointAborted(checkpoint_id);
    for (const operator of this.operators) operator.keyed_backend?.notify_checkpoint_aborted(checkpoint_id);
  }

  /** Checkpoints aborted before their barrier arrived here (bounded by MAX_ABORTED_AHEAD, oldest forgotten first). */
  private readonly aborted_ahead = new Set<number>();

  /** True (once) when the barrier of `checkpoint_id` completed here after the checkpoint was aborted: no snapshot. */
  takeAbortedAhead(checkpoint_id: number): boolean {
    if (!this.aborted_ahead.delete(checkpoint_id)) return false;
    for (const id of this.aborted_ahead) if (id < checkpoint_id) this.aborted_ahead.delete(id);
    this.host.probe?.('checkpoint.snapshot_skipped_aborted');
    this.host.log('checkpoint.snapshot_skipped', { task: this.key, checkpoint_id, reason: 'aborted before its barrier arrived' });
    return true;
  }

  /**
   * A finished task was triggered for `checkpoint_id`: true when it takes the snapshot, false when the checkpoint was
   * aborted before the trigger arrived (or the trigger is older than one it already saw). Flink's checkpointState: the
   * last triggered id is recorded first, then an aborted checkpoint is skipped.
   */
  takeFinishedTrigger(checkpoint_id: number): boolean {
    if (this.status !== 'finished') this.host.fail('takeFinishedTrigger on a task that is not finished', { task: this.key, checkpoint_id });
    if (checkpoint_id <= this.last_checkpoint_id) return false;
    this.last_checkpoint_id = checkpoint_id;
    return !this.takeAbortedAhead(checkpoint_id);
  }

  /** Finished tasks do not step; their sink writers still need ticks to commit or retry requests. */
  tickFinishedWriters(): void {
    if (this.status !== 'finished') return;
    for (const operator of this.operators) if (operator instanceof SinkOperator) operator.writer.flush(false);
  }

  /** True when no sink writer has a pre-committed transaction or a request still waiting for its store. */
  sinkWritersSettled(): boolean {
    for (const writer of this.checkpointed_writers.values()) {
      const stats = (writer as { stats?: () => { pending_transactions?: number; pending_requests?: number } }).stats?.();
      if (stats !== undefined && ((stats.pending_transactions ?? 0) > 0 || (stats.pending_requests ?? 0) > 0)) return false;
    }
    return true;
  }

  /** A sink writer that can no longer guarantee its output: the task must fail. */
  failure(): string | null {
    for (const writer of this.checkpointed_writers.values()) {
      const reason = writer.failure();
      if (reason !== null) return reason;
    }
    return null;
  }

  /** Operator list state, kept per operator uid and state name (a checkpoint snapshots these). */
  getOperatorListState<T>(uid: string, name: string, mode: OperatorStateMode): OperatorListState<T> {
    const id = `${uid}/${name}`;
    let state = this.operator_states.get(id);
    if (state === undefined) {
      state = new OperatorListState<unknown>(name, mode);
      this.operator_states.set(id, state);
    }
    if (state.mode !== mode) throw new Error(`operator state ${id} registered with mode ${state.mode}`);
    return state as OperatorListState<T>;
  }

  get is_source(): boolean {
    return this.source !== undefined;
  }

  get source_reader(): SourceReader<unknown> | undefined {
    return this.source?.reader;
  }

  get records_out(): number {
    return this.writer_output.records_out;
  }

  start(): void {
    if (this.status !== 'created') this.host.fail('task started twice', { task: this.key });
    this.status = 'running';
    for (const writer of this.checkpointed_writers.values()) writer.initializeState();
    for (const operator of this.operators) operator.open();
    // Output channel state of an unaligned checkpoint leaves on its channel before anything new.
    for (const records of this.recovered_output) {
      const channel = this.output_channels.find((c) => c.id === records.channel);
      if (channel === undefined) this.host.fail('output channel state for an unknown channel', { task: this.key, channel: records.channel });
      for (let i = 0; i < records.values.length; i++) channel.addRecord(records.values[i], records.timestamps[i]!);
      channel.finishPartial();
    }
    this.recovered_output = [];
    this.startDeferredUnaligned();
    this.source?.reader.start();
    this.host.wake(this);
  }

  /** The task is thrown away (job ended, attempt cancelled): user functions' close(), once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.status === 'created') return;
    for (const operator of this.operators) operator.close?.();
  }
  private disposed = false;

  onOutputAvailable(): void {
    if (this.status === 'running') this.host.wake(this);
  }

  /** The buffer-timeout timer is armed (at most one per task; it flushes every output channel). */
  private flush_timer_armed = false;

  onPartialBufferStarted(): void {
    const timeout_ms = this.host.network.buffer_timeout_ms;
    if (this.flush_timer_armed || timeout_ms === null || timeout_ms === 0) return;
    this.flush_timer_armed = true;
    this.host.flushAfter(this, timeout_ms);
  }

  /** Buffer timeout: every partial output buffer leaves (as soon as its channel has credit). */
  flushOutputs(): void {
    this.flush_timer_armed = false;
    for (const channel of this.output_channels) channel.flush();
  }

  /** Operators that may refuse input (sinks); only these are asked per record. */
  private gated_operators: StreamOperator[] = [];

  private chainAvailable(): boolean {
    if (this.full_output_channels > 0) return false;
    const gated = this.gated_operators;
    for (let i = 0; i < gated.length; i++) if (!gated[i]!.isAvailable()) return false;
    return true;
  }

  /** Input side: a buffer arrived on a channel. Unaligned checkpoints look at barriers and channel state here. */
  receive(channel: InputChannel, buffer: NetworkBuffer): void {
    if (this.host.unaligned !== undefined && !this.receiveUnaligned(channel, buffer)) {
      if (this.status === 'running') this.host.wake(this);
      return;
    }
    this.gate.receive(channel, buffer);
    if (this.status === 'running') this.host.wake(this);
  }

  /**
   * Runs one bounded step: processes at most `budget_records` records. Returns true if the task could make progress
   * right away (it should be re-queued), false if it waits for input, credit, a fetch reply or a timer.
   */
  step(budget_records: number): boolean {
    if (this.status !== 'running') return false;
    this.steps++;
    if (this.aligning_checkpoint !== undefined && this.host.unaligned !== undefined) this.maybeSwitchToUnaligned();
    if (this.timeoutable_output !== undefined) this.maybeTimeoutQueuedBarrier();
    if (this.announced !== undefined) this.maybeTimeoutAnnouncedBarrier();
    if (this.processing_time_due) {
      this.processing_time_due = false;
      const now = Math.floor(this.host.now_ms());
      for (const operator of this.operators) operator.onProcessingTime(now);
    }
    const more = this.source !== undefined ? this.stepSource(budget_records) : this.stepInput(budget_records);
    // Source idleness (withIdleness) is checked on the process clock, also while no record arrives or the source is
    // backpressured (every record emitted so far is already in the output, so a watermark may follow at any time).
    if (this.source !== undefined && this.status === 'running') {
      let check_ms = this.source.nextIdlenessCheckMs();
      if (check_ms !== undefined && check_ms <= this.host.now_ms()) {
        this.source.advanceWatermark();
        check_ms = this.source.nextIdlenessCheckMs();
      }
      if (check_ms !== undefined) this.host.wakeAfter(this, Math.max(1, check_ms - this.host.now_ms()));
    }
    for (const operator of this.operators) operator.flush();
    this.returnCredits();
    return more && this.status === 'running';
  }

  private stepSource(budget_records: number): boolean {
    const source = this.source!;
    let budget = budget_records;
    let more = false;
    while (budget > 0 && this.chainAvailable()) {
      source.emitted = 0;
      const status = source.reader.pollNext(source, Math.min(budget, this.host.network.buffer_records));
      budget -= source.emitted;
      this.records_in += source.emitted;
      source.advanceWatermark();
      if (status === 'end_of_input') {
        this.finishInput();
        return false;
      }
      if (status === 'nothing_available' || source.emitted === 0) return false;
      more = true;
    }
    return more && budget <= 0 && this.chainAvailable();
  }

  private stepInput(budget_records: number): boolean {
    const gate = this.gate;
    const head = this.operators[0]!;
    let budget = budget_records;
    // Channel state restored from an unaligned checkpoint goes into the chain before any new input.
    const recovered = this.recovered_input;
    while (recovered.length > 0 && budget > 0) {
      if (!this.chainAvailable()) return false;
      const head_records = recovered[0]!;
      const second = this.gate.by_id.get(head_records.channel)?.input === 2 ? this.two_input_head : undefined;
      let i = this.recovered_cursor;
      while (i < head_records.values.length && budget > 0) {
        if (second === undefined) head.processElement(head_records.values[i], head_records.timestamps[i]!);
        else second.processElement2(head_records.values[i], head_records.timestamps[i]!);
        i++;
        budget--;
        this.records_in++;
        if (!this.chainAvailable()) break;
      }
      if (i >= head_records.values.length) {
        recovered.shift();
        this.recovered_cursor = 0;
      } else this.recovered_cursor = i;
    }
    if (recovered.length > 0) return this.chainAvailable();
    while (budget > 0) {
      if (!this.chainAvailable()) return false;
      const channel = gate.nextReadable();
      if (channel === undefined) return false;
      const buffer = channel.queue[0]!;
      switch (buffer.kind) {
        case 'records': {
          const values = buffer.values;
          const timestamps = buffer.timestamps;
          // A watermark at position p is processed right after the p-th record (position 0: before the first).
          const watermarks = buffer.watermarks;
          // A two-input head takes input 2's records through processElement2 (input 1: processElement).
          const second = channel.input === 2 ? this.two_input_head : undefined;
          let i = channel.cursor;
          const n = values.length;
          if (watermarks !== undefined && i === 0) this.processBufferedWatermarks(channel, watermarks, 0);
          while (i < n && budget > 0) {
            if (second === undefined) head.processElement(values[i], timestamps[i]!);
            else second.processElement2(values[i], timestamps[i]!);
            i++;
            budget--;
            this.records_in++;
            if (watermarks !== undefined) this.processBufferedWatermarks(channel, watermarks, i);
            if (!this.chainAvailable()) break;
          }
          if (this.tracker?.pastBarrier(channel.index) === true) {
            // At-least-once: records behind the barrier on a channel that delivered it enter state before the snapshot.
            if (this.records_past_barrier === 0) this.host.probe?.('checkpoint.at_least_once_records_past_barrier');
            this.records_past_barrier += i - channel.cursor;
          }
          if (i >= n) gate.consumeHead(channel);
          else channel.cursor = i;
          break;
        }
        case 'barrier': {
          gate.consumeHead(channel);
          this.onBarrier(channel, buffer.checkpoint_id, buffer.aligned === true, buffer.timestamp_ms);
          break;
        }
        case 'end_of_partition': {
          gate.consumeHead(channel);
          const { all_ended, change } = gate.onEndOfPartition(channel);
          if (change !== undefined) this.applyValveChange(channel.input, change);
          // Flink's endInput(inputId): one input of a two-input operator is exhausted (the other may go on).
          if (this.two_input_head !== undefined && gate.inputEnded(channel.input)) this.two_input_head.endInput(channel.input);
          this.maybeCompleteAlignment();
          if (this.tracker !== undefined) this.onTracked(this.tracker.onChannelEnded());
          if (all_ended) {
            this.finishInput();
            return false;
          }
          break;
        }
      }
    }
    return gate.hasReadable() && this.chainAvailable();
  }

  private processBufferedWatermarks(channel: InputChannel, watermarks: readonly BufferedWatermark[], position: number): void {
    for (const mark of watermarks) {
      if (mark.after_records > position) return;
      if (mark.after_records < position) continue;
      if (mark.status !== undefined) {
        const change = this.gate.onWatermarkStatus(channel, mark.status);
        if (change !== undefined) this.applyValveChange(channel.input, change);
        continue;
      }
      const advanced = this.gate.onWatermark(channel, mark.timestamp_ms);
      if (advanced !== undefined) this.processInputWatermark(channel.input, advanced);
    }
  }

  /** An input's merged watermark advanced: to the head (a two-input head combines both inputs, as Flink's operators do). */
  private processInputWatermark(input: 1 | 2, watermark_ms: number): void {
    if (input === 2) this.two_input_head!.processWatermark2(watermark_ms);
    else this.operators[0]!.processWatermark(watermark_ms);
  }

  /**
   * What an input's valve emits: an 'active' status before the watermark, an 'idle' one after it. A two-input head
   * combines its inputs' statuses (an idle input stops holding its watermark back, as in Flink).
   */
  private applyValveChange(input: 1 | 2, change: ValveChange): void {
    if (change.status === 'active') this.processInputStatus(input, 'active');
    if (change.watermark !== undefined) this.processInputWatermark(input, change.watermark);
    if (change.status === 'idle') this.processInputStatus(input, 'idle');
  }

  private processInputStatus(input: 1 | 2, status: WatermarkStatus): void {
    if (input === 2) this.two_input_head!.processWatermarkStatus2(status);
    else this.operators[0]!.processWatermarkStatus(status);
  }

  /**
   * Stop-with-savepoint --drain: a source task emits MAX_WATERMARK right before the savepoint barrier, so windows
   * and event-time timers fire into the savepoint and the sinks. The job is not resumed afterwards.
   */
  drainWatermark(): void {
    if (this.source === undefined || this.status !== 'running' || this.source.watermark_ms >= MAX_WATERMARK) return;
    this.source.emitFinalWatermark();
  }

  /** End of all input: final watermark (sources), finish operators in chain order, end-of-partition downstream. */
  private finishInput(): void {
    if (this.source !== undefined && this.source.watermark_ms < MAX_WATERMARK) this.source.emitFinalWatermark();
    for (const operator of this.operators) operator.finish();
    for (const writer of this.writers) writer.broadcastEvent({ kind: 'end_of_partition' });
    this.status = 'finished';
    this.host.log('task.finished', { task: this.key, vertex: this.vertex.name, records_in: this.records_in });
    this.host.onTaskFinished(this);
  }

  private returnCredits(): void {
    for (const channel of this.gate.channels) {
      if (channel.pending_credit > 0) {
        const credits = channel.pending_credit;
        channel.pending_credit = 0;
        this.host.transport.returnCredit(channel, credits);
      }
    }
  }

  /** Emits an event to every output channel, after every record emitted so far (barriers). */
  broadcastEvent(buffer: NetworkBuffer): void {
    for (const writer of this.writers) writer.broadcastEvent(buffer);
  }

  // ---- checkpoints ------------------------------------------------------------------------------------------

  /**
   * Aligned (exactly-once) barrier handling: the first barrier of checkpoint n starts the alignment; each channel
   * that delivered barrier n is blocked until every channel that has not ended delivered it; then the task
   * snapshots, forwards the barrier and unblocks. A newer barrier abandons an older alignment; older ones are ignored.
   */
  private onBarrier(channel: InputChannel, checkpoint_id: number, forced_aligned = false, checkpoint_start_ms?: number): void {
    if (this.host.onBarrierAligned === undefined) {
      this.host.fail('barrier received but checkpointing is not enabled', { task: this.key, checkpoint_id });
    }
    if (checkpoint_id <= this.last_checkpoint_id) return;
    if (this.tracker !== undefined) {
      const tracker = this.tracker;
      // The other input's barrier arrives while this one's is still counted (two-input tasks).
      if (this.gate.channels.some((c) => c.input !== channel.input && tracker.pastBarrier(c.index))) this.host.probe?.('checkpoint.at_least_once_across_inputs');
      this.onTracked(tracker.onBarrier(channel.index, checkpoint_id));
      return;
    }
    if (this.collecting !== undefined) this.abandonCollection('overtaken by a newer barrier', 'CHECKPOINT_DECLINED_SUBSUMED');
    if (this.aligning_checkpoint !== undefined && checkpoint_id < this.aligning_checkpoint) return;
    if (this.aligning_checkpoint !== undefined && checkpoint_id > this.aligning_checkpoint) {
      const abandoned = this.aligning_checkpoint;
      this.gate.unblockAll();
      this.barrier_seen.clear();
      this.aligning_checkpoint = undefined;
      this.host.probe?.('checkpoint.alignment_overtaken');
      this.host.onAlignmentAborted?.(this, abandoned, `overtaken by the barrier of checkpoint ${checkpoint_id}`, 'CHECKPOINT_DECLINED_SUBSUMED');
    }
    if (this.aligning_checkpoint === undefined) {
      this.aligning_checkpoint = checkpoint_id;
      this.alignment_started_ms = this.host.now_ms();
      // Flink measures the aligned-checkpoint timeout from the checkpoint's start (the barrier's timestamp).
      this.alignment_checkpoint_start_ms = checkpoint_start_ms ?? this.alignment_started_ms;
      this.barrier_seen.clear();
      this.alignment_forced = forced_aligned;
      this.alignment_first_input = channel.input;
      this.alignment_spans_inputs = false;
      const remaining_ms = this.alignmentTimeoutRemainingMs();
      if (remaining_ms !== undefined && remaining_ms > 0) this.host.wakeAfter(this, remaining_ms);
    }
    if (this.barrier_seen.has(channel.index)) this.host.fail('second barrier on one channel', { task: this.key, channel: channel.id });
    this.barrier_seen.add(channel.index);
    if (channel.input === 1 || this.host.seams?.align_input_1_only !== true) this.gate.blockChannel(channel);
    if (this.barrier_seen.size === 1 && this.gate.channels.length > 1) this.host.probe?.('checkpoint.alignment_started');
    if (channel.input !== this.alignment_first_input && !this.alignment_spans_inputs) {
      // The other input's first barrier arrives while the first input is blocked.
      this.alignment_spans_inputs = true;
      this.host.probe?.('checkpoint.aligned_across_inputs');
    }
    // A barrier that arrives after the timeout (any number of channels): the checkpoint continues unaligned at once.
    if (this.maybeSwitchToUnaligned()) return;
    this.maybeCompleteAlignment();
  }

  /** Start of the checkpoint being aligned, from its barrier (the JobManager's trigger time). */
  private alignment_checkpoint_start_ms = 0;

  /** Time left before the alignment of the current checkpoint times out; undefined when it cannot time out. */
  private alignmentTimeoutRemainingMs(): number | undefined {
    const timeout_ms = this.host.unaligned?.aligned_checkpoint_timeout_ms;
    if (this.aligning_checkpoint === undefined || timeout_ms === undefined || timeout_ms === 0 || this.alignment_forced) return undefined;
    return this.alignment_checkpoint_start_ms + timeout_ms - this.host.now_ms();
  }

  /** Channels that delivered the barrier of the checkpoint being aligned (they stay blocked until it completes). */
  private readonly barrier_seen = new Set<number>();
  /** Keyed operator uid → the watermark its restored state had fired timers up to (recorded with every snapshot). */
  private readonly restored_watermarks = new Map<string, number>();
  /** Two-input tasks: the input of the alignment's first barrier, and whether the other input's arrived since. */
  private alignment_first_input: 1 | 2 = 1;
  private alignment_spans_inputs = false;
  /** The head operator when it has two inputs (input 2's records and watermarks go to it directly). */
  private two_input_head: TwoInputStreamOperator | undefined = undefined;

  /**
   * At-least-once: every open channel delivered the barrier of `outcome.snapshot` (older checkpoints still counted are
   * subsumed, as in Flink's tracker: they get no acknowledgement from this task). Snapshot and forward the barrier.
   */
  private onTracked(outcome: TrackerOutcome): void {
    if (outcome === undefined) return;
    if (outcome.subsumed.length > 0) this.host.probe?.('checkpoint.at_least_once_subsumed');
    this.last_checkpoint_id = outcome.snapshot;
    this.host.onBarrierAligned!(this, outcome.snapshot);
    this.broadcastEvent({ kind: 'barrier', checkpoint_id: outcome.snapshot });
    if (this.status === 'running') this.host.wake(this);
  }

  private maybeCompleteAlignment(): void {
    const id = this.aligning_checkpoint;
    if (id === undefined) return;
    let ended = 0;
    for (const channel of this.gate.channels) {
      if (channel.ended) ended++;
      else if (!this.barrier_seen.has(channel.index)) return;
    }
    if (ended > 0) this.host.probe?.('checkpoint.aligned_with_finished_input');
    this.barrier_seen.clear();
    this.aligning_checkpoint = undefined;
    this.last_checkpoint_id = id;
    this.last_alignment_ms = this.host.now_ms() - this.alignment_started_ms;
    this.max_alignment_ms = Math.max(this.max_alignment_ms, this.last_alignment_ms);
    this.host.onBarrierAligned!(this, id);
    const start_ms = this.alignment_checkpoint_start_ms;
    this.broadcastEvent(this.alignment_forced ? { kind: 'barrier', checkpoint_id: id, aligned: true } : { kind: 'barrier', checkpoint_id: id, timestamp_ms: start_ms });
    if (!this.alignment_forced) this.watchQueuedBarrier(id, start_ms);
    this.gate.unblockAll();
    if (this.status === 'running') this.host.wake(this);
  }

  /**
   * Sources: called between steps, so every record emitted so far precedes the barrier in every channel. In pure
   * unaligned mode the barrier overtakes the output queues and what it overtook is the source's channel state.
   */
  triggerSourceCheckpoint(checkpoint_id: number, savepoint = false, checkpoint_start_ms = this.host.now_ms()): void {
    if (this.source === undefined) this.host.fail('checkpoint triggered on a non-source task', { task: this.key });
    if (checkpoint_id <= this.last_checkpoint_id) return;
    this.last_checkpoint_id = checkpoint_id;
    if (this.host.unaligned?.aligned_checkpoint_timeout_ms === 0 && !savepoint) {
      this.startUnaligned(checkpoint_id, undefined);
      return;
    }
    this.host.onBarrierAligned!(this, checkpoint_id);
    this.broadcastEvent(savepoint ? { kind: 'barrier', checkpoint_id, aligned: true } : { kind: 'barrier', checkpoint_id, timestamp_ms: checkpoint_start_ms });
    if (!savepoint) this.watchQueuedBarrier(checkpoint_id, checkpoint_start_ms);
  }

  // ---- timeoutable barriers in output queues ----------------------------------------------------------------

  /**
   * The aligned barrier this task forwarded and that still waits in some output queue (behind buffers without
   * credit), with the records already overtaken where the timeout made it a priority barrier. At most one: the
   * aligned-checkpoint timeout exists only with unaligned checkpoints, which allow one checkpoint at a time.
   */
  private timeoutable_output: { checkpoint_id: number; deadline_ms: number; output: ChannelRecords[] } | undefined = undefined;

  /**
   * Flink's timeoutable aligned barrier: with an aligned-checkpoint timeout, a barrier still queued when the timeout
   * (from the checkpoint's start) runs out overtakes the buffers ahead of it as a priority barrier, and what it
   * overtook becomes this task's output channel state; the acknowledgement waits until the barrier left every queue.
   */
  private watchQueuedBarrier(checkpoint_id: number, checkpoint_start_ms: number): void {
    const timeout_ms = this.host.unaligned?.aligned_checkpoint_timeout_ms;
    if (timeout_ms === undefined || timeout_ms === 0) return;
    if (!this.output_channels.some((channel) => channel.hasQueuedBarrier(checkpoint_id))) return;
    this.timeoutable_output = { checkpoint_id, deadline_ms: checkpoint_start_ms + timeout_ms, output: [] };
    this.host.probe?.('checkpoint.timeoutable_barrier_queued');
    const remaining_ms = this.timeoutable_output.deadline_ms - this.host.now_ms();
    if (remaining_ms > 0) this.host.wakeAfter(this, remaining_ms);
    else this.maybeTimeoutQueuedBarrier();
  }

  /** The deadline of the queued barrier passed: it leaves now, overtaking what is queued ahead of it. */
  private maybeTimeoutQueuedBarrier(): void {
    const watched = this.timeoutable_output;
    if (watched === undefined || this.host.now_ms() < watched.deadline_ms) return;
    let promoted = false;
    for (const channel of this.output_channels) {
      const overtaken = channel.promoteQueuedBarrier(watched.checkpoint_id);
      if (overtaken === undefined) continue;
      promoted = true;
      if (overtaken.values.length > 0) watched.output.push(overtaken);
    }
    if (promoted) {
      this.host.probe?.('checkpoint.output_barrier_timeout');
      this.timeout_switches++;
      this.host.log('checkpoint.alignment_timeout_switch', { task: this.key, checkpoint_id: watched.checkpoint_id, timeout_ms: this.host.unaligned?.aligned_checkpoint_timeout_ms, side: 'output' });
    }
    this.finishQueuedBarrier();
  }

  /**
   * The newest timeoutable barrier that arrived on an input channel but is still queued behind records (Flink's
   * barrier announcement): the task may be backpressured and not reach it, yet the checkpoint still times out.
   */
  private announced: { checkpoint_id: number; deadline_ms: number } | undefined = undefined;

  private announceBarrier(barrier: Extract<NetworkBuffer, { kind: 'barrier' }>): void {
    const timeout_ms = this.host.unaligned?.aligned_checkpoint_timeout_ms;
    if (timeout_ms === undefined || timeout_ms === 0 || barrier.aligned === true || barrier.timestamp_ms === undefined) return;
    if (barrier.checkpoint_id <= this.last_checkpoint_id || (this.announced !== undefined && barrier.checkpoint_id <= this.announced.checkpoint_id)) return;
    this.announced = { checkpoint_id: barrier.checkpoint_id, deadline_ms: barrier.timestamp_ms + timeout_ms };
    const remaining_ms = this.announced.deadline_ms - this.host.now_ms();
    if (remaining_ms > 0) this.host.wakeAfter(this, remaining_ms);
  }

  /**
   * An announced barrier's checkpoint timed out before the task consumed the barrier: the checkpoint continues
   * unaligned here at once (the queued barriers are taken out of their channels, the records ahead of them are
   * channel state), as Flink converts an announced barrier to a priority event.
   */
  private maybeTimeoutAnnouncedBarrier(): void {
    const announced = this.announced;
    if (announced === undefined || this.host.now_ms() < announced.deadline_ms) return;
    this.announced = undefined;
    const id = announced.checkpoint_id;
    if (id <= this.last_checkpoint_id || this.collecting?.checkpoint_id === id) return;
    if (this.aligning_checkpoint === id) {
      this.maybeSwitchToUnaligned();
      return;
    }
    if (this.aligning_checkpoint !== undefined && this.aligning_checkpoint > id) return;
    if (this.aligning_checkpoint !== undefined) {
      const abandoned = this.aligning_checkpoint;
      this.gate.unblockAll();
      this.barrier_seen.clear();
      this.aligning_checkpoint = undefined;
      this.host.onAlignmentAborted?.(this, abandoned, `overtaken by the barrier of checkpoint ${id}`, 'CHECKPOINT_DECLINED_SUBSUMED');
    }
    this.host.probe?.('checkpoint.alignment_timeout_switch');
    this.host.probe?.('checkpoint.announced_barrier_timeout');
    this.timeout_switches++;
    this.host.log('checkpoint.alignment_timeout_switch', { task: this.key, checkpoint_id: id, timeout_ms: this.host.unaligned?.aligned_checkpoint_timeout_ms, side: 'announced' });
    this.startUnaligned(id, undefined);
  }

  /** OutputAvailabilityListener: a queued barrier left in order; once none waits, the acknowledgement may go. */
  onQueuedBarrierSent(checkpoint_id: number): void {
    if (this.timeoutable_output?.checkpoint_id === checkpoint_id) this.finishQueuedBarrier();
  }

  private finishQueuedBarrier(): void {
    const watched = this.timeoutable_output;
    if (watched === undefined || this.output_channels.some((channel) => channel.hasQueuedBarrier(watched.checkpoint_id))) return;
    this.timeoutable_output = undefined;
    if (watched.output.length > 0) this.storeChannelState(watched.checkpoint_id, { input: [], output: watched.output });
    else this.host.onChannelStateComplete?.(this, watched.checkpoint_id);
  }

  // ---- unaligned checkpoints --------------------------------------------------------------------------------

  /** Priority barriers that arrived before start() (handled right after it). */
  private readonly deferred_priority_barriers: { channel: InputChannel; checkpoint_id: number; queued_before: number }[] = [];
  /** The unaligned checkpoint whose channel state is still being collected (at most one: max concurrent 1). */
  private collecting: ChannelStateCollection | undefined = undefined;
  /** Complete channel states waiting for their acknowledgement (bounded by MAX_COMPLETED_CHANNEL_STATES). */
  private readonly completed_channel_states = new Map<number, ChannelState>();
  /** Restored input channel state not yet processed, and the records of its head already processed. */
  private readonly recovered_input: ChannelRecords[] = [];
  private recovered_cursor = 0;
  private recovered_output: ChannelRecords[] = [];
  /** Time from the first barrier to the snapshot of the newest checkpoint (0 for unaligned snapshots), and the max. */
  last_alignment_ms = 0;
  max_alignment_ms = 0;
  /** At-least-once: records processed after their channel's barrier but before the snapshot (duplicates on restore). */
  records_past_barrier = 0;
  /** Records captured as channel state by this task's unaligned snapshots (input and output side). */
  channel_state_records = 0;
  unaligned_snapshots = 0;
  timeout_switches = 0;

  /**
   * Unaligned barrier handling on arrival. Returns false when the buffer must not be queued (a barrier that was
   * handled here). Records arriving on a channel whose barrier has not come yet are channel state.
   */
  private receiveUnaligned(channel: InputChannel, buffer: NetworkBuffer): boolean {
    const collecting = this.collecting;
    if (collecting !== undefined && collecting.waiting.has(channel.index)) {
      const waiting = collecting.waiting.get(channel.index)!;
      if (buffer.kind === 'records') {
        for (let i = 0; i < buffer.values.length; i++) {
          waiting.records.values.push(buffer.values[i]);
          waiting.records.timestamps.push(buffer.timestamps[i]!);
        }
        waiting.buffers++;
        if (waiting.buffers > this.channelStateBound(channel)) {
          this.host.probe?.('checkpoint.channel_state_over_bound');
          this.abandonCollection(`channel state of ${channel.id} exceeds its bound`, 'CHECKPOINT_DECLINED');
        }
        return true;
      }
      if (buffer.kind === 'end_of_partition') {
        this.channelStateDone(collecting, channel);
        return true;
      }
      if (buffer.kind === 'barrier' && buffer.checkpoint_id === collecting.checkpoint_id) {
        if (buffer.priority !== true) channel.pending_credit++; // it used a credit but is never queued
        this.channelStateDone(collecting, channel);
        return false;
      }
      if (buffer.kind === 'barrier' && buffer.checkpoint_id > collecting.checkpoint_id) {
        this.abandonCollection('overtaken by a newer barrier', 'CHECKPOINT_DECLINED_SUBSUMED');
      } else return true;
    }
    if (buffer.kind === 'barrier' && buffer.priority !== true) {
      this.announceBarrier(buffer);
      return true;
    }
    if (buffer.kind !== 'barrier') return true;
    if (this.status === 'created') {
      // Data may reach a task before its own start message: snapshot only once its operators are open.
      this.deferred_priority_barriers.push({ channel, checkpoint_id: buffer.checkpoint_id, queued_before: channel.queue.length });
      if (this.deferred_priority_barriers.length > 2 * this.gate.channels.length) {
        this.host.fail('too many priority barriers before start', { task: this.key, held: this.deferred_priority_barriers.length });
      }
      return false;
    }
    // A priority barrier: the first barrier of an unaligned checkpoint (or an upstream task switched to unaligned).
    const id = buffer.checkpoint_id;
    if (id <= this.last_checkpoint_id || (this.collecting !== undefined && id <= this.collecting.checkpoint_id)) return false;
    if (this.aligning_checkpoint !== undefined && this.aligning_checkpoint !== id) {
      const abandoned = this.aligning_checkpoint;
      this.gate.unblockAll();
      this.barrier_seen.clear();
      this.aligning_checkpoint = undefined;
      this.host.probe?.('checkpoint.alignment_overtaken');
      this.host.onAlignmentAborted?.(this, abandoned, `overtaken by the barrier of checkpoint ${id}`, 'CHECKPOINT_DECLINED_SUBSUMED');
    }
    this.startUnaligned(id, channel);
    return false;
  }

  /**
   * Priority barriers that arrived before start: the newest checkpoint among them starts now, each of its barriers
   * placed after the buffers its channel held when it arrived (older checkpoints were superseded).
   */
  private startDeferredUnaligned(): void {
    const deferred = this.deferred_priority_barriers.splice(0);
    if (deferred.length === 0) return;
    const id = Math.max(...deferred.map((d) => d.checkpoint_id));
    if (id <= this.last_checkpoint_id) return;
    const positions = new Map<number, number>();
    for (const d of deferred) if (d.checkpoint_id === id) positions.set(d.channel.index, d.queued_before);
    this.startUnaligned(id, undefined, positions);
  }

  /** Channel state of one input channel holds at most its buffer bound (twice when waiting channels are consumed). */
  private channelStateBound(channel: InputChannel): number {
    return this.collecting?.blocking === true ? channel.capacity_buffers : 2 * channel.capacity_buffers + outputQueueHardBound(this.host.network);
  }

  /** Aligned-checkpoint timeout: the alignment of the current checkpoint took too long, continue it unaligned. */
  private maybeSwitchToUnaligned(): boolean {
    const id = this.aligning_checkpoint;
    const remaining_ms = this.alignmentTimeoutRemainingMs();
    if (id === undefined || remaining_ms === undefined || remaining_ms > 0) return false;
    const timeout_ms = this.host.unaligned?.aligned_checkpoint_timeout_ms;
    this.host.probe?.('checkpoint.alignment_timeout_switch');
    if (this.gate.channels.length === 1) this.host.probe?.('checkpoint.alignment_timeout_single_channel');
    this.timeout_switches++;
    this.host.log('checkpoint.alignment_timeout_switch', { task: this.key, checkpoint_id: id, timeout_ms, side: 'input' });
    this.startUnaligned(id, undefined);
    return true;
  }

  /**
   * Starts an unaligned checkpoint: channel state is captured (records queued before the barrier on every channel
   * whose barrier is not behind us), the operators are snapshotted at once, and the barrier is forwarded ahead of
   * every queued output buffer (those buffers become output channel state). Channels whose barrier has not arrived
   * keep adding to the channel state until it does.
   */
  private startUnaligned(checkpoint_id: number, arrived_on: InputChannel | undefined, barrier_positions?: ReadonlyMap<number, number>): void {
    if (this.collecting !== undefined) this.abandonCollection('overtaken by a newer barrier', 'CHECKPOINT_DECLINED_SUBSUMED');
    const blocking = this.host.unaligned?.aligned_checkpoint_timeout_ms === 0;
    const collection: ChannelStateCollection = { checkpoint_id, state: { input: [], output: [] }, waiting: new Map(), blocking };
    if (this.recovered_input.length > 0) {
      // Restored channel state not yet replayed belongs to this checkpoint's channel state too (it comes first).
      const [first, ...rest] = this.recovered_input;
      collection.state.input.push({ channel: first!.channel, values: first!.values.slice(this.recovered_cursor), timestamps: first!.timestamps.slice(this.recovered_cursor) });
      collection.state.input.push(...rest.map((r) => ({ channel: r.channel, values: [...r.values], timestamps: [...r.timestamps] })));
    }
    const aligned_before = new Set(this.aligning_checkpoint === checkpoint_id ? this.barrier_seen : []);
    if (this.aligning_checkpoint === checkpoint_id) this.last_alignment_ms = this.host.now_ms() - this.alignment_started_ms;
    else this.last_alignment_ms = 0;
    this.max_alignment_ms = Math.max(this.max_alignment_ms, this.last_alignment_ms);
    this.aligning_checkpoint = undefined;
    this.barrier_seen.clear();
    this.gate.unblockAll();
    for (const channel of this.gate.channels) {
      if (channel.ended || aligned_before.has(channel.index)) continue;
      const captured = this.gate.captureInFlight(channel, checkpoint_id, barrier_positions?.get(channel.index));
      if (captured.stopped || channel === arrived_on) {
        collection.state.input.push(captured.records);
        continue;
      }
      collection.waiting.set(channel.index, { records: captured.records, buffers: captured.buffers });
      if (blocking) this.gate.blockChannel(channel);
    }
    this.collecting = collection;
    this.last_checkpoint_id = checkpoint_id;
    this.unaligned_snapshots++;
    this.host.probe?.('checkpoint.unaligned');
    if (this.two_input_head !== undefined) this.host.probe?.('checkpoint.unaligned_across_inputs');
    this.host.onBarrierAligned!(this, checkpoint_id);
    if (this.collecting !== collection) return; // the snapshot failed and the checkpoint was abandoned
    for (const channel of this.output_channels) {
      const overtaken = channel.sendPriorityBarrier(checkpoint_id);
      if (overtaken !== undefined && overtaken.values.length > 0) collection.state.output.push(overtaken);
    }
    if (collection.waiting.size === 0) this.completeCollection(collection);
    if (this.status === 'running') this.host.wake(this);
  }

  /** Finished tasks in pure unaligned mode: the barrier overtakes what is still queued for sending (and its end). */
  finishedTaskUnalignedBarrier(checkpoint_id: number): void {
    if (this.status !== 'finished' || this.host.unaligned?.aligned_checkpoint_timeout_ms !== 0) return;
    const state: ChannelState = { input: [], output: [] };
    for (const channel of this.output_channels) {
      const overtaken = channel.sendPriorityBarrier(checkpoint_id);
      if (overtaken !== undefined && overtaken.values.length > 0) state.output.push(overtaken);
    }
    this.storeChannelState(checkpoint_id, state);
  }

  private channelStateDone(collection: ChannelStateCollection, channel: InputChannel): void {
    const waiting = collection.waiting.get(channel.index);
    if (waiting === undefined) return;
    collection.waiting.delete(channel.index);
    collection.state.input.push(waiting.records);
    channel.blocked = false;
    if (collection.waiting.size === 0) this.completeCollection(collection);
  }

  private completeCollection(collection: ChannelStateCollection): void {
    if (this.collecting !== collection) return;
    this.collecting = undefined;
    const input = collection.state.input.filter((r) => r.values.length > 0);
    this.storeChannelState(collection.checkpoint_id, { input, output: collection.state.output });
  }

  private storeChannelState(checkpoint_id: number, state: ChannelState): void {
    // An older checkpoint's state stays until its acknowledgement takes it, it is aborted, or a checkpoint completes:
    // a newer checkpoint does not mean the older one is over (the final checkpoint is forced past max concurrent 1,
    // and an acknowledgement waits for its files and sink writers).
    for (const records of [...state.input, ...state.output]) this.channel_state_records += records.values.length;
    if (this.channel_state_records > 0) this.host.probe?.('checkpoint.channel_state_captured');
    const seam = this.host.seams?.channel_state;
    this.completed_channel_states.set(checkpoint_id, seam === undefined ? state : seam(state, { side_output_channel: (id) => this.isSideOutputChannel(id) }));
    if (this.completed_channel_states.size > MAX_COMPLETED_CHANNEL_STATES) {
      this.host.fail('too many unacknowledged channel states', { task: this.key, held: this.completed_channel_states.size });
    }
    this.host.onChannelStateComplete?.(this, checkpoint_id);
  }

  /** Whether a channel ("<edge>:<source>:<target>") belongs to an edge that carries a side output. */
  private isSideOutputChannel(channel_id: string): boolean {
    return this.plan.edges[Number(channel_id.slice(0, channel_id.indexOf(':')))]?.side_output_tag !== undefined;
  }

  /** Gives up the channel state being collected (the checkpoint cannot complete); waiting channels are released. */
  private abandonCollection(reason: string, failure_reason: DeclineReason): void {
    const collection = this.collecting;
    if (collection === undefined) return;
    this.collecting = undefined;
    for (const index of collection.waiting.keys()) this.gate.channels[index]!.blocked = false;
    this.host.onAlignmentAborted?.(this, collection.checkpoint_id, reason, failure_reason);
    if (this.status === 'running') this.host.wake(this);
  }

  /** False while the channel state of an unaligned checkpoint is still being collected. */
  channelStateReady(checkpoint_id: number): boolean {
    return this.collecting?.checkpoint_id !== checkpoint_id && this.timeoutable_output?.checkpoint_id !== checkpoint_id;
  }

  /** The complete channel state of `checkpoint_id` (removed), or undefined when the checkpoint has none. */
  takeChannelState(checkpoint_id: number): ChannelState | undefined {
    const state = this.completed_channel_states.get(checkpoint_id);
    this.completed_channel_states.delete(checkpoint_id);
    return state;
  }

  get current_alignment(): number | undefined {
    return this.aligning_checkpoint;
  }

  /** Abandons the alignment of `checkpoint_id` (it was aborted by the coordinator). */
  abortAlignment(checkpoint_id: number): void {
    this.tracker?.abort(checkpoint_id);
    this.completed_channel_states.delete(checkpoint_id);
    // Its barrier may stay queued and leave in order; nothing waits for it any more.
    if (this.timeoutable_output?.checkpoint_id === checkpoint_id) this.timeoutable_output = undefined;
    if (this.collecting?.checkpoint_id === checkpoint_id) {
      const collection = this.collecting;
      this.collecting = undefined;
      for (const index of collection.waiting.keys()) this.gate.channels[index]!.blocked = false;
      this.host.probe?.('checkpoint.unaligned_aborted');
      if (this.status === 'running') this.host.wake(this);
    }
    if (this.aligning_checkpoint !== checkpoint_id) return;
    this.aligning_checkpoint = undefined;
    this.barrier_seen.clear();
    this.host.probe?.('checkpoint.alignment_aborted');
    this.last_checkpoint_id = Math.max(this.last_checkpoint_id, checkpoint_id);
    this.gate.unblockAll();
    if (this.status === 'running') this.host.wake(this);
  }

  /** Whether this task already took (or abandoned) `checkpoint_id` through its barriers: it must not snapshot it again. */
  hasHandledCheckpoint(checkpoint_id: number): boolean {
    return checkpoint_id <= this.last_checkpoint_id;
  }

  /** Synchronous part of a snapshot of every operator of the chain (keyed state + operator list state). */
  snapshot(checkpoint_id: number, path_prefix_of: (operator_id: string) => string, shared_prefix: string): TaskSnapshot {
    const operators: OperatorSnapshot[] = [];
    const files: SnapshotFile[] = [];
    for (const [reply_tag, writer] of this.checkpointed_writers) {
      if (this.writer_uids.has(reply_tag)) writer.snapshotState(checkpoint_id);
    }
    const timestamp_ms = this.host.now_ms();
    for (const operator of this.operators) operator.snapshotState?.(checkpoint_id, timestamp_ms);
    for (const node_id of this.vertex.node_ids) {
      const node = this.graph.node(node_id);
      const operator = this.operators.find((o) => o.node.id === node_id);
      const keyed: KeyedStateHandle[] = [];
      if (operator?.keyed_backend !== undefined) {
        const snapshot = operator.keyed_backend.snapshot(checkpoint_id, path_prefix_of(node.uid), shared_prefix);
        keyed.push(snapshot.handle);
        files.push(...snapshot.files_to_write);
      }
      const operator_state: OperatorSnapshot['state']['operator_state'] = [];
      for (const [id, state] of this.operator_states) {
        if (!id.startsWith(node.uid + '/')) continue;
        operator_state.push({ name: state.name, mode: state.mode === 'split' ? 'even-split' : state.mode, entries: [...state.get()] });
      }
      // Timers fired before the restore point stay fired: a restored operator starts from the minimum watermark (as
      // in Flink), but what its state reflects is firing up to the restored checkpoint's watermark at least.
      const watermark_ms = operator?.keyed_backend !== undefined ? Math.max(operator.current_watermark_ms ?? MIN_WATERMARK, this.restored_watermarks.get(node.uid) ?? MIN_WATERMARK) : undefined;
      // Key groups restored from an old subtask further along (a rescale brings several) carry their own.
      const ahead = watermark_ms === undefined ? [] : (this.restored_key_group_watermarks.get(node.uid) ?? []).filter(([, , restored_ms]) => restored_ms > watermark_ms);
      const extra = watermark_ms === undefined ? undefined : { watermark_ms, ...(ahead.length > 0 ? { key_group_watermarks: ahead } : {}) };
      operators.push({
        operator_id: node.uid,
        parallelism: this.vertex.parallelism,
        max_parallelism: node.max_parallelism,
        state: { subtask_index: this.subtask_index, keyed, operator_state, ...(extra === undefined ? {} : { extra }) },
      });
    }
    return { checkpoint_id, operators, files };
  }

  /** Every file the keyed handles of `states` reference (to be read from the checkpoint store before restore). */
  static referencedFiles(states: readonly OperatorRestoreState[]): string[] {
    const paths = new Set<string>();
    for (const op of states) for (const sub of op.subtasks) for (const h of sub.keyed) for (const f of [...h.private_files, ...h.shared_files]) paths.add(f.path);
    return [...paths].sort();
  }

  /**
   * Restores the chain from checkpointed operator states (matched by uid): keyed state keeps the key groups of this
   * subtask (rescaling works), list state is redistributed (even-split or union). Call before start().
   */
  restore(states: ReadonlyMap<string, OperatorRestoreState>, files: ReadonlyMap<string, Uint8Array>, last_checkpoint_id: number): void {
    if (this.status !== 'created') this.host.fail('restore after start', { task: this.key });
    this.last_checkpoint_id = last_checkpoint_id;
    this.host.probe?.('task.restored_from_checkpoint');
    this.restoreChannelState(states);
    for (const node_id of this.vertex.node_ids) {
      const node = this.graph.node(node_id);
      const state = states.get(node.uid);
      if (state === undefined) continue;
      if (state.max_parallelism !== node.max_parallelism) {
        this.host.fail('restore with a different max parallelism', { operator: node.uid, from: state.max_parallelism, to: node.max_parallelism });
      }
      const operator = this.operators.find((o) => o.node.id === node_id);
      if (operator?.keyed_backend !== undefined) {
        // Only handles whose key groups intersect this subtask's range (Flink's StateAssignmentOperation).
        const range = this.key_group_range;
        const handles = state.subtasks
          .flatMap((s) => s.keyed)
          .filter((h) => h.key_group_range.start <= range.end && h.key_group_range.end >= range.start);
        operator.keyed_backend.restore(handles, files);
        operator.onRestored?.();
        this.restored_key_group_watermarks.set(node.uid, restoredKeyGroupWatermarks(state, range));
        // The watermark the restored state had fired timers up to: the lowest of the old subtasks it came from.
        const restored = state.subtasks
          .filter((s) => s.keyed.some((h) => h.key_group_range.start <= range.end && h.key_group_range.end >= range.start))
          .map((s) => s.extra?.['watermark_ms'])
          .filter((w): w is number => typeof w === 'number');
        if (restored.length > 0) this.restored_watermarks.set(node.uid, Math.min(...restored));
      }
      const by_name = new Map<string, NamedListState & { lists: unknown[][] }>();
      for (const sub of state.subtasks) {
        for (const list of sub.operator_state) {
          const mode: OperatorStateMode = list.mode === 'even-split' ? 'split' : list.mode;
          const entry = by_name.get(list.name) ?? { name: list.name, mode, lists: [] };
          entry.lists[sub.subtask_index] = list.entries;
          by_name.set(list.name, entry);
        }
      }
      const old_parallelism = Math.max(state.subtasks.length, ...state.subtasks.map((sub) => sub.subtask_index + 1));
      for (const entry of by_name.values()) for (let i = 0; i < old_parallelism; i++) entry.lists[i] ??= [];
      if (old_parallelism !== this.vertex.parallelism && by_name.size > 0) this.host.probe?.('operator_state.rescaled');
      const redistribute = this.host.seams?.operator_state_redistribution ?? redistributeOperatorState;
      const redistributed = redistribute([...by_name.values()], old_parallelism, this.vertex.parallelism);
      for (const [name, lists] of redistributed) {
        const mode = by_name.get(name)!.mode;
        // Planted bug (test-only seam): broadcast state comes back on subtask 0 only.
        if (mode === 'broadcast' && this.subtask_index !== 0 && this.host.seams?.broadcast_state_on_subtask_0_only === true) continue;
        const mine = lists[this.subtask_index]!;
        if (mode === 'broadcast' && mine.length > 0) {
          this.host.probe?.(old_parallelism === this.vertex.parallelism ? 'restore.broadcast_state' : 'restore.broadcast_state_rescaled');
        }
        this.getOperatorListState<unknown>(node.uid, name, mode).update(mine);
      }
    }
  }

  /**
   * Channel state of an unaligned checkpoint (on the vertex's first operator): input records are replayed into the
   * chain before any new input, output records are sent again first. Needs the same parallelism (channels by id).
   */
  private restoreChannelState(states: ReadonlyMap<string, OperatorRestoreState>): void {
    const first = this.graph.node(this.vertex.node_ids[0]!);
    const state = states.get(first.uid);
    if (state === undefined) return;
    const mine = state.subtasks.find((s) => s.subtask_index === this.subtask_index);
    const channel_state = mine?.extra?.['channel_state'] as ChannelState | undefined;
    if (channel_state === undefined || (channel_state.input.length === 0 && channel_state.output.length === 0)) return;
    if (state.subtasks.length !== this.vertex.parallelism) {
      throw new Error(`channel state of ${first.uid} cannot be restored with another parallelism (${state.subtasks.length} → ${this.vertex.parallelism})`);
    }
    if (channel_state.input.length > 0 && this.source !== undefined) {
      throw new Error(`input channel state for the source vertex ${first.uid}`);
    }
    for (const records of channel_state.input) {
      if (records.values.length !== records.timestamps.length) throw new Error(`malformed channel state of ${records.channel}`);
      this.recovered_input.push(records);
    }
    this.recovered_output = [...channel_state.output];
    this.host.probe?.('restore.channel_state_replayed');
    this.host.log('restore.channel_state', {
      task: this.key,
      input_records: channel_state.input.reduce((n, r) => n + r.values.length, 0),
      output_records: channel_state.output.reduce((n, r) => n + r.values.length, 0),
    });
  }

  /** Max observed occupancy of every channel of this task, with its bound. */
  channelOccupancy(): { channel: string; side: 'in' | 'out'; max_buffers: number; bound_buffers: number }[] {
    const out = this.output_channels.map((c) => ({
      channel: c.id,
      side: 'out' as const,
      max_buffers: c.max_queue_observed,
      bound_buffers: outputQueueHardBound(this.host.network),
    }));
    const inputs = this.gate.channels.map((c) => ({
      channel: c.id,
      side: 'in' as const,
      max_buffers: c.max_queue_observed,
      bound_buffers: c.capacity_buffers,
    }));
    return [...out, ...inputs];
  }
}
