// Simulated blob stores: each process's local disk (survives that process's crashes) and the shared checkpoint
// object store. Latency per operation, FIFO completion per store, a byte capacity, durability only after a sync (a
// crash of the writer drops, tears or keeps what it had not synced), and injectable faults (bit flips, torn/lost
// writes, missing objects, io errors, a full disk, slow I/O or syncs, unavailability) applied honestly and traced.
import type { Rng } from './random.js';
import { sample_latency_ms, validate_latency_model, type LatencyModel } from './network.js';
import type { StorageResult } from './types.js';

/** Faults that stay active on a store (for a duration and/or a number of operations). */
export type StorageFaultKind =
  | 'bit_flip_write' // the persisted bytes have one bit flipped; the put is acked ok
  | 'bit_flip_read' // the returned copy has one bit flipped; the stored bytes are intact
  | 'torn_write' // only a strict prefix is persisted; the put is acked ok
  | 'lost_write' // the put is acked ok but nothing is persisted (the old value, if any, stays)
  | 'io_error' // put/get/delete/sync fail with io_error (EIO); a failed sync leaves the write unsynced
  | 'disk_full' // puts fail with no_space (ENOSPC); nothing is written
  | 'slow_io' // extra latency on every operation
  | 'slow_sync' // extra latency on syncs only
  | 'unavailable'; // every operation (including list) fails with unavailable; key_prefix is ignored

export const storage_fault_kinds: readonly StorageFaultKind[] = [
  'bit_flip_write',
  'bit_flip_read',
  'torn_write',
  'lost_write',
  'io_error',
  'slow_io',
  'unavailable',
  'disk_full',
  'slow_sync',
];

export interface StorageFaultRule {
  id: number;
  kind: StorageFaultKind;
  /** Only keys starting with this prefix are affected ('' = all). */
  key_prefix: string;
  /** Active until this virtual time (exclusive); Infinity = until count runs out or cleared. */
  until_ms: number;
  /** Operations it may still affect; Infinity = unlimited. */
  remaining: number;
  /** For slow_io and slow_sync. */
  extra_latency_ms: number;
}

export interface StoreOptions {
  latency: LatencyModel;
  capacity_bytes: number;
  /**
   * An unsynced write becomes durable on its own this long after it completed (the OS writes dirty pages back;
   * Linux's dirty_expire is 30 s). Default 30 s.
   */
  writeback_ms?: number;
}

export type StoreOp = 'put' | 'get' | 'list' | 'delete' | 'sync';

/** What a crash does to one write its process had not synced. */
export type UnsyncedOutcome = 'dropped' | 'torn' | 'kept';
export const unsynced_outcomes: readonly UnsyncedOutcome[] = ['dropped', 'torn', 'kept'];

/** A completed write that is not durable yet: a crash of its writer may drop or tear it. */
interface UnsyncedWrite {
  /** The writing process (the world's process index). */
  writer: number;
  /** What a dropped write leaves: the durable value before the first unsynced write (undefined: no object). */
  durable: Uint8Array | undefined;
  completed_at_ms: number;
}

/** One unsynced write resolved by a crash (for the trace). */
export interface CrashResolution {
  key: string;
  outcome: UnsyncedOutcome;
  /** Bytes of the write that survive (torn: a strict prefix). */
  kept_bytes: number;
  size_bytes: number;
}

/** Bound on unsynced writes per store: beyond it the oldest is written back (made durable), as a page cache would. */
export const MAX_UNSYNCED_WRITES = 100_000;
const DEFAULT_WRITEBACK_MS = 30_000;

/** What an operation will do, decided when it is issued (faults that match then) and applied at completion. */
export interface PlannedOp {
  op: StoreOp;
  key: string;
  bytes: Uint8Array | undefined;
  complete_at_ms: number;
  /** Fault kinds that hit this operation (for the trace). */
  faults: StorageFaultKind[];
  error: 'io_error' | 'unavailable' | 'no_space' | undefined;
  /** The issuing process (the world's process index): the owner of the write until it is synced. */
  writer: number;
}

export interface CompletedOp {
  result: StorageResult<unknown>;
  size_bytes: number;
  detail: string | undefined;
}

export class SimStore {
  private readonly objects = new Map<string, Uint8Array>();
  /** Sum of stored object sizes. */
  used_bytes = 0;
  private last_completion_ms = 0;
  private readonly rules: StorageFaultRule[] = [];
  private next_rule_id = 1;
  /** Completed writes not yet durable, oldest first (bounded by MAX_UNSYNCED_WRITES). */
  private readonly unsynced = new Map<string, UnsyncedWrite>();
  readonly capacity_bytes: number;
  readonly writeback_ms: number;
  latency: LatencyModel;

  constructor(
    readonly name: string,
    options: StoreOptions,
  ) {
    validate_latency_model(options.latency);
    if (!(options.capacity_bytes > 0)) throw new Error(`store ${name}: capacity_bytes must be positive`);
    this.capacity_bytes = options.capacity_bytes;
    this.latency = options.latency;
    this.writeback_ms = options.writeback_ms ?? DEFAULT_WRITEBACK_MS;
    if (!(this.writeback_ms > 0)) throw new Error(`store ${name}: writeback_ms must be positive`);
  }

  // ---- inspection for drivers, oracles and tests (synchronous, no latency, no faults) ----

  /** A copy of the stored bytes, or undefined. */
  peek(key: string): Uint8Array | undefined {
    const bytes = this.objects.get(key);
    return bytes === undefined ? undefined : bytes.slice();
  }

  /**
   * The stored bytes themselves, without peek's copy, for inspections that only read them. The caller must not
   * modify them. They stay valid afterwards: the store never changes a stored object in place (a put or delete
   * replaces or drops it).
   */
  view(key: string): Uint8Array | undefined {
    return this.objects.get(key);
  }

  /** Whether an object is stored under the key (peek without the copy). */
  has(key: string): boolean {
    return this.objects.has(key);
  }

  /** Stored keys with the prefix, sorted. */
  keys(prefix = ''): string[] {
    const keys: string[] = [];
    for (const key of this.objects.keys()) if (key.startsWith(prefix)) keys.push(key);
    return keys.sort();
  }

  active_faults(): readonly StorageFaultRule[] {
    return this.rules;
  }

  /** Whether the object under `key` holds a write that is not durable yet. */
  is_unsynced(key: string): boolean {
    return this.unsynced.has(key);
  }

  /** Keys holding writes that are not durable yet, oldest first. */
  unsynced_keys(): string[] {
    return [...this.unsynced.keys()];
  }

  // ---- durability ----

  /**
   * The process `writer` crashed at `now_ms`: each of its writes that is still unsynced (and younger than the
   * writeback) is dropped (the durable value before it comes back), torn (a strict prefix survives) or kept, as
   * `choose` says. Writes of other processes are untouched.
   */
  crash_writer(writer: number, now_ms: number, choose: (key: string) => UnsyncedOutcome, rng: Rng): CrashResolution[] {
    const resolved: CrashResolution[] = [];
    for (const [key, write] of [...this.unsynced]) {
      if (write.writer !== writer) continue;
      this.unsynced.delete(key);
      if (now_ms - write.completed_at_ms >= this.writeback_ms) continue; // written back by now: durable
      const current = this.objects.get(key);
      if (current === undefined) continue;
      resolved.push(this.resolve(key, current, write, choose(key), rng));
    }
    return resolved;
  }

  private resolve(key: string, current: Uint8Array, write: UnsyncedWrite, outcome: UnsyncedOutcome, rng: Rng): CrashResolution {
    const size_bytes = current.length;
    if (outcome === 'kept' || (outcome === 'torn' && size_bytes === 0)) return { key, outcome: 'kept', kept_bytes: size_bytes, size_bytes };
    this.remove(key);
    if (outcome === 'dropped') {
      if (write.durable !== undefined) {
        this.objects.set(key, write.durable);
        this.used_bytes += write.durable.length;
      }
      return { key, outcome, kept_bytes: 0, size_bytes };
    }
    const kept_bytes = rng.int_inclusive(0, size_bytes - 1);
    const torn = current.slice(0, kept_bytes);
    this.objects.set(key, torn);
    this.used_bytes += torn.length;
    return { key, outcome, kept_bytes, size_bytes };
  }

  /** A write that completed after its writer crashed: it lands (or not) as a crash leaves an unsynced write. */
  resolve_orphan(key: string, outcome: UnsyncedOutcome, rng: Rng): CrashResolution | undefined {
    const write = this.unsynced.get(key);
    const current = this.objects.get(key);
    if (write === undefined || current === undefined) return undefined;
    this.unsynced.delete(key);
    return this.resolve(key, current, write, outcome, rng);
  }

  private mark_unsynced(key: string, writer: number, previous: Uint8Array | undefined, now_ms: number): void {
    const pending = this.unsynced.get(key);
    if (pending !== undefined) {
      // Still not durable: the value a crash falls back to stays the last durable one.
      this.unsynced.delete(key);
      this.unsynced.set(key, { writer, durable: pending.durable, completed_at_ms: now_ms });
    } else {
      this.unsynced.set(key, { writer, durable: previous, completed_at_ms: now_ms });
    }
    if (this.unsynced.size > MAX_UNSYNCED_WRITES) {
      const oldest = this.unsynced.keys().next().value as string;
      this.unsynced.delete(oldest);
    }
  }

  // ---- fault control (called by the world) ----

  add_fault(
    kind: StorageFaultKind,
    key_prefix: string,
    until_ms: number,
    count: number,
    extra_latency_ms: number,
  ): StorageFaultRule {
    const rule: StorageFaultRule = { id: this.next_rule_id++, kind, key_prefix, until_ms, remaining: count, extra_latency_ms };
    this.rules.push(rule);
    return rule;
  }

  clear_faults(): void {
    this.rules.length = 0;
  }

  /** Removes one object under the prefix, chosen by rng (a "missing file"). Returns its key, if any. */
  remove_random_object(key_prefix: string, rng: Rng): string | undefined {
    const keys = this.keys(key_prefix);
    if (keys.length === 0) return undefined;
    const key = rng.pick(keys);
    this.remove(key);
    this.unsynced.delete(key);
    return key;
  }

  // ---- operations (called by the world: plan at issue time, complete at completion time) ----

  /**
   * A put keeps `bytes` as they are, without a copy: the caller hands them over and must not change them afterwards
   * (as with a sent message). The store never changes them either — a fault that damages a write damages a copy.
   */
  plan(op: StoreOp, key: string, bytes: Uint8Array | undefined, now_ms: number, rng: Rng, writer = -1): PlannedOp {
    const planned: PlannedOp = {
      op,
      key,
      bytes,
      complete_at_ms: 0,
      faults: [],
      error: undefined,
      writer,
    };
    let extra_latency_ms = 0;
    for (let index = 0; index < this.rules.length; index++) {
      const rule = this.rules[index] as StorageFaultRule;
      if (rule.until_ms <= now_ms || rule.remaining <= 0) {
        this.rules.splice(index--, 1);
        continue;
      }
      const matches =
        rule.kind === 'unavailable' || (op === 'list' ? key.startsWith(rule.key_prefix) : key.startsWith(rule.key_prefix));
      if (!matches || !fault_applies_to(rule.kind, op)) continue;
      if (rule.kind === 'slow_io' || rule.kind === 'slow_sync') extra_latency_ms += rule.extra_latency_ms;
      else if (rule.kind === 'unavailable') planned.error = 'unavailable';
      else if (rule.kind === 'io_error') planned.error ??= 'io_error';
      else if (rule.kind === 'disk_full') planned.error ??= 'no_space';
      if (planned.faults.includes(rule.kind)) continue;
      planned.faults.push(rule.kind);
      rule.remaining--;
    }
    if (planned.error !== undefined) {
      // A failing store answers with its error; data faults do not also apply.
      const error_kind = planned.error === 'no_space' ? 'disk_full' : planned.error;
      planned.faults = planned.faults.filter((kind) => kind === error_kind || kind === 'slow_io' || kind === 'slow_sync');
    }
    const latency_ms = sample_latency_ms(this.latency, rng) + extra_latency_ms;
    // FIFO per store (one request queue): an operation never completes before one issued earlier.
    planned.complete_at_ms = Math.max(now_ms + latency_ms, this.last_completion_ms);
    this.last_completion_ms = planned.complete_at_ms;
    return planned;
  }

  complete(planned: PlannedOp, rng: Rng, now_ms = 0): CompletedOp {
    if (planned.error !== undefined) {
      return { result: { ok: false, error: planned.error, detail: `${this.name}: injected ${planned.error}` }, size_bytes: 0, detail: undefined };
    }
    switch (planned.op) {
      case 'put': {
        let bytes = planned.bytes as Uint8Array;
        const previous = this.objects.get(planned.key);
        const old_size = previous?.length ?? 0;
        if (this.used_bytes - old_size + bytes.length > this.capacity_bytes) {
          return {
            result: { ok: false, error: 'no_space', detail: `${this.name}: no space (capacity_bytes=${this.capacity_bytes})` },
            size_bytes: bytes.length,
            detail: 'no_space',
          };
        }
        let detail: string | undefined;
        if (planned.faults.includes('lost_write')) {
          return { result: { ok: true, value: undefined }, size_bytes: bytes.length, detail: 'lost_write' };
        }
        if (planned.faults.includes('torn_write') && bytes.length > 0) {
          const kept_bytes = rng.int_inclusive(0, bytes.length - 1);
          bytes = bytes.slice(0, kept_bytes);
          detail = `torn_write kept_bytes=${kept_bytes}`;
        }
        if (planned.faults.includes('bit_flip_write') && bytes.length > 0) {
          // The caller's bytes stay intact (it may write them again): the flip goes into the stored copy.
          if (bytes === planned.bytes) bytes = bytes.slice();
          const bit = flip_random_bit(bytes, rng);
          detail = (detail === undefined ? '' : detail + ' ') + `bit_flip_write bit=${bit}`;
        }
        this.remove(planned.key);
        this.objects.set(planned.key, bytes);
        this.used_bytes += bytes.length;
        this.mark_unsynced(planned.key, planned.writer, previous, now_ms);
        return { result: { ok: true, value: undefined }, size_bytes: (planned.bytes as Uint8Array).length, detail };
      }
      case 'sync': {
        // fsync: what the object holds now becomes durable (a failed sync, above, leaves it unsynced). With no object
        // (say a lost write: the device acknowledged it and kept nothing) there is nothing to flush, and the sync says
        // ok as a lying device would: only reading the object back shows the loss.
        const was_unsynced = this.unsynced.delete(planned.key);
        return { result: { ok: true, value: undefined }, size_bytes: 0, detail: was_unsynced ? undefined : 'already_durable' };
      }
      case 'get': {
        const stored = this.objects.get(planned.key);
        if (stored === undefined) {
          return { result: { ok: false, error: 'missing', detail: `${this.name}: no object ${planned.key}` }, size_bytes: 0, detail: undefined };
        }
        const copy = stored.slice();
        let detail: string | undefined;
        if (planned.faults.includes('bit_flip_read') && copy.length > 0) {
          detail = `bit_flip_read bit=${flip_random_bit(copy, rng)}`;
        }
        return { result: { ok: true, value: copy }, size_bytes: copy.length, detail };
      }
      case 'list':
        return { result: { ok: true, value: this.keys(planned.key) }, size_bytes: 0, detail: undefined };
      case 'delete': {
        // Deletes are durable at once (the file system's metadata journal).
        this.unsynced.delete(planned.key);
        const existed = this.remove(planned.key);
        if (!existed) {
          return { result: { ok: false, error: 'missing', detail: `${this.name}: no object ${planned.key}` }, size_bytes: 0, detail: undefined };
        }
        return { result: { ok: true, value: undefined }, size_bytes: 0, detail: undefined };
      }
    }
  }

  private remove(key: string): boolean {
    const old = this.objects.get(key);
    if (old === undefined) return false;
    this.used_bytes -= old.length;
    this.objects.delete(key);
    return true;
  }
}

function fault_applies_to(kind: StorageFaultKind, op: StoreOp): boolean {
  switch (kind) {
    case 'bit_flip_write':
    case 'torn_write':
    case 'lost_write':
      return op === 'put';
    case 'bit_flip_read':
      return op === 'get';
    case 'io_error':
      return op !== 'list';
    case 'disk_full':
      return op === 'put';
    case 'slow_sync':
      return op === 'sync';
    case 'slow_io':
    case 'unavailable':
      return true;
  }
}

/** Flips one bit chosen by rng; returns its index. */
function flip_random_bit(bytes: Uint8Array, rng: Rng): number {
  const bit = rng.int_inclusive(0, bytes.length * 8 - 1);
  bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
  return bit;
}
