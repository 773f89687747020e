// The contract between keyed state (ValueState, ListState, …, timers) and the state backends (heap, LSM).
// State lives per key group so snapshots can be redistributed; values are plain JSON data.

/** Inclusive range of key groups owned by one subtask. */
export interface KeyGroupRange {
  start: number;
  end: number;
}

/**
 * One stored value. `key` is the canonical string encoding of the record key (engine/state/key-codec.ts), so keys
 * such as "__proto__", "constructor" or "" are ordinary data. `namespace` scopes state (e.g. a window), "" if none.
 */
export interface StateEntry {
  state: string;
  key_group: number;
  key: string;
  namespace: string;
  value: unknown;
}

/** A file the snapshot wants written to the checkpoint store. Bytes are already sealed (engine/util/sealed.ts). */
export interface SnapshotFile {
  path: string;
  bytes: Uint8Array;
}

/** A reference to a persisted file, as stored in checkpoint metadata. */
export interface FileRef {
  path: string;
  size_bytes: number;
  /** crc32 of the sealed payload, hex. */
  checksum: string;
}

/** JSON description of one subtask's keyed state in one checkpoint. */
export interface KeyedStateHandle {
  backend: 'heap' | 'lsm';
  checkpoint_id: number;
  key_group_range: KeyGroupRange;
  /** Small state is kept inline in the metadata (base64 of a sealed payload) instead of a file. */
  inline_sealed_base64?: string;
  /** Files private to this checkpoint. */
  private_files: FileRef[];
  /** Incremental only: files under shared/, reference-counted across retained checkpoints. */
  shared_files: FileRef[];
}

export interface KeyedSnapshot {
  handle: KeyedStateHandle;
  /** Only the files that are new in this snapshot (an incremental snapshot re-uses earlier shared files). */
  files_to_write: SnapshotFile[];
}

export interface KeyedStateBackend {
  readonly backend_kind: 'heap' | 'lsm';
  readonly key_group_range: KeyGroupRange;
  readonly max_parallelism: number;
  /** undefined when absent. The returned value must be treated as immutable by the caller. */
  get(state: string, key_group: number, key: string, namespace: string): unknown;
  /** The backend may keep `value` by reference: the caller must not mutate it afterwards. */
  put(state: string, key_group: number, key: string, namespace: string, value: unknown): void;
  delete(state: string, key_group: number, key: string, namespace: string): void;
  /** Entries of one state in one key group, ascending by (key, namespace). */
  entries(state: string, key_group: number): Iterable<StateEntry>;
  /** Number of live entries (all states, all key groups). */
  size(): number;
  /**
   * The synchronous part of a checkpoint: after it returns, later writes do not change what it captured.
   * `path_prefix` is e.g. "job-1/chk-7/op-3-sub-1"; shared incremental files go under "<job>/shared/".
   */
  snapshot(checkpoint_id: number, path_prefix: string, shared_prefix: string): KeyedSnapshot;
  /**
   * Replace all state with the handles' state, keeping only key groups inside this backend's range (so a rescale can
   * pass handles from several old subtasks). `files` holds every referenced file, already read from the store; a file
   * that fails its checksum throws CorruptStateError, and nothing is half-restored.
   */
  restore(handles: KeyedStateHandle[], files: ReadonlyMap<string, Uint8Array>): void;
  /** Incremental backends use completion to decide what the next snapshot may re-use. */
  notify_checkpoint_complete(checkpoint_id: number): void;
  notify_checkpoint_aborted(checkpoint_id: number): void;
  /** Every live entry in canonical order (state, key_group, key, namespace): the backend-independent savepoint form. */
  export_entries(): Iterable<StateEntry>;
}
