// Specification of the checkpoint flush gate: a checkpoint is flushed once every write before its snapshot is
// acknowledged; flushed checkpoints are released oldest first; aborted ones are forgotten; the waiting list is bounded.
import { describe, expect, it } from 'vitest';
import { CheckpointFlushGate, MAX_WAITING_CHECKPOINTS } from './checkpoint-flush-gate.js';

describe('checkpoint flush gate', () => {
  it('holds a checkpoint until the oldest outstanding write is past its snapshot, and releases in order', () => {
    const gate = new CheckpointFlushGate();
    gate.wait_for(1, 4);
    gate.wait_for(2, 9);
    expect(gate.is_flushed(1, 3)).toBe(false);
    expect(gate.is_flushed(1, 5)).toBe(true);
    expect(gate.is_flushed(2, 5)).toBe(false);
    const released: number[] = [];
    gate.release(5, (id) => released.push(id));
    expect(released).toEqual([1]);
    gate.release(10, (id) => released.push(id));
    expect(released).toEqual([1, 2]);
    expect(gate.waiting_count).toBe(0);
  });

  it('forgets an aborted checkpoint: it is never released and no longer counts toward the bound', () => {
    const gate = new CheckpointFlushGate();
    gate.wait_for(1, 4);
    gate.wait_for(2, 9);
    gate.forget(1);
    expect(gate.waiting_count).toBe(1);
    const released: number[] = [];
    gate.release(10, (id) => released.push(id));
    expect(released).toEqual([2]);
  });

  it('refuses to let more than MAX_WAITING_CHECKPOINTS checkpoints wait at once', () => {
    const gate = new CheckpointFlushGate();
    for (let id = 1; id <= MAX_WAITING_CHECKPOINTS; id++) gate.wait_for(id, 0);
    expect(() => gate.wait_for(MAX_WAITING_CHECKPOINTS + 1, 0)).toThrow(/flush gate: 256 checkpoints \(1\.\.256\) still wait/);
    // Aborts keep a long outage within the bound.
    for (let id = 1; id <= 10; id++) gate.forget(id);
    expect(() => gate.wait_for(MAX_WAITING_CHECKPOINTS + 1, 0)).not.toThrow();
  });

  it('forgets exactly the aborted checkpoint: others keep waiting, an unknown id changes nothing', () => {
    const gate = new CheckpointFlushGate();
    gate.wait_for(1, 4);
    gate.wait_for(2, 9);
    gate.wait_for(3, 12);
    gate.forget(7);
    expect(gate.waiting_count).toBe(3);
    gate.forget(2);
    expect(gate.waiting_count).toBe(2);
    expect(gate.is_flushed(2, 0)).toBe(true); // no longer waited for
    expect(gate.is_flushed(1, 4)).toBe(false);
    expect(gate.is_flushed(3, 10)).toBe(false);
    const released: number[] = [];
    gate.release(13, (id) => released.push(id));
    expect(released).toEqual([1, 3]);
  });

  it('releases flushed checkpoints also when nobody listens', () => {
    const gate = new CheckpointFlushGate();
    gate.wait_for(1, 4);
    gate.release(5, undefined);
    expect(gate.waiting_count).toBe(0);
  });
});

