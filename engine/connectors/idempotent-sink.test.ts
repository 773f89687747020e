// Specification of the idempotent (upsert-by-key) sink: replay after recovery converges to the same table,
// writes to one key never overlap (so a resend can never overwrite a newer value), flush gates the checkpoint.
import { describe, expect, it } from 'vitest';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { IdempotentSinkWriter, type IdempotentSinkOptions } from './idempotent-sink.js';
import { TransactionalStore } from './transactional-store.js';
import { FakeWorld } from './transactional-store.test-support.js';
import { record_replies } from './sink-host.test-support.js';

class Host implements EngineNode {
  readonly writer: IdempotentSinkWriter;
  readonly flushed: number[] = [];
  constructor(
    readonly runtime: Runtime,
    extra: Partial<IdempotentSinkOptions> = {},
  ) {
    this.writer = new IdempotentSinkWriter(runtime, { send: (to, m) => runtime.send(to, m) }, {
      store_node: 'store',
      client_id: `${runtime.node_id}#${runtime.incarnation}`,
      key_of: (record) => (record as { word: string }).word,
      value_of: (record) => (record as { count: number }).count,
      on_flushed: (id) => this.flushed.push(id),
      ...extra,
    });
  }
  on_start(): void {
    this.writer.initialize_state();
    this.runtime.setTimer(20, 'tick');
  }
  on_message(_from: NodeId, message: unknown): void {
    this.writer.on_message(message);
  }
  on_timer(): void {
    this.writer.tick();
    this.runtime.setTimer(20, 'tick');
  }
}

function setup(extra: Partial<IdempotentSinkOptions> = {}) {
  const world = new FakeWorld();
  world.add('store', (runtime) => new TransactionalStore(runtime));
  world.settle(10);
  world.add('sink', (runtime) => new Host(runtime, extra));
  const host = () => world.node<Host>('sink');
  const table = () => world.node<TransactionalStore>('store').read_committed().table;
  return { world, host, table };
}

const counts = (words: string[]) => {
  const seen = new Map<string, number>();
  return words.map((word) => {
    const count = (seen.get(word) ?? 0) + 1;
    seen.set(word, count);
    return { word, count };
  });
};

describe('idempotent sink', () => {
  it('upserts the latest value per key', () => {
    const { world, host, table } = setup();
    for (const record of counts(['a', 'b', 'a', 'a'])) host().writer.invoke(record);
    world.settle(100);
    expect(table()).toEqual([['a', 3], ['b', 1]]);
  });

  it('converges to the same table after a crash and replay from the last checkpoint', () => {
    const { world, host, table } = setup();
    const input = counts(['x', 'y', 'x', 'z', 'y', 'x']);
    for (const record of input.slice(0, 3)) host().writer.invoke(record);
    host().writer.snapshot_state(1);
    world.settle(100);
    expect(host().flushed).toEqual([1]);
    for (const record of input.slice(3, 5)) host().writer.invoke(record);
    world.settle(100);
    world.crash('sink');
    world.start('sink');
    for (const record of input.slice(3)) host().writer.invoke(record); // replay after checkpoint 1
    world.settle(100);
    expect(table()).toEqual([['x', 3], ['y', 2], ['z', 1]]);
  });

  it('never lets a resent older value overwrite a newer one for the same key', () => {
    const { world, host, table } = setup();
    let dropped = false;
    world.drop_message = (from) => {
      if (from === 'store' && !dropped) return (dropped = true); // lose the first ack: the first upsert is resent
      return false;
    };
    for (const record of counts(['k', 'k', 'k'])) host().writer.invoke(record);
    world.settle(1_000);
    expect(table()).toEqual([['k', 3]]);
  });

  it('reports a checkpoint flushed only when everything invoked before it is durable', () => {
    const { world, host } = setup();
    world.drop_message = (from) => from === 'sink';
    host().writer.invoke({ word: 'a', count: 1 });
    host().writer.snapshot_state(1);
    world.settle(500);
    expect(host().writer.is_flushed(1)).toBe(false);
    world.drop_message = () => false;
    world.settle(500);
    expect(host().writer.is_flushed(1)).toBe(true);
    expect(host().flushed).toEqual([1]);
  });
});

describe('idempotent sink: batches', () => {
  it('upserts ready keys in batches of at most max_batch_keys, one request each, and converges to the latest values', () => {
    const { world, host, table } = setup({ max_batch_keys: 4, max_pending_requests: 2 });
    const sent: { kind: string; keys: number }[] = [];
    world.drop_message = (from, _to, message) => {
      const request = (message as { request?: { kind: string; entries?: unknown[] } }).request;
      if (from === 'sink' && request !== undefined) sent.push({ kind: request.kind, keys: request.entries?.length ?? 1 });
      return false;
    };
    const words = Array.from({ length: 10 }, (_, i) => `w${i}`);
    for (const record of counts([...words, 'w0', 'w1'])) host().writer.invoke(record);
    host().writer.snapshot_state(1);
    world.settle(200);
    // Ten distinct keys, two of them written again while their first write was in flight. The first two keys go out
    // alone (the client had room); the others wait for room and leave in full batches.
    expect(sent.every((request) => request.keys <= 4)).toBe(true);
    expect(sent.slice(0, 4)).toEqual([{ kind: 'upsert', keys: 1 }, { kind: 'upsert', keys: 1 }, { kind: 'upsert_batch', keys: 4 }, { kind: 'upsert_batch', keys: 4 }]);
    expect(sent.reduce((sum, request) => sum + request.keys, 0)).toBe(12);
    expect(table()).toEqual(words.map((word) => [word, word === 'w0' || word === 'w1' ? 2 : 1]).sort());
    expect(host().flushed).toEqual([1]);
  });

  it('a batch whose answer is lost is resent whole, and a newer value of one of its keys waits for it', () => {
    const { world, host, table } = setup({ max_batch_keys: 8 });
    let lost = 0;
    world.drop_message = (from) => from === 'store' && lost++ === 0;
    for (const record of counts(['a', 'b', 'c'])) host().writer.invoke(record);
    world.settle(5);
    for (const record of counts(['a', 'a']).slice(1)) host().writer.invoke(record);
    world.settle(1_000);
    expect(table()).toEqual([['a', 2], ['b', 1], ['c', 1]]);
    expect(host().writer.stats().buffered_keys).toBe(0);
  });
});

describe('idempotent sink: zombies of a stale attempt', () => {
  it('a paused writer of an older attempt cannot overwrite the new attempt’s final values with stale ones', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('zombie', (runtime) => new Host(runtime, { fence: { scope: 'counts', generation: 1 } }));
    world.add('attempt-2', (runtime) => new Host(runtime, { fence: { scope: 'counts', generation: 2 } }));
    world.settle(20);
    const words = counts(['a', 'a', 'a']);
    for (const record of words) world.node<Host>('attempt-2').writer.invoke(record);
    world.settle(100);
    expect(world.node<TransactionalStore>('store').read_committed().table).toEqual([['a', 3]]);
    // The zombie (held by a pause) resumes with the count it had when it stopped.
    world.node<Host>('zombie').writer.invoke(words[0]);
    world.settle(100);
    expect(world.node<TransactionalStore>('store').read_committed().table).toEqual([['a', 3]]);
    expect(world.node<Host>('zombie').writer.failure()).toMatch(/superseded/);
    expect(world.node<Host>('zombie').writer.is_flushed(1)).toBe(true); // nothing was pending at no snapshot…
    world.node<Host>('zombie').writer.invoke(words[1]);
    world.node<Host>('zombie').writer.snapshot_state(1);
    expect(world.node<Host>('zombie').writer.is_flushed(1)).toBe(false); // …and a zombie never flushes a checkpoint
  });
});

describe('idempotent sink: what its host relies on', () => {
  it('stores the record itself when no value_of is given', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('sink', (runtime) => new Host(runtime, { value_of: undefined }));
    world.node<Host>('sink').writer.invoke({ word: 'a', count: 7 });
    world.settle(100);
    expect(world.node<TransactionalStore>('store').read_committed().table).toEqual([['a', { word: 'a', count: 7 }]]);
  });

  it('a checkpoint is flushed once the writes before it are acknowledged, whatever later writes do', () => {
    const { world, host } = setup();
    host().writer.invoke({ word: 'a', count: 1 });
    world.settle(100);
    host().writer.snapshot_state(1);
    world.drop_message = (from) => from === 'sink';
    host().writer.invoke({ word: 'b', count: 1 });
    host().writer.invoke({ word: 'a', count: 2 });
    world.settle(100);
    expect(host().writer.is_flushed(1)).toBe(true);
    expect(host().flushed).toEqual([1]);
    host().writer.snapshot_state(2);
    expect(host().writer.is_flushed(2)).toBe(false);
  });

  it('a key rewritten while its first value waits keeps the checkpoint waiting for that first write', () => {
    const { world, host, table } = setup();
    const is_upsert_of = (m: unknown, value: number) => (m as { request?: { kind?: string; value?: unknown } }).request?.value === value;
    world.drop_message = (from, _to, m) => from === 'sink' && is_upsert_of(m, 3);
    host().writer.invoke({ word: 'a', count: 1 }); // in flight
    host().writer.invoke({ word: 'a', count: 2 }); // queued behind it
    host().writer.snapshot_state(1); // covers the value 2
    host().writer.invoke({ word: 'a', count: 3 }); // replaces the queued value after the snapshot
    world.settle(100); // 1 is acknowledged; 3 goes out in place of 2 and is lost
    expect(table()).toEqual([['a', 1]]);
    expect(host().writer.is_flushed(1)).toBe(false);
    world.drop_message = () => false;
    world.settle(500);
    expect(host().writer.is_flushed(1)).toBe(true);
    expect(table()).toEqual([['a', 3]]);
  });

  it('says which messages were its replies, and stops the run when its host ignores backpressure', () => {
    const { world, host } = setup();
    expect(host().writer.on_message({ type: 'something else' })).toBe(false);
    const replies = record_replies(host().writer);
    host().writer.invoke({ word: 'a', count: 1 });
    world.settle(100);
    expect(replies).toEqual([true]);
    const bounded = new FakeWorld();
    bounded.add('sink', (runtime) => new Host(runtime, { max_buffered_keys: 1 }));
    bounded.node<Host>('sink').writer.invoke({ word: 'a', count: 1 });
    bounded.node<Host>('sink').writer.invoke({ word: 'a', count: 2 }); // the same key: no new slot
    expect(bounded.node<Host>('sink').writer.is_backpressured()).toBe(true);
    expect(() => bounded.node<Host>('sink').writer.invoke({ word: 'b', count: 1 })).toThrow(/more buffered keys than max_buffered_keys/);
  });
});
