// A source task's side of time: records get their timestamps (the strategy's assigner), watermarks follow bounded
// out-of-orderness per split (minimum over the reader's splits, after each poll), and with withIdleness a split that
// sent nothing for the timeout (on the process clock) stops holding the watermark back; when every split is idle the
// source's stream is marked idle, and a record makes it active again.
import { MAX_WATERMARK, MIN_WATERMARK, type SourceOutput, type SourceReader, type WatermarkStrategy } from '../api/functions.js';
import type { Output } from './operator-base.js';
import type { WatermarkStatus } from './watermark-valve.js';

interface SplitTime {
  max_timestamp_ms: number | undefined;
  /** Process clock of the split's last record (or of when the source first saw the split). */
  last_activity_ms: number;
  idle: boolean;
}

export class SourceDriver implements SourceOutput<unknown> {
  private readonly splits = new Map<string, SplitTime>();
  watermark_ms = MIN_WATERMARK;
  status: WatermarkStatus = 'active';
  emitted = 0;

  constructor(
    readonly reader: SourceReader<unknown>,
    private readonly strategy: WatermarkStrategy<unknown> | undefined,
    private readonly head: Output,
    private readonly now_ms: () => number,
  ) {}

  private split(id: string): SplitTime {
    let split = this.splits.get(id);
    if (split === undefined) {
      split = { max_timestamp_ms: undefined, last_activity_ms: this.now_ms(), idle: false };
      this.splits.set(id, split);
    }
    return split;
  }

  private setStatus(status: WatermarkStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.head.emitWatermarkStatus(status);
  }

  collect(value: unknown, source_timestamp_ms: number, split: string): void {
    const strategy = this.strategy;
    let timestamp_ms = source_timestamp_ms;
    if (strategy !== undefined) {
      if (strategy.timestamp_assigner !== undefined) timestamp_ms = strategy.timestamp_assigner(value, source_timestamp_ms);
      const time = this.split(split);
      if (time.max_timestamp_ms === undefined || timestamp_ms > time.max_timestamp_ms) time.max_timestamp_ms = timestamp_ms;
      if (strategy.idle_timeout_ms !== undefined) {
        time.last_activity_ms = this.now_ms();
        time.idle = false;
        this.setStatus('active');
      }
    }
    this.emitted++;
    this.head.collect(value, timestamp_ms);
  }

  /**
   * Bounded out-of-orderness per split; a split without records holds the watermark at its minimum unless it went
   * idle. Every split idle: the stream goes idle (no watermark is emitted for it).
   */
  advanceWatermark(): void {
    const strategy = this.strategy;
    if (strategy === undefined) return;
    const splits = this.reader.activeSplits();
    if (splits.length === 0) return;
    const timeout_ms = strategy.idle_timeout_ms;
    const now = timeout_ms === undefined ? 0 : this.now_ms();
    let min = MAX_WATERMARK;
    let active = 0;
    for (const id of splits) {
      const time = this.split(id);
      if (timeout_ms !== undefined && !time.idle && now - time.last_activity_ms > timeout_ms) time.idle = true;
      if (time.idle) continue;
      active++;
      const candidate = time.max_timestamp_ms === undefined ? MIN_WATERMARK : time.max_timestamp_ms - strategy.out_of_orderness_ms - 1;
      if (candidate < min) min = candidate;
    }
    if (active === 0) {
      this.setStatus('idle');
      return;
    }
    this.setStatus('active');
    if (min > this.watermark_ms) {
      this.watermark_ms = min;
      this.head.emitWatermark(min);
    }
  }

  /** End of input (or a draining stop): the stream is active at the end of time. */
  emitFinalWatermark(): void {
    this.setStatus('active');
    this.watermark_ms = MAX_WATERMARK;
    this.head.emitWatermark(MAX_WATERMARK);
  }

  /** With withIdleness: when the next split could turn idle (undefined: nothing to check). */
  nextIdlenessCheckMs(): number | undefined {
    const timeout_ms = this.strategy?.idle_timeout_ms;
    if (timeout_ms === undefined || this.watermark_ms >= MAX_WATERMARK) return undefined;
    let next: number | undefined;
    for (const id of this.reader.activeSplits()) {
      const time = this.split(id);
      if (time.idle) continue;
      const due = time.last_activity_ms + timeout_ms + 1;
      if (next === undefined || due < next) next = due;
    }
    return next;
  }
}
