// Specification of at-least-once barrier tracking (Flink's CheckpointBarrierTracker): counted, never blocking, many
// checkpoints at once, a completed one subsumes the older ones still counted.
import { describe, expect, it } from 'vitest';
import { BarrierTracker, MAX_TRACKED_CHECKPOINTS } from './barrier-tracker.js';

function tracker(channels: number, ended: Set<number> = new Set()): BarrierTracker {
  return new BarrierTracker(channels, (index) => !ended.has(index));
}

describe('BarrierTracker', () => {
  it('snapshots once every channel delivered the barrier, with several checkpoints counted at once', () => {
    const t = tracker(3);
    expect(t.onBarrier(0, 1)).toBeUndefined();
    expect(t.onBarrier(0, 2)).toBeUndefined();
    expect(t.onBarrier(1, 1)).toBeUndefined();
    expect(t.pendingIds()).toEqual([1, 2]);
    expect(t.pastBarrier(0)).toBe(true);
    expect(t.pastBarrier(2)).toBe(false);
    expect(t.onBarrier(2, 1)).toEqual({ snapshot: 1, subsumed: [] });
    expect(t.pendingIds()).toEqual([2]);
  });

  it('a completed checkpoint subsumes older ones still counted; their late barriers start nothing', () => {
    const t = tracker(2);
    t.onBarrier(0, 1);
    t.onBarrier(1, 2);
    expect(t.onBarrier(0, 2)).toEqual({ snapshot: 2, subsumed: [1] });
    expect(t.onBarrier(1, 1)).toBeUndefined();
    expect(t.pendingIds()).toEqual([]);
  });

  it(`tracks at most ${MAX_TRACKED_CHECKPOINTS} checkpoints, dropping the oldest`, () => {
    const t = tracker(2);
    for (let id = 1; id <= MAX_TRACKED_CHECKPOINTS + 1; id++) t.onBarrier(0, id);
    expect(t.pendingIds()).toHaveLength(MAX_TRACKED_CHECKPOINTS);
    expect(t.pendingIds()[0]).toBe(2);
    expect(t.dropped).toBe(1);
    expect(t.onBarrier(1, 1)).toBeUndefined();
  });

  it('a channel that ends completes what waited only for it', () => {
    const ended = new Set<number>();
    const t = tracker(2, ended);
    t.onBarrier(0, 1);
    t.onBarrier(0, 2);
    ended.add(1);
    expect(t.onChannelEnded()).toEqual({ snapshot: 2, subsumed: [1] });
  });

  it('never snapshots an aborted checkpoint, and a single channel snapshots at once', () => {
    const t = tracker(2);
    t.onBarrier(0, 1);
    t.abort(1);
    expect(t.onBarrier(1, 1)).toBeUndefined();
    expect(t.pendingIds()).toEqual([]);
    const single = tracker(1);
    expect(single.onBarrier(0, 3)).toEqual({ snapshot: 3, subsumed: [] });
    expect(single.onBarrier(0, 2)).toBeUndefined();
  });
});
