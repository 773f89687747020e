// The data plane of one task: output channels with credit-based flow control and bounded queues, record writers
// with partitioners, and the input gate (per-channel FIFO queues, watermark merging, per-channel blocking hooks
// for aligned checkpoints). Buffers hold batches of records (and the watermarks between them, as in Flink's record
// stream); a partial buffer leaves when full, when flushed (buffer timeout) or ahead of an event, in channel order.
import { assignKeyToParallelOperator, keyHashCode } from '../state/key-groups.js';
import type { KeySelector } from '../api/functions.js';
import { MIN_WATERMARK, MAX_WATERMARK } from '../api/functions.js';
import type { NodeId } from '../runtime.js';
import { StatusWatermarkValve, type ValveChange, type WatermarkStatus } from './watermark-valve.js';

/**
 * A watermark, or a watermark status change (`status`: the sender's stream became idle or active again), serialized
 * into a records buffer: it follows the first `after_records` records of the buffer.
 */
export type BufferedWatermark = { after_records: number; timestamp_ms: number; status?: undefined } | { after_records: number; status: WatermarkStatus; timestamp_ms?: undefined };

/**
 * One network buffer: a batch of records or a control event. Immutable once sent. Watermarks travel inside records
 * buffers, as in Flink's record stream (at most one per position, in position order).
 */
export type NetworkBuffer =
  | { kind: 'records'; values: unknown[]; timestamps: number[]; watermarks?: BufferedWatermark[] }
  /**
   * priority: an unaligned checkpoint barrier, sent ahead of queued buffers without credit and never queued.
   * aligned: a savepoint barrier, aligned even when the job checkpoints unaligned (never switched on timeout).
   */
  | { kind: 'barrier'; checkpoint_id: number; priority?: boolean; aligned?: boolean; timestamp_ms?: number }
  | { kind: 'end_of_partition' };

export interface NetworkConfig {
  /** Records per network buffer. */
  buffer_records: number;
  /** Receiver buffers per input channel = the credit a sender starts with. */
  input_buffers_per_channel: number;
  /** Finished buffers an output channel may queue (waiting for credit) before its task stops producing. */
  output_queue_buffers: number;
  /**
   * Flink's execution.buffer-timeout.interval: a partially filled buffer is flushed at the latest this long after it
   * got its first record or watermark; 0 flushes after every record; null flushes only full buffers (and ahead of events).
   */
  buffer_timeout_ms: number | null;
}

/** Flink's default buffer timeout (ExecutionOptions.BUFFER_TIMEOUT). */
export const DEFAULT_BUFFER_TIMEOUT_MS = 100;

export const DEFAULT_NETWORK_CONFIG: NetworkConfig = {
  buffer_records: 256,
  input_buffers_per_channel: 4,
  output_queue_buffers: 4,
  buffer_timeout_ms: DEFAULT_BUFFER_TIMEOUT_MS,
};

/**
 * How far an output queue may exceed output_queue_buffers: a task checks availability before every record, so one
 * record's fan-out (≤ MAX_RECORDS_PER_INPUT_RECORD) plus the partial buffer an event closes and a few events can overshoot.
 */
export const MAX_RECORDS_PER_INPUT_RECORD = 1024;
export function outputQueueHardBound(config: NetworkConfig): number {
  return config.output_queue_buffers + Math.ceil(MAX_RECORDS_PER_INPUT_RECORD / config.buffer_records) + 4;
}

/** Records of one channel captured by an unaligned checkpoint (in channel order). */
export interface ChannelRecords {
  channel: string;
  values: unknown[];
  timestamps: number[];
}

export interface ChannelTransport {
  sendBuffer(channel: OutputChannel, buffer: NetworkBuffer): void;
  returnCredit(channel: InputChannel, credits: number): void;
}

/** Receives availability changes of its output channels (the task). */
export interface OutputAvailabilityListener {
  full_output_channels: number;
  onOutputAvailable(): void;
  /** An empty partial buffer got its first record or watermark (the buffer timeout starts). */
  onPartialBufferStarted(): void;
  /** A queued barrier left the channel in order (aligned-checkpoint timeout: it no longer needs to overtake). */
  onQueuedBarrierSent?(checkpoint_id: number): void;
}

export class OutputChannel {
  private readonly queue: NetworkBuffer[] = [];
  /**
   * The partial buffer's records: the first `partial_records` slots of these arrays. Each new partial buffer is sized
   * like the previous one (a channel's buffers are alike, so the arrays rarely grow) and trimmed when it is closed.
   */
  private partial_values: unknown[] = [];
  private partial_timestamps: number[] = [];
  private partial_records = 0;
  /** Watermarks in the partial buffer (at most one per position: buffer_records + 1). */
  private partial_watermarks: BufferedWatermark[] | undefined = undefined;
  /**
   * A flush found no credit or a non-empty queue: the partial buffer (with whatever is added to it meanwhile) leaves
   * as soon as the queue is empty and there is credit, like Flink's flushRequested on a subpartition.
   */
  private flush_requested = false;
  private readonly flush_always: boolean;
  private credit: number;
  private full = false;
  private readonly hard_bound: number;
  max_queue_observed = 0;
  buffers_sent = 0;
  /** Remote channels: credit messages received (their seq must follow on). */
  credit_messages_received = 0;
  /** The end-of-partition event left this channel (nothing may follow it). */
  end_sent = false;

  constructor(
    readonly id: string,
    readonly target_node: NodeId,
    readonly local: boolean,
    private readonly config: NetworkConfig,
    private readonly transport: ChannelTransport,
    private readonly listener: OutputAvailabilityListener,
    private readonly fail: (message: string, detail?: Record<string, unknown>) => never,
  ) {
    this.credit = config.input_buffers_per_channel;
    this.hard_bound = outputQueueHardBound(config);
    this.flush_always = config.buffer_timeout_ms === 0;
  }

  get queued_buffers(): number {
    return this.queue.length;
  }

  get available_credit(): number {
    return this.credit;
  }

  addRecord(value: unknown, timestamp_ms: number): void {
    const position = this.partial_records;
    if (position === 0 && this.partial_watermarks === undefined) this.listener.onPartialBufferStarted();
    this.partial_values[position] = value;
    this.partial_timestamps[position] = timestamp_ms;
    this.partial_records = position + 1;
    if (position + 1 >= this.config.buffer_records) this.finishPartial();
    else if (this.flush_always) this.flush();
  }

  /**
   * A watermark goes into the record stream after the records emitted so far; it leaves with its buffer (Flink
   * serializes watermarks into buffers and never flushes for them). A newer watermark at the same position replaces
   * the older one (no record between them, so the receiver observes the same).
   */
  addWatermark(timestamp_ms: number): void {
    const after_records = this.partial_records;
    const marks = this.partial_watermarks;
    if (marks === undefined) {
      if (after_records === 0) this.listener.onPartialBufferStarted();
      this.partial_watermarks = [{ after_records, timestamp_ms }];
    } else {
      const last = marks[marks.length - 1]!;
      if (last.after_records === after_records && last.status === undefined) last.timestamp_ms = timestamp_ms;
      else marks.push({ after_records, timestamp_ms });
    }
    if (this.flush_always) this.flush();
  }

  /** A watermark status change goes into the record stream like a watermark (in order with watermarks). */
  addWatermarkStatus(status: WatermarkStatus): void {
    const after_records = this.partial_records;
    const mark: BufferedWatermark = { after_records, status };
    if (this.partial_watermarks === undefined) {
      if (after_records === 0) this.listener.onPartialBufferStarted();
      this.partial_watermarks = [mark];
    } else this.partial_watermarks.push(mark);
    if (this.flush_always) this.flush();
  }

  get has_partial_buffer(): boolean {
    return this.partial_records > 0 || this.partial_watermarks !== undefined;
  }

  private closePartial(): NetworkBuffer {
    const records = this.partial_records;
    if (this.partial_values.length !== records) {
      this.partial_values.length = records;
      this.partial_timestamps.length = records;
    }
    const buffer: NetworkBuffer =
      this.partial_watermarks === undefined
        ? { kind: 'records', values: this.partial_values, timestamps: this.partial_timestamps }
        : { kind: 'records', values: this.partial_values, timestamps: this.partial_timestamps, watermarks: this.partial_watermarks };
    this.partial_values = new Array<unknown>(records);
    this.partial_timestamps = new Array<number>(records);
    this.partial_records = 0;
    this.partial_watermarks = undefined;
    this.flush_requested = false;
    return buffer;
  }

  /** Closes the partially filled buffer, if any, and queues it (it is full, or an event follows it). */
  finishPartial(): void {
    if (!this.has_partial_buffer) return;
    this.enqueue(this.closePartial());
  }

  /**
   * Buffer timeout: the partial buffer leaves now if nothing is queued ahead of it and there is credit, otherwise as
   * soon as that holds (records added meanwhile go with it). Never grows the queue.
   */
  flush(): void {
    if (!this.has_partial_buffer) return;
    this.flush_requested = true;
    this.trySend();
  }

  /** Events go after every record emitted before them (channel order). */
  addEvent(buffer: NetworkBuffer): void {
    this.finishPartial();
    this.enqueue(buffer);
  }

  private enqueue(buffer: NetworkBuffer): void {
    this.queue.push(buffer);
    if (this.queue.length > this.max_queue_observed) this.max_queue_observed = this.queue.length;
    if (this.queue.length > this.hard_bound) {
      this.fail('output channel queue exceeds its bound', { channel: this.id, queued: this.queue.length, bound: this.hard_bound });
    }
    this.trySend();
    this.updateAvailability();
  }

  addCredit(credits: number): void {
    if (!(credits > 0) || this.credit + credits > this.config.input_buffers_per_channel) {
      this.fail('credit above the receiver capacity', { channel: this.id, credit: this.credit, added: credits });
    }
    this.credit += credits;
    this.trySend();
    this.updateAvailability();
  }

  private trySend(): void {
    while (this.credit > 0) {
      if (this.queue.length === 0) {
        if (!this.flush_requested || !this.has_partial_buffer) return;
        this.queue.push(this.closePartial());
      }
      const buffer = this.queue.shift()!;
      this.credit--;
      this.buffers_sent++;
      if (buffer.kind === 'end_of_partition') this.end_sent = true;
      this.transport.sendBuffer(this, buffer);
      if (buffer.kind === 'barrier') this.listener.onQueuedBarrierSent?.(buffer.checkpoint_id);
    }
  }

  /** Whether the barrier of `checkpoint_id` still waits in this channel's queue (behind buffers without credit). */
  hasQueuedBarrier(checkpoint_id: number): boolean {
    return this.queue.some((b) => b.kind === 'barrier' && b.checkpoint_id === checkpoint_id);
  }

  /**
   * Aligned-checkpoint timeout on the output side (Flink's timeoutable barrier in a subpartition): the queued barrier
   * of `checkpoint_id` leaves at once as a priority barrier, overtaking the buffers ahead of it. Returns the records it
   * overtook (this channel's output state; they are still sent afterwards), or undefined when it was not queued.
   */
  promoteQueuedBarrier(checkpoint_id: number): ChannelRecords | undefined {
    const at = this.queue.findIndex((b) => b.kind === 'barrier' && b.checkpoint_id === checkpoint_id);
    if (at < 0) return undefined;
    const captured: ChannelRecords = { channel: this.id, values: [], timestamps: [] };
    for (const buffer of this.queue.slice(0, at)) {
      if (buffer.kind !== 'records') continue;
      for (let i = 0; i < buffer.values.length; i++) {
        captured.values.push(buffer.values[i]);
        captured.timestamps.push(buffer.timestamps[i]!);
      }
    }
    const barrier = this.queue.splice(at, 1)[0] as Extract<NetworkBuffer, { kind: 'barrier' }>;
    this.buffers_sent++;
    this.transport.sendBuffer(this, { ...barrier, priority: true });
    this.updateAvailability();
    return captured;
  }

  /**
   * Unaligned checkpoints: the barrier overtakes every buffer still queued here (it is sent at once, without credit;
   * the receiver handles it on arrival and never queues it). Returns the overtaken records (the channel's output
   * state), which are still sent afterwards; undefined when the channel already ended (no barrier may follow).
   */
  sendPriorityBarrier(checkpoint_id: number): ChannelRecords | undefined {
    if (this.end_sent) return undefined;
    this.finishPartial();
    const captured: ChannelRecords = { channel: this.id, values: [], timestamps: [] };
    for (const buffer of this.queue) {
      if (buffer.kind !== 'records') continue;
      for (let i = 0; i < buffer.values.length; i++) {
        captured.values.push(buffer.values[i]);
        captured.timestamps.push(buffer.timestamps[i]!);
      }
    }
    this.buffers_sent++;
    this.transport.sendBuffer(this, { kind: 'barrier', checkpoint_id, priority: true });
    return captured;
  }

  private updateAvailability(): void {
    const full = this.queue.length >= this.config.output_queue_buffers;
    if (full === this.full) return;
    this.full = full;
    this.listener.full_output_channels += full ? 1 : -1;
    if (!full && this.listener.full_output_channels === 0) this.listener.onOutputAvailable();
  }
}

/** Routes records of one output edge to its channels. */
export class RecordWriter {
  private round_robin: number;

  constructor(
    readonly channels: OutputChannel[],
    private readonly partitioning: 'forward' | 'rebalance' | 'broadcast' | 'hash',
    private readonly key_selector: KeySelector<unknown, unknown> | undefined,
    private readonly max_parallelism: number,
    subtask_index: number,
  ) {
    if (channels.length === 0) throw new Error('record writer without channels');
    if (partitioning === 'forward' && channels.length !== 1) throw new Error('forward writer needs one channel');
    this.round_robin = subtask_index % channels.length;
  }

  emit(value: unknown, timestamp_ms: number): void {
    switch (this.partitioning) {
      case 'forward':
        this.channels[0]!.addRecord(value, timestamp_ms);
        return;
      case 'rebalance': {
        this.channels[this.round_robin]!.addRecord(value, timestamp_ms);
        this.round_robin = (this.round_robin + 1) % this.channels.length;
        return;
      }
      case 'broadcast':
        for (const channel of this.channels) channel.addRecord(value, timestamp_ms);
        return;
      case 'hash': {
        const key = this.key_selector!(value);
        const hash = keyHashCode(key);
        const target = assignKeyToParallelOperator(hash, this.max_parallelism, this.channels.length);
        this.channels[target]!.addRecord(value, timestamp_ms);
        return;
      }
    }
  }

  broadcastEvent(buffer: NetworkBuffer): void {
    for (const channel of this.channels) channel.addEvent(buffer);
  }

  broadcastWatermark(timestamp_ms: number): void {
    for (const channel of this.channels) channel.addWatermark(timestamp_ms);
  }

  broadcastWatermarkStatus(status: WatermarkStatus): void {
    for (const channel of this.channels) channel.addWatermarkStatus(status);
  }
}

export class InputChannel {
  readonly queue: NetworkBuffer[] = [];
  /** Records of the head buffer already consumed. */
  cursor = 0;
  watermark_ms = MIN_WATERMARK;
  ended = false;
  /** Blocked channels are not read (aligned checkpoint barriers). */
  blocked = false;
  /** Consumed buffers whose credit has not been returned yet. */
  pending_credit = 0;
  max_queue_observed = 0;
  /** Remote channels: data messages received, and credit messages sent (per-channel sequence numbers). */
  data_messages_received = 0;
  credit_messages_sent = 0;

  constructor(
    readonly index: number,
    readonly id: string,
    readonly source_node: NodeId,
    readonly local: boolean,
    readonly capacity_buffers: number,
    /** The operator input the channel feeds: 1, or 2 for the second input of a two-input operator. */
    readonly input: 1 | 2 = 1,
  ) {}
}

/** What an input gate's end of partition changed. */
export interface EndOfPartitionChange {
  /** Every channel has ended. */
  all_ended: boolean;
  /** What the channel's input valve emits (its ended channel counts as active at +∞). */
  change: ValveChange | undefined;
}

/**
 * All input channels of one task, read round-robin among unblocked channels with data. A two-input task's channels
 * belong to input 1 or 2 (Flink's two input gates); watermarks are merged per input (Flink's StatusWatermarkValve
 * per input), while barrier alignment spans every channel of both inputs (one CheckpointBarrierHandler per task).
 */
export class InputGate {
  readonly channels: InputChannel[] = [];
  readonly by_id = new Map<string, InputChannel>();
  private next_channel = 0;
  /** Per input (index 0: input 1): watermarks and watermark statuses of its channels combined, channels and ended channels. */
  readonly valves = [new StatusWatermarkValve(), new StatusWatermarkValve()] as const;
  /** Channel index → its index in its input's valve. */
  private readonly valve_index: number[] = [];
  private readonly input_channels = [0, 0];
  private readonly input_ended = [0, 0];
  private ended_channels = 0;
  buffered_buffers = 0;

  constructor(private readonly fail: (message: string, detail?: Record<string, unknown>) => never) {}

  addChannel(id: string, source_node: NodeId, local: boolean, capacity_buffers: number, input: 1 | 2 = 1): InputChannel {
    const channel = new InputChannel(this.channels.length, id, source_node, local, capacity_buffers, input);
    this.channels.push(channel);
    this.valve_index.push(this.valves[input - 1]!.addChannel());
    this.by_id.set(id, channel);
    this.input_channels[input - 1]!++;
    return channel;
  }

  /** Inputs with channels: 1 for an ordinary task, 2 for a two-input task. */
  get input_count(): number {
    return this.input_channels[1]! > 0 ? 2 : 1;
  }

  /** A buffer arrived (the sender had credit, so there is room). */
  receive(channel: InputChannel, buffer: NetworkBuffer): void {
    if (channel.ended) this.fail('buffer after end of partition', { channel: channel.id });
    channel.queue.push(buffer);
    this.buffered_buffers++;
    if (channel.queue.length > channel.max_queue_observed) channel.max_queue_observed = channel.queue.length;
    if (channel.queue.length > channel.capacity_buffers) {
      this.fail('input channel holds more buffers than it granted credit for', {
        channel: channel.id,
        queued: channel.queue.length,
        capacity: channel.capacity_buffers,
      });
    }
  }

  /** Next unblocked channel with a buffer, round-robin; undefined when none. */
  nextReadable(): InputChannel | undefined {
    const n = this.channels.length;
    for (let i = 0; i < n; i++) {
      const channel = this.channels[(this.next_channel + i) % n]!;
      if (!channel.blocked && channel.queue.length > 0) {
        this.next_channel = (channel.index + 1) % n;
        return channel;
      }
    }
    return undefined;
  }

  hasReadable(): boolean {
    for (const channel of this.channels) if (!channel.blocked && channel.queue.length > 0) return true;
    return false;
  }

  /** Removes the head buffer of a channel; its credit is returned at the end of the step. */
  consumeHead(channel: InputChannel): NetworkBuffer {
    const buffer = channel.queue.shift();
    if (buffer === undefined) this.fail('consume from an empty channel', { channel: channel.id });
    channel.cursor = 0;
    channel.pending_credit++;
    this.buffered_buffers--;
    return buffer;
  }

  /** Records a channel watermark; returns the channel's input's new merged watermark if it advanced, else undefined. */
  onWatermark(channel: InputChannel, timestamp_ms: number): number | undefined {
    if (timestamp_ms > channel.watermark_ms) channel.watermark_ms = timestamp_ms;
    return this.valves[channel.input - 1]!.inputWatermark(this.valve_index[channel.index]!, timestamp_ms)?.watermark;
  }

  /** A channel's stream became idle or active again; returns what its input's combined output does. */
  onWatermarkStatus(channel: InputChannel, status: WatermarkStatus): ValveChange | undefined {
    return this.valves[channel.input - 1]!.inputWatermarkStatus(this.valve_index[channel.index]!, status);
  }

  /** Marks a channel ended (it counts as an active channel at +∞ for watermarks). */
  onEndOfPartition(channel: InputChannel): EndOfPartitionChange {
    if (channel.ended) this.fail('second end of partition', { channel: channel.id });
    channel.ended = true;
    channel.watermark_ms = MAX_WATERMARK;
    this.ended_channels++;
    this.input_ended[channel.input - 1]!++;
    const change = this.valves[channel.input - 1]!.channelEnded(this.valve_index[channel.index]!);
    return { all_ended: this.ended_channels === this.channels.length, change };
  }

  /** True when every channel of `input` has ended (Flink's end of one input of a multi-input task). */
  inputEnded(input: 1 | 2): boolean {
    return this.input_ended[input - 1] === this.input_channels[input - 1];
  }

  /** The task's input watermark: the minimum over its inputs. */
  get watermark_ms(): number {
    const first = this.valves[0].output_watermark_ms;
    return this.input_count === 1 ? first : Math.min(first, this.valves[1].output_watermark_ms);
  }

  get all_ended(): boolean {
    return this.ended_channels === this.channels.length;
  }

  // Hooks for aligned checkpoints: block a channel after its barrier, unblock when aligned.
  blockChannel(channel: InputChannel): void {
    channel.blocked = true;
  }

  unblockAll(): void {
    for (const channel of this.channels) channel.blocked = false;
  }

  /**
   * Unaligned checkpoints: the records queued in a channel before the first barrier of `checkpoint_id` or the end of
   * the partition (the unconsumed rest of the head buffer included). A barrier found in the queue is removed (it was
   * overtaken; its credit is returned with the next step). `stopped` tells whether the channel delivers nothing more
   * that belongs to the checkpoint's channel state. `before_buffers`: the barrier is known to follow exactly that many
   * queued buffers (it arrived as a priority event before the task started).
   */
  captureInFlight(channel: InputChannel, checkpoint_id: number, before_buffers?: number): { records: ChannelRecords; buffers: number; stopped: boolean } {
    const records: ChannelRecords = { channel: channel.id, values: [], timestamps: [] };
    let buffers = 0;
    for (let b = 0; b < channel.queue.length; b++) {
      if (before_buffers !== undefined && b >= before_buffers) return { records, buffers, stopped: true };
      const buffer = channel.queue[b]!;
      if (buffer.kind === 'end_of_partition') return { records, buffers, stopped: true };
      if (buffer.kind === 'barrier' && buffer.checkpoint_id >= checkpoint_id) {
        if (buffer.checkpoint_id === checkpoint_id) {
          channel.queue.splice(b, 1);
          if (b === 0) channel.cursor = 0;
          channel.pending_credit++;
          this.buffered_buffers--;
        }
        return { records, buffers, stopped: true };
      }
      if (buffer.kind !== 'records') continue;
      buffers++;
      for (let i = b === 0 ? channel.cursor : 0; i < buffer.values.length; i++) {
        records.values.push(buffer.values[i]);
        records.timestamps.push(buffer.timestamps[i]!);
      }
    }
    return { records, buffers, stopped: before_buffers !== undefined };
  }
}
