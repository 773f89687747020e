// Raw parameters of the example jobs for the engine's own tests (where to read, where to write, the sink kind), turned
// into connectors by the same rules as a job's io (connectors/job-io.ts).
import type { Sink } from '../api/functions.js';
import { canonical_json, type JobIo } from '../api/job.js';
import { create_job_io } from '../connectors/job-io.js';
import type { LogSource } from '../connectors/log-source.js';

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

/** The connectors a job contract's io gives, for these raw parameters (the same sources and sinks, by the same rules). */
function ioFor(params: CommonParams, output_id: (record: unknown) => string): JobIo {
  return create_job_io(
    {
      broker: params.broker,
      store: params.store,
      collector: params.collector,
      sink_kind: params.sink,
      bounded: params.bounded,
      topics: new Map([[params.topic, params.partitions]]),
      ...(params.source_request_timeout_ms === undefined ? {} : { source_request_timeout_ms: params.source_request_timeout_ms }),
      ...(params.sink_records_per_ms === undefined ? {} : { sink_records_per_ms: params.sink_records_per_ms }),
      ...(params.sink_ignore_failures_after_transaction_timeout === true ? { sink_ignore_failures_after_transaction_timeout: true } : {}),
    },
    output_id,
  );
}

export function sourceFor(params: CommonParams): LogSource {
  return ioFor(params, canonical_json).source(params.topic) as unknown as LogSource;
}

/** `output_id` names an output record for upserts (idempotent sink); default: its canonical JSON. */
export function sinkFor(params: CommonParams, output_id: (record: unknown) => string = canonical_json): Sink<unknown> {
  return ioFor(params, output_id).sink();
}

export function numberParam(params: Record<string, unknown>, name: string, fallback: number): number {
  const value = params[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`parameter ${name} must be a number`);
  return value;
}
