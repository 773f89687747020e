// Parameters shared by the example jobs (where to read, where to write) and the sink choice.
import type { Sink } from '../api/functions.js';
import { CollectSink, DiscardingSink, ThrottledSink } from '../connectors/collect-sink.js';
import { LogSource } from '../connectors/log-source.js';
import { TwoPhaseCommitSink } from '../connectors/two-phase-commit-sink.js';
import { IdempotentSink } from '../connectors/idempotent-sink.js';
import { AtLeastOnceSink } from '../connectors/at-least-once-sink.js';

export interface CommonParams {
  broker: string;
  collector: string;
  topic: string;
  partitions: number;
  bounded: boolean;
  /**
   * collect (to the collector node), discard, or an external-store sink (node `store`): two_phase_commit
   * (exactly-once output), idempotent (upserts by the job's output id) or at_least_once (appends).
   */
  sink: 'collect' | 'discard' | 'two_phase_commit' | 'idempotent' | 'at_least_once';
  /** The transactional store node for external-store sinks. */
  store: string;
  /** When set, the sink accepts at most this many records per ms (backpressure experiments). */
  sink_records_per_ms?: number;
  /** The source's request timeout (Kafka's request.timeout.ms); default LogSource's. */
  source_request_timeout_ms?: number;
  /** Two-phase-commit sink: Flink's ignoreFailuresAfterTransactionTimeout (default off). */
  sink_ignore_failures_after_transaction_timeout?: boolean;
}

export const DEFAULT_COMMON_PARAMS: CommonParams = {
  broker: 'broker',
  collector: 'collector',
  topic: 'input',
  partitions: 4,
  bounded: true,
  sink: 'collect',
  store: 'txstore',
};

export function commonParams(params: Record<string, unknown>): CommonParams {
  const merged = { ...DEFAULT_COMMON_PARAMS, ...params } as CommonParams;
  if (!Number.isInteger(merged.partitions) || merged.partitions < 1) throw new Error('partitions must be ≥ 1');
  return merged;
}

export function sourceFor(params: CommonParams): LogSource {
  return new LogSource({
    broker: params.broker,
    topic: params.topic,
    partitions: params.partitions,
    bounded: params.bounded,
    ...(params.source_request_timeout_ms === undefined ? {} : { request_timeout_ms: params.source_request_timeout_ms }),
  });
}

/** `output_id` names an output record for upserts (idempotent sink); default: its canonical JSON. */
export function sinkFor(params: CommonParams, output_id: (record: unknown) => string = (r) => JSON.stringify(r)): Sink<unknown> {
  let base: Sink<unknown>;
  switch (params.sink) {
    case 'discard':
      base = new DiscardingSink();
      break;
    case 'two_phase_commit':
      base = new TwoPhaseCommitSink({
        store_node: params.store,
        transactional_id_prefix: `${params.topic}-sink`,
        ...(params.sink_ignore_failures_after_transaction_timeout === true ? { ignore_failures_after_transaction_timeout: true } : {}),
      });
      break;
    case 'idempotent':
      base = new IdempotentSink({ store_node: params.store, key_of: output_id });
      break;
    case 'at_least_once':
      base = new AtLeastOnceSink({ store_node: params.store });
      break;
    default:
      base = new CollectSink({ collector: params.collector });
  }
  return params.sink_records_per_ms === undefined ? base : new ThrottledSink(base, params.sink_records_per_ms);
}

export function numberParam(params: Record<string, unknown>, name: string, fallback: number): number {
  const value = params[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`parameter ${name} must be a number`);
  return value;
}
