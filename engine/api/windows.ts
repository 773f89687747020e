// Windows and window assigners with Flink's semantics: time windows [start, end) and the global window; tumbling and
// sliding windows in event or processing time (Flink's window-start formula), session windows with a fixed or a
// dynamic gap (merging), global windows; and the namespace a window's state and timers live under.
import { MAX_WATERMARK, type TimeWindow } from './functions.js';
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, type Trigger } from './triggers.js';

/** Flink's GlobalWindow: the one window of GlobalWindows; its max timestamp is the end of time. */
export interface GlobalWindow {
  readonly global: true;
}

export const GLOBAL_WINDOW: GlobalWindow = Object.freeze({ global: true as const });

export type Window = TimeWindow | GlobalWindow;

export function isGlobalWindow(window: Window): window is GlobalWindow {
  return (window as GlobalWindow).global === true;
}

/** TimeWindow.getWindowStartWithOffset: ts − (ts − offset + size) % size. */
export function windowStartWithOffset(timestamp_ms: number, offset_ms: number, size_ms: number): number {
  const remainder = (timestamp_ms - offset_ms + size_ms) % size_ms;
  return timestamp_ms - (remainder < 0 ? remainder + size_ms : remainder);
}

/** What an assigner may read besides the element (Flink's WindowAssignerContext). */
export interface WindowAssignerContext {
  getCurrentProcessingTime(): number;
}

/** Flink's WindowAssigner: the windows an element belongs to, the trigger used unless one is set, its time domain. */
export interface WindowAssigner<W extends Window = Window> {
  readonly kind: string;
  assignWindows(timestamp_ms: number, element?: unknown, context?: WindowAssignerContext): W[];
  getDefaultTrigger(): Trigger<unknown, W>;
  isEventTime(): boolean;
}

/** Flink's MergingWindowAssigner: windows that overlap are merged (session windows). */
export interface MergingWindowAssigner<W extends Window = Window> extends WindowAssigner<W> {
  /** Calls `merge(windows_to_merge, result)` for every group of two or more windows that become one. */
  mergeWindows(windows: readonly W[], merge: (to_merge: W[], result: W) => void): void;
}

export function isMergingWindowAssigner(assigner: WindowAssigner): assigner is MergingWindowAssigner {
  return typeof (assigner as MergingWindowAssigner).mergeWindows === 'function';
}

function checkSizeSlideOffset(name: string, size_ms: number, slide_ms: number, offset_ms: number): void {
  if (!(Number.isFinite(size_ms) && size_ms > 0) || !(Number.isFinite(slide_ms) && slide_ms > 0) || !(Math.abs(offset_ms) < slide_ms)) {
    throw new Error(`${name} needs size > 0, slide > 0 and |offset| < slide`);
  }
}

function tumbling(timestamp_ms: number, size_ms: number, offset_ms: number): TimeWindow[] {
  const start = windowStartWithOffset(timestamp_ms, offset_ms, size_ms);
  return [{ start, end: start + size_ms }];
}

/** Windows in descending start order, as Flink's sliding assigners list them. */
function sliding(timestamp_ms: number, size_ms: number, slide_ms: number, offset_ms: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  const last_start = windowStartWithOffset(timestamp_ms, offset_ms, slide_ms);
  for (let start = last_start; start > timestamp_ms - size_ms; start -= slide_ms) windows.push({ start, end: start + size_ms });
  return windows;
}

function processingTime(context: WindowAssignerContext | undefined): number {
  if (context === undefined) throw new Error('a processing-time window assigner needs the current processing time');
  return context.getCurrentProcessingTime();
}

export class TumblingEventTimeWindows implements WindowAssigner<TimeWindow> {
  readonly kind = 'tumbling' as const;
  private constructor(
    readonly size_ms: number,
    readonly offset_ms: number,
  ) {}

  get slide_ms(): number {
    return this.size_ms;
  }

  static of(size_ms: number, offset_ms = 0): TumblingEventTimeWindows {
    checkSizeSlideOffset('TumblingEventTimeWindows', size_ms, size_ms, offset_ms);
    return new TumblingEventTimeWindows(size_ms, offset_ms);
  }

  assignWindows(timestamp_ms: number): TimeWindow[] {
    return tumbling(timestamp_ms, this.size_ms, this.offset_ms);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

export class SlidingEventTimeWindows implements WindowAssigner<TimeWindow> {
  readonly kind = 'sliding' as const;
  private constructor(
    readonly size_ms: number,
    readonly slide_ms: number,
    readonly offset_ms: number,
  ) {}

  static of(size_ms: number, slide_ms: number, offset_ms = 0): SlidingEventTimeWindows {
    checkSizeSlideOffset('SlidingEventTimeWindows', size_ms, slide_ms, offset_ms);
    return new SlidingEventTimeWindows(size_ms, slide_ms, offset_ms);
  }

  assignWindows(timestamp_ms: number): TimeWindow[] {
    return sliding(timestamp_ms, this.size_ms, this.slide_ms, this.offset_ms);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

/** Tumbling windows over the operator's processing time (the subtask's clock when the element arrives). */
export class TumblingProcessingTimeWindows implements WindowAssigner<TimeWindow> {
  readonly kind = 'tumbling_processing_time' as const;
  private constructor(
    readonly size_ms: number,
    readonly offset_ms: number,
  ) {}

  static of(size_ms: number, offset_ms = 0): TumblingProcessingTimeWindows {
    checkSizeSlideOffset('TumblingProcessingTimeWindows', size_ms, size_ms, offset_ms);
    return new TumblingProcessingTimeWindows(size_ms, offset_ms);
  }

  assignWindows(_timestamp_ms: number, _element?: unknown, context?: WindowAssignerContext): TimeWindow[] {
    return tumbling(processingTime(context), this.size_ms, this.offset_ms);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}

export class SlidingProcessingTimeWindows implements WindowAssigner<TimeWindow> {
  readonly kind = 'sliding_processing_time' as const;
  private constructor(
    readonly size_ms: number,
    readonly slide_ms: number,
    readonly offset_ms: number,
  ) {}

  static of(size_ms: number, slide_ms: number, offset_ms = 0): SlidingProcessingTimeWindows {
    checkSizeSlideOffset('SlidingProcessingTimeWindows', size_ms, slide_ms, offset_ms);
    return new SlidingProcessingTimeWindows(size_ms, slide_ms, offset_ms);
  }

  assignWindows(_timestamp_ms: number, _element?: unknown, context?: WindowAssignerContext): TimeWindow[] {
    return sliding(processingTime(context), this.size_ms, this.slide_ms, this.offset_ms);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}

/** Flink's TimeWindow.intersects: windows that overlap or touch ([0,10) and [10,20) merge). */
export function timeWindowsIntersect(a: TimeWindow, b: TimeWindow): boolean {
  return a.start <= b.end && a.end >= b.start;
}

/**
 * Flink's TimeWindow.mergeWindows: windows sorted by start, each merged into the running cover while they intersect;
 * every group of two or more is reported (in start order, each group's windows in start order).
 */
export function mergeTimeWindows(windows: readonly TimeWindow[], merge: (to_merge: TimeWindow[], result: TimeWindow) => void): void {
  const sorted = [...windows].sort((a, b) => a.start - b.start || a.end - b.end);
  const groups: { cover: TimeWindow; members: TimeWindow[] }[] = [];
  let current: { cover: TimeWindow; members: TimeWindow[] } | undefined;
  for (const window of sorted) {
    if (current === undefined) {
      current = { cover: window, members: [window] };
    } else if (timeWindowsIntersect(current.cover, window)) {
      current.cover = { start: Math.min(current.cover.start, window.start), end: Math.max(current.cover.end, window.end) };
      current.members.push(window);
    } else {
      groups.push(current);
      current = { cover: window, members: [window] };
    }
  }
  if (current !== undefined) groups.push(current);
  for (const group of groups) if (group.members.length > 1) merge(group.members, group.cover);
}

function checkGap(name: string, gap_ms: number): void {
  if (!(Number.isFinite(gap_ms) && gap_ms > 0)) throw new Error(`${name} needs a gap > 0`);
}

/** Session windows in event time: each element opens [ts, ts + gap); overlapping sessions merge. */
export class EventTimeSessionWindows implements MergingWindowAssigner<TimeWindow> {
  readonly kind = 'session' as const;
  private constructor(readonly gap_ms: number) {}

  static withGap(gap_ms: number): EventTimeSessionWindows {
    checkGap('EventTimeSessionWindows', gap_ms);
    return new EventTimeSessionWindows(gap_ms);
  }

  static withDynamicGap<T>(extractor: (element: T) => number): DynamicEventTimeSessionWindows<T> {
    return DynamicEventTimeSessionWindows.withDynamicGap(extractor);
  }

  assignWindows(timestamp_ms: number): TimeWindow[] {
    return [{ start: timestamp_ms, end: timestamp_ms + this.gap_ms }];
  }

  mergeWindows(windows: readonly TimeWindow[], merge: (to_merge: TimeWindow[], result: TimeWindow) => void): void {
    mergeTimeWindows(windows, merge);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

/** Session windows in event time whose gap comes from each element (Flink's SessionWindowTimeGapExtractor). */
export class DynamicEventTimeSessionWindows<T> implements MergingWindowAssigner<TimeWindow> {
  readonly kind = 'dynamic_session' as const;
  private constructor(readonly gap_extractor: (element: T) => number) {}

  static withDynamicGap<T>(extractor: (element: T) => number): DynamicEventTimeSessionWindows<T> {
    if (typeof extractor !== 'function') throw new Error('DynamicEventTimeSessionWindows needs a gap extractor');
    return new DynamicEventTimeSessionWindows(extractor);
  }

  assignWindows(timestamp_ms: number, element?: unknown): TimeWindow[] {
    const gap_ms = this.gap_extractor(element as T);
    checkGap('DynamicEventTimeSessionWindows (extracted gap)', gap_ms);
    return [{ start: timestamp_ms, end: timestamp_ms + gap_ms }];
  }

  mergeWindows(windows: readonly TimeWindow[], merge: (to_merge: TimeWindow[], result: TimeWindow) => void): void {
    mergeTimeWindows(windows, merge);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

/** Session windows in processing time: each element opens [now, now + gap) on the subtask's clock. */
export class ProcessingTimeSessionWindows implements MergingWindowAssigner<TimeWindow> {
  readonly kind = 'processing_time_session' as const;
  private constructor(readonly gap_ms: number) {}

  static withGap(gap_ms: number): ProcessingTimeSessionWindows {
    checkGap('ProcessingTimeSessionWindows', gap_ms);
    return new ProcessingTimeSessionWindows(gap_ms);
  }

  assignWindows(_timestamp_ms: number, _element?: unknown, context?: WindowAssignerContext): TimeWindow[] {
    const now = processingTime(context);
    return [{ start: now, end: now + this.gap_ms }];
  }

  mergeWindows(windows: readonly TimeWindow[], merge: (to_merge: TimeWindow[], result: TimeWindow) => void): void {
    mergeTimeWindows(windows, merge);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}

/** Flink's GlobalWindows: every element in one window per key, which only a custom trigger fires (default: never). */
export class GlobalWindows implements WindowAssigner<GlobalWindow> {
  readonly kind = 'global' as const;
  private static readonly INSTANCE = new GlobalWindows();
  private constructor() {}

  static create(): GlobalWindows {
    return GlobalWindows.INSTANCE;
  }

  assignWindows(): GlobalWindow[] {
    return [GLOBAL_WINDOW];
  }

  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return NeverTrigger.create();
  }

  /** As in Flink, global windows are not event-time windows: never late, never cleaned up by time. */
  isEventTime(): boolean {
    return false;
  }
}

/** end − 1 for a time window; the end of time for the global window. */
export function windowMaxTimestamp(window: Window): number {
  return isGlobalWindow(window) ? MAX_WATERMARK : window.end - 1;
}

/** The namespace a window's state and timers are kept under: "start:end", or "global". */
export function windowNamespace(window: Window): string {
  return isGlobalWindow(window) ? 'global' : String(window.start) + ':' + String(window.end);
}

export function parseWindowNamespace(namespace: string): Window {
  if (namespace === 'global') return GLOBAL_WINDOW;
  const at = namespace.indexOf(':');
  return { start: Number(namespace.slice(0, at)), end: Number(namespace.slice(at + 1)) };
}

export function sameWindow(a: Window, b: Window): boolean {
  if (isGlobalWindow(a) || isGlobalWindow(b)) return isGlobalWindow(a) && isGlobalWindow(b);
  return a.start === b.start && a.end === b.end;
}
