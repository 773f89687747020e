// Flink's window evictors: remove elements from a window's contents before and/or after the window function runs
// (EvictingWindowOperator). Built in: CountEvictor (keep the last n), TimeEvictor (keep the last interval of event
// time), DeltaEvictor (drop elements too far from the last one).
import type { Window } from './windows.js';

/** An element of a window with its timestamp (undefined: the element had none). */
export interface TimestampedValue<T> {
  value: T;
  timestamp_ms: number | undefined;
}

export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

/**
 * Flink's Evictor. `elements` is the window's contents in order; an evictor removes elements by splicing the array
 * (Flink's Iterator.remove()). What stays is written back as the window's contents.
 */
export interface Evictor<T, W extends Window = Window> {
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}

/** Keeps at most `max_count` elements: the most recent ones (the first ones are evicted). */
export class CountEvictor implements Evictor<unknown> {
  private constructor(
    readonly max_count: number,
    readonly evict_after: boolean,
  ) {}
  static of(max_count: number, evict_after = false): CountEvictor {
    if (!(Number.isInteger(max_count) && max_count > 0)) throw new Error('CountEvictor needs a count ≥ 1');
    return new CountEvictor(max_count, evict_after);
  }
  evictBefore(elements: TimestampedValue<unknown>[], size: number): void {
    if (!this.evict_after) this.evict(elements, size);
  }
  evictAfter(elements: TimestampedValue<unknown>[], size: number): void {
    if (this.evict_after) this.evict(elements, size);
  }
  private evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size <= this.max_count) return;
    elements.splice(0, size - this.max_count);
  }
}

/** Keeps the elements within `window_size_ms` of the newest element's timestamp (elements without one: untouched). */
export class TimeEvictor implements Evictor<unknown> {
  private constructor(
    readonly window_size_ms: number,
    readonly evict_after: boolean,
  ) {}
  static of(window_size_ms: number, evict_after = false): TimeEvictor {
    if (!(Number.isFinite(window_size_ms) && window_size_ms >= 0)) throw new Error('TimeEvictor needs a size ≥ 0');
    return new TimeEvictor(window_size_ms, evict_after);
  }
  evictBefore(elements: TimestampedValue<unknown>[]): void {
    if (!this.evict_after) this.evict(elements);
  }
  evictAfter(elements: TimestampedValue<unknown>[]): void {
    if (this.evict_after) this.evict(elements);
  }
  private evict(elements: TimestampedValue<unknown>[]): void {
    // Flink looks at the first element only to decide whether the window's elements carry timestamps.
    if (elements.length === 0 || elements[0]!.timestamp_ms === undefined) return;
    let newest = -Infinity;
    for (const element of elements) if (element.timestamp_ms !== undefined && element.timestamp_ms > newest) newest = element.timestamp_ms;
    const cutoff = newest - this.window_size_ms;
    for (let i = elements.length - 1; i >= 0; i--) {
      const ts = elements[i]!.timestamp_ms;
      if (ts !== undefined && ts <= cutoff) elements.splice(i, 1);
    }
  }
}

/** Evicts every element whose delta to the last element is at least `threshold`. */
export class DeltaEvictor<T> implements Evictor<T> {
  private constructor(
    readonly threshold: number,
    readonly delta: (a: T, b: T) => number,
    readonly evict_after: boolean,
  ) {}
  static of<T>(threshold: number, delta: (a: T, b: T) => number, evict_after = false): DeltaEvictor<T> {
    if (typeof delta !== 'function') throw new Error('DeltaEvictor needs a delta function');
    return new DeltaEvictor(threshold, delta, evict_after);
  }
  evictBefore(elements: TimestampedValue<T>[]): void {
    if (!this.evict_after) this.evict(elements);
  }
  evictAfter(elements: TimestampedValue<T>[]): void {
    if (this.evict_after) this.evict(elements);
  }
  private evict(elements: TimestampedValue<T>[]): void {
    const last = elements[elements.length - 1];
    if (last === undefined) return;
    for (let i = elements.length - 1; i >= 0; i--) if (this.delta(elements[i]!.value, last.value) >= this.threshold) elements.splice(i, 1);
  }
}
