// The catalogue of example jobs, referenced by name from scenario files: name → job factory, description,
// deterministic input generator, topics, and the key an output record belongs to (outputs compare per key).
import type { JobFactory } from '../api/environment.js';
import type { TopicConfig } from '../connectors/log-broker.js';
import { commonParams } from './common.js';
import { buildOrderPayments, orderPaymentsInput, orderPaymentsTopics, type OrderOutcome } from './order-payments.js';
import { buildSequenceCheck, sequenceCheckInput, type SequenceVerdict } from './sequence-check.js';
import { buildWindowedSum, windowedSumInput, type WindowSum } from './windowed-sum.js';
import { buildWordCount, wordCountInput, type WordCount } from './word-count.js';
import type { TopicInput } from './workload.js';

export interface ExampleJob {
  description: string;
  build: JobFactory;
  /** Deterministic input for these params (params.seed, params.records, …): topic → partition → records. */
  generateInput(params: Record<string, unknown>): TopicInput;
  topics(params: Record<string, unknown>): TopicConfig[];
  /** The key of an output record; outputs are compared per key (cross-key order is free). */
  outputKey(record: unknown): string;
  /** Uid of the sink whose output is compared. */
  sink_uid: string;
}

function singleTopic(params: Record<string, unknown>): TopicConfig[] {
  const common = commonParams(params);
  return [{ name: common.topic, partitions: common.partitions }];
}

export const EXAMPLE_JOBS: ReadonlyMap<string, ExampleJob> = new Map<string, ExampleJob>([
  [
    'word_count',
    {
      description: 'lines → words → keyBy(word) → rolling count; emits [word, count] per word occurrence',
      build: buildWordCount,
      generateInput: wordCountInput,
      topics: singleTopic,
      outputKey: (record) => (record as WordCount)[0],
      sink_uid: 'sink',
    },
  ],
  [
    'sequence_check',
    {
      description: 'per-key sequence numbers checked in keyed state; emits a verdict (ok/gap/duplicate) per record',
      build: buildSequenceCheck,
      generateInput: sequenceCheckInput,
      topics: singleTopic,
      outputKey: (record) => (record as SequenceVerdict).key,
      sink_uid: 'sink',
    },
  ],
  [
    'windowed_sum',
    {
      description: 'event-time tumbling (or sliding) window sum and count per key, bounded out-of-orderness watermarks',
      build: buildWindowedSum,
      generateInput: windowedSumInput,
      topics: singleTopic,
      outputKey: (record) => (record as WindowSum).key,
      sink_uid: 'sink',
    },
  ],
  [
    'order_payments',
    {
      description: 'orders and payments from two topics, connected and keyed by order id, matched in a keyed co-process function',
      build: buildOrderPayments,
      generateInput: orderPaymentsInput,
      topics: orderPaymentsTopics,
      outputKey: (record) => (record as OrderOutcome).order_id,
      sink_uid: 'sink',
    },
  ],
]);

/** The job catalogue in the form the JobManager and TaskManagers take. */
export const EXAMPLE_JOB_FACTORIES: ReadonlyMap<string, JobFactory> = new Map(
  [...EXAMPLE_JOBS].map(([name, job]) => [name, job.build] as const),
);

export function exampleJob(name: string): ExampleJob {
  const job = EXAMPLE_JOBS.get(name);
  if (job === undefined) throw new Error(`unknown example job ${JSON.stringify(name)}`);
  return job;
}
