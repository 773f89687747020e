// Public surface of engine/checkpoint: the coordinator, its metadata format, failure manager and completed store.
export * from './coordinator.js';
export * from './metadata.js';
export * from './failure-manager.js';
export * from './completed-store.js';
