// The engine's public surface: the DataStream API, the cluster processes (JobManager, TaskManager), connectors,
// state primitives and example jobs. Scenarios, properties and benchmarks import from here.
export * from './api/environment.js';
export * from './api/functions.js';
export * from './api/windows.js';
export * from './api/rich-functions.js';
export * from './api/side-output.js';
export * from './api/state-descriptors.js';
export * from './graph/job-graph.js';
export * from './graph/execution-graph.js';
export * from './cluster/messages.js';
export * from './cluster/build-job.js';
export * from './cluster/job-manager.js';
export * from './cluster/task-manager.js';
export * from './connectors/log-broker.js';
export * from './connectors/log-source.js';
export * from './connectors/collect-sink.js';
export * from './state/key-groups.js';
export * from './state/key-codec.js';
export * from './state/keyed-state.js';
export * from './state/operator-state.js';
export * from './state/memory-backend.js';
export * from './task/network.js';
export * from './task/operators.js';
export * from './task/task.js';
export * from './examples/index.js';
export type { Runtime, EngineNode, EngineNodeFactory, NodeId } from './runtime.js';
