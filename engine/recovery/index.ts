// Public surface of engine/recovery: restart strategies and restore-checkpoint selection.
export * from './restart-strategy.js';
export * from './checkpoint-selection.js';
