// Flink's WatermarkStrategy builders: forBoundedOutOfOrderness / forMonotonousTimestamps, then
// withTimestampAssigner and withIdleness; each step returns a new strategy (plain data the engine reads).
import type { WatermarkStrategy } from './functions.js';

export class WatermarkStrategyBuilder<T> implements WatermarkStrategy<T> {
  readonly timestamp_assigner?: (value: T, source_timestamp_ms: number) => number;
  readonly idle_timeout_ms?: number;

  constructor(
    readonly out_of_orderness_ms: number,
    timestamp_assigner?: (value: T, source_timestamp_ms: number) => number,
    idle_timeout_ms?: number,
  ) {
    if (!(Number.isFinite(out_of_orderness_ms) && out_of_orderness_ms >= 0)) throw new Error('out-of-orderness must be ≥ 0 ms');
    if (timestamp_assigner !== undefined) this.timestamp_assigner = timestamp_assigner;
    if (idle_timeout_ms !== undefined) this.idle_timeout_ms = idle_timeout_ms;
  }

  /** Event timestamps from the records (the source's timestamp is the second argument). */
  withTimestampAssigner(assigner: (value: T, source_timestamp_ms: number) => number): WatermarkStrategyBuilder<T> {
    if (typeof assigner !== 'function') throw new Error('withTimestampAssigner needs a function (value, timestamp) => timestamp');
    return new WatermarkStrategyBuilder(this.out_of_orderness_ms, assigner, this.idle_timeout_ms);
  }

  /** A split or stream without records for longer than `idle_timeout_ms` (process clock) no longer holds watermarks back. */
  withIdleness(idle_timeout_ms: number): WatermarkStrategyBuilder<T> {
    if (!(Number.isFinite(idle_timeout_ms) && idle_timeout_ms > 0)) throw new Error('withIdleness needs a timeout > 0 ms');
    return new WatermarkStrategyBuilder(this.out_of_orderness_ms, this.timestamp_assigner, idle_timeout_ms);
  }
}

export const WATERMARK_STRATEGY_FACTORIES = {
  /** Watermark = greatest timestamp seen − bound − 1. */
  forBoundedOutOfOrderness<T>(max_out_of_orderness_ms: number): WatermarkStrategyBuilder<T> {
    return new WatermarkStrategyBuilder<T>(max_out_of_orderness_ms);
  },
  /** Timestamps never go backwards: watermark = greatest timestamp seen − 1. */
  forMonotonousTimestamps<T>(): WatermarkStrategyBuilder<T> {
    return new WatermarkStrategyBuilder<T>(0);
  },
};
