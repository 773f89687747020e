// The public shapes of the simulated world: what a hosted process sees (ProcessContext) and must implement
// (SimProcess). sim/ hosts generic processes and knows nothing of the engine; scenarios/host.ts adapts the two.

export type ProcessId = string;
export type TimerHandle = number;

/** missing: no such object; io_error: EIO; no_space: ENOSPC (nothing was written); unavailable: the store is down. */
export type StorageError = 'missing' | 'io_error' | 'no_space' | 'unavailable';
export type StorageResult<T> = { ok: true; value: T } | { ok: false; error: StorageError; detail?: string };

/**
 * A simulated key → bytes store (a process's local disk, or the shared checkpoint object store). Every callback runs
 * later as its own world event, never synchronously, and is dropped if the calling process crashed meanwhile.
 * Storage faults (bit flips, torn/lost writes, missing objects, failing or slow I/O) are applied honestly: the store
 * returns damaged bytes as they are and the reader's checksums must catch them. `put` keeps the bytes it is handed
 * (no copy): the caller must not change them afterwards. `get` returns a copy the caller may change.
 */
export interface SimBlobStore {
  put(key: string, bytes: Uint8Array, done: (result: StorageResult<void>) => void): void;
  get(key: string, done: (result: StorageResult<Uint8Array>) => void): void;
  list(prefix: string, done: (result: StorageResult<string[]>) => void): void;
  delete(key: string, done: (result: StorageResult<void>) => void): void;
  /**
   * Makes the object under `key` durable (fsync; for an object store, completing the upload). Until its sync
   * succeeds a completed put is visible to reads but not durable: a crash of the writing process drops it (the
   * previous durable value comes back), tears it (a strict prefix survives) or keeps it. Fails with `io_error` when
   * the device fails (the write stays unsynced); succeeds with nothing to do when there is no object (a lost write
   * goes unnoticed until it is read back).
   */
  sync(key: string, done: (result: StorageResult<void>) => void): void;
}

/** A named, seeded random stream (seedrandom underneath). */
export interface RandomStream {
  next(): number;
  int_inclusive(min: number, max: number): number;
  chance(ratio: number): boolean;
}

/** What a hosted process may use. Everything here is deterministic given the world's seed. */
export interface ProcessContext {
  readonly process_id: ProcessId;
  /** 0 on the first start, +1 on every restart. */
  readonly incarnation: number;
  /** This process's clock (virtual time with this process's offset and drift applied). */
  now_ms(): number;
  /** This process's monotonic clock: runs at the drifted rate of now_ms() but never jumps with a clock offset. */
  monotonic_ms(): number;
  send(to: ProcessId, message: unknown): void;
  /** after_ms is measured on this process's clock. */
  setTimer(after_ms: number, tag: unknown): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
  /** The stream "process/<id>/<incarnation>". */
  readonly rng: RandomStream;
  readonly disk: SimBlobStore;
  readonly checkpoint_store: SimBlobStore;
  log(event: string, fields?: Record<string, unknown>): void;
  probe(name: string): void;
  /** Records a violation with the seed in the trace and throws InvariantViolation, which stops the run. */
  fail_invariant(message: string, detail?: Record<string, unknown>): never;
}

/** A hosted process. Handlers are synchronous. A crash discards the object; a restart calls the factory again. */
export interface SimProcess {
  onStart(): void;
  onMessage(from: ProcessId, message: unknown): void;
  onTimer(tag: unknown): void;
  onLinkBroken?(peer: ProcessId): void;
  /**
   * A message this process sent to `to` was refused because `to`'s process was down (its host answered the
   * connection with a reset). Arrives one round trip after the send. Partitions, pauses and lost messages refuse
   * nothing.
   */
  onSendRefused?(to: ProcessId, message: unknown): void;
}

export type ProcessFactory = (context: ProcessContext) => SimProcess;
