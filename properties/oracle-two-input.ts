// The oracle's sequential evaluation of a two-input operator (engine/graph/two-input-spec.ts): the job's own
// functions over its two input streams, opened as the engine opens them, without tasks or watermarks in between.
// Semantics (documented deviations from a timed run): the inputs are interleaved in one fixed order (all of input 1,
// then all of input 2, or the reverse), so a result that depends on how the inputs interleave is one of the possible
// results; event-time timers and interval-join cleanups fire at the final watermark after every element, in
// (timestamp, key, namespace) order.
import { MIN_WATERMARK, NO_TIMESTAMP, type Collector, type RuntimeContext, type TimerService } from '../engine/api/functions.js';
import type { StateDescriptor } from '../engine/api/state-descriptors.js';
import type { GraphNode } from '../engine/graph/job-graph.js';
import type { TwoInputSpec } from '../engine/graph/two-input-spec.js';
import type { StateEntry } from '../engine/state/backend.js';
import { BroadcastStateStore } from '../engine/state/broadcast-state.js';
import { decodeKey, encodeKey } from '../engine/state/key-codec.js';
import { assignToKeyGroup, keyHashCode } from '../engine/state/key-groups.js';
import { InternalTimerService, KeyContext, KeyedStateStore, type InternalTimer } from '../engine/state/keyed-state.js';
import { MemoryKeyedStateBackend } from '../engine/state/memory-backend.js';
import { OperatorListState } from '../engine/state/operator-state.js';
import { UserFunction } from '../engine/task/operators/user-function.js';
import {
  applyToAllKeys,
  CLEANUP_NAMESPACE_LEFT,
  CLEANUP_NAMESPACE_RIGHT,
  coFunctionCalls,
  LEFT_BUFFER_STATE,
  RIGHT_BUFFER_STATE,
  type BufferEntry,
} from '../engine/task/two-input-operators.js';
import { createRuntimeContext } from '../engine/task/runtime-context.js';
import { OracleOperatorState, oracleSubtaskInfo, type ElementStream, type OperatorOutputs } from './oracle-streams.js';

/** Which input the oracle feeds first: the whole of one input, then the whole of the other. */
/** All of one input, then the other; or both merged by element timestamp (input 1 first on ties). */
export type TwoInputOrder = 'input1_first' | 'input2_first' | 'by_timestamp';

export interface TwoInputEvaluation {
  /** Keyed state entries in canonical order (keyed operators only). */
  state?: StateEntry[];
  /** Broadcast state name → entries in insertion order (broadcast operators only): what every subtask must hold. */
  broadcast_state?: Map<string, [unknown, unknown][]>;
  /** The function's operator state (CheckpointedFunction) after a final snapshot. */
  operator_state: OracleOperatorState;
  /**
   * Encoded keys whose event-time timer fired after a later record of the key was read (a KeyedCoProcessFunction's or
   * KeyedBroadcastProcessFunction's): the engine may have fired it before that record.
   */
  ambiguous_keys: Set<string>;
}

export interface TwoInputOptions {
  final_watermark_ms: number;
  /** The watermark per key group (e.g. a checkpoint's); absent: final_watermark_ms for every key group. */
  watermark_of?: (key_group: number) => number;
  order: TwoInputOrder;
  /** Where emitted elements go (main and side outputs); undefined: nothing is kept. */
  outputs: OperatorOutputs | undefined;
}

/** Evaluates one two-input node over its two input streams. */
export function evaluateTwoInput(node: GraphNode, spec: TwoInputSpec, input1: ElementStream, input2: ElementStream, options: TwoInputOptions): TwoInputEvaluation {
  const run = new TwoInputRun(node, spec, options);
  if (options.order === 'by_timestamp') {
    let i = 0;
    let j = 0;
    while (i < input1.values.length || j < input2.values.length) {
      const take1 = j >= input2.values.length || (i < input1.values.length && input1.timestamps_ms[i]! <= input2.timestamps_ms[j]!);
      if (take1) run.element(1, input1.values[i], input1.timestamps_ms[i++]!);
      else run.element(2, input2.values[j], input2.timestamps_ms[j++]!);
    }
  } else {
    const order: [1 | 2, ElementStream][] = options.order === 'input1_first' ? [[1, input1], [2, input2]] : [[2, input2], [1, input1]];
    for (const [input, elements] of order) {
      for (let i = 0; i < elements.values.length; i++) run.element(input, elements.values[i], elements.timestamps_ms[i]!);
    }
  }
  run.finish();
  return run.result();
}

function refuseTimers(): never {
  throw new Error('Setting timers is only supported on a keyed streams.');
}

/** One two-input operator run sequentially over the whole key space. */
class TwoInputRun {
  private readonly backend: MemoryKeyedStateBackend;
  private readonly context = new KeyContext();
  private readonly store: KeyedStateStore;
  private readonly timers: InternalTimerService;
  private readonly broadcast: BroadcastStateStore | undefined;
  private readonly keyed: boolean;
  private readonly operator_state = new OracleOperatorState();
  private udf: UserFunction | undefined;
  private watermark_ms = MIN_WATERMARK;
  private out_ts = NO_TIMESTAMP;
  private element_ts: number | undefined = undefined;
  private in_broadcast = false;
  /** Per encoded key: the greatest timestamp of its records read (a timer before it may have fired earlier). */
  private readonly latest_record_ms = new Map<string, number>();
  private readonly ambiguous_keys = new Set<string>();
  private readonly key_groups = new Set<number>();
  private readonly collector: Collector<unknown> = { collect: (value) => this.options.outputs?.main.push(value, this.out_ts) };
  private readonly calls: {
    element1(value: unknown): void;
    element2(value: unknown): void;
    timer?(timer: InternalTimer): void;
  };

  constructor(
    private readonly node: GraphNode,
    private readonly spec: TwoInputSpec,
    private readonly options: TwoInputOptions,
  ) {
    this.backend = new MemoryKeyedStateBackend({ start: 0, end: node.max_parallelism - 1 }, node.max_parallelism);
    this.store = new KeyedStateStore(this.backend, this.context);
    this.timers = new InternalTimerService(this.backend);
    this.keyed =
      spec.kind === 'keyed_co_process' ||
      spec.kind === 'keyed_broadcast_process' ||
      spec.kind === 'interval_join' ||
      ((spec.kind === 'co_map' || spec.kind === 'co_flat_map') && spec.key_selector1 !== undefined);
    this.broadcast =
      spec.kind === 'broadcast_process' || spec.kind === 'keyed_broadcast_process'
        ? new BroadcastStateStore(spec.descriptors, (name) => new OperatorListState(name, 'broadcast'))
        : undefined;
    this.broadcast?.load();
    this.calls = this.bind();
  }

  /** Opens the function as the engine does (runtime context, CheckpointedFunction state). */
  private manage(fn: unknown): void {
    this.udf = new UserFunction(fn, oracleSubtaskInfo(this.node), this.operator_state, this.keyed ? this.store : undefined);
    this.udf.open();
  }

  private runtimeContext(): RuntimeContext {
    return createRuntimeContext(oracleSubtaskInfo(this.node), this.store);
  }

  private side(tag: { id: string }, value: unknown): void {
    this.options.outputs?.sideStream(tag.id).push(value, this.out_ts);
  }

  private setKey(key: unknown): void {
    const encoded = encodeKey(key);
    this.context.set(key, encoded, assignToKeyGroup(keyHashCode(key, encoded), this.node.max_parallelism));
    this.context.current_namespace = '';
  }

  private timerService(): TimerService {
    const c = this.context;
    const timers = this.timers;
    const base = { currentWatermark: () => this.watermark_ms, currentProcessingTime: () => 0 };
    if (!this.keyed) {
      return { ...base, registerEventTimeTimer: refuseTimers, registerProcessingTimeTimer: refuseTimers, deleteEventTimeTimer: refuseTimers, deleteProcessingTimeTimer: refuseTimers };
    }
    return {
      ...base,
      registerEventTimeTimer: (ts) => timers.register('event', ts, c.current_key_encoded, c.current_key_group, ''),
      registerProcessingTimeTimer: (ts) => timers.register('processing', ts, c.current_key_encoded, c.current_key_group, ''),
      deleteEventTimeTimer: (ts) => timers.delete('event', ts, c.current_key_encoded, c.current_key_group, ''),
      deleteProcessingTimeTimer: (ts) => timers.delete('processing', ts, c.current_key_encoded, c.current_key_group, ''),
    };
  }

  /** The per-input calls of the node's function, with Flink's contexts. */
  private bind(): TwoInputRun['calls'] {
    const spec = this.spec;
    const out = this.collector;
    const timer_service = this.timerService();
    const base = {
      timestamp: () => this.element_ts,
      currentWatermark: () => this.watermark_ms,
      currentProcessingTime: () => 0,
      output: (tag: { id: string }, value: unknown) => this.side(tag, value),
    };
    const keyed_context = {
      getCurrentKey: () => this.context.current_key,
      timestamp: base.timestamp,
      timerService: () => timer_service,
      timeDomain: () => 'event' as const,
      output: base.output,
    };
    switch (spec.kind) {
      case 'co_map':
      case 'co_flat_map': {
        const keys = spec.key_selector1 !== undefined ? ([spec.key_selector1, spec.key_selector2!] as const) : undefined;
        const calls = coFunctionCalls(spec, out);
        this.manage(calls.fn);
        if (keys === undefined) return { element1: calls.call1, element2: calls.call2 };
        return {
          element1: (v) => {
            this.setKey(keys[0](v));
            calls.call1(v);
          },
          element2: (v) => {
            this.setKey(keys[1](v));
            calls.call2(v);
          },
        };
      }
      case 'co_process': {
        const fn = spec.create_function();
        this.manage(fn);
        const ctx = { timestamp: base.timestamp, timerService: () => timer_service, output: base.output };
        return { element1: (v) => fn.processElement1(v, ctx, out), element2: (v) => fn.processElement2(v, ctx, out) };
      }
      case 'keyed_co_process': {
        const fn = spec.create_function();
        this.manage(fn);
        return {
          element1: (v) => {
            this.setKey(spec.key_selector1(v));
            fn.processElement1(v, keyed_context, out);
          },
          element2: (v) => {
            this.setKey(spec.key_selector2(v));
            fn.processElement2(v, keyed_context, out);
          },
          timer: () => fn.onTimer?.(this.element_ts!, keyed_context, out),
        };
      }
      case 'broadcast_process': {
        const fn = spec.create_function();
        this.manage(fn);
        const store = this.broadcast!;
        const read_only = { ...base, getBroadcastState: store.readOnly.bind(store) } as Parameters<typeof fn.processElement>[1];
        const read_write = { ...base, getBroadcastState: store.readWrite.bind(store) } as Parameters<typeof fn.processBroadcastElement>[1];
        return { element1: (v) => fn.processElement(v, read_only, out), element2: (v) => fn.processBroadcastElement(v, read_write, out) };
      }
      case 'keyed_broadcast_process': {
        const fn = spec.create_function();
        this.manage(fn);
        const store = this.broadcast!;
        const read_only = { ...base, ...keyed_context, getBroadcastState: store.readOnly.bind(store) } as Parameters<NonNullable<typeof fn.onTimer>>[1];
        const read_write = {
          ...base,
          getBroadcastState: store.readWrite.bind(store),
          applyToKeyedState: (descriptor: StateDescriptor, apply: (key: unknown, state: unknown) => void) => {
            if (!this.in_broadcast) throw new Error('applyToKeyedState is only available in processBroadcastElement');
            applyToAllKeys(this.backend, this.context, { start: 0, end: this.node.max_parallelism - 1 }, this.runtimeContext(), descriptor, apply);
          },
        } as unknown as Parameters<typeof fn.processBroadcastElement>[1];
        return {
          element1: (v) => {
            this.setKey(spec.key_selector1(v));
            fn.processElement(v, read_only, out);
          },
          element2: (v) => {
            this.context.set(undefined, '', -1);
            this.in_broadcast = true;
            try {
              fn.processBroadcastElement(v, read_write, out);
            } finally {
              this.in_broadcast = false;
              this.context.set(undefined, '', -1);
            }
          },
          timer: () => fn.onTimer?.(this.element_ts!, read_only, out),
        };
      }
      case 'interval_join':
        return this.intervalJoin(spec, base.output);
    }
  }

  /** Every pair within the bounds, when its second element comes; buffers cleaned up at the final watermark. */
  private intervalJoin(spec: Extract<TwoInputSpec, { kind: 'interval_join' }>, output: (tag: { id: string }, value: unknown) => void): TwoInputRun['calls'] {
    const fn = spec.create_function();
    this.manage(fn);
    const left = this.store.getMapState<number, BufferEntry[]>(LEFT_BUFFER_STATE, true);
    const right = this.store.getMapState<number, BufferEntry[]>(RIGHT_BUFFER_STATE, true);
    let left_ts = 0;
    let right_ts = 0;
    const ctx = { getLeftTimestamp: () => left_ts, getRightTimestamp: () => right_ts, getTimestamp: () => Math.max(left_ts, right_ts), output };
    const lower = spec.lower_bound_ms;
    const upper = spec.upper_bound_ms;
    const join = (value: unknown, is_left: boolean): void => {
      const ts = this.element_ts;
      if (ts === undefined) throw new Error('oracle: interval join input without timestamp');
      const [ours, other] = is_left ? [left, right] : [right, left];
      const relative_lower = is_left ? lower : -upper;
      const relative_upper = is_left ? upper : -lower;
      ours.put(ts, [...(ours.get(ts) ?? []), [value, false]]);
      for (const [bucket_ts, entries] of other.entries()) {
        if (bucket_ts < ts + relative_lower || bucket_ts > ts + relative_upper) continue;
        for (const [element] of entries) {
          [left_ts, right_ts] = is_left ? [ts, bucket_ts] : [bucket_ts, ts];
          this.out_ts = Math.max(left_ts, right_ts);
          if (is_left) fn.processElement(value, element, ctx, this.collector);
          else fn.processElement(element, value, ctx, this.collector);
        }
      }
      const c = this.context;
      const cleanup_ms = relative_upper > 0 ? ts + relative_upper : ts;
      this.timers.register('event', cleanup_ms, c.current_key_encoded, c.current_key_group, is_left ? CLEANUP_NAMESPACE_LEFT : CLEANUP_NAMESPACE_RIGHT);
    };
    return {
      element1: (v) => {
        this.setKey(spec.key_selector1(v));
        join(v, true);
      },
      element2: (v) => {
        this.setKey(spec.key_selector2(v));
        join(v, false);
      },
      timer: (timer) => {
        if (timer.namespace === CLEANUP_NAMESPACE_LEFT) left.remove(upper <= 0 ? timer.timestamp_ms : timer.timestamp_ms - upper);
        else right.remove(lower <= 0 ? timer.timestamp_ms + lower : timer.timestamp_ms);
      },
    };
  }

  element(input: 1 | 2, value: unknown, timestamp_ms: number): void {
    this.element_ts = timestamp_ms === NO_TIMESTAMP ? undefined : timestamp_ms;
    this.out_ts = timestamp_ms;
    if (input === 1) this.calls.element1(value);
    else this.calls.element2(value);
    const c = this.context;
    if (c.current_key_group >= 0) {
      this.key_groups.add(c.current_key_group);
      if (timestamp_ms > (this.latest_record_ms.get(c.current_key_encoded) ?? MIN_WATERMARK)) this.latest_record_ms.set(c.current_key_encoded, timestamp_ms);
    }
  }

  /**
   * The final watermark (or each key group's, given watermark_of): due event-time timers fire in (timestamp, key,
   * namespace) order; a timer beyond its key group's watermark stays.
   */
  finish(): void {
    const watermark_of = this.options.watermark_of;
    let ceiling = this.options.final_watermark_ms;
    if (watermark_of !== undefined) {
      ceiling = MIN_WATERMARK;
      for (const key_group of this.key_groups) ceiling = Math.max(ceiling, watermark_of(key_group));
    }
    this.watermark_ms = ceiling;
    const timer = this.calls.timer;
    if (timer === undefined) return;
    const user_timers = this.spec.kind !== 'interval_join';
    const not_yet: InternalTimer[] = [];
    for (let t = this.timers.pollDue('event', ceiling); t !== undefined; t = this.timers.pollDue('event', ceiling)) {
      if (watermark_of !== undefined && t.timestamp_ms > watermark_of(t.key_group)) {
        not_yet.push(t);
        continue;
      }
      this.context.set(decodeKey(t.key_encoded), t.key_encoded, t.key_group);
      this.context.current_namespace = '';
      if (user_timers && (this.latest_record_ms.get(t.key_encoded) ?? MIN_WATERMARK) > t.timestamp_ms) this.ambiguous_keys.add(t.key_encoded);
      this.element_ts = t.timestamp_ms;
      this.out_ts = t.timestamp_ms;
      timer(t);
    }
    for (const t of not_yet) this.timers.register('event', t.timestamp_ms, t.key_encoded, t.key_group, t.namespace);
  }

  result(): TwoInputEvaluation {
    this.udf?.snapshotState(0, 0);
    const result: TwoInputEvaluation = { operator_state: this.operator_state, ambiguous_keys: this.ambiguous_keys };
    if (this.keyed) result.state = [...this.backend.export_entries()];
    if (this.broadcast !== undefined) result.broadcast_state = this.broadcast.export();
    return result;
  }
}
