// The oracle's non-keyed user-function operators (map, filter, flatMap, ProcessFunction): one parallel instance of
// the job's own function, opened with operator state as the engine opens it, fed every record in order, and
// snapshotted once at the end so its operator state can be compared.
import { MIN_WATERMARK, NO_TIMESTAMP, type Collector, type TimerService } from '../engine/api/functions.js';
import type { ProcessContext, ProcessFunction } from '../engine/api/rich-functions.js';
import type { GraphNode, NodeOperator } from '../engine/graph/job-graph.js';
import type { KeyedStateStore } from '../engine/state/keyed-state.js';
import { instancePerSubtask, UserFunction } from '../engine/task/operators/user-function.js';
import { OracleOperatorState, oracleSubtaskInfo, type ElementStream, type OperatorOutputs } from './oracle-streams.js';

export type UdfNodeOperator = Extract<NodeOperator, { kind: 'map' | 'filter' | 'flat_map' | 'process' }>;

function timersNeedKeyedStream(): never {
  throw new Error('Setting timers is only supported on a keyed stream (after keyBy)');
}

/** After keyBy: keyed state for the function, and the key set from each record before the call. */
export interface KeyedUdf {
  store: KeyedStateStore;
  setKeyFrom(value: unknown): void;
}

/** Runs one UDF node over `inputs`; returns its operator state after a final snapshot. */
export function evaluateUdfNode(
  node: GraphNode,
  op: UdfNodeOperator,
  input_stream: ElementStream,
  outputs: OperatorOutputs,
  keyed?: KeyedUdf,
): OracleOperatorState {
  const state = new OracleOperatorState();
  const template = op.kind === 'process' ? op.create_function() : op.fn;
  const fn = op.kind === 'process' ? template : instancePerSubtask(template);
  const udf = new UserFunction(fn, oracleSubtaskInfo(node), state, keyed?.store);
  udf.open();
  const out = outputs.main;
  let timestamp_ms = NO_TIMESTAMP;
  const collector: Collector<unknown> = { collect: (value) => out.push(value, timestamp_ms) };
  let apply: (value: unknown) => void;
  switch (op.kind) {
    case 'map': {
      const f = fn as typeof op.fn;
      const call = typeof f === 'function' ? f : (value: unknown) => f.map(value);
      apply = (value) => out.push(call(value), timestamp_ms);
      break;
    }
    case 'filter': {
      const f = fn as typeof op.fn;
      const call = typeof f === 'function' ? f : (value: unknown) => f.filter(value);
      apply = (value) => {
        if (call(value)) out.push(value, timestamp_ms);
      };
      break;
    }
    case 'flat_map': {
      const f = fn as typeof op.fn;
      apply = typeof f === 'function' ? (value) => f(value, collector) : (value) => f.flatMap(value, collector);
      break;
    }
    case 'process': {
      const f = fn as ProcessFunction<unknown, unknown>;
      // All elements are processed before the final watermark (the oracle's event-time model).
      const timer_service: TimerService = {
        currentWatermark: () => MIN_WATERMARK,
        currentProcessingTime: () => 0,
        registerEventTimeTimer: timersNeedKeyedStream,
        registerProcessingTimeTimer: timersNeedKeyedStream,
        deleteEventTimeTimer: timersNeedKeyedStream,
        deleteProcessingTimeTimer: timersNeedKeyedStream,
      };
      const ctx: ProcessContext = {
        timestamp: () => (timestamp_ms === NO_TIMESTAMP ? undefined : timestamp_ms),
        timerService: () => timer_service,
        output: (tag, value) => outputs.sideStream(tag.id).push(value, timestamp_ms),
      };
      apply = (value) => f.processElement(value, ctx, collector);
      break;
    }
  }
  for (let i = 0; i < input_stream.values.length; i++) {
    const value = input_stream.values[i];
    timestamp_ms = input_stream.timestamps_ms[i]!;
    keyed?.setKeyFrom(value);
    apply(value);
  }
  udf.snapshotState(0, 0);
  udf.close();
  return state;
}
