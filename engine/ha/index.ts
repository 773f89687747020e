// Public surface of engine/ha: the HA store process and its protocol/client helper.
export * from './ha-store.js';
export * from './ha-protocol.js';
