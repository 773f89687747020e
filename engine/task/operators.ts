// Stream operators that run inside a task's chain: map, filter, flatMap, keyed process (state + timers), keyed
// rolling reduce, event-time windows (tumbling/sliding, allowed lateness) and the sink writer adapter.
// Every operator pushes results to an Output (the next chained operator or the task's record writers).
import {
  NO_TIMESTAMP,
  type Collector,
  type KeyedProcessFunction,
  type OnTimerContext,
  type SinkWriter,
  type TimerService,
} from '../api/functions.js';
import type { GraphNode, NodeOperator } from '../graph/job-graph.js';
import type { InternalTimer, KeyedStateStore, TimeDomain } from '../state/keyed-state.js';
import { KeyedUdfOperator } from './operators/keyed-udf-operator.js';
import { WindowOperator } from './operators/window/window-operator.js';
import { BaseOperator, KeyedOperator, TimestampedCollector, type OperatorEnvironment, type StreamOperator } from './operator-base.js';
import { instancePerSubtask, UserFunction } from './operators/user-function.js';
import { ProcessOperator } from './operators/process-operator.js';
import { TimestampsAndWatermarksOperator } from './operators/timestamps-watermarks-operator.js';

export { BaseOperator, KeyedOperator, TimestampedCollector } from './operator-base.js';
export type { OperatorEnvironment, Output, StreamOperator } from './operator-base.js';

export class MapOperator extends BaseOperator {
  private readonly call: (value: unknown) => unknown;
  constructor(node: GraphNode, env: OperatorEnvironment, fn: Extract<NodeOperator, { kind: 'map' }>['fn'], keyed_store?: KeyedStateStore) {
    super(node, env);
    const instance = instancePerSubtask(fn);
    this.udf = UserFunction.forOperator(instance, node, env, this.subtaskInfo(), keyed_store);
    this.call = typeof instance === 'function' ? instance : (value) => instance.map(value);
  }
  processElement(value: unknown, timestamp_ms: number): void {
    this.output.collect(this.call(value), timestamp_ms);
  }
}

export class FilterOperator extends BaseOperator {
  private readonly call: (value: unknown) => boolean;
  constructor(node: GraphNode, env: OperatorEnvironment, fn: Extract<NodeOperator, { kind: 'filter' }>['fn'], keyed_store?: KeyedStateStore) {
    super(node, env);
    const instance = instancePerSubtask(fn);
    this.udf = UserFunction.forOperator(instance, node, env, this.subtaskInfo(), keyed_store);
    this.call = typeof instance === 'function' ? instance : (value) => instance.filter(value);
  }
  processElement(value: unknown, timestamp_ms: number): void {
    if (this.call(value)) this.output.collect(value, timestamp_ms);
  }
}

export class FlatMapOperator extends BaseOperator {
  private readonly collector = new TimestampedCollector(this, this.env);
  private readonly call: (value: unknown, out: Collector<unknown>) => void;
  constructor(node: GraphNode, env: OperatorEnvironment, fn: Extract<NodeOperator, { kind: 'flat_map' }>['fn'], keyed_store?: KeyedStateStore) {
    super(node, env);
    const instance = instancePerSubtask(fn);
    this.udf = UserFunction.forOperator(instance, node, env, this.subtaskInfo(), keyed_store);
    this.call = typeof instance === 'function' ? instance : (value, out) => instance.flatMap(value, out);
  }
  processElement(value: unknown, timestamp_ms: number): void {
    this.collector.reset(timestamp_ms);
    this.call(value, this.collector);
  }
}

class KeyedProcessOperator extends KeyedOperator {
  private readonly fn: KeyedProcessFunction<unknown, unknown, unknown>;
  private readonly collector = new TimestampedCollector(this, this.env);
  private element_timestamp_ms: number | undefined = undefined;
  private timer_domain: TimeDomain = 'event';
  private readonly context: OnTimerContext<unknown>;

  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    operator: Extract<NodeOperator, { kind: 'keyed_process' }>,
  ) {
    super(node, env, operator.key_selector);
    this.fn = operator.create_function();
    this.udf = UserFunction.forOperator(this.fn, node, env, this.subtaskInfo(), this.store);
    const timer_service: TimerService = {
      currentWatermark: () => this.current_watermark_ms,
      currentProcessingTime: () => this.env.now_ms(),
      registerEventTimeTimer: (ts) => this.registerTimer('event', ts, ''),
      registerProcessingTimeTimer: (ts) => this.registerTimer('processing', ts, ''),
      deleteEventTimeTimer: (ts) => this.deleteTimer('event', ts, ''),
      deleteProcessingTimeTimer: (ts) => this.deleteTimer('processing', ts, ''),
    };
    this.context = {
      getCurrentKey: () => this.key_context.current_key,
      timestamp: () => this.element_timestamp_ms,
      timerService: () => timer_service,
      timeDomain: () => this.timer_domain,
      output: (tag, value) => this.collector.collectSide(tag.id, value),
    };
  }

  processElement(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    this.element_timestamp_ms = timestamp_ms === NO_TIMESTAMP ? undefined : timestamp_ms;
    this.collector.reset(timestamp_ms);
    this.fn.processElement(value, this.context, this.collector);
  }

  protected onTimer(domain: TimeDomain, timer: InternalTimer): void {
    this.timer_domain = domain;
    this.element_timestamp_ms = timer.timestamp_ms;
    this.collector.reset(domain === 'event' ? timer.timestamp_ms : NO_TIMESTAMP);
    this.fn.onTimer?.(timer.timestamp_ms, this.context, this.collector);
  }
}

export const REDUCE_STATE = '_reduce';
export { WINDOW_STATE } from './operators/window/window-contents.js';

/** Flink's StreamGroupedReduce: emits the updated value per input record (state "_reduce", no namespace). */
class KeyedReduceOperator extends KeyedOperator {
  private readonly reduce: (a: unknown, b: unknown) => unknown;

  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    operator: Extract<NodeOperator, { kind: 'keyed_reduce' }>,
  ) {
    super(node, env, operator.key_selector);
    this.reduce = operator.reduce;
  }

  processElement(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    const c = this.key_context;
    const backend = this.keyed_backend;
    const current = backend.get(REDUCE_STATE, c.current_key_group, c.current_key_encoded, '');
    const reduced = current === undefined ? value : this.reduce(current, value);
    backend.put(REDUCE_STATE, c.current_key_group, c.current_key_encoded, '', reduced);
    this.output.collect(reduced, timestamp_ms);
  }

  protected onTimer(): void {}
}

export class SinkOperator extends BaseOperator {
  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    readonly writer: SinkWriter<unknown>,
  ) {
    super(node, env);
  }
  processElement(value: unknown, timestamp_ms: number): void {
    this.writer.write(value, timestamp_ms);
  }
  override processWatermark(watermark_ms: number): void {
    this.current_watermark_ms = watermark_ms;
  }
  override isAvailable(): boolean {
    return this.writer.canAccept();
  }
  override flush(): void {
    this.writer.flush(false);
  }
  override finish(): void {
    this.writer.flush(true);
  }
}

/** A map, filter or flatMap operator; with `keyed_store`, its rich function may use keyed state. */
export function createUdfOperator(
  node: GraphNode,
  env: OperatorEnvironment,
  operator: Extract<NodeOperator, { kind: 'map' | 'filter' | 'flat_map' }>,
  keyed_store?: KeyedStateStore,
): BaseOperator {
  switch (operator.kind) {
    case 'map':
      return new MapOperator(node, env, operator.fn, keyed_store);
    case 'filter':
      return new FilterOperator(node, env, operator.fn, keyed_store);
    case 'flat_map':
      return new FlatMapOperator(node, env, operator.fn, keyed_store);
  }
}

/** Builds the operator for a non-source graph node (sinks get their writer from the task). */
export function createOperator(
  node: GraphNode,
  env: OperatorEnvironment,
  create_sink_writer: (node: GraphNode) => SinkWriter<unknown>,
): StreamOperator {
  const operator = node.operator;
  switch (operator.kind) {
    case 'map':
    case 'filter':
    case 'flat_map':
      return operator.key_selector !== undefined ? new KeyedUdfOperator(node, env, operator) : createUdfOperator(node, env, operator);
    case 'process':
      return new ProcessOperator(node, env, operator);
    case 'timestamps_watermarks':
      return new TimestampsAndWatermarksOperator(node, env, operator);
    case 'keyed_process':
      return new KeyedProcessOperator(node, env, operator);
    case 'keyed_reduce':
      return new KeyedReduceOperator(node, env, operator);
    case 'window':
      return new WindowOperator(node, env, operator);
    case 'sink':
      return new SinkOperator(node, env, create_sink_writer(node));
    case 'source':
      throw new Error('sources are driven by the task, not created as chained operators');
    case 'two_input':
      throw new Error('two-input operators are built by createTwoInputOperator (engine/task/two-input-operators.ts)');
  }
}
