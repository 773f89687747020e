// A minimal in-memory KeyedStateBackend (no snapshots): one Map per (state, key group), keyed by canonical key and
// namespace. Used by the dataflow core until the heap/LSM backends with snapshot/restore are wired in.
import type { KeyedSnapshot, KeyedStateBackend, KeyedStateHandle, KeyGroupRange, StateEntry } from './backend.js';

export class MemoryKeyedStateBackend implements KeyedStateBackend {
  readonly backend_kind = 'heap' as const;
  /** state name → (key group − range start) → entries. */
  private readonly states = new Map<string, (GroupEntries | undefined)[]>();
  private entry_count = 0;
  /** One-entry cache of the last state looked up (state access comes in runs of one name). */
  private last_state_name: string | undefined = undefined;
  private last_state_groups: (GroupEntries | undefined)[] | undefined = undefined;
  /** The plain ("" namespace) entry found or made by the last access: a read-modify-write looks its key up once. */
  private last_entry: StateEntry | undefined = undefined;

  constructor(
    readonly key_group_range: KeyGroupRange,
    readonly max_parallelism: number,
  ) {
    if (key_group_range.start > key_group_range.end || key_group_range.end >= max_parallelism) {
      throw new Error(`invalid key group range ${key_group_range.start}..${key_group_range.end} for max ${max_parallelism}`);
    }
  }

  private group(state: string, key_group: number, create: boolean): GroupEntries | undefined {
    const index = key_group - this.key_group_range.start;
    if (index < 0 || key_group > this.key_group_range.end) {
      throw new Error(`key group ${key_group} outside ${this.key_group_range.start}..${this.key_group_range.end}`);
    }
    let groups = state === this.last_state_name ? this.last_state_groups : this.states.get(state);
    if (groups === undefined) {
      if (!create) return undefined;
      groups = [];
      this.states.set(state, groups);
    }
    this.last_state_name = state;
    this.last_state_groups = groups;
    let entries = groups[index];
    if (entries === undefined && create) {
      entries = { plain: new Map(), namespaced: undefined };
      groups[index] = entries;
    }
    return entries;
  }

  private isLastEntry(state: string, key_group: number, key: string): boolean {
    const last = this.last_entry;
    return last !== undefined && last.key === key && last.key_group === key_group && last.state === state;
  }

  get(state: string, key_group: number, key: string, namespace: string): unknown {
    if (namespace.length === 0 && this.isLastEntry(state, key_group, key)) return this.last_entry!.value;
    const entries = this.group(state, key_group, false);
    if (entries === undefined) return undefined;
    if (namespace.length > 0) return entries.namespaced?.get(namespacedId(key, namespace))?.value;
    const entry = entries.plain.get(key);
    if (entry !== undefined) this.last_entry = entry;
    return entry?.value;
  }

  put(state: string, key_group: number, key: string, namespace: string, value: unknown): void {
    if (value === undefined) throw new Error('state value must not be undefined (use delete)');
    if (namespace.length === 0 && this.isLastEntry(state, key_group, key)) {
      this.last_entry!.value = value;
      return;
    }
    const group = this.group(state, key_group, true)!;
    const plain = namespace.length === 0;
    const id = plain ? key : namespacedId(key, namespace);
    const entries = plain ? group.plain : (group.namespaced ??= new Map());
    const existing = entries.get(id);
    if (existing !== undefined) {
      existing.value = value;
      return;
    }
    const entry: StateEntry = { state, key_group, key, namespace, value };
    entries.set(id, entry);
    if (plain) this.last_entry = entry;
    this.entry_count++;
  }

  delete(state: string, key_group: number, key: string, namespace: string): void {
    const group = this.group(state, key_group, false);
    if (group === undefined) return;
    this.last_entry = undefined;
    const deleted = namespace.length === 0 ? group.plain.delete(key) : group.namespaced?.delete(namespacedId(key, namespace)) === true;
    if (deleted) this.entry_count--;
  }

  *entries(state: string, key_group: number): Iterable<StateEntry> {
    const group = this.group(state, key_group, false);
    if (group === undefined) return;
    const sorted = group.namespaced === undefined ? [...group.plain.values()] : [...group.plain.values(), ...group.namespaced.values()];
    if (sorted.length > 1) sorted.sort(compareEntries);
    for (const entry of sorted) yield { ...entry };
  }

  size(): number {
    return this.entry_count;
  }

  snapshot(_checkpoint_id: number, _path_prefix: string, _shared_prefix: string): KeyedSnapshot {
    throw new Error('MemoryKeyedStateBackend: snapshot not supported');
  }

  restore(_handles: KeyedStateHandle[], _files: ReadonlyMap<string, Uint8Array>): void {
    throw new Error('MemoryKeyedStateBackend: restore not supported');
  }

  notify_checkpoint_complete(_checkpoint_id: number): void {}

  notify_checkpoint_aborted(_checkpoint_id: number): void {}

  *export_entries(): Iterable<StateEntry> {
    const names = [...this.states.keys()].sort();
    for (const name of names) {
      for (let kg = this.key_group_range.start; kg <= this.key_group_range.end; kg++) yield* this.entries(name, kg);
    }
  }
}

/** Entries of one state in one key group: without namespace keyed by the key, else by (key length, key, namespace). */
interface GroupEntries {
  plain: Map<string, StateEntry>;
  /** Made on the first namespaced entry. */
  namespaced: Map<string, StateEntry> | undefined;
}

/** Unambiguous for any characters in key and namespace (the key's length delimits it). */
function namespacedId(key: string, namespace: string): string {
  return key.length + ':' + key + namespace;
}

function compareString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareEntries(a: StateEntry, b: StateEntry): number {
  return (
    compareString(a.state, b.state) ||
    a.key_group - b.key_group ||
    compareString(a.key, b.key) ||
    compareString(a.namespace, b.namespace)
  );
}
