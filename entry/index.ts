// The package's public entry (`import { … } from 'streamsim'`): the DataStream API, windows, state types, the
// connectors a job needs (the replayable log source and the two-phase-commit, idempotent and at-least-once sinks),
// seeded input helpers and the job contract (defineJob). A user's job imports nothing else from the package.
export * from '../engine/api/environment.js';
export * from '../engine/api/functions.js';
export * from '../engine/api/windows.js';
export * from '../engine/api/co-functions.js';
export * from '../engine/api/connected-streams.js';
export * from '../engine/api/rich-functions.js';
export * from '../engine/api/side-output.js';
export * from '../engine/api/state-descriptors.js';
export * from '../engine/api/triggers.js';
export * from '../engine/api/evictors.js';
export * from '../engine/api/window-functions.js';
export * from '../engine/api/windowed-stream.js';
export * from '../engine/api/job.js';

export type { LogRecord, TopicConfig } from '../engine/connectors/log-broker.js';
export { LogSource, splitId, DEFAULT_REQUEST_TIMEOUT_MS, type LogSourceConfig, type PartitionOffset } from '../engine/connectors/log-source.js';
export { TwoPhaseCommitSink, type TwoPhaseCommitSinkConfig } from '../engine/connectors/two-phase-commit-sink.js';
export { IdempotentSink, type IdempotentSinkConfig } from '../engine/connectors/idempotent-sink.js';
export { AtLeastOnceSink, type AtLeastOnceSinkConfig } from '../engine/connectors/at-least-once-sink.js';
export { CollectSink, DiscardingSink, ThrottledSink, type CollectSinkConfig } from '../engine/connectors/collect-sink.js';
export { create_job_io as createJobIo, type JobIoConfig } from '../engine/connectors/job-io.js';

export type { ValueState, ListState, MapState, ReducingState, AggregatingState } from '../engine/state/keyed-state.js';
export type { OperatorListState, OperatorStateMode } from '../engine/state/operator-state.js';
export { javaStringHashCode, keyHashCode, assignToKeyGroup, computeDefaultMaxParallelism } from '../engine/state/key-groups.js';

export { WorkloadRandom, emptyPartitions, partitionForKey, countRecords, type TopicInput } from '../engine/examples/workload.js';
