// Specification of broadcast state (Flink's HeapBroadcastState behind BroadcastState / ReadOnlyBroadcastState): a map
// per MapStateDescriptor, keys equal by value, entries in insertion order, every write visible to the next snapshot of
// the operator list state it lives in, and a restore that reads that list back.
import { describe, expect, it } from 'vitest';
import { BroadcastStateStore, MAX_BROADCAST_STATE_ENTRIES } from './broadcast-state.js';
import { OperatorListState } from './operator-state.js';
import { MapStateDescriptor } from '../api/state-descriptors.js';

type Entry = [string, unknown, unknown];

function store_of(...names: string[]): { store: BroadcastStateStore; lists: Map<string, OperatorListState<Entry>> } {
  const lists = new Map<string, OperatorListState<Entry>>();
  const store = new BroadcastStateStore(names.map((n) => new MapStateDescriptor<unknown, unknown>(n)), (name) => {
    const list = new OperatorListState<Entry>(name, 'broadcast');
    lists.set(name, list);
    return list;
  });
  store.load();
  return { store, lists };
}

const rules = new MapStateDescriptor<unknown, unknown>('rules');

describe('broadcast state: a map per descriptor', () => {
  it('put, get, contains and remove by key value, entries in insertion order', () => {
    const { store } = store_of('rules');
    const state = store.readWrite(rules);
    expect(state.isEmpty()).toBe(true);
    state.put('b', 1);
    state.put({ x: 1, y: [2] }, 'object key');
    state.put(3, 'number key');
    state.put('b', 2); // replaces in place: keeps its position
    expect(state.isEmpty()).toBe(false);
    expect(state.get('b')).toBe(2);
    expect(state.get({ y: [2], x: 1 })).toBe('object key');
    expect(state.contains(3)).toBe(true);
    expect(state.contains('3')).toBe(false);
    expect(state.get('missing')).toBeUndefined();
    expect(state.entries()).toEqual([['b', 2], [{ x: 1, y: [2] }, 'object key'], [3, 'number key']]);
    expect(state.keys()).toEqual(['b', { x: 1, y: [2] }, 3]);
    expect(state.values()).toEqual([2, 'object key', 'number key']);
    state.remove({ x: 1, y: [2] });
    state.remove('never there');
    expect(state.keys()).toEqual(['b', 3]);
    state.putAll([['c', 4], ['b', 5]]);
    expect(state.entries()).toEqual([['b', 5], [3, 'number key'], ['c', 4]]);
    state.clear();
    expect(state.isEmpty()).toBe(true);
    expect(state.entries()).toEqual([]);
  });

  it('refuses an undefined value (Flink state holds no nulls) and changes nothing', () => {
    const { store } = store_of('rules');
    const state = store.readWrite(rules);
    state.put('a', 1);
    expect(() => state.put('b', undefined)).toThrow(/rules: value must not be undefined/);
    expect(() => state.putAll([['c', 1], ['d', undefined]])).toThrow(/rules: value must not be undefined/);
    expect(state.get('b')).toBeUndefined();
  });

  it('keeps each descriptor apart, and names an unknown or doubly declared one', () => {
    const { store } = store_of('rules', 'thresholds');
    store.readWrite(rules).put('k', 'rule');
    store.readWrite(new MapStateDescriptor<string, number>('thresholds')).put('k', 7);
    expect(store.export()).toEqual(new Map<string, unknown>([['rules', [['k', 'rule']]], ['thresholds', [['k', 7]]]]));
    expect(() => store.readWrite(new MapStateDescriptor('other'))).toThrow(/broadcast state "other" does not exist: pass its MapStateDescriptor to DataStream.broadcast/);
    expect(() => store.readOnly(new MapStateDescriptor('other'))).toThrow(/"other" does not exist/);
    expect(() => store_of('rules', 'rules')).toThrow(/broadcast state rules declared twice/);
  });

  it('the read-only view sees every write and offers no writes', () => {
    const { store } = store_of('rules');
    const view = store.readOnly(rules);
    store.readWrite(rules).put('k', 1);
    expect(view.get('k')).toBe(1);
    expect(view.contains('k')).toBe(true);
    expect(view.immutableEntries()).toEqual([['k', 1]]);
    expect('put' in view).toBe(false);
    expect('remove' in view).toBe(false);
  });
});

describe('broadcast state in snapshots and restores', () => {
  it('every write reaches the broadcast-mode list state the task snapshots', () => {
    const { store, lists } = store_of('rules');
    const list = lists.get('rules') as OperatorListState<Entry>;
    expect(list.mode).toBe('broadcast');
    const state = store.readWrite(rules);
    state.put('a', 1);
    expect(list.get().map(([, k, v]) => [k, v])).toEqual([['a', 1]]);
    state.putAll([['b', 2]]);
    expect(list.get().map(([, k, v]) => [k, v])).toEqual([['a', 1], ['b', 2]]);
    state.remove('a');
    expect(list.get().map(([, k, v]) => [k, v])).toEqual([['b', 2]]);
    state.clear();
    expect(list.get()).toEqual([]);
  });

  it('a restore reads the list back: the same entries, in the same order, found by key value', () => {
    const before = store_of('rules');
    before.store.readWrite(rules).put({ id: 1 }, 'one');
    before.store.readWrite(rules).put(null, 'null key');
    before.store.readWrite(rules).put('z', 'zed');
    const snapshot = JSON.parse(JSON.stringify(before.lists.get('rules')?.get())) as Entry[];
    const after = store_of('rules');
    after.lists.get('rules')?.update(snapshot);
    after.store.load();
    const state = after.store.readWrite(rules);
    expect(state.entries()).toEqual([[{ id: 1 }, 'one'], [null, 'null key'], ['z', 'zed']]);
    expect(state.get({ id: 1 })).toBe('one');
    expect(state.get(null)).toBe('null key');
    // A second load starts from the list again (nothing left over from before).
    after.lists.get('rules')?.update(snapshot.slice(2));
    after.store.load();
    expect(state.entries()).toEqual([['z', 'zed']]);
  });

  it('refuses a malformed restored entry, naming the state', () => {
    for (const bad of [['k', 1], 'k', [1, 'k', 'v'], ['k', 'k', 'v', 'extra']]) {
      const { store, lists } = store_of('rules');
      lists.get('rules')?.update([bad as unknown as Entry]);
      expect(() => store.load()).toThrow(/broadcast state rules: malformed entry/);
    }
  });

  it('is bounded: one entry past the bound is refused', () => {
    const { store } = store_of('rules');
    const state = store.readWrite(rules);
    state.putAll(Array.from({ length: MAX_BROADCAST_STATE_ENTRIES }, (_, i) => [i, i] as const));
    expect(() => state.put('one more', 1)).toThrow(new RegExp(`broadcast state rules holds more than ${MAX_BROADCAST_STATE_ENTRIES} entries`));
  });

  it('clearing an empty state writes nothing', () => {
    const { store, lists } = store_of('rules');
    const list = lists.get('rules') as OperatorListState<Entry>;
    const same = list.get();
    store.readWrite(rules).clear();
    expect(list.get()).toBe(same);
  });
});
