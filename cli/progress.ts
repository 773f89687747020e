// Progress of a swarm on stderr: a bar redrawn in place on a terminal; plain lines without one (CI logs, pipes), one
// per tenth of the runs and at least every PLAIN_LINE_EVERY_MS. Both show elapsed time, runs per second and an ETA.
import type { TextSink } from './output.js';

export const PLAIN_LINE_EVERY_MS = 10_000;

/** `1:05`, `12:00:03`: minutes and seconds, with hours when there are any. */
export function format_clock(ms: number): string {
  const total_s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total_s / 3600);
  const m = Math.floor((total_s % 3600) / 60);
  const s = total_s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

export interface ProgressFigures {
  done: number;
  total: number;
  failures: number;
  /** Runs stopped at their event, time or memory budget: not judged, so neither held nor failed. */
  over_budget?: number;
  elapsed_ms: number;
}

/** How a run ended, as the progress line counts it. */
export type RunTally = 'held' | 'failed' | 'over_budget';

/** `12/40 runs (30%), 1 failed, 0:06 elapsed, 2.0 runs/s, ETA 0:14` (`, 2 over budget` after `failed` when any). */
export function progress_text({ done, total, failures, over_budget = 0, elapsed_ms }: ProgressFigures): string {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  const rate = elapsed_ms > 0 ? (done * 1000) / elapsed_ms : 0;
  const eta = done > 0 && rate > 0 ? format_clock(((total - done) / rate) * 1000) : '?';
  return (
    `${done}/${total} runs (${percent}%), ${failures} failed${over_budget > 0 ? `, ${over_budget} over budget` : ''}, ${format_clock(elapsed_ms)} elapsed, ` +
    `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} runs/s, ETA ${done === total ? '0:00' : eta}`
  );
}

/** A one-line progress bar for a terminal, redrawn in place. */
export function progress_bar(figures: ProgressFigures, width = 30): string {
  const filled = figures.total === 0 ? width : Math.round((figures.done / figures.total) * width);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress_text(figures)}\u001b[K`;
}

export class SwarmProgress {
  private failures = 0;
  private over_budget = 0;
  private done = 0;
  private last_line_ms: number;
  private last_decile = 0;
  private bar_shown = false;

  constructor(
    private readonly stderr: TextSink,
    private readonly total: number,
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly now: () => number = () => performance.now(),
    private readonly started_ms = now(),
  ) {
    this.last_line_ms = started_ms;
  }

  private get tty(): boolean {
    return this.stderr.isTTY === true;
  }

  private figures(): ProgressFigures {
    return { done: this.done, total: this.total, failures: this.failures, over_budget: this.over_budget, elapsed_ms: this.now() - this.started_ms };
  }

  /** Call once per finished run. */
  update(done: number, tally: RunTally): void {
    this.done = done;
    if (tally === 'failed') this.failures++;
    if (tally === 'over_budget') this.over_budget++;
    if (!this.enabled) return;
    if (this.tty) {
      this.stderr.write(progress_bar(this.figures()));
      this.bar_shown = true;
      return;
    }
    const decile = this.total === 0 ? 10 : Math.floor((done * 10) / this.total);
    const now = this.now();
    if (decile > this.last_decile || now - this.last_line_ms >= PLAIN_LINE_EVERY_MS) {
      this.last_decile = decile;
      this.last_line_ms = now;
      this.stderr.write(`${this.label}: ${progress_text(this.figures())}\n`);
    }
  }

  /** Prints text (a failure as it happens) without tearing the bar: the bar is cleared and drawn again after it. */
  interject(text: string): void {
    if (this.bar_shown) this.stderr.write('\r\u001b[K');
    this.stderr.write(text);
    if (this.bar_shown) this.stderr.write(progress_bar(this.figures()));
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.bar_shown) this.stderr.write('\n');
    this.bar_shown = false;
  }

  elapsed_ms(): number {
    return this.now() - this.started_ms;
  }
}
