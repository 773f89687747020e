// Simulated blob stores: each process's local disk (survives that process's crashes) and the shared checkpoint
// object store. Latency per operation, FIFO completion per store, a byte capacity, and injectable faults (bit flips,
// torn/lost writes, missing objects, io errors, slow I/O, unavailability) applied honestly and reported to the trace.
import type { Rng } from './random.js';
import { sample_latency_ms, validate_latency_model, type LatencyModel } from './network.js';
import type { StorageResult } from './types.js';

/** Faults that stay active on a store (for a duration and/or a number of operations). */
export type StorageFaultKind =
  | 'bit_flip_write' // the persisted bytes have one bit flipped; the put is acked ok
  | 'bit_flip_read' // the returned copy has one bit flipped; the stored bytes are intact
  | 'torn_write' // only a strict prefix is persisted; the put is acked ok
  | 'lost_write' // the put is acked ok but nothing is persisted (the old value, if any, stays)
  | 'io_error' // put/get/delete fail with io_error
  | 'slow_io' // extra latency on every operation
  | 'unavailable'; // every operation (including list) fails with unavailable; key_prefix is ignored

export const storage_fault_kinds: readonly StorageFaultKind[] = [
  'bit_flip_write',
  'bit_flip_read',
  'torn_write',
  'lost_write',
  'io_error',
  'slow_io',
  'unavailable',
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
  /** For slow_io. */
  extra_latency_ms: number;
}

export interface StoreOptions {
  latency: LatencyModel;
  capacity_bytes: number;
}

export type StoreOp = 'put' | 'get' | 'list' | 'delete';

/** What an operation will do, decided when it is issued (faults that match then) and applied at completion. */
export interface PlannedOp {
  op: StoreOp;
  key: string;
  bytes: Uint8Array | undefined;
  complete_at_ms: number;
  /** Fault kinds that hit this operation (for the trace). */
  faults: StorageFaultKind[];
  error: 'io_error' | 'unavailable' | undefined;
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
  readonly capacity_bytes: number;
  latency: LatencyModel;

  constructor(
    readonly name: string,
    options: StoreOptions,
  ) {
    validate_latency_model(options.latency);
    if (!(options.capacity_bytes > 0)) throw new Error(`store ${name}: capacity_bytes must be positive`);
    this.capacity_bytes = options.capacity_bytes;
    this.latency = options.latency;
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
    return key;
  }

  // ---- operations (called by the world: plan at issue time, complete at completion time) ----

  /**
   * A put keeps `bytes` as they are, without a copy: the caller hands them over and must not change them afterwards
   * (as with a sent message). The store never changes them either — a fault that damages a write damages a copy.
   */
  plan(op: StoreOp, key: string, bytes: Uint8Array | undefined, now_ms: number, rng: Rng): PlannedOp {
    const planned: PlannedOp = {
      op,
      key,
      bytes,
      complete_at_ms: 0,
      faults: [],
      error: undefined,
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
      if (rule.kind === 'slow_io') extra_latency_ms += rule.extra_latency_ms;
      else if (rule.kind === 'unavailable') planned.error = 'unavailable';
      else if (rule.kind === 'io_error') planned.error ??= 'io_error';
      if (planned.faults.includes(rule.kind)) continue;
      planned.faults.push(rule.kind);
      rule.remaining--;
    }
    if (planned.error !== undefined) {
      // A failing store answers with its error; data faults do not also apply.
      planned.faults = planned.faults.filter((kind) => kind === planned.error || kind === 'slow_io');
    }
    const latency_ms = sample_latency_ms(this.latency, rng) + extra_latency_ms;
    // FIFO per store (one request queue): an operation never completes before one issued earlier.
    planned.complete_at_ms = Math.max(now_ms + latency_ms, this.last_completion_ms);
    this.last_completion_ms = planned.complete_at_ms;
    return planned;
  }

  complete(planned: PlannedOp, rng: Rng): CompletedOp {
    if (planned.error !== undefined) {
      return { result: { ok: false, error: planned.error, detail: `${this.name}: injected ${planned.error}` }, size_bytes: 0, detail: undefined };
    }
    switch (planned.op) {
      case 'put': {
        let bytes = planned.bytes as Uint8Array;
        const old_size = this.objects.get(planned.key)?.length ?? 0;
        if (this.used_bytes - old_size + bytes.length > this.capacity_bytes) {
          return {
            result: { ok: false, error: 'io_error', detail: `${this.name}: no space (capacity_bytes=${this.capacity_bytes})` },
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
        return { result: { ok: true, value: undefined }, size_bytes: (planned.bytes as Uint8Array).length, detail };
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
