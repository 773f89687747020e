// The window operator's logic (Flink's WindowOperator and EvictingWindowOperator) over keyed state, timers and an
// output, with the key already set by whoever runs it: the engine's WindowOperator in a task, and the oracle in its
// sequential evaluation. Assigners, triggers (incl. onMerge), merging window sets, evictors, allowed lateness, late
// data to a side output, and the window function with per-window and global state.
import { NO_TIMESTAMP, type Collector, type TimeWindow } from '../../../api/functions.js';
import type { Evictor, EvictorContext, TimestampedValue } from '../../../api/evictors.js';
import type { OutputTag } from '../../../api/side-output.js';
import type { StateDescriptor } from '../../../api/state-descriptors.js';
import { TriggerResult, type OnMergeContext, type Trigger } from '../../../api/triggers.js';
import {
  isProcessWindowFunction,
  type KeyedStateAccess,
  type ProcessAllWindowFunction,
  type ProcessWindowContext,
  type ProcessWindowFunction,
} from '../../../api/window-functions.js';
import {
  isMergingWindowAssigner,
  parseWindowNamespace,
  windowMaxTimestamp,
  windowNamespace,
  type MergingWindowAssigner,
  type Window,
  type WindowAssignerContext,
} from '../../../api/windows.js';
import { MAX_WATERMARK } from '../../../api/functions.js';
import type { NodeOperator } from '../../../graph/job-graph.js';
import type { KeyedStateBackend } from '../../../state/backend.js';
import type { KeyContext, KeyedStateStore, TimeDomain } from '../../../state/keyed-state.js';
import { createRuntimeContext, type SubtaskInfo } from '../../runtime-context.js';
import { instancePerSubtask } from '../user-function.js';
import { MERGING_WINDOWS_STATE, MergingWindowSet, type WindowMapping } from './merging-window-set.js';
import { AggregatingContents, ListContents, ReducingContents, TimestampedContents, type WindowContents } from './window-contents.js';

export type WindowNodeOperator = Extract<NodeOperator, { kind: 'window' }>;

/** What the window logic runs on; the key (and key group) of the element or timer is already set in key_context. */
export interface WindowHost {
  readonly key_context: KeyContext;
  readonly store: KeyedStateStore;
  readonly backend: KeyedStateBackend;
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerTimer(domain: TimeDomain, timestamp_ms: number, namespace: string): void;
  deleteTimer(domain: TimeDomain, timestamp_ms: number, namespace: string): void;
  /** Results: stamped with `timestamp_ms` (fan-out bounded by the host). */
  resetOutput(timestamp_ms: number): void;
  collect(value: unknown): void;
  collectSide(tag_id: string, value: unknown): void;
  probe?(name: string): void;
  /** Whether the operator started from a checkpoint (the probe for late data after a restore). */
  restored?(): boolean;
  /** Test-only planted bug (engine/task/task.ts TaskSeams.late_data). */
  late_data_seam?: 'dropped_after_restore' | 'also_in_window';
}

/** Binds a state handle's methods to one namespace: each call sets it first and restores the previous one after. */
function bindNamespace<T extends object>(handle: T, context: KeyContext, namespace: string): T {
  const bound: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(handle)) {
    if (typeof method !== 'function') continue;
    bound[name] = (...args: unknown[]): unknown => {
      const saved = context.current_namespace;
      context.current_namespace = namespace;
      try {
        return (method as (...a: unknown[]) => unknown)(...args);
      } finally {
        context.current_namespace = saved;
      }
    };
  }
  return bound as T;
}

/** State handles of a descriptor from the store (user-level names), any kind. */
function stateHandle(store: KeyedStateStore, descriptor: StateDescriptor): object {
  const d = descriptor as StateDescriptor & { reduce?: (a: unknown, b: unknown) => unknown; aggregate?: never };
  switch (descriptor.kind) {
    case 'value':
      return store.getState(descriptor.name);
    case 'list':
      return store.getListState(descriptor.name);
    case 'map':
      return store.getMapState(descriptor.name);
    case 'reducing':
      return store.getReducingState(descriptor.name, d.reduce!);
    case 'aggregating':
      return store.getAggregatingState(descriptor.name, (descriptor as unknown as { aggregate: Parameters<KeyedStateStore['getAggregatingState']>[1] }).aggregate);
  }
}

/** Merges a (list, reducing or aggregating) user state of `sources` into `target` (Flink's InternalMergingState). */
function mergeStateNamespaces(store: KeyedStateStore, context: KeyContext, descriptor: StateDescriptor, target: string, sources: readonly string[]): void {
  const d = descriptor as StateDescriptor & { reduce?: (a: unknown, b: unknown) => unknown; aggregate?: { merge?: (a: unknown, b: unknown) => unknown } };
  let merge: (a: unknown, b: unknown) => unknown;
  if (descriptor.kind === 'list') merge = (a, b) => [...(a as unknown[]), ...(b as unknown[])];
  else if (descriptor.kind === 'reducing') merge = d.reduce!;
  else if (descriptor.kind === 'aggregating') {
    const fn = d.aggregate?.merge;
    if (fn === undefined) throw new Error(`state ${descriptor.name}: merging needs an AggregateFunction with merge()`);
    merge = fn;
  } else throw new Error(`state ${descriptor.name} is not mergeable (list, reducing or aggregating state only)`);
  stateHandle(store, descriptor); // registers the name with its kind
  const backend = store.backend;
  const c = context;
  let merged: unknown = undefined;
  for (const source of sources) {
    const value = backend.get(descriptor.name, c.current_key_group, c.current_key_encoded, source);
    if (value === undefined) continue;
    backend.delete(descriptor.name, c.current_key_group, c.current_key_encoded, source);
    merged = merged === undefined ? value : merge(merged, value);
  }
  if (merged === undefined) return;
  const current = backend.get(descriptor.name, c.current_key_group, c.current_key_encoded, target);
  backend.put(descriptor.name, c.current_key_group, c.current_key_encoded, target, current === undefined ? merged : merge(current, merged));
}

type LegacyWindowFunction = (key: unknown, window: TimeWindow, result: unknown) => unknown;

export class WindowLogic {
  private readonly assigner;
  private readonly merging: MergingWindowAssigner | undefined;
  private readonly trigger: Trigger<unknown, Window>;
  private readonly evictor: Evictor<unknown, Window> | undefined;
  private readonly contents: WindowContents;
  private readonly process_function: ProcessWindowFunction<unknown, unknown, unknown, Window> | undefined;
  private readonly legacy_function: LegacyWindowFunction | undefined;
  private readonly assigner_context: WindowAssignerContext;
  private readonly trigger_context: OnMergeContext & { window: Window; merged_windows: readonly Window[] };
  private readonly evictor_context: EvictorContext;
  private readonly collector: Collector<unknown>;
  /** Records dropped as late (no late-data side output configured), as Flink's numLateRecordsDropped. */
  dropped_late_records = 0;
  late_records_to_side_output = 0;

  constructor(
    private readonly op: WindowNodeOperator,
    private readonly host: WindowHost,
  ) {
    this.assigner = op.assigner;
    this.merging = isMergingWindowAssigner(op.assigner) ? op.assigner : undefined;
    this.trigger = instancePerSubtask(op.trigger ?? op.assigner.getDefaultTrigger());
    if (this.merging !== undefined && this.trigger.canMerge?.() !== true) {
      throw new Error('a merging window assigner (session windows) needs a trigger that can merge (canMerge() and onMerge())');
    }
    this.evictor = op.evictor === undefined ? undefined : instancePerSubtask(op.evictor);
    const fn = op.window_function === undefined ? undefined : instancePerSubtask(op.window_function);
    if (isProcessWindowFunction(fn)) this.process_function = fn as ProcessWindowFunction<unknown, unknown, unknown, Window>;
    else if (typeof fn === 'function') this.legacy_function = fn as LegacyWindowFunction;
    const { backend, key_context } = host;
    if (this.evictor !== undefined) this.contents = new TimestampedContents(backend, key_context);
    else if (op.aggregate !== undefined) this.contents = new AggregatingContents(backend, key_context, op.aggregate);
    else if (op.reduce !== undefined) this.contents = new ReducingContents(backend, key_context, op.reduce);
    else if (this.process_function !== undefined) this.contents = new ListContents(backend, key_context);
    else throw new Error('a window needs reduce, aggregate or a ProcessWindowFunction');
    if (this.merging !== undefined && op.aggregate !== undefined && op.aggregate.merge === undefined && this.evictor === undefined) {
      throw new Error('session (merging) windows with aggregate() need an AggregateFunction with merge()');
    }
    this.assigner_context = { getCurrentProcessingTime: () => host.currentProcessingTime() };
    const ctx = {
      window: undefined as unknown as Window,
      merged_windows: [] as readonly Window[],
      getCurrentProcessingTime: () => host.currentProcessingTime(),
      getCurrentWatermark: () => host.currentWatermark(),
      registerProcessingTimeTimer: (time_ms: number) => host.registerTimer('processing', time_ms, windowNamespace(ctx.window)),
      registerEventTimeTimer: (time_ms: number) => host.registerTimer('event', time_ms, windowNamespace(ctx.window)),
      deleteProcessingTimeTimer: (time_ms: number) => host.deleteTimer('processing', time_ms, windowNamespace(ctx.window)),
      deleteEventTimeTimer: (time_ms: number) => host.deleteTimer('event', time_ms, windowNamespace(ctx.window)),
      getPartitionedState: (descriptor: StateDescriptor) => bindNamespace(stateHandle(host.store, descriptor), host.key_context, windowNamespace(ctx.window)),
      mergePartitionedState: (descriptor: StateDescriptor) => {
        if (ctx.merged_windows.length === 0) return;
        mergeStateNamespaces(host.store, host.key_context, descriptor, windowNamespace(ctx.window), ctx.merged_windows.map(windowNamespace));
      },
    };
    this.trigger_context = ctx as unknown as OnMergeContext & { window: Window; merged_windows: readonly Window[] };
    this.evictor_context = { getCurrentProcessingTime: () => host.currentProcessingTime(), getCurrentWatermark: () => host.currentWatermark() };
    this.collector = { collect: (value) => host.collect(value) };
  }

  /** The user window function (a rich function: opened, snapshotted and closed with the operator). */
  get user_function(): unknown {
    return this.process_function;
  }

  /** Whether windows are assigned by event time (else by processing time: what a record gets depends on the clock). */
  isEventTime(): boolean {
    return this.assigner.isEventTime();
  }

  /** Event time: max timestamp + allowed lateness (saturating at the end of time); processing time: max timestamp. */
  private cleanupTime(window: Window): number {
    const max = windowMaxTimestamp(window);
    if (!this.isEventTime()) return max;
    const cleanup = max + this.op.allowed_lateness_ms;
    return cleanup >= MAX_WATERMARK || max >= MAX_WATERMARK ? MAX_WATERMARK : cleanup;
  }

  private isWindowLate(window: Window): boolean {
    return this.isEventTime() && this.cleanupTime(window) <= this.host.currentWatermark();
  }

  private isElementLate(timestamp_ms: number): boolean {
    return this.isEventTime() && timestamp_ms + this.op.allowed_lateness_ms <= this.host.currentWatermark();
  }

  private registerCleanupTimer(window: Window): void {
    const cleanup = this.cleanupTime(window);
    if (cleanup >= MAX_WATERMARK) return; // no timer for "end of time"
    this.host.registerTimer(this.isEventTime() ? 'event' : 'processing', cleanup, windowNamespace(window));
  }

  private deleteCleanupTimer(window: Window): void {
    const cleanup = this.cleanupTime(window);
    if (cleanup >= MAX_WATERMARK) return;
    this.host.deleteTimer(this.isEventTime() ? 'event' : 'processing', cleanup, windowNamespace(window));
  }

  private loadMergingSet(): MergingWindowSet {
    const c = this.host.key_context;
    const stored = this.host.backend.get(MERGING_WINDOWS_STATE, c.current_key_group, c.current_key_encoded, '') as WindowMapping | undefined;
    return new MergingWindowSet(this.merging!, stored);
  }

  private persistMergingSet(set: MergingWindowSet): void {
    if (!set.changed()) return;
    const c = this.host.key_context;
    if (set.size === 0) this.host.backend.delete(MERGING_WINDOWS_STATE, c.current_key_group, c.current_key_encoded, '');
    else this.host.backend.put(MERGING_WINDOWS_STATE, c.current_key_group, c.current_key_encoded, '', set.persisted());
  }

  processElement(value: unknown, timestamp_ms: number): void {
    const has_timestamp = timestamp_ms !== NO_TIMESTAMP;
    if (this.isEventTime() && !has_timestamp) {
      throw new Error('an event-time window got a record without a timestamp: did you forget a WatermarkStrategy or assignTimestampsAndWatermarks()?');
    }
    const windows = this.assigner.assignWindows(timestamp_ms, value, this.assigner_context);
    const ts = has_timestamp ? timestamp_ms : undefined;
    let skipped = true;
    if (this.merging !== undefined) {
      const set = this.loadMergingSet();
      for (const window of windows) {
        const actual = set.addWindow(window, (result, merged_windows, state_window, merged_state_windows) => this.onMerge(result, merged_windows, state_window, merged_state_windows));
        if (this.isWindowLate(actual)) {
          set.retireWindow(actual);
          continue;
        }
        skipped = false;
        const state_window = set.getStateWindow(actual);
        if (state_window === undefined) throw new Error(`window ${windowNamespace(actual)} is not in the in-flight window set`);
        this.addAndTrigger(actual, windowNamespace(state_window), value, timestamp_ms, ts);
      }
      this.persistMergingSet(set);
    } else {
      for (const window of windows) {
        if (this.isWindowLate(window)) continue;
        skipped = false;
        this.addAndTrigger(window, windowNamespace(window), value, timestamp_ms, ts);
      }
    }
    if (skipped && this.isElementLate(timestamp_ms)) {
      const tag = this.op.late_data_tag;
      const restored = this.host.restored?.() === true;
      if (tag === undefined || (restored && this.host.late_data_seam === 'dropped_after_restore')) {
        this.dropped_late_records++;
        this.host.probe?.('window.late_element_dropped');
      } else {
        this.late_records_to_side_output++;
        this.host.probe?.('window.late_data_to_side_output');
        if (restored) this.host.probe?.('window.late_data_to_side_output_after_restore');
        this.host.resetOutput(timestamp_ms);
        this.host.collectSide(tag, value);
        if (this.host.late_data_seam === 'also_in_window' && this.merging === undefined) {
          for (const window of windows) this.addAndTrigger(window, windowNamespace(window), value, timestamp_ms, ts);
        }
      }
    }
  }

  private addAndTrigger(window: Window, contents_namespace: string, value: unknown, timestamp_ms: number, ts: number | undefined): void {
    // Within allowed lateness: the window's end is behind the watermark, so it fires again (a late firing).
    if (this.isEventTime() && windowMaxTimestamp(window) <= this.host.currentWatermark()) this.host.probe?.('window.element_behind_watermark');
    this.contents.add(contents_namespace, value, ts);
    this.trigger_context.window = window;
    const result = this.trigger.onElement(value, timestamp_ms, window, this.trigger_context);
    if (TriggerResult.isFire(result) && !this.contents.isEmpty(contents_namespace)) this.emitWindowContents(window, contents_namespace);
    if (TriggerResult.isPurge(result)) this.contents.clear(contents_namespace);
    this.registerCleanupTimer(window);
  }

  private onMerge(result: Window, merged_windows: Window[], state_window: Window, merged_state_windows: Window[]): void {
    if (this.isEventTime() && this.cleanupTime(result) <= this.host.currentWatermark()) {
      throw new Error(`merging made an event-time window (${windowNamespace(result)}) end before the current watermark; the assigner must not do that`);
    }
    if (!this.isEventTime() && windowMaxTimestamp(result) <= this.host.currentProcessingTime()) {
      throw new Error(`merging made a processing-time window (${windowNamespace(result)}) end before the current processing time`);
    }
    this.host.probe?.('window.merged');
    // A session that already fired (its end behind the watermark) merged into a longer one: it fires again.
    if (this.isEventTime() && merged_windows.some((window) => windowMaxTimestamp(window) <= this.host.currentWatermark())) this.host.probe?.('window.element_behind_watermark');
    const ctx = this.trigger_context;
    ctx.window = result;
    ctx.merged_windows = merged_windows;
    this.trigger.onMerge!(result, ctx);
    ctx.merged_windows = [];
    for (const window of merged_windows) {
      ctx.window = window;
      this.trigger.clear(window, ctx);
      this.deleteCleanupTimer(window);
    }
    this.contents.mergeNamespaces(windowNamespace(state_window), merged_state_windows.map(windowNamespace));
  }

  /** A timer of this operator fired (its key is set); its namespace is the window. */
  onTimer(domain: TimeDomain, timestamp_ms: number, namespace: string): void {
    const window = parseWindowNamespace(namespace);
    let set: MergingWindowSet | undefined;
    let contents_namespace = namespace;
    if (this.merging !== undefined) {
      set = this.loadMergingSet();
      const state_window = set.getStateWindow(window);
      // A timer of a window already merged away or purged (a trigger that left a timer behind): nothing to do.
      if (state_window === undefined) return;
      contents_namespace = windowNamespace(state_window);
    }
    const ctx = this.trigger_context;
    ctx.window = window;
    const result = domain === 'event' ? this.trigger.onEventTime(timestamp_ms, window, ctx) : this.trigger.onProcessingTime(timestamp_ms, window, ctx);
    if (TriggerResult.isFire(result) && !this.contents.isEmpty(contents_namespace)) this.emitWindowContents(window, contents_namespace);
    if (TriggerResult.isPurge(result)) this.contents.clear(contents_namespace);
    const cleanup_domain: TimeDomain = this.isEventTime() ? 'event' : 'processing';
    if (domain === cleanup_domain && timestamp_ms === this.cleanupTime(window)) this.clearAllState(window, contents_namespace, set);
    if (set !== undefined) this.persistMergingSet(set);
  }

  private clearAllState(window: Window, contents_namespace: string, set: MergingWindowSet | undefined): void {
    this.contents.clear(contents_namespace);
    const ctx = this.trigger_context;
    ctx.window = window;
    this.trigger.clear(window, ctx);
    this.process_function?.clear?.(this.processContext(window));
    set?.retireWindow(window);
  }

  private processContext(window: Window): ProcessWindowContext<Window> {
    const host = this.host;
    const per_window = this.merging === undefined;
    const store = (namespace: string): KeyedStateAccess => {
      const runtime = createRuntimeContext({ subtask_index: 0, parallelism: 1, max_parallelism: 1, task_name: '' } satisfies SubtaskInfo, host.store);
      const bind = <T extends object>(handle: T): T => bindNamespace(handle, host.key_context, namespace);
      return {
        getState: (d) => bind(runtime.getState(d)),
        getListState: (d) => bind(runtime.getListState(d)),
        getMapState: (d) => bind(runtime.getMapState(d)),
        getReducingState: ((d: never, fn: never) => bind(runtime.getReducingState(d, fn))) as KeyedStateAccess['getReducingState'],
        getAggregatingState: ((d: never, fn: never) => bind(runtime.getAggregatingState(d, fn))) as KeyedStateAccess['getAggregatingState'],
      };
    };
    return {
      window: () => window,
      currentProcessingTime: () => host.currentProcessingTime(),
      currentWatermark: () => host.currentWatermark(),
      windowState: () => {
        if (!per_window) throw new Error('Per-window state is not allowed when using merging windows.');
        return store(windowNamespace(window));
      },
      globalState: () => store(''),
      output: (tag: OutputTag<unknown>, value: unknown) => host.collectSide(tag.id, value),
    };
  }

  private emitWindowContents(window: Window, contents_namespace: string): void {
    const contents = this.contents.get(contents_namespace);
    if (contents === undefined) return;
    this.host.resetOutput(windowMaxTimestamp(window));
    const key = this.host.key_context.current_key;
    if (contents.kind !== 'timestamped') {
      this.apply(key, window, contents.kind === 'result' ? [contents.value] : contents.values, contents.kind === 'result');
      return;
    }
    // Evicting: evictBefore, the function over what is left (pre-aggregated here if reduce/aggregate), evictAfter.
    const elements: TimestampedValue<unknown>[] = contents.elements;
    this.evictor!.evictBefore(elements, elements.length, window, this.evictor_context);
    const values = elements.map((e) => e.value);
    const op = this.op;
    if (op.reduce !== undefined) {
      if (values.length > 0) this.apply(key, window, [values.reduce((a, b) => op.reduce!(a, b))], true);
    } else if (op.aggregate !== undefined) {
      let accumulator = op.aggregate.createAccumulator();
      for (const value of values) accumulator = op.aggregate.add(value, accumulator);
      this.apply(key, window, [op.aggregate.getResult(accumulator)], true);
    } else {
      this.apply(key, window, values, false);
    }
    this.evictor!.evictAfter(elements, elements.length, window, this.evictor_context);
    (this.contents as TimestampedContents).replace(contents_namespace, elements);
  }

  private apply(key: unknown, window: Window, elements: unknown[], pre_aggregated: boolean): void {
    const all = this.op.all_windows === true;
    if (this.process_function !== undefined) {
      if (all) (this.process_function as unknown as ProcessAllWindowFunction<unknown, unknown, Window>).process(this.processContext(window), elements, this.collector);
      else this.process_function.process(key, this.processContext(window), elements, this.collector);
    } else if (this.legacy_function !== undefined && pre_aggregated) {
      const fn = this.legacy_function;
      this.host.collect(all ? (fn as unknown as (window: Window, result: unknown) => unknown)(window, elements[0]) : fn(key, window as TimeWindow, elements[0]));
    } else {
      for (const element of elements) this.host.collect(element);
    }
  }
}
