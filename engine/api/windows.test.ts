// Specification of event-time window assignment (Flink's TimeWindow.getWindowStartWithOffset).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingEventTimeWindows, TumblingEventTimeWindows, windowStartWithOffset } from './windows.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 30);

describe('window assigners', () => {
  it('start = ts − (ts − offset + size) % size, also for negative timestamps', () => {
    expect(windowStartWithOffset(12, 0, 5)).toBe(10);
    expect(windowStartWithOffset(10, 0, 5)).toBe(10);
    expect(windowStartWithOffset(12, 3, 5)).toBe(8);
    expect(windowStartWithOffset(-1, 0, 5)).toBe(-5);
  });

  it('a tumbling window contains its element and has the configured size', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 10_000 }), (ts, size) => {
        const [w] = TumblingEventTimeWindows.of(size).assignWindows(ts);
        return w !== undefined && w.start <= ts && ts < w.end && w.end - w.start === size;
      }),
      { numRuns: runs * 5 },
    );
  });

  it('sliding windows: size/slide windows, each containing the element', () => {
    const windows = SlidingEventTimeWindows.of(10, 5).assignWindows(12);
    expect(windows).toEqual([
      { start: 10, end: 20 },
      { start: 5, end: 15 },
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5 }), (ts, slide, k) => {
        const ws = SlidingEventTimeWindows.of(slide * k, slide).assignWindows(ts);
        return ws.length === k && ws.every((w) => w.start <= ts && ts < w.end);
      }),
      { numRuns: runs * 5 },
    );
  });
});
