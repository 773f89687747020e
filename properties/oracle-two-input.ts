// The oracle's sequential evaluation of a two-input operator (engine/graph/two-input-spec.ts): the job's own
// functions over its two input streams, without tasks or watermarks in between. Semantics (documented deviations
// from a timed run): the inputs are interleaved in one fixed order (all of input 1, then all of input 2, or the
// reverse), so results that depend on how the inputs interleave are one of the possible results; event-time timers
// and interval-join cleanups fire at the final watermark after every element, in (timestamp, key, namespace) order.
import type { KeyedStateDescriptor } from '../engine/api/co-functions.js';
import { MIN_WATERMARK, NO_TIMESTAMP, type Collector, type RuntimeContext, type TimerService } from '../engine/api/functions.js';
import type { GraphNode } from '../engine/graph/job-graph.js';
import type { TwoInputSpec } from '../engine/graph/two-input-spec.js';
import type { StateEntry } from '../engine/state/backend.js';
import { BroadcastStateStore } from '../engine/state/broadcast-state.js';
import { decodeKey, encodeKey } from '../engine/state/key-codec.js';
import { assignToKeyGroup, keyHashCode } from '../engine/state/key-groups.js';
import { InternalTimerService, KeyContext, KeyedStateStore, type InternalTimer } from '../engine/state/keyed-state.js';
import { MemoryKeyedStateBackend } from '../engine/state/memory-backend.js';
import { OperatorListState } from '../engine/state/operator-state.js';
import { CLEANUP_NAMESPACE_LEFT, CLEANUP_NAMESPACE_RIGHT, LEFT_BUFFER_STATE, RIGHT_BUFFER_STATE, type BufferEntry } from '../engine/task/two-input-operators.js';

/** A stream of elements with event timestamps at the same index (NO_TIMESTAMP: none). */
export interface Elements {
  readonly values: readonly unknown[];
  readonly timestamps_ms: readonly number[];
}

/** Which input the oracle feeds first: the whole of one input, then the whole of the other. */
export type TwoInputOrder = 'input1_first' | 'input2_first';

export interface TwoInputEvaluation {
  /** Keyed state entries in canonical order (keyed operators only). */
  state?: StateEntry[];
  /** Broadcast state name → entries in insertion order (broadcast operators only): what every subtask must hold. */
  broadcast_state?: Map<string, [unknown, unknown][]>;
}

export interface TwoInputOptions {
  final_watermark_ms: number;
  order: TwoInputOrder;
  /** Receives every emitted element (with its timestamp). */
  emit(value: unknown, timestamp_ms: number): void;
}

/** Evaluates one two-input node over its two input streams; emitted elements go to options.emit. */
export function evaluateTwoInput(node: GraphNode, spec: TwoInputSpec, input1: Elements, input2: Elements, options: TwoInputOptions): TwoInputEvaluation {
  const evaluation = new TwoInputRun(node, spec, options);
  const order: [1 | 2, Elements][] = options.order === 'input1_first' ? [[1, input1], [2, input2]] : [[2, input2], [1, input1]];
  for (const [input, elements] of order) {
    for (let i = 0; i < elements.values.length; i++) evaluation.element(input, elements.values[i], elements.timestamps_ms[i]!);
  }
  evaluation.finish();
  return evaluation.result();
}

/** The node's operator state, run sequentially over the whole key space. */
class TwoInputRun {
  private readonly backend: MemoryKeyedStateBackend;
  private readonly context = new KeyContext();
  private readonly store: KeyedStateStore;
  private readonly timers: InternalTimerService;
  private readonly broadcast: BroadcastStateStore | undefined;
  private readonly keyed: boolean;
  private watermark_ms = MIN_WATERMARK;
  private out_ts = NO_TIMESTAMP;
  private element_ts: number | undefined = undefined;
  private in_broadcast = false;
  private readonly collector: Collector<unknown> = { collect: (value) => this.options.emit(value, this.out_ts) };
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

  private runtimeContext(): RuntimeContext {
    const store = this.store;
    const refuse = (): never => {
      throw new Error(`${this.node.name}: keyed state can only be used on a keyed stream (connect(...).keyBy(k1, k2))`);
    };
    const base = { subtask_index: 0, parallelism: 1, max_parallelism: this.node.max_parallelism };
    if (!this.keyed) return { ...base, getState: refuse, getListState: refuse, getMapState: refuse, getReducingState: refuse, getAggregatingState: refuse };
    return {
      ...base,
      getState: (name) => store.getState(name),
      getListState: (name) => store.getListState(name),
      getMapState: (name) => store.getMapState(name),
      getReducingState: (name, reduce) => store.getReducingState(name, reduce),
      getAggregatingState: (name, aggregate) => store.getAggregatingState(name, aggregate),
    };
  }

  private setKey(key: unknown): void {
    const encoded = encodeKey(key);
    this.context.set(key, encoded, assignToKeyGroup(keyHashCode(key, encoded), this.node.max_parallelism));
    this.context.current_namespace = '';
  }

  private timerService(): TimerService {
    const c = this.context;
    const refuse = (): never => {
      throw new Error('Setting timers is only supported on a keyed streams.');
    };
    const keyed = this.keyed;
    return {
      currentWatermark: () => this.watermark_ms,
      currentProcessingTime: () => 0,
      registerEventTimeTimer: (ts) => (keyed ? this.timers.register('event', ts, c.current_key_encoded, c.current_key_group, '') : refuse()),
      registerProcessingTimeTimer: (ts) => (keyed ? this.timers.register('processing', ts, c.current_key_encoded, c.current_key_group, '') : refuse()),
      deleteEventTimeTimer: (ts) => (keyed ? this.timers.delete('event', ts, c.current_key_encoded, c.current_key_group, '') : refuse()),
      deleteProcessingTimeTimer: (ts) => (keyed ? this.timers.delete('processing', ts, c.current_key_encoded, c.current_key_group, '') : refuse()),
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
    };
    switch (spec.kind) {
      case 'co_map':
      case 'co_flat_map': {
        const keys = spec.key_selector1 !== undefined ? ([spec.key_selector1, spec.key_selector2!] as const) : undefined;
        const withKey = (input: 0 | 1, call: (value: unknown) => void) => (value: unknown) => {
          if (keys !== undefined) this.setKey(keys[input](value));
          call(value);
        };
        if (spec.kind === 'co_map') {
          const fn = spec.create_function();
          fn.open?.(this.runtimeContext());
          return { element1: withKey(0, (v) => out.collect(fn.map1(v))), element2: withKey(1, (v) => out.collect(fn.map2(v))) };
        }
        const fn = spec.create_function();
        fn.open?.(this.runtimeContext());
        return { element1: withKey(0, (v) => fn.flatMap1(v, out)), element2: withKey(1, (v) => fn.flatMap2(v, out)) };
      }
      case 'co_process': {
        const fn = spec.create_function();
        fn.open?.(this.runtimeContext());
        const ctx = { timestamp: base.timestamp, timerService: () => timer_service };
        return { element1: (v) => fn.processElement1(v, ctx, out), element2: (v) => fn.processElement2(v, ctx, out) };
      }
      case 'keyed_co_process': {
        const fn = spec.create_function();
        fn.open?.(this.runtimeContext());
        const ctx = {
          getCurrentKey: () => this.context.current_key,
          timestamp: base.timestamp,
          timerService: () => timer_service,
          timeDomain: () => 'event' as const,
        };
        return {
          element1: (v) => {
            this.setKey(spec.key_selector1(v));
            fn.processElement1(v, ctx, out);
          },
          element2: (v) => {
            this.setKey(spec.key_selector2(v));
            fn.processElement2(v, ctx, out);
          },
          timer: () => fn.onTimer?.(this.element_ts!, ctx, out),
        };
      }
      case 'broadcast_process': {
        const fn = spec.create_function();
        fn.open?.(this.runtimeContext());
        const store = this.broadcast!;
        const read_only = { ...base, getBroadcastState: store.readOnly.bind(store) } as Parameters<typeof fn.processElement>[1];
        const read_write = { ...base, getBroadcastState: store.readWrite.bind(store) } as Parameters<typeof fn.processBroadcastElement>[1];
        return { element1: (v) => fn.processElement(v, read_only, out), element2: (v) => fn.processBroadcastElement(v, read_write, out) };
      }
      case 'keyed_broadcast_process': {
        const fn = spec.create_function();
        fn.open?.(this.runtimeContext());
        const store = this.broadcast!;
        const read_only = {
          ...base,
          getBroadcastState: store.readOnly.bind(store),
          getCurrentKey: () => this.context.current_key,
          timerService: () => timer_service,
          timeDomain: () => 'event' as const,
        } as Parameters<NonNullable<typeof fn.onTimer>>[1];
        const read_write = {
          ...base,
          getBroadcastState: store.readWrite.bind(store),
          applyToKeyedState: (descriptor: KeyedStateDescriptor, apply: (key: unknown, state: unknown) => void) => this.applyToKeyedState(descriptor, apply),
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
        return this.intervalJoin(spec);
    }
  }

  /** All keys with the named state (namespace ''), key group then key order; the key is set for each call. */
  private applyToKeyedState(descriptor: KeyedStateDescriptor, apply: (key: unknown, state: unknown) => void): void {
    if (!this.in_broadcast) throw new Error('applyToKeyedState is only available in processBroadcastElement');
    const keys: { encoded: string; key_group: number }[] = [];
    for (let kg = 0; kg < this.node.max_parallelism; kg++) {
      let last: string | undefined;
      for (const entry of this.backend.entries(descriptor.name, kg)) {
        if (entry.namespace !== '' || entry.key === last) continue;
        last = entry.key;
        keys.push({ encoded: entry.key, key_group: kg });
      }
    }
    const state =
      descriptor.kind === 'value'
        ? this.store.getState(descriptor.name)
        : descriptor.kind === 'list'
          ? this.store.getListState(descriptor.name)
          : this.store.getMapState(descriptor.name);
    for (const { encoded, key_group } of keys) {
      this.context.set(decodeKey(encoded), encoded, key_group);
      this.context.current_namespace = '';
      apply(this.context.current_key, state);
    }
    this.context.set(undefined, '', -1);
  }

  /** Every pair within the bounds, when its second element comes; buffers cleaned up at the final watermark. */
  private intervalJoin(spec: Extract<TwoInputSpec, { kind: 'interval_join' }>): TwoInputRun['calls'] {
    const fn = spec.create_function();
    fn.open?.(this.runtimeContext());
    const left = this.store.getMapState<number, BufferEntry[]>(LEFT_BUFFER_STATE, true);
    const right = this.store.getMapState<number, BufferEntry[]>(RIGHT_BUFFER_STATE, true);
    let left_ts = 0;
    let right_ts = 0;
    const ctx = { getLeftTimestamp: () => left_ts, getRightTimestamp: () => right_ts, getTimestamp: () => Math.max(left_ts, right_ts) };
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
  }

  /** The final watermark: due event-time timers fire in (timestamp, key, namespace) order. */
  finish(): void {
    this.watermark_ms = this.options.final_watermark_ms;
    const timer = this.calls.timer;
    if (timer === undefined) return;
    for (let t = this.timers.pollDue('event', this.watermark_ms); t !== undefined; t = this.timers.pollDue('event', this.watermark_ms)) {
      this.context.set(decodeKey(t.key_encoded), t.key_encoded, t.key_group);
      this.context.current_namespace = '';
      this.element_ts = t.timestamp_ms;
      this.out_ts = t.timestamp_ms;
      timer(t);
    }
  }

  result(): TwoInputEvaluation {
    const result: TwoInputEvaluation = {};
    if (this.keyed) result.state = [...this.backend.export_entries()];
    if (this.broadcast !== undefined) result.broadcast_state = this.broadcast.export();
    return result;
  }
}
