// The engine's only window on the world: time, messages, timers, randomness, durable storage and logging.
// The simulator implements it (scenarios/host.ts); a real Node runtime could too. engine/ never imports sim/.

/** A process address, e.g. "jm", "tm-1", "broker", "txstore", "ha". */
export type NodeId = string;

/** A cancellable timer returned by Runtime.setTimer. */
export type TimerHandle = number;

/** Outcome of a durable storage operation. Errors are data, never exceptions. */
/** missing: no such object; io_error: EIO; no_space: ENOSPC (nothing was written); unavailable: the store is down. */
export type StorageError = 'missing' | 'io_error' | 'no_space' | 'unavailable';
export type StorageResult<T> = { ok: true; value: T } | { ok: false; error: StorageError; detail?: string };

/**
 * A key → bytes store with latency. Every callback runs later as its own event (never synchronously) and only if the
 * calling process is still the same incarnation (a crash drops pending callbacks). The store never hides a fault:
 * bytes can come back flipped or torn, so every reader verifies checksums (engine/util/sealed.ts). `put` hands the
 * bytes over: the caller must not change them afterwards (writing the same bytes again is fine). `get` returns bytes
 * the caller owns. A write is durable only once `sync` succeeded (engine/util/durable-write.ts does both): whatever
 * the engine acknowledges, or builds on after a crash, must have been synced first. Deletes are durable at once.
 */
export interface BlobStore {
  put(key: string, bytes: Uint8Array, done: (result: StorageResult<void>) => void): void;
  get(key: string, done: (result: StorageResult<Uint8Array>) => void): void;
  /** Keys with the prefix, sorted ascending. */
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

/** Seeded random numbers for this process: a named stream of the world, never the host's random source. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int_inclusive(min: number, max: number): number;
  /** True with probability ratio (0..1). */
  chance(ratio: number): boolean;
}

export interface Runtime {
  readonly node_id: NodeId;
  /** How many times this process was (re)started; 0 for the first start. */
  readonly incarnation: number;
  /** This process's clock in milliseconds. It can be offset from or drift against virtual time. */
  now_ms(): number;
  /**
   * A monotonic clock in milliseconds (Flink's Clock.relativeTimeMillis, System.nanoTime): it may drift with now_ms()
   * but never jumps, so durations and pauses are measured on it. Its origin is arbitrary.
   */
  monotonic_ms(): number;
  /**
   * Asynchronous, unreliable-but-FIFO message to another process: delivered in send order per link while the link is
   * up, dropped when the link breaks (both ends get on_link_broken) or a partition is active. Messages are treated as
   * immutable once sent: the sender must not mutate what it sent.
   */
  send(to: NodeId, message: unknown): void;
  /** Fires on_timer(tag) after `after_ms` of this process's clock, unless cancelled or the process crashed. */
  setTimer(after_ms: number, tag: unknown): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
  readonly rng: Random;
  /** This process's own disk: survives crashes of this process, not shared. */
  readonly disk: BlobStore;
  /** The shared checkpoint store (object store like S3/HDFS): reachable by every process. */
  readonly checkpoint_store: BlobStore;
  /** Append a structured event to the trace. `event` is dotted, e.g. "checkpoint.completed". */
  log(event: string, fields?: Record<string, unknown>): void;
  /** A coverage probe ("sometimes" assertion): a named interesting point was reached. */
  probe(name: string): void;
  /**
   * An engine invariant does not hold: stop the whole run loudly (the host records the seed and a violation).
   * Never returns.
   */
  fail_invariant(message: string, detail?: Record<string, unknown>): never;
}

/** What the host drives. Handlers are synchronous; the event queue is the only scheduler. */
export interface EngineNode {
  on_start(): void;
  on_message(from: NodeId, message: unknown): void;
  on_timer(tag: unknown): void;
  /** The link to `peer` broke: in-flight messages in both directions were dropped. */
  on_link_broken?(peer: NodeId): void;
  /**
   * A message to `peer` was refused: `peer`'s process was not running when it arrived (its host reset the
   * connection, as an RPC system reports "recipient unreachable"). Arrives about one round trip after the send. A
   * partition, a paused peer or a message lost in flight is never reported: those show only as silence.
   */
  on_delivery_failed?(peer: NodeId, message: unknown): void;
}

export type EngineNodeFactory = (runtime: Runtime) => EngineNode;
