// One running subtask: its operator chain, the source driver (for source vertices), the input gate and record
// writers. It runs mailbox-style in bounded steps (step(budget)) scheduled by its TaskManager; it never blocks.
import {
  MAX_WATERMARK,
  MIN_WATERMARK,
  type SinkWriter,
  type SourceOutput,
  type SourceReader,
  type WatermarkStrategy,
} from '../api/functions.js';
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
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';
import { OperatorListState, type OperatorStateMode } from '../state/operator-state.js';
import {
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
import { createOperator, SinkOperator, type OperatorEnvironment, type Output, type StreamOperator } from './operators.js';

/** What a task needs from the TaskManager hosting it. */
export interface TaskHost {
  readonly node_id: NodeId;
  readonly attempt: number;
  readonly network: NetworkConfig;
  readonly transport: ChannelTransport;
  now_ms(): number;
  send(to: NodeId, message: unknown): void;
  log(event: string, fields?: Record<string, unknown>): void;
  fail(message: string, detail?: Record<string, unknown>): never;
  /** Put the task on the ready queue (it has work). */
  wake(task: Task): void;
  /** Wake the task after `after_ms`. */
  wakeAfter(task: Task, after_ms: number): void;
  createKeyedBackend(operator_uid: string, range: KeyGroupRange, max_parallelism: number): KeyedStateBackend;
  onTaskFinished(task: Task): void;
}

export type TaskStatus = 'created' | 'running' | 'finished';

/** Forwards to the next operator of the chain. */
class ChainingOutput implements Output {
  constructor(private readonly next: StreamOperator) {}
  collect(value: unknown, timestamp_ms: number): void {
    this.next.processElement(value, timestamp_ms);
  }
  emitWatermark(watermark_ms: number): void {
    this.next.processWatermark(watermark_ms);
  }
}

/** The chain's tail output: every record goes to every output edge's writer. */
class WriterOutput implements Output {
  last_watermark_ms = MIN_WATERMARK;
  records_out = 0;
  constructor(private readonly writers: RecordWriter[]) {}
  collect(value: unknown, timestamp_ms: number): void {
    this.records_out++;
    const writers = this.writers;
    if (writers.length === 1) {
      writers[0]!.emit(value, timestamp_ms);
      return;
    }
    for (let i = 0; i < writers.length; i++) writers[i]!.emit(value, timestamp_ms);
  }
  emitWatermark(watermark_ms: number): void {
    if (watermark_ms <= this.last_watermark_ms) return;
    this.last_watermark_ms = watermark_ms;
    const event: NetworkBuffer = { kind: 'watermark', timestamp_ms: watermark_ms };
    for (const writer of this.writers) writer.broadcastEvent(event);
  }
}

/** Source side: timestamps, per-split watermarks (min over active splits), and the record count of a poll. */
class SourceDriver implements SourceOutput<unknown> {
  private readonly split_max_timestamp = new Map<string, number>();
  watermark_ms = MIN_WATERMARK;
  emitted = 0;

  constructor(
    readonly reader: SourceReader<unknown>,
    private readonly strategy: WatermarkStrategy<unknown> | undefined,
    private readonly head: Output,
  ) {}

  collect(value: unknown, source_timestamp_ms: number, split: string): void {
    const strategy = this.strategy;
    let timestamp_ms = source_timestamp_ms;
    if (strategy !== undefined) {
      if (strategy.timestamp_assigner !== undefined) timestamp_ms = strategy.timestamp_assigner(value, source_timestamp_ms);
      const max = this.split_max_timestamp.get(split);
      if (max === undefined || timestamp_ms > max) this.split_max_timestamp.set(split, timestamp_ms);
    }
    this.emitted++;
    this.head.collect(value, timestamp_ms);
  }

  /** Bounded out-of-orderness per split; a split without records holds the watermark at its minimum. */
  advanceWatermark(): void {
    const strategy = this.strategy;
    if (strategy === undefined) return;
    const splits = this.reader.activeSplits();
    if (splits.length === 0) return;
    let min = MAX_WATERMARK;
    for (const split of splits) {
      const max = this.split_max_timestamp.get(split);
      const candidate = max === undefined ? MIN_WATERMARK : max - strategy.out_of_orderness_ms - 1;
      if (candidate < min) min = candidate;
    }
    if (min > this.watermark_ms) {
      this.watermark_ms = min;
      this.head.emitWatermark(min);
    }
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
  private readonly writer_output: WriterOutput;
  private source: SourceDriver | undefined;
  private source_node: GraphNode | undefined;
  status: TaskStatus = 'created';
  full_output_channels = 0;
  in_ready_queue = false;
  processing_time_due = false;
  records_in = 0;
  steps = 0;
  /** Checkpoint hook: a barrier arrived on a channel (in channel order). Without checkpointing it is an error. */
  on_barrier: (task: Task, channel: InputChannel, checkpoint_id: number) => void = (_task, channel, id) =>
    this.host.fail('barrier received but checkpointing is not enabled', { channel: channel.id, checkpoint_id: id });

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
        );
      }
    }

    this.writer_output = new WriterOutput(this.writers);
    const operator_env: OperatorEnvironment = {
      subtask_index,
      parallelism: vertex.parallelism,
      max_parallelism: vertex.max_parallelism,
      key_group_range: this.key_group_range,
      now_ms: () => host.now_ms(),
      createKeyedBackend: (uid, range, max_parallelism) => host.createKeyedBackend(uid, range, max_parallelism),
      requestProcessingTimeWakeup: (time_ms) => host.wakeAfter(this, Math.max(0, time_ms - host.now_ms())),
      fail,
    };
    const chained_nodes = vertex.node_ids.map((id) => graph.node(id));
    for (const node of chained_nodes) {
      if (node.operator.kind === 'source') {
        this.source_node = node;
        continue;
      }
      this.operators.push(createOperator(node, operator_env, (sink_node) => this.createSinkWriter(sink_node)));
    }
    this.gated_operators = this.operators.filter((operator) => operator instanceof SinkOperator);
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
        now_ms: () => host.now_ms(),
        send: (to, message) => host.send(to, message),
        wake: () => host.wake(this),
        wakeAfter: (after_ms) => host.wakeAfter(this, after_ms),
        getOperatorListState: (name, mode) => this.getOperatorListState(source_node.uid, name, mode),
        log: (event, fields) => host.log(event, { task: this.key, ...fields }),
      });
      this.source = new SourceDriver(reader, source_node.operator.watermarks, head);
    }
  }

  private tailOutput(): Output {
    if (this.writers.length > 0) return this.writer_output;
    return {
      collect: () => this.host.fail('records emitted by an operator without outputs', { task: this.key }),
      emitWatermark: () => {},
    };
  }

  private createSinkWriter(node: GraphNode): SinkWriter<unknown> {
    if (node.operator.kind !== 'sink') throw new Error('not a sink');
    return node.operator.sink.createWriter({
      node_id: this.host.node_id,
      subtask_index: this.subtask_index,
      parallelism: this.vertex.parallelism,
      sink_name: node.uid,
      now_ms: () => this.host.now_ms(),
      send: (to, message) => this.host.send(to, message),
      wakeAfter: (after_ms) => this.host.wakeAfter(this, after_ms),
      getOperatorListState: (name, mode) => this.getOperatorListState(node.uid, name, mode),
    });
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
    for (const operator of this.operators) operator.open();
    this.source?.reader.start();
    this.host.wake(this);
  }

  onOutputAvailable(): void {
    if (this.status === 'running') this.host.wake(this);
  }

  /** Operators that may refuse input (sinks); only these are asked per record. */
  private gated_operators: StreamOperator[] = [];

  private chainAvailable(): boolean {
    if (this.full_output_channels > 0) return false;
    const gated = this.gated_operators;
    for (let i = 0; i < gated.length; i++) if (!gated[i]!.isAvailable()) return false;
    return true;
  }

  /** Input side: a buffer arrived on a channel. */
  receive(channel: InputChannel, buffer: NetworkBuffer): void {
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
    if (this.processing_time_due) {
      this.processing_time_due = false;
      const now = this.host.now_ms();
      for (const operator of this.operators) operator.onProcessingTime(now);
    }
    const more = this.source !== undefined ? this.stepSource(budget_records) : this.stepInput(budget_records);
    for (const writer of this.writers) writer.flush();
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
    while (budget > 0) {
      if (!this.chainAvailable()) return false;
      const channel = gate.nextReadable();
      if (channel === undefined) return false;
      const buffer = channel.queue[0]!;
      switch (buffer.kind) {
        case 'records': {
          const values = buffer.values;
          const timestamps = buffer.timestamps;
          let i = channel.cursor;
          const n = values.length;
          while (i < n && budget > 0) {
            head.processElement(values[i], timestamps[i]!);
            i++;
            budget--;
            this.records_in++;
            if (!this.chainAvailable()) break;
          }
          if (i >= n) gate.consumeHead(channel);
          else channel.cursor = i;
          break;
        }
        case 'watermark': {
          gate.consumeHead(channel);
          const advanced = gate.onWatermark(channel, buffer.timestamp_ms);
          if (advanced !== undefined) head.processWatermark(advanced);
          break;
        }
        case 'barrier': {
          gate.consumeHead(channel);
          this.on_barrier(this, channel, buffer.checkpoint_id);
          break;
        }
        case 'end_of_partition': {
          gate.consumeHead(channel);
          const all_ended = gate.onEndOfPartition(channel);
          const advanced = gate.recomputeWatermark();
          if (advanced !== undefined) head.processWatermark(advanced);
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

  /** End of all input: final watermark (sources), finish operators in chain order, end-of-partition downstream. */
  private finishInput(): void {
    if (this.source !== undefined) {
      if (this.source.watermark_ms < MAX_WATERMARK) {
        this.source.watermark_ms = MAX_WATERMARK;
        const head = this.operators[0];
        if (head !== undefined) head.processWatermark(MAX_WATERMARK);
        else this.writer_output.emitWatermark(MAX_WATERMARK);
      }
    }
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

  /** Checkpoint hook for sources: emit a barrier to every output channel, after every record emitted so far. */
  broadcastEvent(buffer: NetworkBuffer): void {
    for (const writer of this.writers) writer.broadcastEvent(buffer);
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
