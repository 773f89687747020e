// State TTL against a reference model of Flink's rules (StateTtlConfig, TtlStateFactory), per state kind: any
// sequence of writes, reads, clears, clock steps (landing on the expiry boundary too), full-snapshot cleanups and
// snapshot → restore leaves exactly the stored values and access times the model predicts, and reads return what it does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  ValueStateDescriptor,
} from '../api/state-descriptors.js';
import { createRuntimeContext } from '../task/runtime-context.js';
import type { KeyedSnapshot } from './backend.js';
import { HeapKeyedStateBackend } from './heap-backend.js';
import { encodeKey } from './key-codec.js';
import { KeyContext, KeyedStateStore } from './keyed-state.js';
import { dropExpiredTtlValues, resetTtlAccessTimes, type TtlUpdateType, type TtlStateVisibility, type TtlValue } from './ttl.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const TTL_MS = 10;
const KEYS = ['k1', 'k2'] as const;
type Key = (typeof KEYS)[number];
const key_group_of = (key: Key): number => (key === 'k1' ? 0 : 1);
const STATE = 's';
const RAW = `_ttl/${STATE}`;

interface Config {
  update: Exclude<TtlUpdateType, 'Disabled'>;
  visibility: TtlStateVisibility;
  cleanup_full_snapshot: boolean;
  /** Which builder calls express the config (the shorthand methods or the setters). */
  shorthand: boolean;
}

const config_arbitrary: fc.Arbitrary<Config> = fc.record({
  update: fc.constantFrom('OnCreateAndWrite' as const, 'OnReadAndWrite' as const),
  visibility: fc.constantFrom('NeverReturnExpired' as const, 'ReturnExpiredIfNotCleanedUp' as const),
  cleanup_full_snapshot: fc.boolean(),
  shorthand: fc.boolean(),
});

function build(config: Config): StateTtlConfig {
  const builder = StateTtlConfig.newBuilder(TTL_MS);
  if (config.shorthand) {
    if (config.update === 'OnReadAndWrite') builder.updateTtlOnReadAndWrite();
    else builder.updateTtlOnReadAndWrite().updateTtlOnCreateAndWrite();
    if (config.visibility === 'NeverReturnExpired') builder.returnExpiredIfNotCleanedUp().neverReturnExpired();
    else builder.returnExpiredIfNotCleanedUp();
  } else {
    builder.setUpdateType(config.update).setStateVisibility(config.visibility);
  }
  if (config.cleanup_full_snapshot) builder.cleanupFullSnapshot();
  const built = builder.build();
  expect([built.ttl_ms, built.update_type, built.state_visibility, built.cleanup_full_snapshot, built.isEnabled()]).toEqual([TTL_MS, config.update, config.visibility, config.cleanup_full_snapshot, true]);
  return built;
}

/** Clock steps that land before, on and after the expiry boundary of a value written ttl ms ago. */
const step_arbitrary = fc.oneof(fc.constantFrom(0, 1, TTL_MS - 1, TTL_MS, TTL_MS + 1), fc.integer({ min: 0, max: 2 * TTL_MS }));

type CommonOp =
  | { kind: 'advance'; ms: number }
  | { kind: 'key'; key: Key }
  | { kind: 'clear' }
  | { kind: 'cleanup' }
  | { kind: 'restore' };
const common_ops: fc.Arbitrary<CommonOp>[] = [
  step_arbitrary.map((ms) => ({ kind: 'advance' as const, ms })),
  fc.constantFrom(...KEYS).map((key) => ({ kind: 'key' as const, key })),
  fc.constant({ kind: 'clear' as const }),
  fc.constant({ kind: 'cleanup' as const }),
  fc.constant({ kind: 'restore' as const }),
];

/** The stored form of one key's state as the model sees it (what the backend must hold under `_ttl/<name>`). */
type Stored = unknown;

/** The model's clock, probe count and the rule every kind shares. */
class Clock {
  now = 0;
  restored_at: number | undefined = undefined;
  probes = 0;
  constructor(private readonly ttl: Config) {}
  /** Flink: expired when last access + ttl ≤ now; finding a restored value expired counts on the probe. */
  expired(value: TtlValue<unknown>): boolean {
    if (value.last_access_ms + TTL_MS > this.now) return false;
    if (this.restored_at !== undefined && value.last_access_ms < this.restored_at) this.probes++;
    return true;
  }
  /** Flink's getWrappedWithTtlCheckAndUpdate: the value, the expired value once (ReturnExpired…), refreshed on read. */
  read_single<T>(stored: TtlValue<T> | undefined, set: (value: TtlValue<T> | undefined) => void): T | undefined {
    if (stored === undefined) return undefined;
    if (this.expired(stored)) {
      set(undefined);
      return this.ttl.visibility === 'ReturnExpiredIfNotCleanedUp' ? stored.value : undefined;
    }
    if (this.ttl.update === 'OnReadAndWrite') set({ value: stored.value, last_access_ms: this.now });
    return stored.value;
  }
  stamp<T>(value: T): TtlValue<T> {
    return { value, last_access_ms: this.now };
  }
}

function harness(config: Config) {
  const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 1 }, max_parallelism: 2 });
  const context = new KeyContext();
  const store = new KeyedStateStore(backend, context);
  const model_clock = new Clock(config);
  const probes: string[] = [];
  store.ttl = { now_ms: () => model_clock.now, probe: (name) => probes.push(name) };
  const ctx = createRuntimeContext({ subtask_index: 0, parallelism: 1, max_parallelism: 2, task_name: 't' }, store);
  let key: Key = 'k1';
  const use = (next: Key): void => {
    key = next;
    context.set(next, next, key_group_of(next));
  };
  use('k1');
  let checkpoint_id = 0;
  /** The operations every kind shares; `model_clear` empties the model for the current key. */
  const common = (op: CommonOp, clear_state: () => void, model: Map<Key, Stored>, model_drop: (stored: Stored) => [Stored, number]): void => {
    switch (op.kind) {
      case 'advance':
        model_clock.now += op.ms;
        break;
      case 'key':
        use(op.key);
        break;
      case 'clear':
        clear_state();
        model.delete(key);
        break;
      case 'cleanup': {
        let expected = 0;
        if (config.cleanup_full_snapshot) {
          for (const k of KEYS) {
            const stored = model.get(k);
            if (stored === undefined) continue;
            const [kept, dropped] = model_drop(stored);
            expected += dropped;
            if (kept === undefined) model.delete(k);
            else model.set(k, kept);
          }
        }
        expect(dropExpiredTtlValues(backend, backend.key_group_range, store.ttl_full_snapshot_cleanup, model_clock.now)).toBe(expected);
        break;
      }
      case 'restore': {
        checkpoint_id++;
        const snapshot: KeyedSnapshot = backend.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/op`, 'job/shared');
        backend.put(RAW, 0, 'written after the snapshot', '', { value: 0, last_access_ms: 0 });
        backend.restore([snapshot.handle], new Map(snapshot.files_to_write.map((f) => [f.path, f.bytes] as const)));
        store.ttl!.restored_at_ms = model_clock.now;
        model_clock.restored_at = model_clock.now;
        break;
      }
    }
  };
  /** After every operation: the backend holds what the model stores (values and access times), the probe counted alike. */
  const check = (model: Map<Key, Stored>): void => {
    for (const k of KEYS) expect(backend.get(RAW, key_group_of(k), k, '')).toEqual(model.get(k));
    expect(backend.size()).toBe(model.size);
    expect(probes.length).toBe(model_clock.probes);
    expect(new Set(probes)).toEqual(new Set(model_clock.probes > 0 ? ['state.ttl_expired_after_restore'] : []));
  };
  return { backend, store, ctx, clock: model_clock, common, check, current: () => key };
}

/** Full-snapshot cleanup of a single stored value: dropped when expired (no probe: nothing is read). */
const drop_single = (now: () => number) => (stored: Stored): [Stored, number] =>
  (stored as TtlValue<unknown>).last_access_ms + TTL_MS <= now() ? [undefined, 1] : [stored, 0];

describe('state TTL follows Flink rules for every state kind (model-based)', () => {
  it('ValueState: write stamps the time, a read of an expired value clears it (and returns it once if asked), OnReadAndWrite refreshes', () => {
    type Op = CommonOp | { kind: 'update'; value: number | undefined } | { kind: 'read' };
    const op = fc.oneof(
      ...common_ops,
      fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined, freq: 5 }).map((value) => ({ kind: 'update' as const, value })),
      fc.constant({ kind: 'read' as const }),
      fc.constant({ kind: 'read' as const }),
    ) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(config_arbitrary, fc.array(op, { minLength: 10, maxLength: 60, size: 'max' }), (config, ops) => {
        const ttl = build(config);
        const h = harness(config);
        const state = h.ctx.getState(withTtl(new ValueStateDescriptor<number>(STATE), ttl));
        const model = new Map<Key, Stored>();
        const set = (value: TtlValue<number> | undefined): void => void (value === undefined ? model.delete(h.current()) : model.set(h.current(), value));
        for (const o of ops) {
          if (o.kind === 'update') {
            state.update(o.value as number);
            set(o.value === undefined ? undefined : h.clock.stamp(o.value));
          } else if (o.kind === 'read') {
            expect(state.value()).toBe(h.clock.read_single(model.get(h.current()) as TtlValue<number> | undefined, set));
          } else h.common(o, () => state.clear(), model, drop_single(() => h.clock.now));
          h.check(model);
        }
      }),
      { numRuns: runs * 2 },
    );
  });

  it.each([false, true])('ReducingState and AggregatingState (aggregating: %s): an expired accumulator is not reduced into, it starts over', (aggregating) => {
    type Op = CommonOp | { kind: 'add'; value: number } | { kind: 'read' };
    const op = fc.oneof(
      ...common_ops,
      fc.integer({ min: 1, max: 9 }).map((value) => ({ kind: 'add' as const, value })),
      fc.constant({ kind: 'read' as const }),
      fc.constant({ kind: 'read' as const }),
    ) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(config_arbitrary, fc.array(op, { minLength: 10, maxLength: 60, size: 'max' }), (config, ops) => {
        const ttl = build(config);
        const h = harness(config);
        const sum = aggregating
          ? h.ctx.getAggregatingState(
            withTtl(new AggregatingStateDescriptor<number, [number, number], number>(STATE, {
              createAccumulator: () => [0, 0],
              add: (v, [s, n]) => [s + v, n + 1],
              getResult: ([s, n]) => s * 100 + n,
            }), ttl),
          )
          : h.ctx.getReducingState(withTtl(new ReducingStateDescriptor<number>(STATE, (a, b) => a + b), ttl));
        const model = new Map<Key, Stored>();
        const set = (value: TtlValue<unknown> | undefined): void => void (value === undefined ? model.delete(h.current()) : model.set(h.current(), value));
        for (const o of ops) {
          if (o.kind === 'add') {
            sum.add(o.value);
            const stored = model.get(h.current()) as TtlValue<unknown> | undefined;
            const current = stored === undefined || h.clock.expired(stored) ? undefined : stored.value;
            if (aggregating) {
              const [s, n] = (current as [number, number] | undefined) ?? [0, 0];
              set(h.clock.stamp([s + o.value, n + 1]));
            } else set(h.clock.stamp(current === undefined ? o.value : (current as number) + o.value));
          } else if (o.kind === 'read') {
            const accumulator = h.clock.read_single(model.get(h.current()) as TtlValue<unknown> | undefined, set);
            const expected = accumulator === undefined || !aggregating ? accumulator : (accumulator as [number, number])[0] * 100 + (accumulator as [number, number])[1];
            expect(sum.get()).toEqual(expected);
          } else h.common(o, () => sum.clear(), model, drop_single(() => h.clock.now));
          h.check(model);
        }
      }),
      { numRuns: runs * 2 },
    );
  });

  it('ListState: elements expire one by one; a read drops expired ones (returning them once if asked) and refreshes the rest on OnReadAndWrite', () => {
    type Op = CommonOp | { kind: 'add'; value: number } | { kind: 'addAll'; values: number[] } | { kind: 'update'; values: number[] } | { kind: 'read' };
    const values = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 });
    const op = fc.oneof(
      ...common_ops,
      fc.integer({ min: 0, max: 9 }).map((value) => ({ kind: 'add' as const, value })),
      values.map((vs) => ({ kind: 'addAll' as const, values: vs })),
      values.map((vs) => ({ kind: 'update' as const, values: vs })),
      fc.constant({ kind: 'read' as const }),
      fc.constant({ kind: 'read' as const }),
    ) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(config_arbitrary, fc.array(op, { minLength: 10, maxLength: 60, size: 'max' }), (config, ops) => {
        const ttl = build(config);
        const h = harness(config);
        const list = h.ctx.getListState(withTtl(new ListStateDescriptor<number>(STATE), ttl));
        const model = new Map<Key, Stored>();
        const elements = (): TtlValue<number>[] => (model.get(h.current()) as TtlValue<number>[] | undefined) ?? [];
        const set = (next: TtlValue<number>[]): void => void (next.length === 0 ? model.delete(h.current()) : model.set(h.current(), next));
        for (const o of ops) {
          if (o.kind === 'add') {
            list.add(o.value);
            set([...elements(), h.clock.stamp(o.value)]);
          } else if (o.kind === 'addAll') {
            list.addAll(o.values);
            set([...elements(), ...o.values.map((v) => h.clock.stamp(v))]);
          } else if (o.kind === 'update') {
            list.update(o.values);
            set(o.values.map((v) => h.clock.stamp(v)));
          } else if (o.kind === 'read') {
            const stored = elements();
            const live = stored.filter((v) => !h.clock.expired(v));
            set(config.update === 'OnReadAndWrite' ? live.map((v) => h.clock.stamp(v.value)) : live);
            const returned = config.visibility === 'ReturnExpiredIfNotCleanedUp' ? stored : live;
            expect(list.get()).toEqual(returned.map((v) => v.value));
          } else {
            h.common(o, () => list.clear(), model, (stored) => {
              const items = stored as TtlValue<number>[];
              const kept = items.filter((v) => v.last_access_ms + TTL_MS > h.clock.now);
              return [kept.length === 0 ? undefined : kept, items.length - kept.length];
            });
          }
          h.check(model);
        }
      }),
      { numRuns: runs * 2 },
    );
  });

  it('MapState: entries expire one by one; get/contains/iteration clean up expired entries (returning them once if asked)', () => {
    const USER_KEYS = ['a', 'b', '__proto__'] as const;
    type Op =
      | CommonOp
      | { kind: 'put'; user_key: string; value: number }
      | { kind: 'get' | 'contains' | 'remove'; user_key: string }
      | { kind: 'entries' | 'keys' | 'values' | 'isEmpty' };
    const user_key = fc.constantFrom(...USER_KEYS);
    const op = fc.oneof(
      ...common_ops,
      fc.record({ kind: fc.constant('put' as const), user_key, value: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constantFrom('get' as const, 'contains' as const, 'remove' as const), user_key }),
      fc.record({ kind: fc.constantFrom('entries' as const, 'keys' as const, 'values' as const, 'isEmpty' as const) }),
    ) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(config_arbitrary, fc.array(op, { minLength: 10, maxLength: 60, size: 'max' }), (config, ops) => {
        const ttl = build(config);
        const h = harness(config);
        const map = h.ctx.getMapState(withTtl(new MapStateDescriptor<string, number>(STATE), ttl));
        const model = new Map<Key, Stored>();
        /** Stored form: [encoded user key, TtlValue] pairs sorted by encoded key. */
        const pairs = (): [string, TtlValue<number>][] => (model.get(h.current()) as [string, TtlValue<number>][] | undefined) ?? [];
        const set_pairs = (next: [string, TtlValue<number>][]): void => {
          next.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
          if (next.length === 0) model.delete(h.current());
          else model.set(h.current(), next);
        };
        const set_entry = (uk: string, value: TtlValue<number> | undefined): void =>
          set_pairs([...pairs().filter(([k]) => k !== encodeKey(uk)), ...(value === undefined ? [] : [[encodeKey(uk), value] as [string, TtlValue<number>]])]);
        const read = (uk: string): number | undefined => h.clock.read_single(pairs().find(([k]) => k === encodeKey(uk))?.[1], (v) => set_entry(uk, v));
        /** Flink's TtlMapState iterator: each entry through the same check as get (an expired one returned once if asked). */
        const iterate = (): [string, number][] => {
          const out: [string, number][] = [];
          for (const [encoded] of pairs()) {
            const uk = USER_KEYS.find((k) => encodeKey(k) === encoded)!;
            const value = read(uk);
            if (value !== undefined) out.push([uk, value]);
          }
          return out;
        };
        for (const o of ops) {
          switch (o.kind) {
            case 'put':
              map.put(o.user_key, o.value);
              set_entry(o.user_key, h.clock.stamp(o.value));
              break;
            case 'get':
              expect(map.get(o.user_key)).toBe(read(o.user_key));
              break;
            case 'contains':
              expect(map.contains(o.user_key)).toBe(read(o.user_key) !== undefined);
              break;
            case 'remove':
              map.remove(o.user_key);
              set_entry(o.user_key, undefined);
              break;
            case 'entries':
              expect(map.entries()).toEqual(iterate());
              break;
            case 'keys':
              expect(map.keys()).toEqual(iterate().map(([k]) => k));
              break;
            case 'values':
              expect(map.values()).toEqual(iterate().map(([, v]) => v));
              break;
            case 'isEmpty':
              expect(map.isEmpty()).toBe(iterate().length === 0);
              break;
            default:
              h.common(o, () => map.clear(), model, (stored) => {
                const items = stored as [string, TtlValue<number>][];
                const kept = items.filter(([, v]) => v.last_access_ms + TTL_MS > h.clock.now);
                return [kept.length === 0 ? undefined : kept, items.length - kept.length];
              });
          }
          h.check(model);
        }
      }),
      { numRuns: runs * 2 },
    );
  });
});

describe('StateTtlConfig', () => {
  it('refuses a TTL that is not a positive finite number of milliseconds', () => {
    for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => StateTtlConfig.newBuilder(ms).build()).toThrow(/a state TTL must be > 0 ms/);
    }
    expect(StateTtlConfig.newBuilder(0.5).build().ttl_ms).toBe(0.5);
  });

  it('defaults to OnCreateAndWrite and NeverReturnExpired without full-snapshot cleanup (Flink defaults); Disabled turns TTL off', () => {
    const config = StateTtlConfig.newBuilder(5).build();
    expect([config.update_type, config.state_visibility, config.cleanup_full_snapshot, config.isEnabled()]).toEqual(['OnCreateAndWrite', 'NeverReturnExpired', false, true]);
    const disabled = StateTtlConfig.newBuilder(5).setUpdateType(StateTtlConfig.UpdateType.Disabled).build();
    expect(disabled.isEnabled()).toBe(false);
    // A descriptor whose TTL is disabled is plain state: nothing is wrapped, nothing expires.
    const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 0 }, max_parallelism: 1 });
    const context = new KeyContext();
    context.set('k', 'k', 0);
    const store = new KeyedStateStore(backend, context);
    const clock = { now: 0 };
    store.ttl = { now_ms: () => clock.now };
    const ctx = createRuntimeContext({ subtask_index: 0, parallelism: 1, max_parallelism: 1, task_name: 't' }, store);
    const state = ctx.getState(withTtl(new ValueStateDescriptor<number>('plain'), disabled));
    state.update(3);
    clock.now = 1000;
    expect(state.value()).toBe(3);
    expect(backend.get('plain', 0, 'k', '')).toBe(3);
  });
});

function withTtl<D extends { enableTimeToLive(config: StateTtlConfig): void }>(descriptor: D, config: StateTtlConfig): D {
  descriptor.enableTimeToLive(config);
  return descriptor;
}

describe('TTL without a probe, and the planted restore bug', () => {
  it('a restored value expires by its own time also when nobody listens for the probe', () => {
    const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 0 }, max_parallelism: 1 });
    const context = new KeyContext();
    context.set('k', 'k', 0);
    const store = new KeyedStateStore(backend, context);
    const clock = { now: 0 };
    store.ttl = { now_ms: () => clock.now };
    const ctx = createRuntimeContext({ subtask_index: 0, parallelism: 1, max_parallelism: 1, task_name: 't' }, store);
    const state = ctx.getState(withTtl(new ValueStateDescriptor<number>('v'), StateTtlConfig.newBuilder(10).build()));
    state.update(1);
    store.ttl.restored_at_ms = 5;
    clock.now = 10;
    expect(state.value()).toBeUndefined();
  });

  it('the planted bug (access times reset at restore) stamps every single TTL value with the restore time, nothing else', () => {
    const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 1 }, max_parallelism: 2 });
    backend.put('_ttl/v', 0, 'k', '', { value: 1, last_access_ms: 3 });
    backend.put('_ttl/v', 1, 'j', 'w', { value: { n: 2 }, last_access_ms: 4 });
    backend.put('_ttl/l', 0, 'k', '', [{ value: 1, last_access_ms: 3 }]);
    backend.put('_ttl/odd', 0, 'k', '', null);
    backend.put('_ttl/odd', 1, 'k', '', 'text');
    backend.put('_ttl/odd', 1, 'j', '', { value: 1, last_access_ms: 'soon' });
    backend.put('plain', 0, 'k', '', { value: 1, last_access_ms: 3 });
    const before = [...backend.export_entries()];
    resetTtlAccessTimes(backend, 50);
    const stamped = (e: { state: string; key: string }): boolean => e.state === '_ttl/v';
    expect([...backend.export_entries()]).toEqual(before.map((e) => (stamped(e) ? { ...e, value: { ...(e.value as object), last_access_ms: 50 } } : e)));
  });
});
