// Broadcast state (Flink's HeapBroadcastState): one map per MapStateDescriptor per subtask, kept as operator state
// in 'broadcast' mode so every subtask snapshots its own copy and a restore hands each new subtask one old copy.
// Keys are compared by their canonical encoding (engine/state/key-codec.ts); entries keep insertion order.
import type { BroadcastState, ReadOnlyBroadcastState } from '../api/co-functions.js';
import type { MapStateDescriptor } from '../api/state-descriptors.js';
import { encodeKey } from './key-codec.js';
import type { OperatorListState } from './operator-state.js';

/** One stored entry: [encoded key, key, value] (plain JSON, so the list snapshots as it is). */
type StoredEntry = [string, unknown, unknown];

/** Bound on the entries of one broadcast state: it is copied into every subtask's snapshot. */
export const MAX_BROADCAST_STATE_ENTRIES = 100_000;

class HeapBroadcastState implements BroadcastState<unknown, unknown> {
  private readonly map = new Map<string, StoredEntry>();

  constructor(
    readonly name: string,
    private readonly list: OperatorListState<StoredEntry>,
  ) {}

  /** Reads the (possibly restored) list into the map; called when the operator opens. */
  load(): void {
    this.map.clear();
    for (const entry of this.list.get()) {
      if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string') {
        throw new Error(`broadcast state ${this.name}: malformed entry ${JSON.stringify(entry)}`);
      }
      this.map.set(entry[0], entry);
    }
  }

  private persist(): void {
    if (this.map.size > MAX_BROADCAST_STATE_ENTRIES) {
      throw new Error(`broadcast state ${this.name} holds more than ${MAX_BROADCAST_STATE_ENTRIES} entries`);
    }
    this.list.update([...this.map.values()]);
  }

  get(key: unknown): unknown {
    return this.map.get(encodeKey(key))?.[2];
  }
  contains(key: unknown): boolean {
    return this.map.has(encodeKey(key));
  }
  immutableEntries(): readonly (readonly [unknown, unknown])[] {
    return [...this.map.values()].map(([, key, value]) => [key, value] as const);
  }
  put(key: unknown, value: unknown): void {
    if (value === undefined) throw new Error(`broadcast state ${this.name}: value must not be undefined`);
    const encoded = encodeKey(key);
    this.map.set(encoded, [encoded, key, value]);
    this.persist();
  }
  putAll(entries: Iterable<readonly [unknown, unknown]>): void {
    for (const [key, value] of entries) {
      if (value === undefined) throw new Error(`broadcast state ${this.name}: value must not be undefined`);
      const encoded = encodeKey(key);
      this.map.set(encoded, [encoded, key, value]);
    }
    this.persist();
  }
  remove(key: unknown): void {
    if (this.map.delete(encodeKey(key))) this.persist();
  }
  entries(): [unknown, unknown][] {
    return [...this.map.values()].map(([, key, value]) => [key, value]);
  }
  keys(): unknown[] {
    return [...this.map.values()].map(([, key]) => key);
  }
  values(): unknown[] {
    return [...this.map.values()].map(([, , value]) => value);
  }
  isEmpty(): boolean {
    return this.map.size === 0;
  }
  clear(): void {
    if (this.map.size === 0) return;
    this.map.clear();
    this.persist();
  }
}

/** A read-only view (the non-broadcast side): writing through a cast throws, as Flink's read-only state does. */
function readOnlyView(state: HeapBroadcastState): ReadOnlyBroadcastState<unknown, unknown> {
  return {
    get: (key) => state.get(key),
    contains: (key) => state.contains(key),
    immutableEntries: () => state.immutableEntries(),
  };
}

/** The broadcast states of one operator subtask, one per descriptor given to DataStream.broadcast. */
export class BroadcastStateStore {
  private readonly states = new Map<string, { state: HeapBroadcastState; read_only: ReadOnlyBroadcastState<unknown, unknown> }>();

  constructor(
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
    list_state: (name: string) => OperatorListState<StoredEntry>,
  ) {
    for (const descriptor of descriptors) {
      if (this.states.has(descriptor.name)) throw new Error(`broadcast state ${descriptor.name} declared twice`);
      const state = new HeapBroadcastState(descriptor.name, list_state(descriptor.name));
      this.states.set(descriptor.name, { state, read_only: readOnlyView(state) });
    }
  }

  /** After a restore (or on a fresh start): every state reads its list. */
  load(): void {
    for (const { state } of this.states.values()) state.load();
  }

  private lookup(descriptor: MapStateDescriptor<unknown, unknown>): { state: HeapBroadcastState; read_only: ReadOnlyBroadcastState<unknown, unknown> } {
    const found = this.states.get(descriptor.name);
    if (found === undefined) {
      throw new Error(
        `the requested broadcast state ${JSON.stringify(descriptor.name)} does not exist: pass its MapStateDescriptor to DataStream.broadcast(...)`,
      );
    }
    return found;
  }

  readWrite<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.lookup(descriptor as MapStateDescriptor<unknown, unknown>).state as BroadcastState<K, V>;
  }

  readOnly<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return this.lookup(descriptor as MapStateDescriptor<unknown, unknown>).read_only as ReadOnlyBroadcastState<K, V>;
  }

  /** Every state's entries by name (for the oracle and tests). */
  export(): Map<string, [unknown, unknown][]> {
    return new Map([...this.states].map(([name, { state }]) => [name, state.entries()]));
  }
}
