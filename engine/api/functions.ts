// User-facing function and connector types of the DataStream API: map/flatMap/process functions, timer service,
// runtime context (keyed state), window assigners' window type, sources and sinks.
import type { NodeId } from '../runtime.js';
import type {
  AggregateFunction,
  AggregatingState,
  ListState,
  MapState,
  ReduceFunction,
  ReducingState,
  ValueState,
} from '../state/keyed-state.js';
import type { OperatorListState, OperatorStateMode } from '../state/operator-state.js';
import type { RichFunction } from './rich-functions.js';
import { WATERMARK_STRATEGY_FACTORIES } from './watermark-strategy.js';
import type { OutputTag } from './side-output.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptors.js';

export type { AggregateFunction, ReduceFunction } from '../state/keyed-state.js';

/** Timestamps and watermarks are milliseconds; these stand for Flink's Long.MIN_VALUE / Long.MAX_VALUE. */
export const MIN_WATERMARK = -Number.MAX_SAFE_INTEGER;
export const MAX_WATERMARK = Number.MAX_SAFE_INTEGER;
/** The timestamp of a record that has none. */
export const NO_TIMESTAMP = MIN_WATERMARK;

export interface Collector<T> {
  collect(value: T): void;
}

export type MapFunction<IN, OUT> = (value: IN) => OUT;
export type FilterFunction<T> = (value: T) => boolean;
export type FlatMapFunction<IN, OUT> = (value: IN, out: Collector<OUT>) => void;
export type KeySelector<T, K> = (value: T) => K;

export interface TimerService {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(timestamp_ms: number): void;
  registerProcessingTimeTimer(timestamp_ms: number): void;
  deleteEventTimeTimer(timestamp_ms: number): void;
  deleteProcessingTimeTimer(timestamp_ms: number): void;
}

/**
 * Flink's RuntimeContext: which parallel instance this is, and keyed state (keyed operators only; elsewhere the state
 * getters throw). State is declared by name or by descriptor (engine/api/state-descriptors.ts).
 */
export interface RuntimeContext {
  readonly subtask_index: number;
  readonly parallelism: number;
  readonly max_parallelism: number;
  readonly task_name: string;
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getTaskName(): string;
  getState<T>(descriptor: string | ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: string | ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: string | MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getReducingState<T>(name: string, reduce: ReduceFunction<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  getAggregatingState<IN, ACC, OUT>(name: string, aggregate: AggregateFunction<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

export interface KeyedProcessContext<K> {
  getCurrentKey(): K;
  /** The element's (or firing timer's) timestamp; undefined when the element has none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  /** Emits to the side output `tag` (read with getSideOutput(tag)). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): 'event' | 'processing';
}

/**
 * Flink's KeyedProcessFunction. Each parallel instance gets its own object: a plain object is cloned per subtask
 * with Object.create(fn) (fields set in open() land on the clone); a zero-argument factory is called per subtask.
 */
export interface KeyedProcessFunction<K, IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp_ms: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/** Event-time window [start, end); max timestamp end − 1. */
export interface TimeWindow {
  start: number;
  end: number;
}

export type WindowFunction<K, IN, OUT> = (key: K, window: TimeWindow, result: IN) => OUT;

// ---- sources -------------------------------------------------------------------------------------------------

export interface SourceOutput<T> {
  /** `split` identifies the split (e.g. partition) the record came from; watermarks are tracked per split. */
  collect(value: T, timestamp_ms: number, split: string): void;
}

export interface SourceReaderContext {
  readonly node_id: NodeId;
  readonly subtask_index: number;
  readonly parallelism: number;
  now_ms(): number;
  send(to: NodeId, message: unknown): void;
  /** The tag to put in requests so replies come back to this reader (see SourceReader.onMessage). */
  readonly reply_tag: string;
  /** The JobManager this reader's TaskManager follows now (the HA leader): where source coordinators run. */
  job_manager(): NodeId;
  /** Asks for pollNext to be called again (e.g. a fetch reply arrived). */
  wake(): void;
  /** Asks for pollNext to be called after `after_ms`. */
  wakeAfter(after_ms: number): void;
  getOperatorListState<T>(name: string, mode: OperatorStateMode): OperatorListState<T>;
  log(event: string, fields?: Record<string, unknown>): void;
}

export type PollStatus = 'more' | 'nothing_available' | 'end_of_input';

export interface SourceReader<T> {
  start(): void;
  /** Emit at most `budget` records. A split must be announced with addSplit before its records, and finished. */
  pollNext(output: SourceOutput<T>, budget: number): PollStatus;
  /** Splits (ids) this reader still reads; watermarks are the minimum over them. */
  activeSplits(): readonly string[];
  onMessage(message: unknown): void;
  /** The link to `peer` broke: requests in flight to it are lost and must be sent again. */
  onPeerLost?(peer: NodeId): void;
}

export interface Source<T> {
  readonly kind: string;
  readonly bounded: boolean;
  createReader(ctx: SourceReaderContext): SourceReader<T>;
}

/** A watermark strategy as plain data (engine/api/watermark-strategy.ts builds one the way Flink users write it). */
export interface WatermarkStrategy<T> {
  /** Bounded out-of-orderness: watermark = max timestamp seen − bound − 1 (per split, min over splits). */
  out_of_orderness_ms: number;
  /** Extracts the event timestamp; default: the timestamp the source attached. */
  timestamp_assigner?: (value: T, source_timestamp_ms: number) => number;
  /** withIdleness: a split (or stream) without records for longer than this (process clock) stops holding watermarks back. */
  idle_timeout_ms?: number;
}

/** Flink's builders: WatermarkStrategy.forBoundedOutOfOrderness(ms).withTimestampAssigner(f).withIdleness(ms). */
export const WatermarkStrategy = WATERMARK_STRATEGY_FACTORIES;

// ---- sinks ---------------------------------------------------------------------------------------------------

export interface SinkWriterContext {
  readonly node_id: NodeId;
  readonly subtask_index: number;
  readonly parallelism: number;
  readonly sink_name: string;
  now_ms(): number;
  send(to: NodeId, message: unknown): void;
  /** Asks the task to try again after `after_ms` (a writer that cannot accept input now). */
  wakeAfter(after_ms: number): void;
  getOperatorListState<T>(name: string, mode: OperatorStateMode): OperatorListState<T>;
}

export interface SinkWriter<T> {
  write(value: T, timestamp_ms: number): void;
  /** False when the writer cannot take a record now (backpressure); it must then call ctx.wakeAfter. */
  canAccept(): boolean;
  /** Called at the end of every task step and at end of input. */
  flush(end_of_input: boolean): void;
}

export interface Sink<T> {
  readonly kind: string;
  createWriter(ctx: SinkWriterContext): SinkWriter<T>;
}
