// User-facing function types of the two-input DataStream API, with Flink's names: CoMap/CoFlatMap/CoProcess and
// KeyedCoProcess functions over connected streams, broadcast process functions with MapStateDescriptor-named
// broadcast state, and the join functions of window joins, coGroup and interval joins.
import type { Collector, KeyedProcessContext, TimerService } from './functions.js';
import type { RichFunction } from './rich-functions.js';
import type { OutputTag } from './side-output.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from './state-descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/keyed-state.js';

// ---- connect ----------------------------------------------------------------------------------------------------

/**
 * Flink's (Rich)CoMapFunction: one output per element of either input. Every two-input function is a RichFunction
 * (open/close, runtime context, CheckpointedFunction operator state). On keyed connected streams (keyBy(k1, k2)) its
 * runtime context has keyed state scoped to the element's key; otherwise keyed state is refused.
 */
export interface CoMapFunction<IN1, IN2, OUT> extends RichFunction {
  map1(value: IN1): OUT;
  map2(value: IN2): OUT;
}

/** Flink's (Rich)CoFlatMapFunction: any number of outputs per element of either input; keyed state as CoMapFunction. */
export interface CoFlatMapFunction<IN1, IN2, OUT> extends RichFunction {
  flatMap1(value: IN1, out: Collector<OUT>): void;
  flatMap2(value: IN2, out: Collector<OUT>): void;
}

/** The context of a non-keyed CoProcessFunction call: timers cannot be set (Flink: only on keyed streams). */
export interface CoProcessContext {
  /** The element's timestamp; undefined when it has none. */
  timestamp(): number | undefined;
  /** Reads time; registering a timer throws, as in Flink ("Setting timers is only supported on a keyed streams"). */
  timerService(): TimerService;
  /** Emits to the side output `tag` (read with getSideOutput(tag)). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Flink's CoProcessFunction over two non-keyed inputs. Like every per-subtask function here, a plain object is
 * cloned per subtask with Object.create(fn) and a zero-argument factory is called per subtask.
 */
export interface CoProcessFunction<IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: CoProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: CoProcessContext, out: Collector<OUT>): void;
}

export interface KeyedCoProcessOnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): 'event' | 'processing';
}

/** Flink's KeyedCoProcessFunction: both inputs keyed alike (keyBy(k1, k2)), keyed state and timers per key. */
export interface KeyedCoProcessFunction<K, IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp_ms: number, ctx: KeyedCoProcessOnTimerContext<K>, out: Collector<OUT>): void;
}

// ---- broadcast state --------------------------------------------------------------------------------------------

/** Flink's ReadOnlyBroadcastState: what the non-broadcast side may see. */
export interface ReadOnlyBroadcastState<K, V> {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  /** Entries in insertion order (a copy). */
  immutableEntries(): readonly (readonly [K, V])[];
}

/** Flink's BroadcastState: read-write, on the broadcast side only. */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  entries(): [K, V][];
  keys(): K[];
  values(): V[];
  isEmpty(): boolean;
  clear(): void;
}

/** Context of the non-broadcast side: read-only broadcast state. */
export interface BroadcastReadOnlyContext {
  timestamp(): number | undefined;
  currentWatermark(): number;
  currentProcessingTime(): number;
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
  /** Emits to the side output `tag` (read with getSideOutput(tag)). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Context of the broadcast side: read-write broadcast state. */
export interface BroadcastContext extends Omit<BroadcastReadOnlyContext, 'getBroadcastState'> {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/**
 * Flink's BroadcastProcessFunction (non-keyed input 1, broadcast input 2). The broadcast side must update the
 * broadcast state the same way on every parallel instance (Flink's rule): it sees the same elements in the same
 * order everywhere, and the state is restored from one instance's copy.
 */
export interface BroadcastProcessFunction<IN1, IN2, OUT> extends RichFunction {
  processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

/** The state handle applyToKeyedState passes for a descriptor (Flink's KeyedStateFunction<K, S> state). */
export type KeyedStateOf<D extends StateDescriptor> = D extends ValueStateDescriptor<infer T>
  ? ValueState<T>
  : D extends ListStateDescriptor<infer T>
    ? ListState<T>
    : D extends MapStateDescriptor<infer K, infer V>
      ? MapState<K, V>
      : D extends ReducingStateDescriptor<infer T>
        ? ReducingState<T>
        : D extends AggregatingStateDescriptor<infer IN, infer _ACC, infer OUT>
          ? AggregatingState<IN, OUT>
          : never;

export interface KeyedBroadcastReadOnlyContext<K> extends BroadcastReadOnlyContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /**
   * Flink's applyToKeyedState: calls `fn` for every key of this subtask that has the named keyed state, with the
   * state scoped to that key. Keys come in key-group order, then in key order.
   */
  applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: KeyedStateOf<D>) => void): void;
  /** Phantom: keeps K in the type. */
  readonly _key_type?: K;
}

export interface KeyedBroadcastOnTimerContext<K> extends KeyedBroadcastReadOnlyContext<K> {
  timeDomain(): 'event' | 'processing';
}

/** Flink's KeyedBroadcastProcessFunction (keyed input 1, broadcast input 2); keyed state and timers on input 1. */
export interface KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> extends RichFunction {
  processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp_ms: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
}

// ---- joins ------------------------------------------------------------------------------------------------------

/** Flink's JoinFunction: one output per joined pair (window join). */
export type JoinFunction<IN1, IN2, OUT> = (first: IN1, second: IN2) => OUT;
/** Flink's FlatJoinFunction: any number of outputs per joined pair (window join). */
export type FlatJoinFunction<IN1, IN2, OUT> = (first: IN1, second: IN2, out: Collector<OUT>) => void;
/** Flink's CoGroupFunction: per key and window, the elements of both inputs (either list may be empty). */
export type CoGroupFunction<IN1, IN2, OUT> = (first: readonly IN1[], second: readonly IN2[], out: Collector<OUT>) => void;

export interface ProcessJoinContext {
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  /** The joined pair's timestamp: max(left, right). */
  getTimestamp(): number;
  /** Emits to the side output `tag` (read with getSideOutput(tag)). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Flink's ProcessJoinFunction (interval join): called once per pair within the bounds. */
export interface ProcessJoinFunction<IN1, IN2, OUT> extends RichFunction {
  processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): void;
}

/** A function object, or a zero-argument factory of one, instantiated per parallel instance. */
export type PerSubtask<F> = F | (() => F);

/** Object.create(fn) for a plain object, a call for a factory (as KeyedStream.process does). */
export function perSubtaskFactory<F extends object>(fn: PerSubtask<F>): () => F {
  return typeof fn === 'function' ? (fn as () => F) : () => Object.create(fn) as F;
}
