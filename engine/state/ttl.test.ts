// Specification of state TTL against Flink's documented semantics (StateTtlConfig): a value expires ttl ms of
// processing time after its last write (OnCreateAndWrite) or access (OnReadAndWrite); an expired value is cleaned up
// when read and not returned (NeverReturnExpired) or returned once (ReturnExpiredIfNotCleanedUp); list and map
// elements expire one by one; full-snapshot cleanup drops expired values at a snapshot; timestamps are stored values.
import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  ValueStateDescriptor,
  type StateDescriptor,
} from '../api/state-descriptors.js';
import { createRuntimeContext } from '../task/runtime-context.js';
import { KeyContext, KeyedStateStore } from './keyed-state.js';
import { MemoryKeyedStateBackend } from './memory-backend.js';
import { dropExpiredTtlValues, type TtlValue } from './ttl.js';

function harness() {
  const backend = new MemoryKeyedStateBackend({ start: 0, end: 0 }, 1);
  const context = new KeyContext();
  context.set('k', 'k', 0);
  const store = new KeyedStateStore(backend, context);
  const clock = { now: 0 };
  const probes: string[] = [];
  store.ttl = { now_ms: () => clock.now, probe: (name) => probes.push(name) };
  const ctx = createRuntimeContext({ subtask_index: 0, parallelism: 1, max_parallelism: 1, task_name: 't' }, store);
  return { backend, store, clock, ctx, probes };
}

const ttl = (ms: number, configure: (b: ReturnType<typeof StateTtlConfig.newBuilder>) => unknown = () => {}) => {
  const builder = StateTtlConfig.newBuilder(ms);
  configure(builder);
  return builder.build();
};

function withTtl<D extends StateDescriptor>(descriptor: D, config: StateTtlConfig): D {
  descriptor.enableTimeToLive(config);
  return descriptor;
}

describe('state TTL', () => {
  it('a value expires ttl after its last write; reading it cleans it up; the timestamp is part of the stored value', () => {
    const h = harness();
    const state = h.ctx.getState(withTtl(new ValueStateDescriptor<number>('v'), ttl(100)));
    state.update(1);
    expect(h.backend.get('_ttl/v', 0, 'k', '')).toEqual({ value: 1, last_access_ms: 0 } satisfies TtlValue<number>);
    h.clock.now = 99;
    expect(state.value()).toBe(1);
    h.clock.now = 100; // last write + ttl ≤ now: expired
    expect(state.value()).toBeUndefined();
    expect(h.backend.get('_ttl/v', 0, 'k', '')).toBeUndefined();
  });

  it('OnCreateAndWrite: reads do not extend the life; OnReadAndWrite: they do', () => {
    for (const [update, alive_at_150] of [
      ['OnCreateAndWrite', false],
      ['OnReadAndWrite', true],
    ] as const) {
      const h = harness();
      const state = h.ctx.getState(withTtl(new ValueStateDescriptor<string>('v'), ttl(100, (b) => b.setUpdateType(update))));
      state.update('x');
      h.clock.now = 60;
      expect(state.value()).toBe('x');
      h.clock.now = 150;
      expect(state.value() !== undefined).toBe(alive_at_150);
    }
  });

  it('ReturnExpiredIfNotCleanedUp returns an expired value once (its read cleans it up)', () => {
    const h = harness();
    const state = h.ctx.getState(withTtl(new ValueStateDescriptor<string>('v'), ttl(10, (b) => b.returnExpiredIfNotCleanedUp())));
    state.update('old');
    h.clock.now = 50;
    expect(state.value()).toBe('old');
    expect(state.value()).toBeUndefined();
  });

  it('list elements and map entries expire one by one', () => {
    const h = harness();
    const list = h.ctx.getListState(withTtl(new ListStateDescriptor<number>('l'), ttl(100)));
    const map = h.ctx.getMapState(withTtl(new MapStateDescriptor<string, number>('m'), ttl(100)));
    list.add(1);
    map.put('a', 1);
    h.clock.now = 70;
    list.add(2);
    map.put('b', 2);
    h.clock.now = 120;
    expect(list.get()).toEqual([2]);
    expect(map.entries()).toEqual([['b', 2]]);
    expect(map.get('a')).toBeUndefined();
    expect((h.backend.get('_ttl/l', 0, 'k', '') as unknown[]).length).toBe(1); // cleaned up by the read
    h.clock.now = 170;
    expect(list.get()).toEqual([]);
    expect(map.isEmpty()).toBe(true);
  });

  it('reducing and aggregating state start over once their accumulator expired', () => {
    const h = harness();
    const sum = h.ctx.getReducingState(withTtl(new ReducingStateDescriptor<number>('sum', (a, b) => a + b), ttl(100)));
    const avg = h.ctx.getAggregatingState(
      withTtl(
        new AggregatingStateDescriptor<number, [number, number], number>('avg', { createAccumulator: () => [0, 0], add: (v, [s, n]) => [s + v, n + 1], getResult: ([s, n]) => s / n }),
        ttl(100),
      ),
    );
    sum.add(5);
    avg.add(4);
    h.clock.now = 50;
    sum.add(5);
    avg.add(2);
    expect([sum.get(), avg.get()]).toEqual([10, 3]);
    h.clock.now = 200;
    sum.add(1);
    avg.add(9);
    expect([sum.get(), avg.get()]).toEqual([1, 9]);
  });

  it('full-snapshot cleanup drops expired values of the states that ask for it', () => {
    const h = harness();
    const kept = h.ctx.getState(withTtl(new ValueStateDescriptor<number>('no-cleanup'), ttl(10)));
    const cleaned = h.ctx.getState(withTtl(new ValueStateDescriptor<number>('cleanup'), ttl(10, (b) => b.cleanupFullSnapshot())));
    const list = h.ctx.getListState(withTtl(new ListStateDescriptor<number>('list'), ttl(10, (b) => b.cleanupFullSnapshot())));
    kept.update(1);
    cleaned.update(2);
    list.add(3);
    h.clock.now = 5;
    list.add(4);
    h.clock.now = 12;
    expect(dropExpiredTtlValues(h.backend, { start: 0, end: 0 }, h.store.ttl_full_snapshot_cleanup, h.clock.now)).toBe(2);
    expect(h.backend.get('_ttl/cleanup', 0, 'k', '')).toBeUndefined();
    expect(h.backend.get('_ttl/no-cleanup', 0, 'k', '')).toBeDefined();
    expect(h.backend.get('_ttl/list', 0, 'k', '')).toEqual([{ value: 4, last_access_ms: 5 }]);
  });

  it('a value restored from a checkpoint that expires after the restore is counted by a probe', () => {
    const h = harness();
    const state = h.ctx.getState(withTtl(new ValueStateDescriptor<number>('v'), ttl(100)));
    state.update(1);
    h.store.ttl!.restored_at_ms = 30;
    h.clock.now = 200;
    expect(state.value()).toBeUndefined();
    expect(h.probes).toEqual(['state.ttl_expired_after_restore']);
  });
});
