// Flink's window triggers: the Trigger contract (onElement/onEventTime/onProcessingTime/onMerge/clear returning a
// TriggerResult) with per-window state and timers through its TriggerContext, and the built-in triggers:
// EventTimeTrigger, ProcessingTimeTrigger, CountTrigger, PurgingTrigger, ContinuousEventTimeTrigger,
// ContinuousProcessingTimeTrigger and the never-firing trigger of GlobalWindows.
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/keyed-state.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptors.js';
import { ReducingStateDescriptor as ReducingDescriptor } from './state-descriptors.js';
import type { TimeWindow } from './functions.js';
import type { Window } from './windows.js';

/** What a trigger decides: FIRE evaluates the window, PURGE drops its contents (its trigger state stays). */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

export const TriggerResult = {
  CONTINUE: 'CONTINUE',
  FIRE: 'FIRE',
  PURGE: 'PURGE',
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
  isFire: (result: TriggerResult): boolean => result === 'FIRE' || result === 'FIRE_AND_PURGE',
  isPurge: (result: TriggerResult): boolean => result === 'PURGE' || result === 'FIRE_AND_PURGE',
} as const;

/** Flink's Trigger.TriggerContext: timers and state scoped to the current key and the window being triggered. */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
  registerProcessingTimeTimer(time_ms: number): void;
  registerEventTimeTimer(time_ms: number): void;
  deleteProcessingTimeTimer(time_ms: number): void;
  deleteEventTimeTimer(time_ms: number): void;
  getPartitionedState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getPartitionedState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getPartitionedState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getPartitionedState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getPartitionedState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** During onMerge: merges the given (list, reducing or aggregating) state of the merged windows into this window. */
export interface OnMergeContext extends TriggerContext {
  mergePartitionedState(descriptor: ListStateDescriptor<unknown> | ReducingStateDescriptor<unknown> | AggregatingStateDescriptor<unknown, unknown, unknown>): void;
}

/**
 * Flink's Trigger. A trigger keeps no fields of its own between calls: everything it remembers lives in partitioned
 * state, so it is checkpointed, restored and rescaled with the window. A trigger that can merge (session windows)
 * implements canMerge() → true and onMerge.
 */
export interface Trigger<T, W extends Window = Window> {
  onElement(element: T, timestamp_ms: number, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time_ms: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time_ms: number, window: W, ctx: TriggerContext): TriggerResult;
  canMerge?(): boolean;
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** The window is purged for good: delete its timers and state. */
  clear(window: W, ctx: TriggerContext): void;
}

function maxTimestampOf(window: Window): number {
  return 'global' in window ? Number.MAX_SAFE_INTEGER : window.end - 1;
}

/** Fires once the watermark passes the window's end (and at once for an element of a window already past it). */
export class EventTimeTrigger implements Trigger<unknown, TimeWindow> {
  private static readonly INSTANCE = new EventTimeTrigger();
  static create(): EventTimeTrigger {
    return EventTimeTrigger.INSTANCE;
  }
  onElement(_element: unknown, _timestamp_ms: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (maxTimestampOf(window) <= ctx.getCurrentWatermark()) return 'FIRE';
    ctx.registerEventTimeTimer(maxTimestampOf(window));
    return 'CONTINUE';
  }
  onEventTime(time_ms: number, window: TimeWindow): TriggerResult {
    return time_ms === maxTimestampOf(window) ? 'FIRE' : 'CONTINUE';
  }
  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    // Only a window not yet past the watermark gets a timer (Flink: a late merged window would fire twice).
    if (maxTimestampOf(window) > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(maxTimestampOf(window));
  }
  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(maxTimestampOf(window));
  }
}

/** Fires when the subtask's clock passes the window's end. */
export class ProcessingTimeTrigger implements Trigger<unknown, TimeWindow> {
  private static readonly INSTANCE = new ProcessingTimeTrigger();
  static create(): ProcessingTimeTrigger {
    return ProcessingTimeTrigger.INSTANCE;
  }
  onElement(_element: unknown, _timestamp_ms: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(maxTimestampOf(window));
    return 'CONTINUE';
  }
  onEventTime(): TriggerResult {
    return 'CONTINUE';
  }
  onProcessingTime(): TriggerResult {
    return 'FIRE';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    if (maxTimestampOf(window) > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(maxTimestampOf(window));
  }
  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(maxTimestampOf(window));
  }
}

const sum = (a: number, b: number): number => a + b;
const min = (a: number, b: number): number => Math.min(a, b);

/** Fires once a window holds `max_count` elements (counted in reducing state "count"), then counts afresh. */
export class CountTrigger implements Trigger<unknown, Window> {
  private readonly state = new ReducingDescriptor<number>('count', sum);
  private constructor(readonly max_count: number) {}
  static of(max_count: number): CountTrigger {
    if (!(Number.isInteger(max_count) && max_count > 0)) throw new Error('CountTrigger needs a count ≥ 1');
    return new CountTrigger(max_count);
  }
  onElement(_element: unknown, _timestamp_ms: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.state);
    count.add(1);
    if ((count.get() ?? 0) >= this.max_count) {
      count.clear();
      return 'FIRE';
    }
    return 'CONTINUE';
  }
  onEventTime(): TriggerResult {
    return 'CONTINUE';
  }
  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.state as ReducingStateDescriptor<unknown>);
  }
  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.state).clear();
  }
}

/** Turns every FIRE of the nested trigger into FIRE_AND_PURGE. */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  private constructor(readonly nested: Trigger<T, W>) {}
  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nested);
  }
  private static purge(result: TriggerResult): TriggerResult {
    return TriggerResult.isFire(result) ? 'FIRE_AND_PURGE' : result;
  }
  onElement(element: T, timestamp_ms: number, window: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onElement(element, timestamp_ms, window, ctx));
  }
  onEventTime(time_ms: number, window: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onEventTime(time_ms, window, ctx));
  }
  onProcessingTime(time_ms: number, window: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purge(this.nested.onProcessingTime(time_ms, window, ctx));
  }
  canMerge(): boolean {
    return this.nested.canMerge?.() === true;
  }
  onMerge(window: W, ctx: OnMergeContext): void {
    this.nested.onMerge?.(window, ctx);
  }
  clear(window: W, ctx: TriggerContext): void {
    this.nested.clear(window, ctx);
  }
}

/**
 * Fires every `interval_ms` of event time (aligned to multiples of the interval) and at the window's end; the next
 * fire time lives in reducing state "fire-time" (minimum).
 */
export class ContinuousEventTimeTrigger implements Trigger<unknown, Window> {
  private readonly state = new ReducingDescriptor<number>('fire-time', min);
  private constructor(readonly interval_ms: number) {}
  static of(interval_ms: number): ContinuousEventTimeTrigger {
    if (!(Number.isInteger(interval_ms) && interval_ms > 0)) throw new Error('ContinuousEventTimeTrigger needs an interval ≥ 1 ms');
    return new ContinuousEventTimeTrigger(interval_ms);
  }
  onElement(_element: unknown, timestamp_ms: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (maxTimestampOf(window) <= ctx.getCurrentWatermark()) return 'FIRE';
    ctx.registerEventTimeTimer(maxTimestampOf(window));
    const fire_time = ctx.getPartitionedState(this.state);
    if (fire_time.get() === undefined) this.registerNext(timestamp_ms - (timestamp_ms % this.interval_ms), window, ctx);
    return 'CONTINUE';
  }
  onEventTime(time_ms: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time_ms === maxTimestampOf(window)) return 'FIRE';
    const fire_time = ctx.getPartitionedState(this.state);
    if (fire_time.get() === time_ms) {
      fire_time.clear();
      this.registerNext(time_ms, window, ctx);
      return 'FIRE';
    }
    return 'CONTINUE';
  }
  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }
  private registerNext(time_ms: number, window: Window, ctx: TriggerContext): void {
    const next = Math.min(time_ms + this.interval_ms, maxTimestampOf(window));
    ctx.getPartitionedState(this.state).add(next);
    ctx.registerEventTimeTimer(next);
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.state as ReducingStateDescriptor<unknown>);
    const next = ctx.getPartitionedState(this.state).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }
  clear(_window: Window, ctx: TriggerContext): void {
    const fire_time = ctx.getPartitionedState(this.state);
    const next = fire_time.get();
    if (next !== undefined) {
      ctx.deleteEventTimeTimer(next);
      fire_time.clear();
    }
  }
}

/** Fires every `interval_ms` of the subtask's clock while the window has elements (state "fire-time"). */
export class ContinuousProcessingTimeTrigger implements Trigger<unknown, Window> {
  private readonly state = new ReducingDescriptor<number>('fire-time', min);
  private constructor(readonly interval_ms: number) {}
  static of(interval_ms: number): ContinuousProcessingTimeTrigger {
    if (!(Number.isInteger(interval_ms) && interval_ms > 0)) throw new Error('ContinuousProcessingTimeTrigger needs an interval ≥ 1 ms');
    return new ContinuousProcessingTimeTrigger(interval_ms);
  }
  onElement(_element: unknown, _timestamp_ms: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fire_time = ctx.getPartitionedState(this.state);
    const now = ctx.getCurrentProcessingTime();
    if (fire_time.get() === undefined) this.registerNext(now - (now % this.interval_ms), window, ctx);
    return 'CONTINUE';
  }
  onEventTime(): TriggerResult {
    return 'CONTINUE';
  }
  onProcessingTime(time_ms: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fire_time = ctx.getPartitionedState(this.state);
    if (fire_time.get() === time_ms) {
      fire_time.clear();
      this.registerNext(time_ms, window, ctx);
      return 'FIRE';
    }
    return 'CONTINUE';
  }
  private registerNext(time_ms: number, window: Window, ctx: TriggerContext): void {
    const next = Math.min(time_ms + this.interval_ms, maxTimestampOf(window));
    ctx.getPartitionedState(this.state).add(next);
    ctx.registerProcessingTimeTimer(next);
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.state as ReducingStateDescriptor<unknown>);
    const next = ctx.getPartitionedState(this.state).get();
    if (next !== undefined) ctx.registerProcessingTimeTimer(next);
  }
  clear(_window: Window, ctx: TriggerContext): void {
    const fire_time = ctx.getPartitionedState(this.state);
    const next = fire_time.get();
    if (next !== undefined) {
      ctx.deleteProcessingTimeTimer(next);
      fire_time.clear();
    }
  }
}

/** The default trigger of GlobalWindows: never fires. */
export class NeverTrigger implements Trigger<unknown, Window> {
  private static readonly INSTANCE = new NeverTrigger();
  static create(): NeverTrigger {
    return NeverTrigger.INSTANCE;
  }
  onElement(): TriggerResult {
    return 'CONTINUE';
  }
  onEventTime(): TriggerResult {
    return 'CONTINUE';
  }
  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(): void {}
  clear(): void {}
}
