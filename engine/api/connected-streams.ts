// The two-input part of the DataStream API, with Flink's names: DataStream.connect → ConnectedStreams (map, flatMap,
// process, keyBy(k1, k2)); DataStream.broadcast(descriptors) → BroadcastStream, and connect(broadcastStream) →
// BroadcastConnectedStream.process; KeyedStream.intervalJoin(other).between(lower, upper).process(fn).
import { isOutputTag, type OutputTag } from './side-output.js';
import type { GraphEdge } from '../graph/job-graph.js';
import type { TwoInputSpec } from '../graph/two-input-spec.js';
import {
  perSubtaskFactory,
  type BroadcastProcessFunction,
  type CoFlatMapFunction,
  type CoMapFunction,
  type CoProcessFunction,
  type KeyedBroadcastProcessFunction,
  type KeyedCoProcessFunction,
  type PerSubtask,
  type ProcessJoinFunction,
} from './co-functions.js';
import type { DataStream, KeyedStream, StreamExecutionEnvironment } from './environment.js';
import type { MapStateDescriptor } from './state-descriptors.js';
import type { KeySelector } from './functions.js';

type AnyKeySelector = KeySelector<unknown, unknown>;

/** The key type of connected streams that are not keyed (process then takes a CoProcessFunction). */
export interface NotKeyed {
  readonly _not_keyed: never;
}

/** The process function connected streams take: keyed ones a KeyedCoProcessFunction, others a CoProcessFunction. */
export type CoProcessFunctionFor<K, IN1, IN2, R> = [K] extends [NotKeyed] ? CoProcessFunction<IN1, IN2, R> : KeyedCoProcessFunction<K, IN1, IN2, R>;
/** The broadcast process function: keyed first input a KeyedBroadcastProcessFunction, else a BroadcastProcessFunction. */
export type BroadcastProcessFunctionFor<K, IN1, IN2, R> = [K] extends [NotKeyed]
  ? BroadcastProcessFunction<IN1, IN2, R>
  : KeyedBroadcastProcessFunction<K, IN1, IN2, R>;

/** The edges a stream feeds into input 1 or 2 of a new two-input node (its partitioning and key, if keyed). */
export interface TwoInputSide {
  readonly env: StreamExecutionEnvironment;
  edgesInto(input: 1 | 2): GraphEdge[];
}

function addTwoInputNode<R>(
  env: StreamExecutionEnvironment,
  name: string,
  spec: TwoInputSpec,
  first: TwoInputSide,
  second: TwoInputSide,
  make_stream: (node_id: number) => DataStream<R>,
): DataStream<R> {
  if (first.env !== second.env) throw new Error('connect of streams from different environments');
  const node = env.graph.addNode(name, { kind: 'two_input', spec }, [...first.edgesInto(1), ...second.edgesInto(2)], env.parallelism);
  return make_stream(node.id);
}

/**
 * Flink's ConnectedStreams: two streams of possibly different types, processed by one operator that sees each
 * input separately and may share state between them. Keyed (both inputs keyBy'd, or keyBy(k1, k2)) it gets keyed
 * state and, for process, timers.
 */
export class ConnectedStreams<IN1, IN2, K = NotKeyed> {
  constructor(
    readonly first: DataStream<IN1>,
    readonly second: DataStream<IN2>,
    private readonly key_selectors: readonly [AnyKeySelector, AnyKeySelector] | undefined,
    private readonly stream_of: (node_id: number) => DataStream<unknown>,
  ) {
    if (first.env !== second.env) throw new Error('connect of streams from different environments');
  }

  get env(): StreamExecutionEnvironment {
    return this.first.env;
  }

  get is_keyed(): boolean {
    return this.key_selectors !== undefined;
  }

  /** Flink's ConnectedStreams.keyBy(keySelector1, keySelector2): both inputs hash-partitioned by their key. */
  keyBy<KEY>(key_selector1: KeySelector<IN1, KEY>, key_selector2: KeySelector<IN2, KEY>): ConnectedStreams<IN1, IN2, KEY> {
    return new ConnectedStreams<IN1, IN2, KEY>(
      this.first.keyBy(key_selector1) as DataStream<IN1>,
      this.second.keyBy(key_selector2) as DataStream<IN2>,
      [key_selector1 as AnyKeySelector, key_selector2 as AnyKeySelector],
      this.stream_of,
    );
  }

  private add<R>(name: string, spec: TwoInputSpec): DataStream<R> {
    return addTwoInputNode(this.env, name, spec, this.first, this.second, this.stream_of as (id: number) => DataStream<R>);
  }

  private keys(): { key_selector1?: AnyKeySelector; key_selector2?: AnyKeySelector } {
    return this.key_selectors === undefined ? {} : { key_selector1: this.key_selectors[0], key_selector2: this.key_selectors[1] };
  }

  map<R>(fn: PerSubtask<CoMapFunction<IN1, IN2, R>>): DataStream<R> {
    const create_function = perSubtaskFactory(fn) as () => CoMapFunction<unknown, unknown, unknown>;
    return this.add('Co-Map', { kind: 'co_map', create_function, ...this.keys() });
  }

  flatMap<R>(fn: PerSubtask<CoFlatMapFunction<IN1, IN2, R>>): DataStream<R> {
    const create_function = perSubtaskFactory(fn) as () => CoFlatMapFunction<unknown, unknown, unknown>;
    return this.add('Co-Flat Map', { kind: 'co_flat_map', create_function, ...this.keys() });
  }

  /**
   * Keyed connected streams: a KeyedCoProcessFunction (keyed state, timers, getCurrentKey). Otherwise a
   * CoProcessFunction (no keyed state, no timers).
   */
  process<R>(fn: PerSubtask<CoProcessFunctionFor<K, IN1, IN2, R>>): DataStream<R> {
    if (this.key_selectors !== undefined) {
      const create_function = perSubtaskFactory(fn as PerSubtask<KeyedCoProcessFunction<unknown, IN1, IN2, R>>) as () => KeyedCoProcessFunction<
        unknown,
        unknown,
        unknown,
        unknown
      >;
      const [key_selector1, key_selector2] = this.key_selectors;
      return this.add('KeyedCoProcess', { kind: 'keyed_co_process', key_selector1, key_selector2, create_function });
    }
    const create_function = perSubtaskFactory(fn as PerSubtask<CoProcessFunction<IN1, IN2, R>>) as () => CoProcessFunction<unknown, unknown, unknown>;
    return this.add('Co-Process', { kind: 'co_process', create_function });
  }
}

/**
 * Flink's BroadcastStream: a stream whose every element goes to every parallel instance of the operator it is
 * connected to, with the broadcast states (named by MapStateDescriptors) that operator keeps.
 */
export class BroadcastStream<T> {
  constructor(
    readonly broadcast: DataStream<T>,
    readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    if (descriptors.length === 0) throw new Error('a BroadcastStream needs at least one MapStateDescriptor');
    const names = new Set<string>();
    for (const descriptor of descriptors) {
      if (names.has(descriptor.name)) throw new Error(`broadcast state ${descriptor.name} given twice`);
      names.add(descriptor.name);
    }
  }

  get env(): StreamExecutionEnvironment {
    return this.broadcast.env;
  }
}

/** Flink's BroadcastConnectedStream: a (keyed or non-keyed) stream connected with a BroadcastStream. */
export class BroadcastConnectedStream<IN1, IN2, K = NotKeyed> {
  constructor(
    readonly first: DataStream<IN1>,
    readonly broadcast: BroadcastStream<IN2>,
    private readonly key_selector: AnyKeySelector | undefined,
    private readonly stream_of: (node_id: number) => DataStream<unknown>,
  ) {}

  /**
   * A keyed first input takes a KeyedBroadcastProcessFunction (keyed state, timers, applyToKeyedState on the
   * broadcast side); a non-keyed one a BroadcastProcessFunction.
   */
  process<R>(fn: PerSubtask<BroadcastProcessFunctionFor<K, IN1, IN2, R>>): DataStream<R> {
    const env = this.first.env;
    const descriptors = this.broadcast.descriptors;
    const stream_of = this.stream_of as (id: number) => DataStream<R>;
    if (this.key_selector !== undefined) {
      const create_function = perSubtaskFactory(fn as PerSubtask<KeyedBroadcastProcessFunction<unknown, IN1, IN2, R>>) as () => KeyedBroadcastProcessFunction<
        unknown,
        unknown,
        unknown,
        unknown
      >;
      const spec: TwoInputSpec = { kind: 'keyed_broadcast_process', key_selector1: this.key_selector, descriptors, create_function };
      return addTwoInputNode(env, 'Co-Process-Broadcast-Keyed', spec, this.first, this.broadcast.broadcast, stream_of);
    }
    const create_function = perSubtaskFactory(fn as PerSubtask<BroadcastProcessFunction<IN1, IN2, R>>) as () => BroadcastProcessFunction<
      unknown,
      unknown,
      unknown
    >;
    return addTwoInputNode(env, 'Co-Process-Broadcast', { kind: 'broadcast_process', descriptors, create_function }, this.first, this.broadcast.broadcast, stream_of);
  }
}

/** Flink's KeyedStream.IntervalJoin: the bounds come next (between), then the ProcessJoinFunction. */
export class IntervalJoin<IN1, IN2, K> {
  constructor(
    private readonly left: KeyedStream<IN1, K>,
    private readonly right: KeyedStream<IN2, K>,
    private readonly stream_of: (node_id: number) => DataStream<unknown>,
  ) {}

  /** Joins pairs with right.timestamp ∈ [left.timestamp + lower_bound_ms, left.timestamp + upper_bound_ms]. */
  between(lower_bound_ms: number, upper_bound_ms: number): IntervalJoined<IN1, IN2, K> {
    if (!Number.isSafeInteger(lower_bound_ms) || !Number.isSafeInteger(upper_bound_ms)) throw new Error('interval join bounds must be integer milliseconds');
    // Checked before exclusive bounds move (as Flink checks): between(0, 0) with an exclusive bound joins nothing.
    if (lower_bound_ms > upper_bound_ms) throw new Error('lowerBound <= upperBound must be fulfilled');
    return new IntervalJoined(this.left, this.right, lower_bound_ms, upper_bound_ms, this.stream_of);
  }
}

/** Flink's IntervalJoined: bound inclusiveness, late-data side outputs, then process. */
export class IntervalJoined<IN1, IN2, K> {
  private lower_inclusive = true;
  private upper_inclusive = true;
  private left_late_data_tag: string | undefined;
  private right_late_data_tag: string | undefined;

  constructor(
    private readonly left: KeyedStream<IN1, K>,
    private readonly right: KeyedStream<IN2, K>,
    private readonly lower_bound_ms: number,
    private readonly upper_bound_ms: number,
    private readonly stream_of: (node_id: number) => DataStream<unknown>,
  ) {}

  lowerBoundExclusive(): this {
    this.lower_inclusive = false;
    return this;
  }

  upperBoundExclusive(): this {
    this.upper_inclusive = false;
    return this;
  }

  /** Left elements behind the operator's watermark (late) go to this side output instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<IN1>): this {
    if (!isOutputTag(tag)) throw new Error('sideOutputLeftLateData needs an OutputTag');
    this.left_late_data_tag = tag.id;
    return this;
  }

  /** Right elements behind the operator's watermark (late) go to this side output instead of being dropped. */
  sideOutputRightLateData(tag: OutputTag<IN2>): this {
    if (!isOutputTag(tag)) throw new Error('sideOutputRightLateData needs an OutputTag');
    this.right_late_data_tag = tag.id;
    return this;
  }

  process<R>(fn: PerSubtask<ProcessJoinFunction<IN1, IN2, R>>): DataStream<R> {
    // Flink moves exclusive bounds by one so the operator compares inclusively.
    const lower = this.lower_inclusive ? this.lower_bound_ms : this.lower_bound_ms + 1;
    const upper = this.upper_inclusive ? this.upper_bound_ms : this.upper_bound_ms - 1;
    const spec: TwoInputSpec = {
      kind: 'interval_join',
      key_selector1: this.left.key_selector as AnyKeySelector,
      key_selector2: this.right.key_selector as AnyKeySelector,
      lower_bound_ms: lower,
      upper_bound_ms: upper,
      create_function: perSubtaskFactory(fn) as () => ProcessJoinFunction<unknown, unknown, unknown>,
      ...(this.left_late_data_tag !== undefined ? { left_late_data_tag: this.left_late_data_tag } : {}),
      ...(this.right_late_data_tag !== undefined ? { right_late_data_tag: this.right_late_data_tag } : {}),
    };
    return addTwoInputNode(this.left.env, 'IntervalJoin', spec, this.left, this.right, this.stream_of as (id: number) => DataStream<R>);
  }
}
