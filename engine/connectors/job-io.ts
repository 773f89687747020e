// The connectors a job gets through the job contract (engine/api/job.ts JobIo): log sources on the run's broker and a
// sink of the scenario's kind on its external system, wired by process id here so a job never names one.
import type { AnyJobDefinition, JobIo, JobSinkKind } from '../api/job.js';
import type { JobFactory } from '../api/environment.js';
import type { Sink, Source } from '../api/functions.js';
import type { NodeId } from '../runtime.js';
import { AtLeastOnceSink } from './at-least-once-sink.js';
import { CollectSink, DiscardingSink, ThrottledSink } from './collect-sink.js';
import { IdempotentSink } from './idempotent-sink.js';
import { LogSource } from './log-source.js';
import { TwoPhaseCommitSink } from './two-phase-commit-sink.js';

/** Where the run's world put things, and how the scenario wants the job's input read and output written. */
export interface JobIoConfig {
  broker: NodeId;
  /** The transactional store (two-phase-commit, idempotent and at-least-once sinks). */
  store: NodeId;
  /** The collector process (collect sink). */
  collector: NodeId;
  sink_kind: JobSinkKind;
  bounded: boolean;
  /** Topic → partitions of the input. */
  topics: ReadonlyMap<string, number>;
  /** The source's request timeout (Kafka's request.timeout.ms); default LogSource's. */
  source_request_timeout_ms?: number;
  /** When set, sinks accept at most this many records per ms (backpressure experiments). */
  sink_records_per_ms?: number;
  /** Two-phase-commit sinks: Flink's ignoreFailuresAfterTransactionTimeout (default off). */
  sink_ignore_failures_after_transaction_timeout?: boolean;
}

export class JobIoError extends Error {
  override readonly name = 'JobIoError';
}

/** The connectors for one build of a job; `default_id` is the job's output id (idempotent upserts). */
export function create_job_io(config: JobIoConfig, default_id: (record: unknown) => string): JobIo {
  const topic_names = [...config.topics.keys()];
  let sinks_made = 0;
  return {
    sink_kind: config.sink_kind,
    bounded: config.bounded,
    topics: config.topics,
    source<T>(topic?: string): Source<T> {
      const name = topic ?? (topic_names.length === 1 ? topic_names[0] : undefined);
      if (name === undefined) throw new JobIoError(`io.source(): name the topic; the input has topics ${topic_names.join(', ') || '(none)'}`);
      const partitions = config.topics.get(name);
      if (partitions === undefined) throw new JobIoError(`io.source(${JSON.stringify(name)}): no such input topic; the input has ${topic_names.join(', ') || '(none)'}`);
      return new LogSource({
        broker: config.broker,
        topic: name,
        partitions,
        bounded: config.bounded,
        ...(config.source_request_timeout_ms === undefined ? {} : { request_timeout_ms: config.source_request_timeout_ms }),
      }) as Source<T>;
    },
    sink<T>(options: { id?: (record: T) => string } = {}): Sink<T> {
      // Transactional ids must not collide between two sinks of one job.
      const prefix = `${topic_names[0] ?? 'job'}-sink${sinks_made === 0 ? '' : String(sinks_made)}`;
      sinks_made++;
      const id = (options.id as ((record: unknown) => string) | undefined) ?? default_id;
      let base: Sink<unknown>;
      switch (config.sink_kind) {
        case 'discard':
          base = new DiscardingSink();
          break;
        case 'two_phase_commit':
          base = new TwoPhaseCommitSink({
            store_node: config.store,
            transactional_id_prefix: prefix,
            ...(config.sink_ignore_failures_after_transaction_timeout === true ? { ignore_failures_after_transaction_timeout: true } : {}),
          });
          break;
        case 'idempotent':
          base = new IdempotentSink({ store_node: config.store, key_of: id });
          break;
        case 'at_least_once':
          base = new AtLeastOnceSink({ store_node: config.store });
          break;
        case 'collect':
          base = new CollectSink({ collector: config.collector });
          break;
        default:
          throw new JobIoError(`io.sink(): unknown sink kind ${JSON.stringify(config.sink_kind)}`);
      }
      return (config.sink_records_per_ms === undefined ? base : new ThrottledSink(base, config.sink_records_per_ms)) as Sink<T>;
    },
  };
}

/**
 * The job as the JobManager and TaskManagers take it: a factory of (env, params) that builds the definition with
 * connectors for this run. Every process (and the oracle) builds the same graph from it.
 */
export function job_factory(definition: AnyJobDefinition, config: JobIoConfig): JobFactory {
  return (env, params) => definition.build(env, params, create_job_io(config, definition.output.id as (record: unknown) => string));
}
