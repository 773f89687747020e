// Specification of the status watermark valve, after Flink's StatusWatermarkValveTest: the output watermark is the
// minimum over active, aligned channels; idle channels stop holding it back; all idle flushes the maximum and goes
// idle; a channel that becomes active behind the output waits until it catches up; the output never goes back.
import { describe, expect, it } from 'vitest';
import { MAX_WATERMARK } from '../api/functions.js';
import { StatusWatermarkValve } from './watermark-valve.js';

function valve(channels: number): StatusWatermarkValve {
  const v = new StatusWatermarkValve();
  for (let i = 0; i < channels; i++) v.addChannel();
  return v;
}

describe('status watermark valve', () => {
  it('emits the minimum over channels once every channel has one, and only when it advances', () => {
    const v = valve(3);
    expect(v.inputWatermark(0, 10)).toBeUndefined();
    expect(v.inputWatermark(1, 7)).toBeUndefined();
    expect(v.inputWatermark(2, 5)).toEqual({ watermark: 5 });
    expect(v.inputWatermark(2, 4)).toBeUndefined(); // a channel never goes back
    expect(v.inputWatermark(2, 12)).toEqual({ watermark: 7 });
  });

  it('an idle channel no longer holds the watermark back; all idle flushes the maximum, then goes idle', () => {
    const v = valve(3);
    v.inputWatermark(0, 10);
    v.inputWatermark(1, 15);
    expect(v.inputWatermark(2, 3)).toEqual({ watermark: 3 });
    expect(v.inputWatermarkStatus(2, 'idle')).toEqual({ watermark: 10 });
    expect(v.inputWatermarkStatus(0, 'idle')).toEqual({ watermark: 15 });
    expect(v.output_status).toBe('active');
    expect(v.inputWatermarkStatus(1, 'idle')).toEqual({ status: 'idle' });
    expect(v.output_status).toBe('idle');
    expect(v.inputWatermark(1, 99)).toBeUndefined(); // ignored while idle
  });

  it('the last active channel going idle with the minimum flushes the maximum over all channels', () => {
    const v = valve(2);
    v.inputWatermark(0, 20);
    v.inputWatermark(1, 8);
    expect(v.inputWatermarkStatus(0, 'idle')).toBeUndefined(); // 20 was not the output: nothing to do yet
    expect(v.inputWatermarkStatus(1, 'idle')).toEqual({ watermark: 20, status: 'idle' });
  });

  it('a channel active again behind the output watermark waits until it catches up', () => {
    const v = valve(2);
    v.inputWatermark(0, 10);
    v.inputWatermark(1, 10);
    v.inputWatermarkStatus(1, 'idle');
    expect(v.inputWatermark(0, 30)).toEqual({ watermark: 30 });
    expect(v.inputWatermarkStatus(1, 'active')).toBeUndefined();
    expect(v.inputWatermark(1, 20)).toBeUndefined(); // behind 30: not aligned, the output does not go back
    expect(v.inputWatermark(0, 50)).toEqual({ watermark: 50 });
    expect(v.inputWatermark(1, 40)).toBeUndefined(); // still behind
    expect(v.inputWatermark(1, 60)).toBeUndefined(); // caught up: aligned, min(50, 60) = 50 already out
    expect(v.inputWatermark(0, 70)).toEqual({ watermark: 60 });
  });

  it('an idle valve becomes active when a channel does; an ended channel counts as active at the end of time', () => {
    const v = valve(2);
    v.inputWatermark(0, 5);
    v.inputWatermark(1, 6);
    expect(v.inputWatermarkStatus(0, 'idle')).toEqual({ watermark: 6 });
    expect(v.inputWatermarkStatus(1, 'idle')).toEqual({ status: 'idle' });
    expect(v.inputWatermarkStatus(0, 'active')).toEqual({ status: 'active' });
    expect(v.inputWatermark(0, 9)).toEqual({ watermark: 9 });
    // Channel 1 ends while idle: it counts as active at the end of time, so only channel 0 holds the output back.
    expect(v.channelEnded(1)).toBeUndefined();
    expect(v.inputWatermark(0, 12)).toEqual({ watermark: 12 });
    expect(v.channelEnded(0)).toEqual({ watermark: MAX_WATERMARK });
  });
});
