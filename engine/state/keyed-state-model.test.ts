// Keyed state handles and the timer service against reference models: every state kind (value, list, map, reducing,
// aggregating) scoped to key and namespace, with Flink's clear/remove semantics (an empty list or map holds no entry),
// kind clashes refused by name; timers fire once each in (timestamp, key, namespace) order, also after a rebuild.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StateEntry } from './backend.js';
import { HeapKeyedStateBackend } from './heap-backend.js';
import { decodeKey, encodeKey } from './key-codec.js';
import {
  EVENT_TIMER_STATE,
  InternalTimerService,
  KeyContext,
  KeyedStateStore,
  PROCESSING_TIMER_STATE,
  checkUserStateName,
  type InternalTimer,
  type TimeDomain,
} from './keyed-state.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const MAX_P = 4;
const KEYS = ['x', 'y', '__proto__'] as const;
const key_group_of = (key: string): number => KEYS.indexOf(key as (typeof KEYS)[number]) % MAX_P;
const NAMESPACES = ['', 'w1', 'w2'] as const;

function setup() {
  const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: MAX_P - 1 }, max_parallelism: MAX_P });
  const context = new KeyContext();
  const store = new KeyedStateStore(backend, context);
  const use = (key: string, namespace: string): void => {
    context.set(key, encodeKey(key), key_group_of(key));
    context.current_namespace = namespace;
  };
  return { backend, context, store, use };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

describe('keyed state handles (model-based)', () => {
  type Op =
    | { kind: 'use'; key: string; namespace: string }
    | { kind: 'value.update'; value: number | undefined }
    | { kind: 'list.add'; value: number }
    | { kind: 'list.addAll' | 'list.update'; values: number[] }
    | { kind: 'map.put'; user_key: string; value: number }
    | { kind: 'map.remove' | 'map.get' | 'map.contains'; user_key: string }
    | { kind: 'reducing.add' | 'aggregating.add'; value: number }
    | { kind: 'clear'; state: 'v' | 'l' | 'm' | 'r' | 'a' }
    | { kind: 'read' };
  const value = fc.integer({ min: 0, max: 9 });
  const values = fc.array(value, { maxLength: 3 });
  const user_key = fc.constantFrom('a', 'b', '', 'constructor');
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('use' as const), key: fc.constantFrom(...KEYS), namespace: fc.constantFrom(...NAMESPACES) }),
    fc.record({ kind: fc.constant('value.update' as const), value: fc.option(value, { nil: undefined, freq: 4 }) }),
    fc.record({ kind: fc.constant('list.add' as const), value }),
    fc.record({ kind: fc.constantFrom('list.addAll' as const, 'list.update' as const), values }),
    fc.record({ kind: fc.constant('map.put' as const), user_key, value }),
    fc.record({ kind: fc.constantFrom('map.remove' as const, 'map.get' as const, 'map.contains' as const), user_key }),
    fc.record({ kind: fc.constantFrom('reducing.add' as const, 'aggregating.add' as const), value }),
    fc.record({ kind: fc.constant('clear' as const), state: fc.constantFrom('v' as const, 'l' as const, 'm' as const, 'r' as const, 'a' as const) }),
    fc.constant({ kind: 'read' as const }),
  );

  it('each kind behaves as its model per (key, namespace), and the backend holds exactly the non-empty states', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 100, size: 'max' }), (ops) => {
        const { backend, store, use } = setup();
        const v = store.getState<number>('v');
        const l = store.getListState<number>('l');
        const m = store.getMapState<string, number>('m');
        const r = store.getReducingState<number>('r', (a, b) => a * 10 + b);
        const a = store.getAggregatingState<number, { sum: number; n: number }, string>('a', {
          createAccumulator: () => ({ sum: 0, n: 0 }),
          add: (x, acc) => ({ sum: acc.sum + x, n: acc.n + 1 }),
          getResult: (acc) => `${acc.sum}/${acc.n}`,
        });
        // The model: state → "key|namespace" → stored value (list array, map pairs sorted by encoded user key, accumulator).
        const model = new Map<string, Map<string, unknown>>(['v', 'l', 'm', 'r', 'a'].map((s) => [s, new Map()]));
        let key: string = KEYS[0];
        let namespace: string = NAMESPACES[0];
        use(key, namespace);
        const at = (): string => JSON.stringify([key, namespace]);
        const get = <T>(state: string): T | undefined => model.get(state)!.get(at()) as T | undefined;
        const set = (state: string, stored: unknown): void => void (stored === undefined ? model.get(state)!.delete(at()) : model.get(state)!.set(at(), stored));
        const pairs = (): [string, number][] => get<[string, number][]>('m') ?? [];
        const set_pairs = (next: [string, number][]): void => set('m', next.length === 0 ? undefined : [...next].sort((x, y) => compare(x[0], y[0])));
        for (const o of ops) {
          switch (o.kind) {
            case 'use':
              key = o.key;
              namespace = o.namespace;
              use(key, namespace);
              break;
            case 'value.update':
              v.update(o.value as number);
              set('v', o.value);
              break;
            case 'list.add':
              l.add(o.value);
              set('l', [...(get<number[]>('l') ?? []), o.value]);
              break;
            case 'list.addAll': {
              l.addAll(o.values);
              const next = [...(get<number[]>('l') ?? []), ...o.values];
              set('l', next.length === 0 ? undefined : next);
              break;
            }
            case 'list.update':
              l.update(o.values);
              set('l', o.values.length === 0 ? undefined : [...o.values]);
              break;
            case 'map.put':
              m.put(o.user_key, o.value);
              set_pairs([...pairs().filter(([k]) => k !== encodeKey(o.user_key)), [encodeKey(o.user_key), o.value]]);
              break;
            case 'map.remove':
              m.remove(o.user_key);
              set_pairs(pairs().filter(([k]) => k !== encodeKey(o.user_key)));
              break;
            case 'map.get':
              expect(m.get(o.user_key)).toBe(pairs().find(([k]) => k === encodeKey(o.user_key))?.[1]);
              break;
            case 'map.contains':
              expect(m.contains(o.user_key)).toBe(pairs().some(([k]) => k === encodeKey(o.user_key)));
              break;
            case 'reducing.add': {
              r.add(o.value);
              const current = get<number>('r');
              set('r', current === undefined ? o.value : current * 10 + o.value);
              break;
            }
            case 'aggregating.add': {
              a.add(o.value);
              const acc = get<{ sum: number; n: number }>('a') ?? { sum: 0, n: 0 };
              set('a', { sum: acc.sum + o.value, n: acc.n + 1 });
              break;
            }
            case 'clear':
              ({ v, l, m, r, a })[o.state].clear();
              set(o.state, undefined);
              break;
            case 'read': {
              const acc = get<{ sum: number; n: number }>('a');
              expect(v.value()).toBe(get('v'));
              expect(l.get()).toEqual(get('l') ?? []);
              expect(r.get()).toBe(get('r'));
              expect(a.get()).toBe(acc === undefined ? undefined : `${acc.sum}/${acc.n}`);
              const decoded = pairs().map(([k, x]) => [decodeKey(k), x]);
              expect(m.entries()).toEqual(decoded);
              expect(m.keys()).toEqual(decoded.map(([k]) => k));
              expect(m.values()).toEqual(decoded.map(([, x]) => x));
              expect(m.isEmpty()).toBe(decoded.length === 0);
              break;
            }
          }
        }
        const expected: StateEntry[] = [];
        for (const [state, by_coordinate] of model) {
          for (const [coordinate, stored] of by_coordinate) {
            const [k, ns] = JSON.parse(coordinate) as [string, string];
            expected.push({ state, key_group: key_group_of(k), key: encodeKey(k), namespace: ns, value: stored });
          }
        }
        expected.sort((x, y) => compare(x.state, y.state) || x.key_group - y.key_group || compare(x.key, y.key) || compare(x.namespace, y.namespace));
        expect([...backend.export_entries()]).toEqual(expected);
        expect(backend.size()).toBe(expected.length);
      }),
      { numRuns: runs },
    );
  });

  it('a state name is registered once per kind: the same kind again is the same state, another kind is refused naming both', () => {
    const { store, use } = setup();
    use('x', '');
    const first = store.getState<number>('n');
    first.update(4);
    expect(store.getState<number>('n').value()).toBe(4);
    const declare = {
      value: (name: string) => store.getState(name),
      list: (name: string) => store.getListState(name),
      map: (name: string) => store.getMapState(name),
      reducing: (name: string) => store.getReducingState<number>(name, (p, q) => p + q),
      aggregating: (name: string) => store.getAggregatingState(name, { createAccumulator: () => 0, add: (p: number, q: number) => p + q, getResult: (q: number) => q }),
    };
    for (const [kind, make] of Object.entries(declare)) {
      make(`s-${kind}`);
      make(`s-${kind}`);
      for (const [other, make_other] of Object.entries(declare)) {
        if (other === kind) continue;
        expect(() => make_other(`s-${kind}`)).toThrow(`state s-${kind} already registered as ${kind}, not ${other}`);
      }
    }
  });

  it('user state names may not be empty or start with "_" (reserved for timers and window contents), for every kind', () => {
    const { store } = setup();
    for (const name of ['', '_x', '_timers/event']) {
      expect(() => store.getState(name)).toThrow(`invalid state name ${JSON.stringify(name)}`);
      expect(() => store.getListState(name)).toThrow(/invalid state name/);
      expect(() => store.getMapState(name)).toThrow(/invalid state name/);
      expect(() => store.getReducingState<number>(name, (p, q) => p + q)).toThrow(/invalid state name/);
      expect(() => store.getAggregatingState(name, { createAccumulator: () => 0, add: (p: number, q: number) => p + q, getResult: (q: number) => q })).toThrow(/invalid state name/);
    }
    expect(() => store.getState('_engine', true)).not.toThrow();
    expect(() => checkUserStateName(EVENT_TIMER_STATE)).toThrow();
    expect(() => checkUserStateName(PROCESSING_TIMER_STATE)).toThrow();
    expect(EVENT_TIMER_STATE).not.toBe(PROCESSING_TIMER_STATE);
  });
});

describe('timer service (model-based)', () => {
  type Op =
    | { kind: 'register' | 'delete'; domain: TimeDomain; timestamp_ms: number; key: string; namespace: string }
    | { kind: 'poll'; domain: TimeDomain; time_ms: number }
    | { kind: 'peek'; domain: TimeDomain }
    | { kind: 'rebuild'; fresh: boolean };
  const domain = fc.constantFrom('event' as const, 'processing' as const);
  // Timestamps and namespaces that would collide in a careless "timestamp + namespace" encoding (1 + "2|" vs 12 + "|").
  const timer = {
    domain,
    timestamp_ms: fc.constantFrom(1, 2, 12, 21, 3),
    key: fc.constantFrom(...KEYS),
    namespace: fc.constantFrom('', '2', '2|', '|', 'w'),
  };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('register' as const), ...timer }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ...timer }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('poll' as const), domain, time_ms: fc.constantFrom(0, 1, 2, 11, 12, 25) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('peek' as const), domain }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('rebuild' as const), fresh: fc.boolean() }) },
  );
  const order = (a: InternalTimer, b: InternalTimer): number =>
    a.timestamp_ms - b.timestamp_ms || compare(a.key_encoded, b.key_encoded) || compare(a.namespace, b.namespace);

  it('fires every registered, undeleted timer once, earliest (timestamp, key, namespace) first, per time domain', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 120, size: 'max' }), (ops) => {
        const { backend } = setup();
        let timers = new InternalTimerService(backend);
        expect([timers.heapSize('event'), timers.heapSize('processing')]).toEqual([0, 0]);
        const model: Record<TimeDomain, InternalTimer[]> = { event: [], processing: [] };
        const same = (a: InternalTimer, b: InternalTimer): boolean => order(a, b) === 0;
        for (const o of ops) {
          switch (o.kind) {
            case 'register':
            case 'delete': {
              const t: InternalTimer = { timestamp_ms: o.timestamp_ms, key_encoded: encodeKey(o.key), key_group: key_group_of(o.key), namespace: o.namespace };
              if (o.kind === 'register') {
                timers.register(o.domain, t.timestamp_ms, t.key_encoded, t.key_group, t.namespace);
                if (!model[o.domain].some((x) => same(x, t))) model[o.domain].push(t);
              } else {
                timers.delete(o.domain, t.timestamp_ms, t.key_encoded, t.key_group, t.namespace);
                model[o.domain] = model[o.domain].filter((x) => !same(x, t));
              }
              break;
            }
            case 'poll': {
              const due = [...model[o.domain]].sort(order)[0];
              const expected = due !== undefined && due.timestamp_ms <= o.time_ms ? due : undefined;
              if (expected !== undefined) model[o.domain] = model[o.domain].filter((x) => !same(x, expected));
              expect(timers.pollDue(o.domain, o.time_ms)).toEqual(expected);
              break;
            }
            case 'peek':
              expect(timers.peekTimestamp(o.domain)).toBe([...model[o.domain]].sort(order)[0]?.timestamp_ms);
              break;
            case 'rebuild':
              // After a restore the index is rebuilt from the backend alone (in a new service, or the same one).
              if (o.fresh) timers = new InternalTimerService(backend);
              timers.rebuildFromBackend(Array.from({ length: MAX_P }, (_, i) => i));
              for (const d of ['event', 'processing'] as const) expect(timers.heapSize(d)).toBe(model[d].length);
              break;
          }
          expect(backend.size()).toBe(model.event.length + model.processing.length);
        }
        // Drain: everything left fires in order, nothing more.
        for (const d of ['event', 'processing'] as const) {
          const fired: InternalTimer[] = [];
          for (let t = timers.pollDue(d, Infinity); t !== undefined; t = timers.pollDue(d, Infinity)) fired.push(t);
          expect(fired).toEqual([...model[d]].sort(order));
          expect(timers.peekTimestamp(d)).toBeUndefined();
          expect(timers.heapSize(d)).toBe(0);
        }
        expect(backend.size()).toBe(0);
      }),
      { numRuns: runs },
    );
  });

  it('refuses a timer at a non-finite time, and timers live in engine-reserved states', () => {
    const { backend } = setup();
    const timers = new InternalTimerService(backend);
    expect(() => timers.register('event', Number.NaN, 'x', 0, '')).toThrow(/timer timestamp must be finite, got NaN/);
    expect(() => timers.register('processing', Infinity, 'x', 0, '')).toThrow(/finite/);
    expect(backend.size()).toBe(0);
    timers.register('event', 12, 'x', 0, '');
    timers.register('event', 1, 'x', 0, '2');
    timers.register('processing', 12, 'x', 0, '');
    expect(backend.size()).toBe(3);
    for (const entry of backend.export_entries()) expect(() => checkUserStateName(entry.state)).toThrow(/invalid state name/);
  });

  it('registering a timer that is already registered changes nothing, not even the size of the timer index (bounded)', () => {
    const { backend } = setup();
    const timers = new InternalTimerService(backend);
    for (let i = 0; i < 100; i++) timers.register('event', 40, 'x', 0, 'w');
    expect([timers.heapSize('event'), backend.size()]).toEqual([1, 1]);
    expect(timers.pollDue('event', 40)).toEqual({ timestamp_ms: 40, key_encoded: 'x', key_group: 0, namespace: 'w' });
    expect(timers.pollDue('event', 40)).toBeUndefined();
  });
});
