// The built-in jobs a scenario may name (`job: { name: word_count }`): each is a job definition made with the same
// contract a user's module uses (engine/api/job.ts). EXAMPLE_JOBS is the same jobs over raw parameters (broker, sink,
// topic and sizes given as parameters), the form the engine's own tests build clusters with.
import type { JobFactory } from '../api/environment.js';
import type { AnyJobDefinition } from '../api/job.js';
import type { TopicConfig } from '../connectors/log-broker.js';
import { commonParams } from './common.js';
import { buildSequenceCheck, sequenceCheckInput, sequenceCheckJob } from './sequence-check.js';
import { buildWindowedSum, windowedSumInput, windowedSumJob } from './windowed-sum.js';
import { windowsAndStateJob } from './windows-and-state.js';
import { lateDataAndTtlJob } from './late-data-and-ttl.js';
import { buildWordCount, wordCountInput, wordCountJob } from './word-count.js';
import { adClicksJob } from './ad-clicks.js';
import { controlFilterJob } from './control-filter.js';
import { orderPaymentsJob } from './order-payments.js';
import { ruleAlertsJob } from './rule-alerts.js';
import type { TopicInput } from './workload.js';

export const BUILT_IN_JOBS: ReadonlyMap<string, AnyJobDefinition> = new Map<string, AnyJobDefinition>([
  ['word_count', wordCountJob],
  ['sequence_check', sequenceCheckJob],
  ['windowed_sum', windowedSumJob],
  ['order_payments', orderPaymentsJob],
  ['rule_alerts', ruleAlertsJob],
  ['ad_clicks', adClicksJob],
  ['control_filter', controlFilterJob],
  ['windows_and_state', windowsAndStateJob],
  ['late_data_and_ttl', lateDataAndTtlJob],
]);

/** The built-in job generated cases use when they need one stateful job in particular (planted-bug hunts). */
export const DEFAULT_BUILT_IN_JOB = 'word_count';

/** A built-in job over raw parameters (engine tests): params carry broker, collector, topic, partitions and sink. */
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

function raw(definition: AnyJobDefinition, build: JobFactory, generateInput: (params: Record<string, unknown>) => TopicInput): ExampleJob {
  return { description: definition.description, build, generateInput, topics: singleTopic, outputKey: definition.output.key, sink_uid: 'sink' };
}

export const EXAMPLE_JOBS: ReadonlyMap<string, ExampleJob> = new Map<string, ExampleJob>([
  ['word_count', raw(wordCountJob, buildWordCount, wordCountInput)],
  ['sequence_check', raw(sequenceCheckJob, buildSequenceCheck, sequenceCheckInput)],
  ['windowed_sum', raw(windowedSumJob, buildWindowedSum, windowedSumInput)],
]);

/** The raw-parameter factories in the form the JobManager and TaskManagers take. */
export const EXAMPLE_JOB_FACTORIES: ReadonlyMap<string, JobFactory> = new Map(
  [...EXAMPLE_JOBS].map(([name, job]) => [name, job.build] as const),
);

export function exampleJob(name: string): ExampleJob {
  const job = EXAMPLE_JOBS.get(name);
  if (job === undefined) throw new Error(`unknown example job ${JSON.stringify(name)}`);
  return job;
}
