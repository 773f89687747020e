// Event-time window assigners (tumbling and sliding) with Flink's window-start formula.
import type { TimeWindow } from './functions.js';

/** TimeWindow.getWindowStartWithOffset: ts − (ts − offset + size) % size. */
export function windowStartWithOffset(timestamp_ms: number, offset_ms: number, size_ms: number): number {
  const remainder = (timestamp_ms - offset_ms + size_ms) % size_ms;
  return timestamp_ms - (remainder < 0 ? remainder + size_ms : remainder);
}

export interface WindowAssigner {
  readonly kind: 'tumbling' | 'sliding';
  readonly size_ms: number;
  readonly slide_ms: number;
  readonly offset_ms: number;
  assignWindows(timestamp_ms: number): TimeWindow[];
}

export class TumblingEventTimeWindows implements WindowAssigner {
  readonly kind = 'tumbling' as const;
  private constructor(
    readonly size_ms: number,
    readonly offset_ms: number,
  ) {}

  get slide_ms(): number {
    return this.size_ms;
  }

  static of(size_ms: number, offset_ms = 0): TumblingEventTimeWindows {
    if (!(size_ms > 0) || Math.abs(offset_ms) >= size_ms) throw new Error('tumbling window needs size > |offset| ≥ 0');
    return new TumblingEventTimeWindows(size_ms, offset_ms);
  }

  assignWindows(timestamp_ms: number): TimeWindow[] {
    const start = windowStartWithOffset(timestamp_ms, this.offset_ms, this.size_ms);
    return [{ start, end: start + this.size_ms }];
  }
}

export class SlidingEventTimeWindows implements WindowAssigner {
  readonly kind = 'sliding' as const;
  private constructor(
    readonly size_ms: number,
    readonly slide_ms: number,
    readonly offset_ms: number,
  ) {}

  static of(size_ms: number, slide_ms: number, offset_ms = 0): SlidingEventTimeWindows {
    if (!(size_ms > 0) || !(slide_ms > 0) || Math.abs(offset_ms) >= slide_ms) {
      throw new Error('sliding window needs size > 0, slide > |offset| ≥ 0');
    }
    return new SlidingEventTimeWindows(size_ms, slide_ms, offset_ms);
  }

  /** Windows in descending start order, as Flink's SlidingEventTimeWindows lists them. */
  assignWindows(timestamp_ms: number): TimeWindow[] {
    const windows: TimeWindow[] = [];
    const last_start = windowStartWithOffset(timestamp_ms, this.offset_ms, this.slide_ms);
    for (let start = last_start; start > timestamp_ms - this.size_ms; start -= this.slide_ms) {
      windows.push({ start, end: start + this.size_ms });
    }
    return windows;
  }
}

export function windowMaxTimestamp(window: TimeWindow): number {
  return window.end - 1;
}

export function windowNamespace(window: TimeWindow): string {
  return String(window.start) + ':' + String(window.end);
}

export function parseWindowNamespace(namespace: string): TimeWindow {
  const at = namespace.indexOf(':');
  return { start: Number(namespace.slice(0, at)), end: Number(namespace.slice(at + 1)) };
}
