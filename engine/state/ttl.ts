// State time-to-live (Flink's StateTtlConfig and TtlStateFactory): a state declared with a TTL keeps each value with
// the processing time of its last write (or read, OnReadAndWrite); a value older than the TTL is expired: a read
// drops it (cleanup on read) and returns nothing, or, with ReturnExpiredIfNotCleanedUp, returns it one last time.
// With full-snapshot cleanup, expired values are dropped when a checkpoint is taken. The timestamps are part of the
// stored value, so they are checkpointed, restored and rescaled with it; the state is stored under `_ttl/<name>`.
import type {
  AggregateFunction,
  AggregatingState,
  KeyedStateStore,
  ListState,
  MapState,
  ReduceFunction,
  ReducingState,
  ValueState,
} from './keyed-state.js';
import { checkUserStateName } from './keyed-state.js';
import type { KeyedStateBackend, KeyGroupRange } from './backend.js';

export type TtlUpdateType = 'OnCreateAndWrite' | 'OnReadAndWrite' | 'Disabled';
export type TtlStateVisibility = 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';

/** Flink's StateTtlConfig (time characteristic: processing time only, as in Flink). */
export class StateTtlConfig {
  static readonly UpdateType = { OnCreateAndWrite: 'OnCreateAndWrite', OnReadAndWrite: 'OnReadAndWrite', Disabled: 'Disabled' } as const;
  static readonly StateVisibility = { NeverReturnExpired: 'NeverReturnExpired', ReturnExpiredIfNotCleanedUp: 'ReturnExpiredIfNotCleanedUp' } as const;

  private constructor(
    readonly ttl_ms: number,
    readonly update_type: TtlUpdateType,
    readonly state_visibility: TtlStateVisibility,
    readonly cleanup_full_snapshot: boolean,
  ) {}

  static newBuilder(ttl_ms: number): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(ttl_ms);
  }

  /** @internal used by the builder */
  static of(ttl_ms: number, update_type: TtlUpdateType, state_visibility: TtlStateVisibility, cleanup_full_snapshot: boolean): StateTtlConfig {
    if (!(Number.isFinite(ttl_ms) && ttl_ms > 0)) throw new Error('a state TTL must be > 0 ms');
    return new StateTtlConfig(ttl_ms, update_type, state_visibility, cleanup_full_snapshot);
  }

  isEnabled(): boolean {
    return this.update_type !== 'Disabled';
  }
}

export class StateTtlConfigBuilder {
  private update_type: TtlUpdateType = 'OnCreateAndWrite';
  private state_visibility: TtlStateVisibility = 'NeverReturnExpired';
  private cleanup_full_snapshot = false;

  constructor(private readonly ttl_ms: number) {}

  setUpdateType(update_type: TtlUpdateType): this {
    this.update_type = update_type;
    return this;
  }
  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType('OnCreateAndWrite');
  }
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType('OnReadAndWrite');
  }
  setStateVisibility(visibility: TtlStateVisibility): this {
    this.state_visibility = visibility;
    return this;
  }
  neverReturnExpired(): this {
    return this.setStateVisibility('NeverReturnExpired');
  }
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility('ReturnExpiredIfNotCleanedUp');
  }
  /** Expired values are left out of full snapshots (heap backend; not incremental LSM snapshots, as in Flink). */
  cleanupFullSnapshot(): this {
    this.cleanup_full_snapshot = true;
    return this;
  }
  build(): StateTtlConfig {
    return StateTtlConfig.of(this.ttl_ms, this.update_type, this.state_visibility, this.cleanup_full_snapshot);
  }
}

/**
 * The backend name of a state declared with a TTL: its values carry processing times, which a checker comparing state
 * with a sequential evaluation must read apart from the values (properties/compare.ts).
 */
export const TTL_STATE_PREFIX = '_ttl/';
export function ttlStateName(name: string): string {
  checkUserStateName(name);
  return `${TTL_STATE_PREFIX}${name}`;
}

/** Flink's TtlValue: the user value and the processing time it was last written (or read, OnReadAndWrite). */
export interface TtlValue<T> {
  value: T;
  last_access_ms: number;
}

/** What TTL state needs from its operator: the process clock, and when the state was restored (for the probe). */
export interface TtlContext {
  now_ms(): number;
  /** Values last accessed before this time came from a restored checkpoint (undefined: not restored). */
  restored_at_ms?: number;
  probe?(name: string): void;
}

function expired(value: TtlValue<unknown>, ttl_ms: number, now_ms: number): boolean {
  return value.last_access_ms + ttl_ms <= now_ms;
}

/** Creates TTL state handles over a store's raw handles (which hold TtlValue wrappers). */
export class TtlStateFactory {
  constructor(
    private readonly store: KeyedStateStore,
    private readonly context: TtlContext,
  ) {}

  private now(): number {
    return this.context.now_ms();
  }

  private isExpired(value: TtlValue<unknown>, config: StateTtlConfig): boolean {
    const now = this.now();
    if (!expired(value, config.ttl_ms, now)) return false;
    if (value.last_access_ms < (this.context.restored_at_ms ?? Number.NEGATIVE_INFINITY)) this.context.probe?.('state.ttl_expired_after_restore');
    return true;
  }

  /** A single TTL value read through `get`/`set`/`clear` (value, reducing, aggregating state). */
  private readSingle<T>(config: StateTtlConfig, get: () => TtlValue<T> | undefined, set: (value: TtlValue<T>) => void, clear: () => void): T | undefined {
    const stored = get();
    if (stored === undefined) return undefined;
    if (this.isExpired(stored, config)) {
      clear();
      return config.state_visibility === 'ReturnExpiredIfNotCleanedUp' ? stored.value : undefined;
    }
    if (config.update_type === 'OnReadAndWrite') set({ value: stored.value, last_access_ms: this.now() });
    return stored.value;
  }

  registerFullSnapshotCleanup(name: string, kind: TtlStateKind, config: StateTtlConfig): void {
    if (config.cleanup_full_snapshot) this.store.ttl_full_snapshot_cleanup.set(ttlStateName(name), { kind, config });
  }

  value<T>(name: string, config: StateTtlConfig): ValueState<T> {
    const raw = this.store.getState<TtlValue<T>>(ttlStateName(name), true);
    this.registerFullSnapshotCleanup(name, 'value', config);
    return {
      value: () => this.readSingle(config, () => raw.value(), (v) => raw.update(v), () => raw.clear()),
      update: (value: T) => (value === undefined ? raw.clear() : raw.update({ value, last_access_ms: this.now() })),
      clear: () => raw.clear(),
    };
  }

  list<T>(name: string, config: StateTtlConfig): ListState<T> {
    const raw = this.store.getListState<TtlValue<T>>(ttlStateName(name), true);
    this.registerFullSnapshotCleanup(name, 'list', config);
    const wrap = (value: T): TtlValue<T> => ({ value, last_access_ms: this.now() });
    return {
      get: () => {
        const stored = raw.get();
        const live = stored.filter((v) => !this.isExpired(v, config));
        const touched = config.update_type === 'OnReadAndWrite' ? live.map((v) => wrap(v.value)) : live;
        if (live.length !== stored.length || touched !== live) raw.update(touched);
        return (config.state_visibility === 'ReturnExpiredIfNotCleanedUp' ? stored : live).map((v) => v.value);
      },
      add: (value: T) => raw.add(wrap(value)),
      addAll: (values: readonly T[]) => raw.addAll(values.map(wrap)),
      update: (values: readonly T[]) => raw.update(values.map(wrap)),
      clear: () => raw.clear(),
    };
  }

  map<K, V>(name: string, config: StateTtlConfig): MapState<K, V> {
    const raw = this.store.getMapState<K, TtlValue<V>>(ttlStateName(name), true);
    this.registerFullSnapshotCleanup(name, 'map', config);
    const get = (key: K): V | undefined =>
      this.readSingle(config, () => raw.get(key), (v) => raw.put(key, v), () => raw.remove(key));
    /**
     * The entries as Flink's TtlMapState iterator sees them: each one through the same check as `get` (an expired entry
     * is removed, and returned this last time with ReturnExpiredIfNotCleanedUp; a live one refreshed on OnReadAndWrite).
     */
    const iterate = (): [K, V][] => {
      const out: [K, V][] = [];
      for (const [key] of raw.entries()) {
        const value = get(key);
        if (value !== undefined) out.push([key, value]);
      }
      return out;
    };
    return {
      get,
      put: (key: K, value: V) => raw.put(key, { value, last_access_ms: this.now() }),
      contains: (key: K) => get(key) !== undefined,
      remove: (key: K) => raw.remove(key),
      entries: () => iterate(),
      keys: () => iterate().map(([key]) => key),
      values: () => iterate().map(([, value]) => value),
      isEmpty: () => iterate().length === 0,
      clear: () => raw.clear(),
    };
  }

  reducing<T>(name: string, reduce: ReduceFunction<T>, config: StateTtlConfig): ReducingState<T> {
    const raw = this.store.getState<TtlValue<T>>(ttlStateName(name), true);
    this.registerFullSnapshotCleanup(name, 'value', config);
    return {
      get: () => this.readSingle(config, () => raw.value(), (v) => raw.update(v), () => raw.clear()),
      add: (value: T) => {
        const stored = raw.value();
        const current = stored === undefined || this.isExpired(stored, config) ? undefined : stored.value;
        raw.update({ value: current === undefined ? value : reduce(current, value), last_access_ms: this.now() });
      },
      clear: () => raw.clear(),
    };
  }

  aggregating<IN, ACC, OUT>(name: string, aggregate: AggregateFunction<IN, ACC, OUT>, config: StateTtlConfig): AggregatingState<IN, OUT> {
    const raw = this.store.getState<TtlValue<ACC>>(ttlStateName(name), true);
    this.registerFullSnapshotCleanup(name, 'value', config);
    return {
      get: () => {
        const accumulator = this.readSingle(config, () => raw.value(), (v) => raw.update(v), () => raw.clear());
        return accumulator === undefined ? undefined : aggregate.getResult(accumulator);
      },
      add: (value: IN) => {
        const stored = raw.value();
        const accumulator = stored === undefined || this.isExpired(stored, config) ? aggregate.createAccumulator() : stored.value;
        raw.update({ value: aggregate.add(value, accumulator), last_access_ms: this.now() });
      },
      clear: () => raw.clear(),
    };
  }
}

export type TtlStateKind = 'value' | 'list' | 'map';

/**
 * Full-snapshot cleanup: drops expired TTL values of `states` from the backend's key groups in `range` (called at the
 * synchronous part of a checkpoint). Values: the entry goes; lists and maps: their expired elements go.
 */
export function dropExpiredTtlValues(
  backend: KeyedStateBackend,
  range: KeyGroupRange,
  states: ReadonlyMap<string, { kind: TtlStateKind; config: StateTtlConfig }>,
  now_ms: number,
): number {
  let dropped = 0;
  for (const [name, { kind, config }] of states) {
    for (let kg = range.start; kg <= range.end; kg++) {
      for (const entry of [...backend.entries(name, kg)]) {
        if (kind === 'value') {
          if (expired(entry.value as TtlValue<unknown>, config.ttl_ms, now_ms)) {
            backend.delete(name, kg, entry.key, entry.namespace);
            dropped++;
          }
          continue;
        }
        const items = entry.value as unknown[];
        const live = items.filter((item) => !expired((kind === 'list' ? item : (item as [string, unknown])[1]) as TtlValue<unknown>, config.ttl_ms, now_ms));
        if (live.length === items.length) continue;
        dropped += items.length - live.length;
        if (live.length === 0) backend.delete(name, kg, entry.key, entry.namespace);
        else backend.put(name, kg, entry.key, entry.namespace, live);
      }
    }
  }
  return dropped;
}

/**
 * Planted bug (test-only seam TaskSeams.ttl_access_reset_at_restore): every restored TTL value of value, reducing or
 * aggregating state takes `now_ms` as its last access, as if the timestamps were not part of the checkpoint.
 */
export function resetTtlAccessTimes(backend: KeyedStateBackend, now_ms: number): void {
  for (const entry of [...backend.export_entries()]) {
    if (!entry.state.startsWith('_ttl/')) continue;
    const value = entry.value as Partial<TtlValue<unknown>> | null;
    if (value === null || typeof value !== 'object' || typeof value.last_access_ms !== 'number') continue;
    backend.put(entry.state, entry.key_group, entry.key, entry.namespace, { ...value, last_access_ms: now_ms });
  }
}
