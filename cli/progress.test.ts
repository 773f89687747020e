// Specification of swarm progress: elapsed time, runs per second and an ETA; a bar redrawn in place on a terminal,
// plain lines (a tenth of the runs at a time, or every PLAIN_LINE_EVERY_MS) without one.
import { describe, expect, it } from 'vitest';
import { PLAIN_LINE_EVERY_MS, SwarmProgress, format_clock, progress_bar, progress_text } from './progress.js';

describe('progress figures', () => {
  it('formats clock times with hours only when there are any', () => {
    expect(format_clock(0)).toBe('0:00');
    expect(format_clock(65_400)).toBe('1:05');
    expect(format_clock(3_600_000 + 3_000)).toBe('1:00:03');
  });

  it('derives the rate and the ETA from the runs done so far', () => {
    expect(progress_text({ done: 12, total: 40, failures: 1, elapsed_ms: 6_000 })).toBe('12/40 runs (30%), 1 failed, 0:06 elapsed, 2.0 runs/s, ETA 0:14');
    expect(progress_text({ done: 0, total: 40, failures: 0, elapsed_ms: 1_000 })).toMatch(/ETA \?$/);
    expect(progress_text({ done: 12, total: 40, failures: 1, over_budget: 2, elapsed_ms: 6_000 })).toBe('12/40 runs (30%), 1 failed, 2 over budget, 0:06 elapsed, 2.0 runs/s, ETA 0:14');
    expect(progress_text({ done: 40, total: 40, failures: 0, elapsed_ms: 2_000 })).toMatch(/20 runs\/s, ETA 0:00$/);
  });

  it('draws a bar in proportion to the runs done', () => {
    expect(progress_bar({ done: 5, total: 10, failures: 1, elapsed_ms: 5_000 }, 10)).toBe('\r[#####.....] 5/10 runs (50%), 1 failed, 0:05 elapsed, 1.0 runs/s, ETA 0:05\u001b[K');
  });
});

describe('SwarmProgress', () => {
  function capture(is_tty: boolean) {
    let text = '';
    let now = 0;
    const sink = { write: (t: string) => (text += t), isTTY: is_tty };
    const progress = new SwarmProgress(sink, 20, 'swarm', true, () => now);
    return { progress, text: () => text, advance: (ms: number) => (now += ms) };
  }

  it('prints a plain line per tenth of the runs without a terminal', () => {
    const { progress, text, advance } = capture(false);
    for (let done = 1; done <= 20; done++) {
      advance(100);
      progress.update(done, done === 7 ? 'failed' : 'held');
    }
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('swarm: 2/20 runs (10%), 0 failed, 0:00 elapsed, 10 runs/s, ETA 0:02');
    expect(lines[9]).toBe('swarm: 20/20 runs (100%), 1 failed, 0:02 elapsed, 10 runs/s, ETA 0:00');
    expect(text()).not.toContain('\r');
  });

  it('prints a line at least every PLAIN_LINE_EVERY_MS while runs are slow', () => {
    let text = '';
    let now = 0;
    const progress = new SwarmProgress({ write: (t: string) => (text += t) }, 1000, 'swarm', true, () => now);
    now += PLAIN_LINE_EVERY_MS;
    progress.update(1, 'held');
    expect(text).toMatch(/^swarm: 1\/1000 runs \(0%\), 0 failed, 0:10 elapsed/);
  });

  it('redraws a bar on a terminal and keeps it below a failure printed meanwhile', () => {
    const { progress, text, advance } = capture(true);
    advance(1000);
    progress.update(1, 'held');
    progress.interject('FAILED x seed 2\n');
    progress.finish();
    expect(text()).toMatch(/^\r\[#+\.+\] 1\/20 runs[^\n]*\r\u001b\[KFAILED x seed 2\n\r\[#+\.+\] 1\/20 runs[^\n]*\n$/);
  });

  it('prints nothing when disabled (--quiet), but failures still get through', () => {
    let text = '';
    const progress = new SwarmProgress({ write: (t: string) => (text += t) }, 4, 'swarm', false);
    progress.update(4, 'held');
    progress.interject('FAILED\n');
    progress.finish();
    expect(text).toBe('FAILED\n');
  });
});
