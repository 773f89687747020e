// Keyed state handles (Value/List/Map/Reducing/Aggregating) scoped to the current key and namespace, and the
// timer service whose timers live in keyed state too (so a snapshot of the backend captures them).
import type { KeyedStateBackend } from './backend.js';
import type { StateTtlConfig, TtlContext, TtlStateKind } from './ttl.js';
import { decodeKey, encodeKey } from './key-codec.js';

/** The key (and namespace) the next state access is about; set by the keyed operator before each call. */
export class KeyContext {
  current_key: unknown = undefined;
  current_key_encoded = '';
  current_key_group = -1;
  current_namespace = '';

  set(key: unknown, key_encoded: string, key_group: number): void {
    this.current_key = key;
    this.current_key_encoded = key_encoded;
    this.current_key_group = key_group;
  }

  assertKeySet(): void {
    if (this.current_key_group < 0) throw new Error('keyed state accessed outside a keyed context');
  }
}

export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  addAll(values: readonly T[]): void;
  update(values: readonly T[]): void;
  clear(): void;
}

export interface MapState<K, V> {
  get(user_key: K): V | undefined;
  put(user_key: K, value: V): void;
  contains(user_key: K): boolean;
  remove(user_key: K): void;
  /** Entries in canonical user-key order. */
  entries(): [K, V][];
  keys(): K[];
  values(): V[];
  isEmpty(): boolean;
  clear(): void;
}

export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}

export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}

export type ReduceFunction<T> = (a: T, b: T) => T;

/** Names beginning with "_" are reserved for the engine (timers, window contents). */
export function checkUserStateName(name: string): void {
  if (name.length === 0 || name.startsWith('_')) throw new Error(`invalid state name ${JSON.stringify(name)}`);
}

/** Creates state handles over one backend; all handles share one KeyContext. */
export class KeyedStateStore {
  private readonly registered = new Map<string, string>();
  /** State TTL: the clock and restore time TTL state reads (engine/state/ttl.ts); undefined: TTL never expires. */
  ttl: TtlContext | undefined = undefined;
  /** TTL states declared with full-snapshot cleanup (their expired values are dropped at each snapshot). */
  readonly ttl_full_snapshot_cleanup = new Map<string, { kind: TtlStateKind; config: StateTtlConfig }>();

  constructor(
    readonly backend: KeyedStateBackend,
    readonly context: KeyContext,
  ) {}

  private register(name: string, kind: string, internal: boolean): void {
    if (!internal) checkUserStateName(name);
    const existing = this.registered.get(name);
    if (existing !== undefined && existing !== kind) {
      throw new Error(`state ${name} already registered as ${existing}, not ${kind}`);
    }
    this.registered.set(name, kind);
  }

  private read(name: string): unknown {
    const c = this.context;
    c.assertKeySet();
    return this.backend.get(name, c.current_key_group, c.current_key_encoded, c.current_namespace);
  }

  private write(name: string, value: unknown): void {
    const c = this.context;
    c.assertKeySet();
    this.backend.put(name, c.current_key_group, c.current_key_encoded, c.current_namespace, value);
  }

  private remove(name: string): void {
    const c = this.context;
    c.assertKeySet();
    this.backend.delete(name, c.current_key_group, c.current_key_encoded, c.current_namespace);
  }

  getState<T>(name: string, internal = false): ValueState<T> {
    this.register(name, 'value', internal);
    // The per-record path: each access goes straight to the backend with the current key.
    const backend = this.backend;
    const c = this.context;
    return {
      value: () => {
        c.assertKeySet();
        return backend.get(name, c.current_key_group, c.current_key_encoded, c.current_namespace) as T | undefined;
      },
      update: (value: T) => {
        c.assertKeySet();
        if (value === undefined) backend.delete(name, c.current_key_group, c.current_key_encoded, c.current_namespace);
        else backend.put(name, c.current_key_group, c.current_key_encoded, c.current_namespace, value);
      },
      clear: () => this.remove(name),
    };
  }

  getListState<T>(name: string, internal = false): ListState<T> {
    this.register(name, 'list', internal);
    const current = (): readonly T[] => (this.read(name) as T[] | undefined) ?? [];
    return {
      get: current,
      add: (value: T) => this.write(name, [...current(), value]),
      addAll: (values: readonly T[]) => {
        if (values.length > 0) this.write(name, [...current(), ...values]);
      },
      update: (values: readonly T[]) => (values.length === 0 ? this.remove(name) : this.write(name, [...values])),
      clear: () => this.remove(name),
    };
  }

  /** Stored as an array of [encoded user key, value] pairs sorted by encoded key (plain JSON, prototype-safe). */
  getMapState<K, V>(name: string, internal = false): MapState<K, V> {
    this.register(name, 'map', internal);
    const pairs = (): readonly [string, V][] => (this.read(name) as [string, V][] | undefined) ?? [];
    const find = (list: readonly [string, V][], encoded: string): { index: number; found: boolean } => {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list[mid]![0] < encoded) lo = mid + 1;
        else hi = mid;
      }
      return { index: lo, found: lo < list.length && list[lo]![0] === encoded };
    };
    return {
      get: (user_key: K) => {
        const list = pairs();
        const at = find(list, encodeKey(user_key));
        return at.found ? list[at.index]![1] : undefined;
      },
      put: (user_key: K, value: V) => {
        const encoded = encodeKey(user_key);
        const next = [...pairs()];
        const at = find(next, encoded);
        if (at.found) next[at.index] = [encoded, value];
        else next.splice(at.index, 0, [encoded, value]);
        this.write(name, next);
      },
      contains: (user_key: K) => find(pairs(), encodeKey(user_key)).found,
      remove: (user_key: K) => {
        const list = pairs();
        const at = find(list, encodeKey(user_key));
        if (!at.found) return;
        if (list.length === 1) {
          this.remove(name);
          return;
        }
        const next = [...list];
        next.splice(at.index, 1);
        this.write(name, next);
      },
      entries: () => pairs().map(([encoded, value]) => [decodeKey(encoded) as K, value]),
      keys: () => pairs().map(([encoded]) => decodeKey(encoded) as K),
      values: () => pairs().map(([, value]) => value),
      isEmpty: () => pairs().length === 0,
      clear: () => this.remove(name),
    };
  }

  getReducingState<T>(name: string, reduce: ReduceFunction<T>, internal = false): ReducingState<T> {
    this.register(name, 'reducing', internal);
    return {
      get: () => this.read(name) as T | undefined,
      add: (value: T) => {
        const current = this.read(name) as T | undefined;
        this.write(name, current === undefined ? value : reduce(current, value));
      },
      clear: () => this.remove(name),
    };
  }

  /** Stores the accumulator; get() applies getResult. */
  getAggregatingState<IN, ACC, OUT>(
    name: string,
    aggregate: AggregateFunction<IN, ACC, OUT>,
    internal = false,
  ): AggregatingState<IN, OUT> {
    this.register(name, 'aggregating', internal);
    return {
      get: () => {
        const acc = this.read(name) as ACC | undefined;
        return acc === undefined ? undefined : aggregate.getResult(acc);
      },
      add: (value: IN) => {
        const acc = (this.read(name) as ACC | undefined) ?? aggregate.createAccumulator();
        this.write(name, aggregate.add(value, acc));
      },
      clear: () => this.remove(name),
    };
  }
}

export type TimeDomain = 'event' | 'processing';

export interface InternalTimer {
  timestamp_ms: number;
  key_encoded: string;
  key_group: number;
  namespace: string;
}

export const EVENT_TIMER_STATE = '_timers/event';
export const PROCESSING_TIMER_STATE = '_timers/processing';

function compareTimers(a: InternalTimer, b: InternalTimer): number {
  if (a.timestamp_ms !== b.timestamp_ms) return a.timestamp_ms - b.timestamp_ms;
  if (a.key_encoded !== b.key_encoded) return a.key_encoded < b.key_encoded ? -1 : 1;
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

/** A binary min-heap of timers ordered by (timestamp, key, namespace). */
class TimerHeap {
  private readonly items: InternalTimer[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): InternalTimer | undefined {
    return this.items[0];
  }

  push(timer: InternalTimer): void {
    const items = this.items;
    items.push(timer);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareTimers(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): InternalTimer | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && compareTimers(items[l]!, items[m]!) < 0) m = l;
        if (r < items.length && compareTimers(items[r]!, items[m]!) < 0) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function timerNamespace(timestamp_ms: number, namespace: string): string {
  return String(timestamp_ms) + '|' + namespace;
}

/**
 * Event-time and processing-time timers per (key, namespace, timestamp). The backend is the truth (one entry per
 * timer, so snapshots include timers); the heaps are an index rebuilt by `rebuildFromBackend` after a restore.
 * Deleted timers stay in the heap and are skipped lazily when they surface.
 */
export class InternalTimerService {
  private readonly heaps: Record<TimeDomain, TimerHeap> = { event: new TimerHeap(), processing: new TimerHeap() };

  constructor(private readonly backend: KeyedStateBackend) {}

  private stateName(domain: TimeDomain): string {
    return domain === 'event' ? EVENT_TIMER_STATE : PROCESSING_TIMER_STATE;
  }

  register(domain: TimeDomain, timestamp_ms: number, key_encoded: string, key_group: number, namespace: string): void {
    if (!Number.isFinite(timestamp_ms)) throw new Error(`timer timestamp must be finite, got ${timestamp_ms}`);
    const ns = timerNamespace(timestamp_ms, namespace);
    const state = this.stateName(domain);
    if (this.backend.get(state, key_group, key_encoded, ns) !== undefined) return;
    this.backend.put(state, key_group, key_encoded, ns, { timestamp_ms, namespace });
    this.heaps[domain].push({ timestamp_ms, key_encoded, key_group, namespace });
  }

  delete(domain: TimeDomain, timestamp_ms: number, key_encoded: string, key_group: number, namespace: string): void {
    this.backend.delete(this.stateName(domain), key_group, key_encoded, timerNamespace(timestamp_ms, namespace));
  }

  /** Earliest live timer's timestamp, or undefined. */
  peekTimestamp(domain: TimeDomain): number | undefined {
    const heap = this.heaps[domain];
    const state = this.stateName(domain);
    for (;;) {
      const top = heap.peek();
      if (top === undefined) return undefined;
      const ns = timerNamespace(top.timestamp_ms, top.namespace);
      if (this.backend.get(state, top.key_group, top.key_encoded, ns) !== undefined) return top.timestamp_ms;
      heap.pop();
    }
  }

  /** Removes and returns the earliest live timer with timestamp ≤ time_ms, or undefined. */
  pollDue(domain: TimeDomain, time_ms: number): InternalTimer | undefined {
    const ts = this.peekTimestamp(domain);
    if (ts === undefined || ts > time_ms) return undefined;
    const timer = this.heaps[domain].pop()!;
    this.backend.delete(
      this.stateName(domain),
      timer.key_group,
      timer.key_encoded,
      timerNamespace(timer.timestamp_ms, timer.namespace),
    );
    return timer;
  }

  /** Rebuilds the in-memory index from the backend (after restore). */
  rebuildFromBackend(key_groups: Iterable<number>): void {
    for (const domain of ['event', 'processing'] as const) {
      const heap = this.heaps[domain];
      heap.clear();
      for (const group of key_groups) {
        for (const entry of this.backend.entries(this.stateName(domain), group)) {
          const value = entry.value as { timestamp_ms: number; namespace: string };
          heap.push({ timestamp_ms: value.timestamp_ms, key_encoded: entry.key, key_group: group, namespace: value.namespace });
        }
      }
    }
  }

  /** Heap sizes (including lazily deleted timers); bounded by the number of timers ever registered and not fired. */
  heapSize(domain: TimeDomain): number {
    return this.heaps[domain].size;
  }
}
