// A minimal in-memory KeyedStateBackend (no snapshots): one Map per (state, key group), keyed by canonical key and
// namespace. Used by the dataflow core until the heap/LSM backends with snapshot/restore are wired in.
import type { KeyedSnapshot, KeyedStateBackend, KeyedStateHandle, KeyGroupRange, StateEntry } from './backend.js';

const SEPARATOR = '\u0000';

export class MemoryKeyedStateBackend implements KeyedStateBackend {
  readonly backend_kind = 'heap' as const;
  /** state name → key group → (key + NUL + namespace) → entry. */
  private readonly states = new Map<string, Map<number, Map<string, StateEntry>>>();
  private entry_count = 0;

  constructor(
    readonly key_group_range: KeyGroupRange,
    readonly max_parallelism: number,
  ) {
    if (key_group_range.start > key_group_range.end || key_group_range.end >= max_parallelism) {
      throw new Error(`invalid key group range ${key_group_range.start}..${key_group_range.end} for max ${max_parallelism}`);
    }
  }

  private group(state: string, key_group: number, create: boolean): Map<string, StateEntry> | undefined {
    if (key_group < this.key_group_range.start || key_group > this.key_group_range.end) {
      throw new Error(`key group ${key_group} outside ${this.key_group_range.start}..${this.key_group_range.end}`);
    }
    let by_group = this.states.get(state);
    if (by_group === undefined) {
      if (!create) return undefined;
      by_group = new Map();
      this.states.set(state, by_group);
    }
    let entries = by_group.get(key_group);
    if (entries === undefined && create) {
      entries = new Map();
      by_group.set(key_group, entries);
    }
    return entries;
  }

  get(state: string, key_group: number, key: string, namespace: string): unknown {
    return this.group(state, key_group, false)?.get(key + SEPARATOR + namespace)?.value;
  }

  put(state: string, key_group: number, key: string, namespace: string, value: unknown): void {
    if (value === undefined) throw new Error('state value must not be undefined (use delete)');
    const entries = this.group(state, key_group, true)!;
    const id = key + SEPARATOR + namespace;
    const existing = entries.get(id);
    if (existing !== undefined) {
      existing.value = value;
      return;
    }
    entries.set(id, { state, key_group, key, namespace, value });
    this.entry_count++;
  }

  delete(state: string, key_group: number, key: string, namespace: string): void {
    const entries = this.group(state, key_group, false);
    if (entries?.delete(key + SEPARATOR + namespace) === true) this.entry_count--;
  }

  *entries(state: string, key_group: number): Iterable<StateEntry> {
    const entries = this.group(state, key_group, false);
    if (entries === undefined) return;
    const sorted = [...entries.values()].sort(compareEntries);
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
      const by_group = this.states.get(name)!;
      const groups = [...by_group.keys()].sort((a, b) => a - b);
      for (const group of groups) yield* this.entries(name, group);
    }
  }
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
