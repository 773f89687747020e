// The public surface of the split-model log source: split types, the enumerator (JobManager) and the reader (task).
export * from './split.js';
export { LogSplitEnumerator, type EnumeratorRuntime, type EnumeratorState, type SplitEnumeratorOptions } from './enumerator.js';
export { LogSplitReader, type ReaderRuntime, type SourceRecord, type SplitReaderOptions } from './reader.js';
export { LogSplitCoordinator, SplitLogSource, is_split_log_source, SPLITS_STATE, enumerator_master_state_name, type LogSplitCoordinatorOptions, type SourceEventMessage, type SplitLogSourceConfig } from './engine-source.js';
