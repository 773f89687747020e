// Flink's ProcessOperator: a non-keyed ProcessFunction with the element's timestamp, side outputs and a timer
// service that tells the current processing time and watermark (registering timers needs a keyed stream).
import { NO_TIMESTAMP, type TimerService } from '../../api/functions.js';
import type { ProcessContext, ProcessFunction } from '../../api/rich-functions.js';
import type { GraphNode, NodeOperator } from '../../graph/job-graph.js';
import { BaseOperator, TimestampedCollector, type OperatorEnvironment } from '../operator-base.js';
import { UserFunction } from './user-function.js';

function timersNeedKeyedStream(): never {
  throw new Error('Setting timers is only supported on a keyed stream (after keyBy)');
}

export class ProcessOperator extends BaseOperator {
  private readonly fn: ProcessFunction<unknown, unknown>;
  private readonly collector = new TimestampedCollector(this, this.env);
  private element_timestamp_ms: number | undefined = undefined;
  private readonly context: ProcessContext;

  constructor(node: GraphNode, env: OperatorEnvironment, operator: Extract<NodeOperator, { kind: 'process' }>) {
    super(node, env);
    this.fn = operator.create_function();
    this.udf = UserFunction.forOperator(this.fn, node, env, this.subtaskInfo());
    const timer_service: TimerService = {
      currentWatermark: () => this.current_watermark_ms,
      currentProcessingTime: () => this.env.now_ms(),
      registerEventTimeTimer: timersNeedKeyedStream,
      registerProcessingTimeTimer: timersNeedKeyedStream,
      deleteEventTimeTimer: timersNeedKeyedStream,
      deleteProcessingTimeTimer: timersNeedKeyedStream,
    };
    this.context = {
      timestamp: () => this.element_timestamp_ms,
      timerService: () => timer_service,
      output: (tag, value) => this.collector.collectSide(tag.id, value),
    };
  }

  processElement(value: unknown, timestamp_ms: number): void {
    this.element_timestamp_ms = timestamp_ms === NO_TIMESTAMP ? undefined : timestamp_ms;
    this.collector.reset(timestamp_ms);
    this.fn.processElement(value, this.context, this.collector);
  }
}
