// Flink's TimestampsAndWatermarksOperator (assignTimestampsAndWatermarks anywhere in a job): each record gets its
// timestamp from the strategy's assigner, and the operator's own bounded-out-of-orderness watermark replaces the
// upstream ones. Watermarks are emitted periodically on the process clock (Flink's pipeline.auto-watermark-interval,
// 200 ms) and at the end of input; with withIdleness the stream goes idle when no record came for the timeout.
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, type WatermarkStrategy } from '../../api/functions.js';
import type { GraphNode, NodeOperator } from '../../graph/job-graph.js';
import { BaseOperator, type OperatorEnvironment } from '../operator-base.js';
import type { WatermarkStatus } from '../watermark-valve.js';

/** Flink's default pipeline.auto-watermark-interval. */
export const AUTO_WATERMARK_INTERVAL_MS = 200;

export class TimestampsAndWatermarksOperator extends BaseOperator {
  private readonly strategy: WatermarkStrategy<unknown>;
  private max_timestamp_ms = MIN_WATERMARK;
  /** Last watermark emitted (never goes back). */
  private emitted_watermark_ms = MIN_WATERMARK;
  private idle = false;
  /** Records since the last periodic emit, and when the current stretch without records began (Flink's IdlenessTimer). */
  private records_since_check = 0;
  private inactive_since_ms: number | undefined = undefined;
  private next_emit_ms = 0;

  constructor(node: GraphNode, env: OperatorEnvironment, operator: Extract<NodeOperator, { kind: 'timestamps_watermarks' }>) {
    super(node, env);
    this.strategy = operator.strategy;
  }

  override open(): void {
    super.open();
    this.next_emit_ms = this.env.now_ms() + AUTO_WATERMARK_INTERVAL_MS;
    this.env.requestProcessingTimeWakeup(this.next_emit_ms);
  }

  processElement(value: unknown, timestamp_ms: number): void {
    const previous = timestamp_ms === NO_TIMESTAMP ? NO_TIMESTAMP : timestamp_ms;
    const assigner = this.strategy.timestamp_assigner;
    const assigned = assigner === undefined ? previous : assigner(value, previous);
    this.output.collect(value, assigned);
    if (assigned > this.max_timestamp_ms) this.max_timestamp_ms = assigned;
    this.records_since_check++;
  }

  /** Upstream watermarks are ignored, except the end of time (end of input). */
  override processWatermark(watermark_ms: number): void {
    this.current_watermark_ms = watermark_ms;
    if (watermark_ms >= MAX_WATERMARK && this.emitted_watermark_ms < MAX_WATERMARK) this.emitWatermark(MAX_WATERMARK);
  }

  /** Upstream idleness is not forwarded: this operator decides its stream's status from its own records. */
  override processWatermarkStatus(_status: WatermarkStatus): void {}

  override onProcessingTime(now_ms: number): void {
    if (now_ms < this.next_emit_ms || this.emitted_watermark_ms >= MAX_WATERMARK) return;
    this.periodicEmit(now_ms);
    this.next_emit_ms = now_ms + AUTO_WATERMARK_INTERVAL_MS;
    this.env.requestProcessingTimeWakeup(this.next_emit_ms);
  }

  override finish(): void {
    this.periodicEmit(this.env.now_ms());
  }

  /** Flink's WatermarksWithIdleness.onPeriodicEmit over BoundedOutOfOrdernessWatermarks. */
  private periodicEmit(now_ms: number): void {
    const timeout_ms = this.strategy.idle_timeout_ms;
    if (timeout_ms !== undefined) {
      if (this.records_since_check > 0) {
        this.records_since_check = 0;
        this.inactive_since_ms = undefined;
      } else if (this.inactive_since_ms === undefined) {
        this.inactive_since_ms = now_ms;
      } else if (now_ms - this.inactive_since_ms > timeout_ms) {
        if (!this.idle) {
          this.idle = true;
          this.env.probe?.('watermark.assigner_idle');
          this.output.emitWatermarkStatus('idle');
        }
        return;
      }
    }
    if (this.max_timestamp_ms > MIN_WATERMARK) this.emitWatermark(this.max_timestamp_ms - this.strategy.out_of_orderness_ms - 1);
  }

  private emitWatermark(watermark_ms: number): void {
    if (watermark_ms <= this.emitted_watermark_ms) return;
    this.emitted_watermark_ms = watermark_ms;
    if (this.idle) {
      this.idle = false;
      this.output.emitWatermarkStatus('active');
    }
    this.output.emitWatermark(watermark_ms);
  }
}
