// Specification of keyed state: handles scoped to the current key and namespace, canonical key encoding (special
// keys are ordinary data), MapState with awkward user keys, and timers stored in the backend.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey } from './key-codec.js';
import { EVENT_TIMER_STATE, InternalTimerService, KeyContext, KeyedStateStore } from './keyed-state.js';
import { MemoryKeyedStateBackend } from './memory-backend.js';
import { assignToKeyGroup, keyHashCode } from './key-groups.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 30);
const MAX_P = 128;

function setup() {
  const backend = new MemoryKeyedStateBackend({ start: 0, end: MAX_P - 1 }, MAX_P);
  const context = new KeyContext();
  const store = new KeyedStateStore(backend, context);
  const use = (key: unknown, namespace = '') => {
    const encoded = encodeKey(key);
    context.set(key, encoded, assignToKeyGroup(keyHashCode(key, encoded), MAX_P));
    context.current_namespace = namespace;
  };
  return { backend, context, store, use };
}

describe('key codec', () => {
  it('round-trips and separates types', () => {
    for (const key of ['', '__proto__', 'constructor', 'hasOwnProperty', '\u0000n1', '\u0000', 0, -0, 1.5, true, false, null, [1, 'a'], { b: 2, a: 1 }]) {
      expect(decodeKey(encodeKey(key))).toEqual(key === -0 ? 0 : key);
    }
    expect(encodeKey('1')).not.toBe(encodeKey(1));
    expect(encodeKey('\u0000n1')).not.toBe(encodeKey(1));
    expect(encodeKey('plain')).toBe('plain');
    expect(encodeKey({ a: 1, b: 2 })).toBe(encodeKey({ b: 2, a: 1 }));
  });

  it('encoding is injective on strings and integers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((t) => '\u0000' + t), fc.integer()), fc.oneof(fc.string(), fc.string().map((t) => '\u0000' + t), fc.integer()), (a, b) => {
        return (encodeKey(a) === encodeKey(b)) === (a === b);
      }),
      { numRuns: runs * 5 },
    );
  });

  it('rejects values that are not keys', () => {
    expect(() => encodeKey(undefined)).toThrow();
    expect(() => encodeKey(Number.NaN)).toThrow();
  });
});

describe('keyed state handles', () => {
  it('ValueState is scoped to the current key, and "__proto__", "constructor" and "" are ordinary keys', () => {
    const { store, use, backend } = setup();
    const count = store.getState<number>('count');
    for (const key of ['__proto__', 'constructor', '', 'toString']) {
      use(key);
      expect(count.value()).toBeUndefined();
      count.update(key.length + 1);
    }
    for (const key of ['__proto__', 'constructor', '', 'toString']) {
      use(key);
      expect(count.value()).toBe(key.length + 1);
    }
    expect(backend.size()).toBe(4);
    use('');
    count.clear();
    expect(count.value()).toBeUndefined();
    expect(backend.size()).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('namespaces separate state of one key (as windows do)', () => {
    const { store, use } = setup();
    const sum = store.getReducingState<number>('sum', (a, b) => a + b);
    use('k', 'w1');
    sum.add(1);
    sum.add(2);
    use('k', 'w2');
    sum.add(10);
    use('k', 'w1');
    expect(sum.get()).toBe(3);
    use('k', 'w2');
    expect(sum.get()).toBe(10);
  });

  it('ListState appends, replaces and clears', () => {
    const { store, use } = setup();
    const list = store.getListState<string>('items');
    use(7);
    list.add('a');
    list.addAll(['b', 'c']);
    expect(list.get()).toEqual(['a', 'b', 'c']);
    list.update(['z']);
    expect(list.get()).toEqual(['z']);
    list.clear();
    expect(list.get()).toEqual([]);
  });

  it('MapState treats special user keys as data and lists entries in canonical order', () => {
    const { store, use } = setup();
    const map = store.getMapState<string, number>('m');
    use('owner');
    map.put('__proto__', 1);
    map.put('constructor', 2);
    map.put('', 3);
    map.put('__proto__', 4);
    expect(map.get('__proto__')).toBe(4);
    expect(map.get('constructor')).toBe(2);
    expect(map.get('')).toBe(3);
    expect(map.contains('toString')).toBe(false);
    expect(map.keys()).toEqual(['', '__proto__', 'constructor']);
    map.remove('__proto__');
    expect(map.entries()).toEqual([
      ['', 3],
      ['constructor', 2],
    ]);
    use('other');
    expect(map.isEmpty()).toBe(true);
  });

  it('MapState behaves like a Map for any sequence of operations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('put', 'remove'), fc.constantFrom('', '__proto__', 'constructor', 'a', 'b'), fc.integer())),
        (ops) => {
          const { store, use } = setup();
          const map = store.getMapState<string, number>('m');
          use('k');
          const model = new Map<string, number>();
          for (const [op, key, value] of ops) {
            if (op === 'put') {
              map.put(key, value);
              model.set(key, value);
            } else {
              map.remove(key);
              model.delete(key);
            }
          }
          expect(new Map(map.entries())).toEqual(model);
        },
      ),
      { numRuns: runs },
    );
  });

  it('AggregatingState keeps the accumulator and returns the result', () => {
    const { store, use } = setup();
    const avg = store.getAggregatingState<number, [number, number], number>('avg', {
      createAccumulator: () => [0, 0],
      add: (v, [s, c]) => [s + v, c + 1],
      getResult: ([s, c]) => s / c,
    });
    use('k');
    avg.add(2);
    avg.add(4);
    expect(avg.get()).toBe(3);
  });

  it('rejects user state names reserved for the engine and kind clashes', () => {
    const { store } = setup();
    expect(() => store.getState('_timers')).toThrow();
    store.getState('x');
    expect(() => store.getListState('x')).toThrow();
  });

  it('state access without a current key is an error', () => {
    const { store } = setup();
    expect(() => store.getState('x').value()).toThrow(/outside a keyed context/);
  });
});

describe('timers', () => {
  it('fire in (timestamp, key, namespace) order, once, and live in the backend', () => {
    const { backend } = setup();
    const timers = new InternalTimerService(backend);
    timers.register('event', 30, 'sb', 1, '');
    timers.register('event', 10, 'sa', 2, '');
    timers.register('event', 10, 'sa', 2, '');
    timers.register('event', 20, 'sa', 2, 'w');
    expect([...backend.entries(EVENT_TIMER_STATE, 2)].length).toBe(2);
    timers.delete('event', 20, 'sa', 2, 'w');
    const fired: number[] = [];
    for (let t = timers.pollDue('event', 25); t !== undefined; t = timers.pollDue('event', 25)) fired.push(t.timestamp_ms);
    expect(fired).toEqual([10]);
    expect(timers.peekTimestamp('event')).toBe(30);
    expect(backend.size()).toBe(1);
  });

  it('can be rebuilt from the backend alone (what a restore does)', () => {
    const { backend } = setup();
    const a = new InternalTimerService(backend);
    a.register('event', 5, 'sx', 3, 'n');
    a.register('processing', 7, 'sy', 4, '');
    const b = new InternalTimerService(backend);
    b.rebuildFromBackend(Array.from({ length: MAX_P }, (_, i) => i));
    expect(b.pollDue('event', 100)).toEqual({ timestamp_ms: 5, key_encoded: 'sx', key_group: 3, namespace: 'n' });
    expect(b.pollDue('processing', 100)?.key_encoded).toBe('sy');
  });
});
