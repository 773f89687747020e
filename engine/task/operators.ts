// Stream operators that run inside a task's chain: map, filter, flatMap, keyed process (state + timers), keyed
// rolling reduce, event-time windows (tumbling/sliding, allowed lateness) and the sink writer adapter.
// Every operator pushes results to an Output (the next chained operator or the task's record writers).
import {
  MAX_WATERMARK,
  MIN_WATERMARK,
  NO_TIMESTAMP,
  type Collector,
  type KeyedProcessFunction,
  type KeySelector,
  type OnTimerContext,
  type RuntimeContext,
  type SinkWriter,
  type TimerService,
  type TimeWindow,
} from '../api/functions.js';
import { parseWindowNamespace, windowMaxTimestamp, windowNamespace } from '../api/windows.js';
import type { GraphNode, NodeOperator } from '../graph/job-graph.js';
import type { KeyedStateBackend, KeyGroupRange } from '../state/backend.js';
import { decodeKey, encodeKey } from '../state/key-codec.js';
import { assignToKeyGroup, keyHashCode } from '../state/key-groups.js';
import { InternalTimerService, KeyContext, KeyedStateStore, type InternalTimer, type TimeDomain } from '../state/keyed-state.js';
import { MAX_RECORDS_PER_INPUT_RECORD } from './network.js';

export interface Output {
  collect(value: unknown, timestamp_ms: number): void;
  emitWatermark(watermark_ms: number): void;
}

/** What the task gives its operators. */
export interface OperatorEnvironment {
  readonly subtask_index: number;
  readonly parallelism: number;
  readonly max_parallelism: number;
  readonly key_group_range: KeyGroupRange;
  now_ms(): number;
  createKeyedBackend(operator_uid: string, range: KeyGroupRange, max_parallelism: number): KeyedStateBackend;
  /** Asks for onProcessingTime to be called at (or after) `time_ms` of this process's clock. */
  requestProcessingTimeWakeup(time_ms: number): void;
  fail(message: string, detail?: Record<string, unknown>): never;
}

export interface StreamOperator {
  readonly node: GraphNode;
  output: Output;
  open(): void;
  processElement(value: unknown, timestamp_ms: number): void;
  processWatermark(watermark_ms: number): void;
  onProcessingTime(now_ms: number): void;
  /** End of input: every element and the final watermark have been processed. */
  finish(): void;
  /** False while the operator cannot take input (a throttled sink). */
  isAvailable(): boolean;
  /** End of a task step. */
  flush(): void;
  /** The keyed state backend, for keyed operators (checkpoint hook: snapshot/restore through it). */
  readonly keyed_backend?: KeyedStateBackend;
  /** The watermark the operator has processed (timers up to it have fired); recorded in checkpoints of keyed operators. */
  readonly current_watermark_ms?: number;
  /** After the keyed backend was restored: rebuild in-memory indexes (timers). */
  onRestored?(): void;
}

abstract class BaseOperator implements StreamOperator {
  output!: Output;
  current_watermark_ms = MIN_WATERMARK;

  constructor(
    readonly node: GraphNode,
    protected readonly env: OperatorEnvironment,
  ) {}

  open(): void {}
  abstract processElement(value: unknown, timestamp_ms: number): void;
  processWatermark(watermark_ms: number): void {
    this.current_watermark_ms = watermark_ms;
    this.output.emitWatermark(watermark_ms);
  }
  onProcessingTime(_now_ms: number): void {}
  finish(): void {}
  isAvailable(): boolean {
    return true;
  }
  flush(): void {}
}

class MapOperator extends BaseOperator {
  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    private readonly fn: (value: unknown) => unknown,
  ) {
    super(node, env);
  }
  processElement(value: unknown, timestamp_ms: number): void {
    this.output.collect(this.fn(value), timestamp_ms);
  }
}

class FilterOperator extends BaseOperator {
  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    private readonly fn: (value: unknown) => boolean,
  ) {
    super(node, env);
  }
  processElement(value: unknown, timestamp_ms: number): void {
    if (this.fn(value)) this.output.collect(value, timestamp_ms);
  }
}

/** A collector that stamps a fixed timestamp and bounds per-input fan-out (buffer bounds depend on it). */
class TimestampedCollector implements Collector<unknown> {
  timestamp_ms = NO_TIMESTAMP;
  emitted = 0;
  constructor(
    private readonly operator: BaseOperator,
    private readonly env: OperatorEnvironment,
  ) {}
  reset(timestamp_ms: number): void {
    this.timestamp_ms = timestamp_ms;
    this.emitted = 0;
  }
  collect(value: unknown): void {
    if (++this.emitted > MAX_RECORDS_PER_INPUT_RECORD) {
      this.env.fail('one input record produced too many output records', {
        operator: this.operator.node.uid,
        limit: MAX_RECORDS_PER_INPUT_RECORD,
      });
    }
    this.operator.output.collect(value, this.timestamp_ms);
  }
}

class FlatMapOperator extends BaseOperator {
  private readonly collector = new TimestampedCollector(this, this.env);
  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    private readonly fn: (value: unknown, out: Collector<unknown>) => void,
  ) {
    super(node, env);
  }
  processElement(value: unknown, timestamp_ms: number): void {
    this.collector.reset(timestamp_ms);
    this.fn(value, this.collector);
  }
}

/** Keyed operators: current key → key group (asserted inside this subtask's range), state store and timers. */
abstract class KeyedOperator extends BaseOperator {
  readonly keyed_backend: KeyedStateBackend;
  protected readonly key_context = new KeyContext();
  protected readonly store: KeyedStateStore;
  protected readonly timers: InternalTimerService;
  private requested_processing_wakeup_ms = MAX_WATERMARK;
  /** This subtask's key groups and the operator's max parallelism, read once per record. */
  private readonly key_group_start: number;
  private readonly key_group_end: number;
  private readonly max_parallelism: number;

  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    private readonly key_selector: KeySelector<unknown, unknown>,
  ) {
    super(node, env);
    this.key_group_start = env.key_group_range.start;
    this.key_group_end = env.key_group_range.end;
    this.max_parallelism = node.max_parallelism;
    this.keyed_backend = env.createKeyedBackend(node.uid, env.key_group_range, node.max_parallelism);
    this.store = new KeyedStateStore(this.keyed_backend, this.key_context);
    this.timers = new InternalTimerService(this.keyed_backend);
  }

  protected setKeyFromRecord(value: unknown): void {
    const key = this.key_selector(value);
    const encoded = encodeKey(key);
    const key_group = assignToKeyGroup(keyHashCode(key, encoded), this.max_parallelism);
    if (key_group < this.key_group_start || key_group > this.key_group_end) {
      this.env.fail('record routed to a subtask that does not own its key group', {
        operator: this.node.uid,
        key_group,
        range: this.env.key_group_range,
        subtask: this.env.subtask_index,
      });
    }
    this.key_context.set(key, encoded, key_group);
    this.key_context.current_namespace = '';
  }

  protected setKeyFromTimer(timer: InternalTimer): void {
    this.key_context.set(decodeKey(timer.key_encoded), timer.key_encoded, timer.key_group);
    this.key_context.current_namespace = '';
  }

  protected registerTimer(domain: TimeDomain, timestamp_ms: number, namespace: string): void {
    const c = this.key_context;
    c.assertKeySet();
    this.timers.register(domain, timestamp_ms, c.current_key_encoded, c.current_key_group, namespace);
    if (domain === 'processing') this.scheduleProcessingWakeup();
  }

  protected deleteTimer(domain: TimeDomain, timestamp_ms: number, namespace: string): void {
    const c = this.key_context;
    c.assertKeySet();
    this.timers.delete(domain, timestamp_ms, c.current_key_encoded, c.current_key_group, namespace);
  }

  private scheduleProcessingWakeup(): void {
    const next = this.timers.peekTimestamp('processing');
    if (next !== undefined && next < this.requested_processing_wakeup_ms) {
      this.requested_processing_wakeup_ms = next;
      this.env.requestProcessingTimeWakeup(next);
    }
  }

  protected abstract onTimer(domain: TimeDomain, timer: InternalTimer): void;

  /** Timers live in the backend; after a restore the heaps are rebuilt and processing-time wake-ups re-requested. */
  onRestored(): void {
    const groups: number[] = [];
    for (let kg = this.env.key_group_range.start; kg <= this.env.key_group_range.end; kg++) groups.push(kg);
    this.timers.rebuildFromBackend(groups);
    this.requested_processing_wakeup_ms = MAX_WATERMARK;
    this.scheduleProcessingWakeup();
  }

  override processWatermark(watermark_ms: number): void {
    this.current_watermark_ms = watermark_ms;
    for (let timer = this.timers.pollDue('event', watermark_ms); timer !== undefined; timer = this.timers.pollDue('event', watermark_ms)) {
      this.setKeyFromTimer(timer);
      this.onTimer('event', timer);
    }
    this.output.emitWatermark(watermark_ms);
  }

  override onProcessingTime(now_ms: number): void {
    if (now_ms >= this.requested_processing_wakeup_ms) this.requested_processing_wakeup_ms = MAX_WATERMARK;
    for (let timer = this.timers.pollDue('processing', now_ms); timer !== undefined; timer = this.timers.pollDue('processing', now_ms)) {
      this.setKeyFromTimer(timer);
      this.onTimer('processing', timer);
    }
    this.scheduleProcessingWakeup();
  }

  runtimeContext(): RuntimeContext {
    const store = this.store;
    return {
      subtask_index: this.env.subtask_index,
      parallelism: this.env.parallelism,
      max_parallelism: this.node.max_parallelism,
      getState: (name) => store.getState(name),
      getListState: (name) => store.getListState(name),
      getMapState: (name) => store.getMapState(name),
      getReducingState: (name, reduce) => store.getReducingState(name, reduce),
      getAggregatingState: (name, aggregate) => store.getAggregatingState(name, aggregate),
    };
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
    };
  }

  override open(): void {
    this.fn.open?.(this.runtimeContext());
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
export const WINDOW_STATE = '_window';

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

/**
 * Event-time window operator with Flink's EventTimeTrigger: a window fires when the watermark passes its max
 * timestamp; a late element within the allowed lateness fires it again at once; its state is cleared at
 * max timestamp + allowed lateness; elements whose window is already past cleanup are dropped.
 */
class WindowOperator extends KeyedOperator {
  private readonly contents;
  private readonly operator: Extract<NodeOperator, { kind: 'window' }>;
  dropped_late_records = 0;

  constructor(node: GraphNode, env: OperatorEnvironment, operator: Extract<NodeOperator, { kind: 'window' }>) {
    super(node, env, operator.key_selector);
    this.operator = operator;
    if (operator.aggregate !== undefined) {
      this.contents = this.store.getAggregatingState<unknown, unknown, unknown>(WINDOW_STATE, operator.aggregate, true);
    } else if (operator.reduce !== undefined) {
      this.contents = this.store.getReducingState<unknown>(WINDOW_STATE, operator.reduce, true);
    } else {
      throw new Error('window needs reduce or aggregate');
    }
  }

  private cleanupTime(window: TimeWindow): number {
    return windowMaxTimestamp(window) + this.operator.allowed_lateness_ms;
  }

  processElement(value: unknown, timestamp_ms: number): void {
    if (timestamp_ms === NO_TIMESTAMP) {
      this.env.fail('event-time window on a record without timestamp (no watermark strategy?)', { operator: this.node.uid });
    }
    this.setKeyFromRecord(value);
    for (const window of this.operator.assigner.assignWindows(timestamp_ms)) {
      if (this.cleanupTime(window) <= this.current_watermark_ms) {
        this.dropped_late_records++;
        continue;
      }
      const namespace = windowNamespace(window);
      this.key_context.current_namespace = namespace;
      this.contents.add(value);
      if (windowMaxTimestamp(window) <= this.current_watermark_ms) {
        this.emitWindow(window);
      } else {
        this.registerTimer('event', windowMaxTimestamp(window), namespace);
      }
      if (this.operator.allowed_lateness_ms > 0) this.registerTimer('event', this.cleanupTime(window), namespace);
    }
    this.key_context.current_namespace = '';
  }

  private emitWindow(window: TimeWindow): void {
    const result = this.contents.get();
    if (result === undefined) return;
    const fn = this.operator.window_function;
    const out = fn === undefined ? result : fn(this.key_context.current_key, window, result);
    this.output.collect(out, windowMaxTimestamp(window));
  }

  protected onTimer(domain: TimeDomain, timer: InternalTimer): void {
    if (domain !== 'event') return;
    const window = parseWindowNamespace(timer.namespace);
    this.key_context.current_namespace = timer.namespace;
    if (timer.timestamp_ms === windowMaxTimestamp(window)) this.emitWindow(window);
    if (timer.timestamp_ms === this.cleanupTime(window)) this.contents.clear();
    this.key_context.current_namespace = '';
  }
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

/** Builds the operator for a non-source graph node (sinks get their writer from the task). */
export function createOperator(
  node: GraphNode,
  env: OperatorEnvironment,
  create_sink_writer: (node: GraphNode) => SinkWriter<unknown>,
): StreamOperator {
  const operator = node.operator;
  switch (operator.kind) {
    case 'map':
      return new MapOperator(node, env, operator.fn);
    case 'filter':
      return new FilterOperator(node, env, operator.fn);
    case 'flat_map':
      return new FlatMapOperator(node, env, operator.fn);
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
  }
}
