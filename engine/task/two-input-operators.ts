// Two-input stream operators (Flink's TwoInputStreamOperator family): CoStreamMap, CoStreamFlatMap,
// CoProcessOperator, KeyedCoProcessOperator, CoBroadcastWithNonKeyedOperator, CoBroadcastWithKeyedOperator and
// IntervalJoinOperator. Each heads its task's chain; the task feeds input 2 through processElement2/processWatermark2.
// The operator's watermark is the minimum of both inputs' (Flink's AbstractStreamOperator.processWatermark1/2).
import type {
  BroadcastContext,
  CoProcessContext,
  BroadcastReadOnlyContext,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedCoProcessOnTimerContext,
  ProcessJoinContext,
} from '../api/co-functions.js';
import { MIN_WATERMARK, NO_TIMESTAMP, type RuntimeContext, type TimerService } from '../api/functions.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../api/state-descriptors.js';
import type { GraphNode } from '../graph/job-graph.js';
import type { TwoInputSpec } from '../graph/two-input-spec.js';
import type { KeyedStateBackend } from '../state/backend.js';
import { BroadcastStateStore } from '../state/broadcast-state.js';
import { decodeKey } from '../state/key-codec.js';
import type { InternalTimer, KeyContext, TimeDomain } from '../state/keyed-state.js';
import { BaseOperator, KeyedOperator, TimestampedCollector, type OperatorEnvironment, type Output, type StreamOperator } from './operator-base.js';
import type { WatermarkStatus } from './watermark-valve.js';
import { UserFunction } from './operators/user-function.js';

/**
 * A two-input operator. processElement/processWatermark (the chained-operator interface) are input 1's; input 2
 * arrives through processElement2/processWatermark2. endInput tells that one input is exhausted.
 */
export interface TwoInputStreamOperator extends StreamOperator {
  readonly two_input: true;
  processElement1(value: unknown, timestamp_ms: number): void;
  processElement2(value: unknown, timestamp_ms: number): void;
  processWatermark1(watermark_ms: number): void;
  processWatermark2(watermark_ms: number): void;
  /** An input became idle (it stops holding the combined watermark back) or active again. */
  processWatermarkStatus1(status: WatermarkStatus): void;
  processWatermarkStatus2(status: WatermarkStatus): void;
  endInput(input: 1 | 2): void;
}

export function isTwoInputOperator(operator: StreamOperator): operator is TwoInputStreamOperator {
  return (operator as Partial<TwoInputStreamOperator>).two_input === true;
}

/**
 * Flink's CombinedWatermarkStatus of a two-input operator: the minimum over the inputs that are not idle, advancing
 * only; idle when both inputs are idle.
 */
class CombinedWatermark {
  private readonly inputs = [MIN_WATERMARK, MIN_WATERMARK];
  private readonly idle_inputs = [false, false];
  private combined = MIN_WATERMARK;
  idle = false;

  /** The new combined watermark if it advanced, else undefined. */
  update(input: 1 | 2, watermark_ms: number): number | undefined {
    if (watermark_ms > this.inputs[input - 1]!) this.inputs[input - 1] = watermark_ms;
    return this.recombine();
  }

  updateStatus(input: 1 | 2, status: WatermarkStatus): number | undefined {
    this.idle_inputs[input - 1] = status === 'idle';
    return this.recombine();
  }

  private recombine(): number | undefined {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) if (!this.idle_inputs[i]) min = Math.min(min, this.inputs[i]!);
    this.idle = min === Number.POSITIVE_INFINITY;
    if (this.idle || min <= this.combined) return undefined;
    this.combined = min;
    return min;
  }
}

/** Flink's AbstractStreamOperator.processWatermarkStatus(status, index): the combined status goes out on a change. */
function combineStatus(combined: CombinedWatermark, input: 1 | 2, status: WatermarkStatus, on_watermark: (watermark_ms: number) => void, output: Output): void {
  const was_idle = combined.idle;
  const advanced = combined.updateStatus(input, status);
  if (advanced !== undefined) on_watermark(advanced);
  if (was_idle !== combined.idle) output.emitWatermarkStatus(status);
}

const NO_TIMERS = 'Setting timers is only supported on a keyed streams.';

/** The keyed state handle a descriptor names, from a keyed runtime context (scoped to the context's current key). */
export function keyedStateHandle(ctx: RuntimeContext, descriptor: StateDescriptor): unknown {
  switch (descriptor.kind) {
    case 'value':
      return ctx.getState(descriptor as ValueStateDescriptor<unknown>);
    case 'list':
      return ctx.getListState(descriptor as ListStateDescriptor<unknown>);
    case 'map':
      return ctx.getMapState(descriptor as MapStateDescriptor<unknown, unknown>);
    case 'reducing':
      return ctx.getReducingState(descriptor as ReducingStateDescriptor<unknown>);
    case 'aggregating':
      return ctx.getAggregatingState(descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>);
  }
}

/**
 * Flink's applyToKeyedState (AbstractKeyedStateBackend.applyToAllKeys): every key in `key_groups` that has an entry of
 * the descriptor's state (namespace ''), in key group then key order, with the key set for the call. The keys are
 * listed first, so `fn` may change or clear the state. The key context is left unset.
 */
export function applyToAllKeys(
  backend: KeyedStateBackend,
  key_context: KeyContext,
  key_groups: { start: number; end: number },
  ctx: RuntimeContext,
  descriptor: StateDescriptor,
  fn: (key: unknown, state: unknown) => void,
): void {
  const keys: { encoded: string; key_group: number }[] = [];
  for (let kg = key_groups.start; kg <= key_groups.end; kg++) {
    let last: string | undefined;
    for (const entry of backend.entries(descriptor.name, kg)) {
      if (entry.namespace !== '' || entry.key === last) continue;
      last = entry.key;
      keys.push({ encoded: entry.key, key_group: kg });
    }
  }
  const state = keyedStateHandle(ctx, descriptor);
  for (const { encoded, key_group } of keys) {
    const key = decodeKey(encoded);
    key_context.set(key, encoded, key_group);
    key_context.current_namespace = '';
    fn(key, state);
  }
  key_context.set(undefined, '', -1);
}

/** Non-keyed two-input operators: the combined watermark goes out as it advances. */
abstract class TwoInputOperator extends BaseOperator implements TwoInputStreamOperator {
  readonly two_input = true as const;
  private readonly combined = new CombinedWatermark();
  protected readonly collector = new TimestampedCollector(this, this.env);
  protected element_timestamp_ms: number | undefined = undefined;

  abstract processElement1(value: unknown, timestamp_ms: number): void;
  abstract processElement2(value: unknown, timestamp_ms: number): void;

  processElement(value: unknown, timestamp_ms: number): void {
    this.processElement1(value, timestamp_ms);
  }
  override processWatermark(watermark_ms: number): void {
    this.processWatermark1(watermark_ms);
  }
  processWatermark1(watermark_ms: number): void {
    const advanced = this.combined.update(1, watermark_ms);
    if (advanced !== undefined) super.processWatermark(advanced);
  }
  processWatermark2(watermark_ms: number): void {
    const advanced = this.combined.update(2, watermark_ms);
    if (advanced !== undefined) super.processWatermark(advanced);
  }
  override processWatermarkStatus(status: WatermarkStatus): void {
    this.processWatermarkStatus1(status);
  }
  processWatermarkStatus1(status: WatermarkStatus): void {
    combineStatus(this.combined, 1, status, (wm) => super.processWatermark(wm), this.output);
  }
  processWatermarkStatus2(status: WatermarkStatus): void {
    combineStatus(this.combined, 2, status, (wm) => super.processWatermark(wm), this.output);
  }
  endInput(_input: 1 | 2): void {}

  /** Sets the collector's timestamp and the context's element timestamp for one element. */
  protected enter(timestamp_ms: number): void {
    this.collector.reset(timestamp_ms);
    this.element_timestamp_ms = timestamp_ms === NO_TIMESTAMP ? undefined : timestamp_ms;
  }

  /** The user function's lifecycle (runtime context without keyed state, CheckpointedFunction operator state). */
  protected manage(fn: unknown): void {
    this.udf = UserFunction.forOperator(fn, this.node, this.env, this.subtaskInfo());
  }

  protected sideOutput(tag: { id: string }, value: unknown): void {
    this.collector.collectSide(tag.id, value);
  }

  /** A timer service that reads time and refuses timers (non-keyed streams cannot set them in Flink). */
  protected readOnlyTimerService(): TimerService {
    const refuse = (): never => {
      throw new Error(NO_TIMERS);
    };
    return {
      currentWatermark: () => this.current_watermark_ms,
      currentProcessingTime: () => this.env.now_ms(),
      registerEventTimeTimer: refuse,
      registerProcessingTimeTimer: refuse,
      deleteEventTimeTimer: refuse,
      deleteProcessingTimeTimer: refuse,
    };
  }
}

/** Keyed two-input operators: timers fire when the combined watermark advances, before it goes out. */
abstract class KeyedTwoInputOperator extends KeyedOperator implements TwoInputStreamOperator {
  readonly two_input = true as const;
  private readonly combined = new CombinedWatermark();
  protected readonly collector = new TimestampedCollector(this, this.env);
  protected element_timestamp_ms: number | undefined = undefined;
  protected timer_domain: TimeDomain = 'event';
  protected readonly timer_service: TimerService;

  constructor(node: GraphNode, env: OperatorEnvironment, key_selector1: (value: unknown) => unknown) {
    super(node, env, key_selector1);
    this.timer_service = {
      currentWatermark: () => this.current_watermark_ms,
      currentProcessingTime: () => this.env.now_ms(),
      registerEventTimeTimer: (ts) => this.registerTimer('event', ts, ''),
      registerProcessingTimeTimer: (ts) => this.registerTimer('processing', ts, ''),
      deleteEventTimeTimer: (ts) => this.deleteTimer('event', ts, ''),
      deleteProcessingTimeTimer: (ts) => this.deleteTimer('processing', ts, ''),
    };
  }

  abstract processElement1(value: unknown, timestamp_ms: number): void;
  abstract processElement2(value: unknown, timestamp_ms: number): void;

  processElement(value: unknown, timestamp_ms: number): void {
    this.processElement1(value, timestamp_ms);
  }
  override processWatermark(watermark_ms: number): void {
    this.processWatermark1(watermark_ms);
  }
  processWatermark1(watermark_ms: number): void {
    const advanced = this.combined.update(1, watermark_ms);
    if (advanced !== undefined) super.processWatermark(advanced);
  }
  processWatermark2(watermark_ms: number): void {
    const advanced = this.combined.update(2, watermark_ms);
    if (advanced !== undefined) super.processWatermark(advanced);
  }
  override processWatermarkStatus(status: WatermarkStatus): void {
    this.processWatermarkStatus1(status);
  }
  processWatermarkStatus1(status: WatermarkStatus): void {
    combineStatus(this.combined, 1, status, (wm) => super.processWatermark(wm), this.output);
  }
  processWatermarkStatus2(status: WatermarkStatus): void {
    combineStatus(this.combined, 2, status, (wm) => super.processWatermark(wm), this.output);
  }
  endInput(_input: 1 | 2): void {}

  protected enter(timestamp_ms: number): void {
    this.collector.reset(timestamp_ms);
    this.element_timestamp_ms = timestamp_ms === NO_TIMESTAMP ? undefined : timestamp_ms;
  }

  /** A timer fires: the collector stamps event timers with their time (Flink's TimestampedCollector). */
  protected enterTimer(domain: TimeDomain, timer: InternalTimer): void {
    this.timer_domain = domain;
    this.element_timestamp_ms = timer.timestamp_ms;
    this.collector.reset(domain === 'event' ? timer.timestamp_ms : NO_TIMESTAMP);
  }

  /** The user function's lifecycle, with keyed state in its runtime context. */
  protected manage(fn: unknown): void {
    this.udf = UserFunction.forOperator(fn, this.node, this.env, this.subtaskInfo(), this.store);
  }

  protected sideOutput(tag: { id: string }, value: unknown): void {
    this.collector.collectSide(tag.id, value);
  }
}

// ---- connect: CoMap, CoFlatMap, CoProcess, KeyedCoProcess ---------------------------------------------------------

type CoMapOrFlatMapSpec = Extract<TwoInputSpec, { kind: 'co_map' | 'co_flat_map' }>;

/** Calls of a CoMap/CoFlatMap function per input, writing to `out` (map: one output per element). */
export function coFunctionCalls(
  spec: CoMapOrFlatMapSpec,
  out: { collect(value: unknown): void },
): { fn: unknown; call1(value: unknown): void; call2(value: unknown): void } {
  if (spec.kind === 'co_map') {
    const fn = spec.create_function();
    return { fn, call1: (value) => out.collect(fn.map1(value)), call2: (value) => out.collect(fn.map2(value)) };
  }
  const fn = spec.create_function();
  return { fn, call1: (value) => fn.flatMap1(value, out), call2: (value) => fn.flatMap2(value, out) };
}

/** Flink's CoStreamMap / CoStreamFlatMap on non-keyed inputs. */
class CoStreamFunction extends TwoInputOperator {
  private readonly calls;
  constructor(node: GraphNode, env: OperatorEnvironment, spec: CoMapOrFlatMapSpec) {
    super(node, env);
    this.calls = coFunctionCalls(spec, this.collector);
    this.manage(this.calls.fn);
  }
  processElement1(value: unknown, timestamp_ms: number): void {
    this.enter(timestamp_ms);
    this.calls.call1(value);
  }
  processElement2(value: unknown, timestamp_ms: number): void {
    this.enter(timestamp_ms);
    this.calls.call2(value);
  }
}

/** CoStreamMap / CoStreamFlatMap on keyed connected streams: the element's key scopes the function's keyed state. */
class KeyedCoStreamFunction extends KeyedTwoInputOperator {
  private readonly calls;
  private readonly key_selector2;
  constructor(node: GraphNode, env: OperatorEnvironment, spec: CoMapOrFlatMapSpec & { key_selector1: (v: unknown) => unknown; key_selector2: (v: unknown) => unknown }) {
    super(node, env, spec.key_selector1);
    this.key_selector2 = spec.key_selector2;
    this.calls = coFunctionCalls(spec, this.collector);
    this.manage(this.calls.fn);
  }
  processElement1(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    this.enter(timestamp_ms);
    this.calls.call1(value);
  }
  processElement2(value: unknown, timestamp_ms: number): void {
    this.setCurrentKey(this.key_selector2(value));
    this.enter(timestamp_ms);
    this.calls.call2(value);
  }
  protected onTimer(): void {}
}

class CoProcessOperator extends TwoInputOperator {
  private readonly fn;
  private readonly context: CoProcessContext;

  constructor(node: GraphNode, env: OperatorEnvironment, spec: Extract<TwoInputSpec, { kind: 'co_process' }>) {
    super(node, env);
    this.fn = spec.create_function();
    this.manage(this.fn);
    const timer_service = this.readOnlyTimerService();
    this.context = {
      timestamp: () => this.element_timestamp_ms,
      timerService: () => timer_service,
      output: (tag, value) => this.sideOutput(tag, value),
    };
  }
  processElement1(value: unknown, timestamp_ms: number): void {
    this.enter(timestamp_ms);
    this.fn.processElement1(value, this.context, this.collector);
  }
  processElement2(value: unknown, timestamp_ms: number): void {
    this.enter(timestamp_ms);
    this.fn.processElement2(value, this.context, this.collector);
  }
}

class KeyedCoProcessOperator extends KeyedTwoInputOperator {
  private readonly fn;
  private readonly key_selector2;
  private readonly context: KeyedCoProcessOnTimerContext<unknown>;

  constructor(node: GraphNode, env: OperatorEnvironment, spec: Extract<TwoInputSpec, { kind: 'keyed_co_process' }>) {
    super(node, env, spec.key_selector1);
    this.key_selector2 = spec.key_selector2;
    this.fn = spec.create_function();
    this.manage(this.fn);
    this.context = {
      getCurrentKey: () => this.key_context.current_key,
      timestamp: () => this.element_timestamp_ms,
      timerService: () => this.timer_service,
      timeDomain: () => this.timer_domain,
      output: (tag, value) => this.sideOutput(tag, value),
    };
  }
  processElement1(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    this.enter(timestamp_ms);
    this.fn.processElement1(value, this.context, this.collector);
  }
  processElement2(value: unknown, timestamp_ms: number): void {
    this.setCurrentKey(this.key_selector2(value));
    this.enter(timestamp_ms);
    this.fn.processElement2(value, this.context, this.collector);
  }
  protected onTimer(domain: TimeDomain, timer: InternalTimer): void {
    this.enterTimer(domain, timer);
    this.fn.onTimer?.(timer.timestamp_ms, this.context, this.collector);
  }
}

// ---- broadcast state: CoBroadcastWithNonKeyedOperator, CoBroadcastWithKeyedOperator ------------------------------

/** The broadcast states of a node, as operator state in 'broadcast' mode under the node's uid. */
function broadcastStore(node: GraphNode, env: OperatorEnvironment, spec: Extract<TwoInputSpec, { descriptors: unknown }>): BroadcastStateStore {
  return new BroadcastStateStore(spec.descriptors, (name) => env.getOperatorListState(node.uid, name, 'broadcast'));
}

class CoBroadcastWithNonKeyedOperator extends TwoInputOperator {
  private readonly fn;
  readonly broadcast_state: BroadcastStateStore;
  private readonly read_only_context: BroadcastReadOnlyContext;
  private readonly context: BroadcastContext;

  constructor(node: GraphNode, env: OperatorEnvironment, spec: Extract<TwoInputSpec, { kind: 'broadcast_process' }>) {
    super(node, env);
    this.fn = spec.create_function();
    this.manage(this.fn);
    const store = (this.broadcast_state = broadcastStore(node, env, spec));
    const base = {
      timestamp: () => this.element_timestamp_ms,
      currentWatermark: () => this.current_watermark_ms,
      currentProcessingTime: () => this.env.now_ms(),
      output: (tag: { id: string }, value: unknown) => this.sideOutput(tag, value),
    };
    this.read_only_context = { ...base, getBroadcastState: (descriptor) => store.readOnly(descriptor) };
    this.context = { ...base, getBroadcastState: (descriptor) => store.readWrite(descriptor) };
  }
  /** Broadcast state is read from its (restored) operator state before the function opens. */
  override open(): void {
    this.broadcast_state.load();
    super.open();
  }
  processElement1(value: unknown, timestamp_ms: number): void {
    this.enter(timestamp_ms);
    this.fn.processElement(value, this.read_only_context, this.collector);
  }
  processElement2(value: unknown, timestamp_ms: number): void {
    this.enter(timestamp_ms);
    this.fn.processBroadcastElement(value, this.context, this.collector);
  }
}

class CoBroadcastWithKeyedOperator extends KeyedTwoInputOperator {
  private readonly fn;
  readonly broadcast_state: BroadcastStateStore;
  private readonly read_only_context: KeyedBroadcastOnTimerContext<unknown>;
  private readonly context: KeyedBroadcastContext<unknown>;
  /** True while the broadcast side runs: keyed state is reachable only through applyToKeyedState then. */
  private in_broadcast_element = false;

  constructor(node: GraphNode, env: OperatorEnvironment, spec: Extract<TwoInputSpec, { kind: 'keyed_broadcast_process' }>) {
    super(node, env, spec.key_selector1);
    this.fn = spec.create_function();
    this.manage(this.fn);
    const store = (this.broadcast_state = broadcastStore(node, env, spec));
    const base = {
      timestamp: () => this.element_timestamp_ms,
      currentWatermark: () => this.current_watermark_ms,
      currentProcessingTime: () => this.env.now_ms(),
      output: (tag: { id: string }, value: unknown) => this.sideOutput(tag, value),
    };
    this.read_only_context = {
      ...base,
      getBroadcastState: (descriptor) => store.readOnly(descriptor),
      getCurrentKey: () => this.key_context.current_key,
      timerService: () => this.timer_service,
      timeDomain: () => this.timer_domain,
    };
    this.context = {
      ...base,
      getBroadcastState: (descriptor) => store.readWrite(descriptor),
      applyToKeyedState: (descriptor, fn) => this.applyToKeyedState(descriptor, fn as (key: unknown, state: unknown) => void),
    };
  }

  /** Broadcast state is read from its (restored) operator state before the function opens. */
  override open(): void {
    this.broadcast_state.load();
    super.open();
  }

  processElement1(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    this.enter(timestamp_ms);
    this.fn.processElement(value, this.read_only_context, this.collector);
  }

  processElement2(value: unknown, timestamp_ms: number): void {
    this.enter(timestamp_ms);
    // No current key on the broadcast side (Flink): a state access outside applyToKeyedState fails loudly.
    this.key_context.set(undefined, '', -1);
    this.in_broadcast_element = true;
    try {
      this.fn.processBroadcastElement(value, this.context, this.collector);
    } finally {
      this.in_broadcast_element = false;
      this.key_context.set(undefined, '', -1);
    }
  }

  /** Flink's applyToKeyedState over this subtask's key groups (only from processBroadcastElement). */
  private applyToKeyedState(descriptor: StateDescriptor, fn: (key: unknown, state: unknown) => void): void {
    if (!this.in_broadcast_element) throw new Error('applyToKeyedState is only available in processBroadcastElement');
    applyToAllKeys(this.keyed_backend, this.key_context, this.env.key_group_range, this.runtimeContext(), descriptor, fn);
  }

  protected onTimer(domain: TimeDomain, timer: InternalTimer): void {
    this.enterTimer(domain, timer);
    this.fn.onTimer?.(timer.timestamp_ms, this.read_only_context, this.collector);
  }
}

// ---- interval join --------------------------------------------------------------------------------------------

export const LEFT_BUFFER_STATE = '_left_buffer';
export const RIGHT_BUFFER_STATE = '_right_buffer';
export const CLEANUP_NAMESPACE_LEFT = 'CLEANUP_LEFT';
export const CLEANUP_NAMESPACE_RIGHT = 'CLEANUP_RIGHT';

/** One buffered element: [element, hasBeenJoined] (Flink's BufferEntry; the flag is kept, as Flink keeps it). */
export type BufferEntry = [unknown, boolean];

/**
 * Flink's IntervalJoinOperator: emits exactly the pairs with right.ts ∈ [left.ts + lower, left.ts + upper], each
 * when its second element arrives, stamped max(left.ts, right.ts). Elements behind the combined watermark are
 * late: they go to their side's late-data side output (sideOutputLeftLateData / sideOutputRightLateData), else dropped. Each side's buffer is keyed map state (timestamp → entries), cleaned up by event-time timers.
 */
class IntervalJoinOperator extends KeyedTwoInputOperator {
  private readonly fn;
  private readonly key_selector2;
  private readonly lower_bound_ms: number;
  private readonly upper_bound_ms: number;
  private readonly left_buffer;
  private readonly right_buffer;
  private readonly join_context: ProcessJoinContext;
  private left_ts = MIN_WATERMARK;
  private right_ts = MIN_WATERMARK;
  private readonly left_late_data_tag: string | undefined;
  private readonly right_late_data_tag: string | undefined;
  private restored = false;
  dropped_late_records = 0;

  constructor(node: GraphNode, env: OperatorEnvironment, spec: Extract<TwoInputSpec, { kind: 'interval_join' }>) {
    super(node, env, spec.key_selector1);
    this.key_selector2 = spec.key_selector2;
    this.left_late_data_tag = spec.left_late_data_tag;
    this.right_late_data_tag = spec.right_late_data_tag;
    this.lower_bound_ms = spec.lower_bound_ms;
    this.upper_bound_ms = spec.upper_bound_ms;
    this.fn = spec.create_function();
    this.manage(this.fn);
    this.left_buffer = this.store.getMapState<number, BufferEntry[]>(LEFT_BUFFER_STATE, true);
    this.right_buffer = this.store.getMapState<number, BufferEntry[]>(RIGHT_BUFFER_STATE, true);
    this.join_context = {
      getLeftTimestamp: () => this.left_ts,
      getRightTimestamp: () => this.right_ts,
      getTimestamp: () => Math.max(this.left_ts, this.right_ts),
      output: (tag, value) => this.sideOutput(tag, value),
    };
  }

  processElement1(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    this.join(value, timestamp_ms, true);
  }

  processElement2(value: unknown, timestamp_ms: number): void {
    this.setCurrentKey(this.key_selector2(value));
    this.join(value, timestamp_ms, false);
  }

  private join(value: unknown, timestamp_ms: number, is_left: boolean): void {
    if (timestamp_ms === NO_TIMESTAMP) {
      this.env.fail('interval join on a record without timestamp (elements need meaningful timestamps)', { operator: this.node.uid });
    }
    const w = this.current_watermark_ms;
    if (w !== MIN_WATERMARK && timestamp_ms < w) {
      // Flink's IntervalJoinOperator.sideOutput: a late element goes to its side's late-data tag, if any.
      const tag = is_left ? this.left_late_data_tag : this.right_late_data_tag;
      if (tag === undefined) {
        this.dropped_late_records++;
        return;
      }
      this.env.probe?.('interval_join.late_data_to_side_output');
      if (this.restored) this.env.probe?.('interval_join.late_data_to_side_output_after_restore');
      this.collector.reset(timestamp_ms);
      this.collector.collectSide(tag, value);
      // Test-only planted bug: the late element is buffered and joined as well.
      if (this.env.seams?.late_data !== 'also_in_window') return;
    }
    const [ours, other] = is_left ? [this.left_buffer, this.right_buffer] : [this.right_buffer, this.left_buffer];
    const relative_lower = is_left ? this.lower_bound_ms : -this.upper_bound_ms;
    const relative_upper = is_left ? this.upper_bound_ms : -this.lower_bound_ms;
    ours.put(timestamp_ms, [...(ours.get(timestamp_ms) ?? []), [value, false]]);
    for (const [bucket_ts, entries] of other.entries()) {
      if (bucket_ts < timestamp_ms + relative_lower || bucket_ts > timestamp_ms + relative_upper) continue;
      for (const [element] of entries) {
        if (is_left) this.collect(value, element, timestamp_ms, bucket_ts);
        else this.collect(element, value, bucket_ts, timestamp_ms);
      }
    }
    const cleanup_ms = relative_upper > 0 ? timestamp_ms + relative_upper : timestamp_ms;
    this.registerTimer('event', cleanup_ms, is_left ? CLEANUP_NAMESPACE_LEFT : CLEANUP_NAMESPACE_RIGHT);
  }

  private collect(left: unknown, right: unknown, left_ts: number, right_ts: number): void {
    this.left_ts = left_ts;
    this.right_ts = right_ts;
    this.collector.reset(Math.max(left_ts, right_ts));
    this.fn.processElement(left, right, this.join_context, this.collector);
  }

  override onRestored(): void {
    this.restored = true;
    super.onRestored();
  }

  protected onTimer(domain: TimeDomain, timer: InternalTimer): void {
    if (domain !== 'event') return;
    this.key_context.current_namespace = '';
    if (timer.namespace === CLEANUP_NAMESPACE_LEFT) {
      this.left_buffer.remove(this.upper_bound_ms <= 0 ? timer.timestamp_ms : timer.timestamp_ms - this.upper_bound_ms);
    } else if (timer.namespace === CLEANUP_NAMESPACE_RIGHT) {
      this.right_buffer.remove(this.lower_bound_ms <= 0 ? timer.timestamp_ms + this.lower_bound_ms : timer.timestamp_ms);
    } else {
      this.env.fail('interval join timer with an unknown namespace', { operator: this.node.uid, namespace: timer.namespace });
    }
  }
}

/** Builds the operator of a two-input graph node. */
export function createTwoInputOperator(node: GraphNode, env: OperatorEnvironment, spec: TwoInputSpec): TwoInputStreamOperator {
  switch (spec.kind) {
    case 'co_map':
    case 'co_flat_map': {
      const { key_selector1, key_selector2 } = spec;
      if (key_selector1 !== undefined && key_selector2 !== undefined) return new KeyedCoStreamFunction(node, env, { ...spec, key_selector1, key_selector2 });
      return new CoStreamFunction(node, env, spec);
    }
    case 'co_process':
      return new CoProcessOperator(node, env, spec);
    case 'keyed_co_process':
      return new KeyedCoProcessOperator(node, env, spec);
    case 'broadcast_process':
      return new CoBroadcastWithNonKeyedOperator(node, env, spec);
    case 'keyed_broadcast_process':
      return new CoBroadcastWithKeyedOperator(node, env, spec);
    case 'interval_join':
      return new IntervalJoinOperator(node, env, spec);
  }
}
