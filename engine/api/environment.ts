// The DataStream API: StreamExecutionEnvironment, DataStream, KeyedStream (windowed streams: windowed-stream.ts). Each
// call adds a node to the JobGraph; a job is a factory function over an environment so every process rebuilds it alike.
import { computeDefaultMaxParallelism, checkParallelism } from '../state/key-groups.js';
import { JobGraph, type GraphEdge, type GraphNode, type NodeOperator, type Partitioning } from '../graph/job-graph.js';
import type {
  FilterFunction,
  FlatMapFunction,
  KeyedProcessFunction,
  KeySelector,
  MapFunction,
  ReduceFunction,
  Sink,
  Source,
  WatermarkStrategy,
} from './functions.js';
import { GlobalWindows, type GlobalWindow, type Window, type WindowAssigner } from './windows.js';
import { AllWindowedStream, countWindowOf, WindowedStream } from './windowed-stream.js';
import type { MapStateDescriptor } from './state-descriptors.js';
import { BroadcastConnectedStream, BroadcastStream, ConnectedStreams, IntervalJoin } from './connected-streams.js';
import { CoGroupedStreams, JoinedStreams } from './joins.js';
import type { ProcessFunction, RichFilterFunction, RichFlatMapFunction, RichMapFunction } from './rich-functions.js';
import { isOutputTag, type OutputTag } from './side-output.js';

export interface EnvironmentOptions {
  parallelism?: number;
  /** Default: Flink's computeDefaultMaxParallelism(parallelism). */
  max_parallelism?: number;
}

export interface SourceOptions<T> {
  uid?: string;
  name?: string;
  parallelism?: number;
  watermarks?: WatermarkStrategy<T>;
}

export class StreamExecutionEnvironment {
  readonly graph: JobGraph;

  constructor(options: EnvironmentOptions = {}) {
    const parallelism = options.parallelism ?? 1;
    // Flink: without a configured max parallelism each operator derives its own from its parallelism.
    if (options.max_parallelism !== undefined) checkParallelism(options.max_parallelism, parallelism);
    else checkParallelism(computeDefaultMaxParallelism(parallelism), parallelism);
    this.graph = new JobGraph(parallelism, options.max_parallelism);
  }

  get parallelism(): number {
    return this.graph.default_parallelism;
  }

  fromSource<T>(source: Source<T>, options: SourceOptions<T> = {}): DataStream<T> {
    const operator: NodeOperator = {
      kind: 'source',
      source: source as Source<unknown>,
      watermarks: options.watermarks as WatermarkStrategy<unknown> | undefined,
    };
    const node = this.graph.addNode(options.name ?? `Source: ${source.kind}`, operator, [], this.parallelism);
    const stream = new DataStream<T>(this, [node.id]);
    if (options.uid !== undefined) stream.uid(options.uid);
    if (options.parallelism !== undefined) stream.setParallelism(options.parallelism);
    return stream;
  }
}

/** Per-operator settings shared by streams and sinks. */
abstract class OperatorHandle {
  constructor(
    readonly env: StreamExecutionEnvironment,
    protected readonly node_ids: readonly number[],
    /** Index-aligned with node_ids: the side output (OutputTag id) read from that node, undefined for its main output. */
    protected readonly side_output_tags: readonly (string | undefined)[] = [],
  ) {}

  protected singleNode(): GraphNode {
    if (this.node_ids.length !== 1) throw new Error('this setting needs a single operator (not a union)');
    if (this.side_output_tags[0] !== undefined) throw new Error('a side output is set up on the operator that emits it, not on getSideOutput()');
    return this.env.graph.node(this.node_ids[0]!);
  }

  setParallelism(parallelism: number): this {
    const node = this.singleNode();
    if (!node.max_parallelism_configured) node.max_parallelism = computeDefaultMaxParallelism(parallelism);
    checkParallelism(node.max_parallelism, parallelism);
    node.parallelism = parallelism;
    return this;
  }

  setMaxParallelism(max_parallelism: number): this {
    const node = this.singleNode();
    checkParallelism(max_parallelism, node.parallelism);
    node.max_parallelism = max_parallelism;
    node.max_parallelism_configured = true;
    return this;
  }

  uid(uid: string): this {
    if (uid.length === 0) throw new Error('uid must not be empty');
    const node = this.singleNode();
    node.uid = uid;
    node.uid_is_generated = false;
    return this;
  }

  name(name: string): this {
    this.singleNode().name = name;
    return this;
  }
}

export class DataStream<T> extends OperatorHandle {
  constructor(
    env: StreamExecutionEnvironment,
    node_ids: readonly number[],
    private readonly partitioning: Partitioning = 'default',
    side_output_tags: readonly (string | undefined)[] = [],
  ) {
    super(env, node_ids, side_output_tags);
  }

  /** The graph node ids this stream reads from (several after union). */
  get upstream_node_ids(): readonly number[] {
    return this.node_ids;
  }

  /** The input edges an operator reading this stream gets (one per upstream node, with its side-output tag). */
  graphEdges(key_selector?: KeySelector<unknown, unknown>): GraphEdge[] {
    return this.node_ids.map((id, i) => {
      const tag = this.side_output_tags[i];
      return { source_node_id: id, partitioning: this.partitioning, key_selector, ...(tag !== undefined ? { side_output_tag: tag } : {}) };
    });
  }

  protected edges(key_selector?: KeySelector<unknown, unknown>): GraphEdge[] {
    return this.graphEdges(key_selector);
  }

  /** The side output `tag` of this operator (Flink's SingleOutputStreamOperator.getSideOutput). */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (!isOutputTag(tag)) throw new Error('getSideOutput needs an OutputTag');
    const node = this.singleNode();
    return new DataStream<X>(this.env, [node.id], 'default', [tag.id]);
  }

  /** The edges this stream contributes to input 1 or 2 of a two-input operator (engine/api/connected-streams.ts). */
  edgesInto(input: 1 | 2): GraphEdge[] {
    return this.edges().map((edge) => (input === 1 ? edge : { ...edge, input }));
  }

  protected addOperator<R>(name: string, operator: NodeOperator, key_selector?: KeySelector<unknown, unknown>): DataStream<R> {
    const parallelism = this.env.parallelism;
    const node = this.env.graph.addNode(name, operator, this.edges(key_selector), parallelism);
    return new DataStream<R>(this.env, [node.id]);
  }

  /** A plain function, or a rich function object (open/close, runtime context, operator state). */
  map<R>(fn: MapFunction<T, R> | RichMapFunction<T, R>): DataStream<R> {
    return this.addOperator('Map', { kind: 'map', fn: userFunction(fn, 'map') as MapFunction<unknown, unknown> });
  }

  filter(fn: FilterFunction<T> | RichFilterFunction<T>): DataStream<T> {
    return this.addOperator('Filter', { kind: 'filter', fn: userFunction(fn, 'filter') as FilterFunction<unknown> });
  }

  flatMap<R>(fn: FlatMapFunction<T, R> | RichFlatMapFunction<T, R>): DataStream<R> {
    return this.addOperator('FlatMap', { kind: 'flat_map', fn: userFunction(fn, 'flatMap') as FlatMapFunction<unknown, unknown> });
  }

  /**
   * Flink's non-keyed ProcessFunction. An object is cloned per parallel instance with Object.create; a zero-argument
   * factory is called per instance.
   */
  process<R>(fn: ProcessFunction<T, R> | (() => ProcessFunction<T, R>)): DataStream<R> {
    const create_function = functionFactory(fn, 'processElement');
    return this.addOperator('Process', { kind: 'process', create_function: create_function as () => ProcessFunction<unknown, unknown> });
  }

  /**
   * Flink's assignTimestampsAndWatermarks: records get timestamps from the strategy's assigner (default: keep theirs)
   * and this operator's bounded-out-of-orderness watermarks replace the upstream ones.
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    if (!(Number.isFinite(strategy?.out_of_orderness_ms) && strategy.out_of_orderness_ms >= 0)) throw new Error('assignTimestampsAndWatermarks needs a WatermarkStrategy');
    return this.addOperator('Timestamps/Watermarks', { kind: 'timestamps_watermarks', strategy: strategy as WatermarkStrategy<unknown> });
  }

  keyBy<K>(key_selector: KeySelector<T, K>): KeyedStream<T, K> {
    if (this.partitioning !== 'default') throw new Error('keyBy after an explicit partitioning');
    return new KeyedStream<T, K>(this.env, this.node_ids, key_selector, this.side_output_tags);
  }

  rebalance(): DataStream<T> {
    return new DataStream<T>(this.env, this.node_ids, 'rebalance', this.side_output_tags);
  }

  /** No descriptors: broadcast partitioning. With MapStateDescriptors: a BroadcastStream to connect to (broadcast state). */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): DataStream<T> | BroadcastStream<T> {
    const stream = new DataStream<T>(this.env, this.node_ids, 'broadcast', this.side_output_tags);
    return descriptors.length === 0 ? stream : new BroadcastStream<T>(stream, descriptors);
  }

  /** Flink's window join: join(other).where(key).equalTo(otherKey).window(assigner).apply(joinFunction). */
  join<R>(other: DataStream<R>): JoinedStreams<T, R> {
    return new JoinedStreams<T, R>(this, other);
  }

  /** Flink's coGroup: coGroup(other).where(key).equalTo(otherKey).window(assigner).apply(coGroupFunction). */
  coGroup<R>(other: DataStream<R>): CoGroupedStreams<T, R> {
    return new CoGroupedStreams<T, R>(this, other);
  }

  /**
   * Flink's connect: with a DataStream, ConnectedStreams; with a BroadcastStream, a BroadcastConnectedStream. A keyed
   * stream connected with a keyed stream (or a broadcast stream) makes the operator keyed by its key.
   */
  connect<R, K>(this: KeyedStream<T, K>, other: BroadcastStream<R>): BroadcastConnectedStream<T, R, K>;
  connect<R, K>(this: KeyedStream<T, K>, other: KeyedStream<R, K>): ConnectedStreams<T, R, K>;
  connect<R>(other: BroadcastStream<R>): BroadcastConnectedStream<T, R>;
  connect<R>(other: DataStream<R>): ConnectedStreams<T, R>;
  connect<R>(other: DataStream<R> | BroadcastStream<R>): ConnectedStreams<T, R, unknown> | BroadcastConnectedStream<T, R, unknown> {
    const stream_of = (node_id: number): DataStream<unknown> => new DataStream<unknown>(this.env, [node_id]);
    const own_key = this instanceof KeyedStream ? (this.key_selector as KeySelector<unknown, unknown>) : undefined;
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, R, unknown>(this, other, own_key, stream_of);
    const keys = own_key !== undefined && other instanceof KeyedStream ? ([own_key, other.key_selector as KeySelector<unknown, unknown>] as const) : undefined;
    return new ConnectedStreams<T, R, unknown>(this, other, keys, stream_of);
  }

  forward(): DataStream<T> {
    return new DataStream<T>(this.env, this.node_ids, 'forward', this.side_output_tags);
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    const ids = [...this.node_ids];
    const tags = this.node_ids.map((_, i) => this.side_output_tags[i]);
    for (const other of others) {
      if (other.env !== this.env) throw new Error('union of streams from different environments');
      ids.push(...other.node_ids);
      tags.push(...other.node_ids.map((_, i) => other.side_output_tags[i]));
    }
    return new DataStream<T>(this.env, ids, this.partitioning, tags);
  }

  /** Windows over the whole stream in one parallel instance (Flink's windowAll: parallelism and max parallelism 1). */
  windowAll<W extends Window>(assigner: WindowAssigner<W>): AllWindowedStream<T, W> {
    const keyed = new KeyedStream<T, number>(this.env, this.node_ids, () => 0, this.side_output_tags);
    return new AllWindowedStream<T, W>(new WindowedStream<T, number, W>(keyed, assigner, true));
  }

  /** countWindow over the whole stream in one parallel instance. */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    const all = this.windowAll(GlobalWindows.create());
    countWindowOf(all.windowed, size, slide);
    return all;
  }

  sinkTo(sink: Sink<T>): DataStreamSink {
    const node = this.env.graph.addNode(
      `Sink: ${sink.kind}`,
      { kind: 'sink', sink: sink as Sink<unknown> },
      this.edges(),
      this.env.parallelism,
    );
    return new DataStreamSink(this.env, [node.id]);
  }
}

export class DataStreamSink extends OperatorHandle {}

export class KeyedStream<T, K> extends DataStream<T> {
  constructor(
    env: StreamExecutionEnvironment,
    node_ids: readonly number[],
    readonly key_selector: KeySelector<T, K>,
    side_output_tags: readonly (string | undefined)[] = [],
  ) {
    super(env, node_ids, 'hash', side_output_tags);
  }

  protected override edges(): GraphEdge[] {
    return super.edges(this.key_selector as KeySelector<unknown, unknown>);
  }

  /** After keyBy, a rich map function may use keyed state (scoped to each record's key). */
  override map<R>(fn: MapFunction<T, R> | RichMapFunction<T, R>): DataStream<R> {
    return this.addOperator('Map', { kind: 'map', fn: userFunction(fn, 'map') as MapFunction<unknown, unknown>, key_selector: this.key_selector as KeySelector<unknown, unknown> });
  }

  override filter(fn: FilterFunction<T> | RichFilterFunction<T>): DataStream<T> {
    return this.addOperator('Filter', { kind: 'filter', fn: userFunction(fn, 'filter') as FilterFunction<unknown>, key_selector: this.key_selector as KeySelector<unknown, unknown> });
  }

  override flatMap<R>(fn: FlatMapFunction<T, R> | RichFlatMapFunction<T, R>): DataStream<R> {
    return this.addOperator('FlatMap', {
      kind: 'flat_map',
      fn: userFunction(fn, 'flatMap') as FlatMapFunction<unknown, unknown>,
      key_selector: this.key_selector as KeySelector<unknown, unknown>,
    });
  }

  override process<R>(fn: KeyedProcessFunction<K, T, R> | (() => KeyedProcessFunction<K, T, R>)): DataStream<R> {
    const create_function = functionFactory(fn, 'processElement');
    return this.addOperator('KeyedProcess', {
      kind: 'keyed_process',
      key_selector: this.key_selector as KeySelector<unknown, unknown>,
      create_function: create_function as () => KeyedProcessFunction<unknown, unknown, unknown>,
    });
  }

  /** Rolling reduce: emits the updated reduced value for every input record. */
  reduce(reduce: ReduceFunction<T>): DataStream<T> {
    return this.addOperator('KeyedReduce', {
      kind: 'keyed_reduce',
      key_selector: this.key_selector as KeySelector<unknown, unknown>,
      reduce: reduce as ReduceFunction<unknown>,
    });
  }

  /** Windows per key (Flink's KeyedStream.window). */
  window<W extends Window>(assigner: WindowAssigner<W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }

  /** Flink's interval join of two keyed streams (event time): intervalJoin(other).between(lower, upper).process(fn). */
  intervalJoin<R>(other: KeyedStream<R, K>): IntervalJoin<T, R, K> {
    return new IntervalJoin<T, R, K>(this, other, (node_id) => new DataStream<unknown>(this.env, [node_id]));
  }

  /**
   * Count windows per key: `countWindow(size)` fires and purges every `size` elements; `countWindow(size, slide)`
   * fires every `slide` elements over the last `size` (Flink: global windows with a count trigger and evictor).
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    return countWindowOf(this.window(GlobalWindows.create()), size, slide);
  }
}

/** A function given as a plain function or a rich function object with method `method` (checked at build time). */
function userFunction<F>(fn: F, method: string): F {
  if (typeof fn === 'function') return fn;
  if (typeof fn !== 'object' || fn === null || typeof (fn as Record<string, unknown>)[method] !== 'function') {
    throw new Error(`expected a function or an object with a ${method}() method`);
  }
  return fn;
}

/** A per-instance factory: a function is the factory itself; an object is cloned per instance with Object.create. */
function functionFactory<F extends object>(fn: F | (() => F), method: string): () => F {
  if (typeof fn === 'function') return fn as () => F;
  userFunction(fn, method);
  return () => Object.create(fn) as F;
}

/** A job: a function that builds the dataflow on an environment from plain parameters. */
export type JobFactory = (env: StreamExecutionEnvironment, params: Record<string, unknown>) => void;
