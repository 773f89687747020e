// Specification of the at-least-once sink: nothing acknowledged is lost, a flush gates each checkpoint, and a replay
// after recovery duplicates the records written after the last checkpoint — by design.
import { describe, expect, it } from 'vitest';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { AtLeastOnceSink, AtLeastOnceSinkWriter } from './at-least-once-sink.js';
import { IdempotentSink } from './idempotent-sink.js';
import { TransactionalStore } from './transactional-store.js';
import { FakeWorld } from './transactional-store.test-support.js';
import { plain_sink_context, record_replies } from './sink-host.test-support.js';

class Host implements EngineNode {
  readonly writer: AtLeastOnceSinkWriter;
  readonly flushed: number[] = [];
  constructor(readonly runtime: Runtime) {
    this.writer = new AtLeastOnceSinkWriter(runtime, { send: (to, m) => runtime.send(to, m) }, {
      store_node: 'store',
      client_id: `${runtime.node_id}#${runtime.incarnation}`,
      records_per_write: 2,
      on_flushed: (id) => this.flushed.push(id),
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

function setup() {
  const world = new FakeWorld();
  world.add('store', (runtime) => new TransactionalStore(runtime));
  world.settle(10);
  world.add('sink', (runtime) => new Host(runtime));
  const host = () => world.node<Host>('sink');
  const output = () => world.node<TransactionalStore>('store').read_committed().records;
  return { world, host, output };
}

describe('at-least-once sink', () => {
  it('writes records without waiting for a checkpoint', () => {
    const { world, host, output } = setup();
    for (const r of [1, 2, 3, 4]) host().writer.invoke(r);
    world.settle(100);
    expect(output()).toEqual([1, 2, 3, 4]);
  });

  it('flushes the partial batch at a checkpoint and reports it once acknowledged', () => {
    const { world, host, output } = setup();
    host().writer.invoke(1);
    world.settle(100);
    expect(output()).toEqual([]);
    host().writer.snapshot_state(1);
    expect(host().writer.is_flushed(1)).toBe(false);
    world.settle(100);
    expect(output()).toEqual([1]);
    expect(host().flushed).toEqual([1]);
  });

  it('duplicates the records after the last checkpoint when the source replays them after a crash', () => {
    const { world, host, output } = setup();
    for (const r of [1, 2]) host().writer.invoke(r);
    host().writer.snapshot_state(1);
    for (const r of [3, 4]) host().writer.invoke(r);
    world.settle(100);
    world.crash('sink');
    world.start('sink');
    for (const r of [3, 4]) host().writer.invoke(r);
    host().writer.snapshot_state(2);
    world.settle(100);
    expect(output()).toEqual([1, 2, 3, 4, 3, 4]);
  });

  it('loses nothing when acknowledgements are lost; the resend may duplicate', () => {
    const { world, host, output } = setup();
    let drops = 0;
    world.drop_message = (from) => from === 'store' && drops++ < 1;
    for (const r of [1, 2]) host().writer.invoke(r);
    host().writer.snapshot_state(1);
    world.settle(1_000);
    expect(output()).toEqual([1, 2, 1, 2]);
    expect(host().writer.stats().resent_requests).toBe(1);
    expect(host().flushed).toEqual([1]);
  });
});

describe('at-least-once sink and aborted checkpoints', () => {
  it('an aborted checkpoint no longer waits for its writes; a later one still does', () => {
    const { world, host, output } = setup();
    world.drop_message = (from) => from === 'sink'; // the store is unreachable: no write is acknowledged
    host().writer.invoke(1);
    host().writer.snapshot_state(1);
    host().writer.notify_checkpoint_aborted(1);
    host().writer.invoke(2);
    host().writer.snapshot_state(2);
    world.drop_message = () => false;
    world.settle(1_000);
    expect(output()).toEqual([1, 2]);
    expect(host().flushed).toEqual([2]);
  });
});

describe('at-least-once sink in the engine Sink API', () => {
  it('sends the partial batch when asked (the adapter does at the end of every task step)', () => {
    const { world, host, output } = setup();
    host().writer.invoke('last');
    world.settle(100);
    expect(output()).toEqual([]);
    host().writer.send_buffered();
    world.settle(100);
    expect(output()).toEqual(['last']);
  });

  it('refuses a task that does not provide the checkpoint hooks', () => {
    const plain = plain_sink_context();
    expect(() => new AtLeastOnceSink({ store_node: 'store' }).createWriter(plain)).toThrow(/CheckpointedSinkWriterContext/);
    expect(() => new IdempotentSink({ store_node: 'store', key_of: String }).createWriter(plain)).toThrow(/CheckpointedSinkWriterContext/);
  });
});

describe('at-least-once sink: what its host relies on', () => {
  it('a checkpoint is flushed once the batches before it are acknowledged, whatever later batches do', () => {
    const { world, host } = setup();
    host().writer.invoke(1);
    host().writer.snapshot_state(1);
    world.settle(100);
    world.drop_message = (from) => from === 'sink';
    host().writer.invoke(2);
    host().writer.invoke(3); // a full batch, sent and lost
    world.settle(100);
    expect(host().writer.is_flushed(1)).toBe(true);
    host().writer.snapshot_state(2);
    expect(host().writer.is_flushed(2)).toBe(false);
    expect(host().writer.stats()).toMatchObject({ appended_records: 1, buffered_records: 2 });
  });

  it('says which messages were its replies; refuses a batch size below 1; stops the run when its host ignores backpressure', () => {
    const { world, host } = setup();
    expect(host().writer.on_message({ type: 'something else' })).toBe(false);
    const replies = record_replies(host().writer);
    host().writer.invoke(1);
    host().writer.invoke(2);
    world.settle(100);
    expect(replies).toEqual([true]);
    const runtime = { now_ms: () => 0, log: () => {}, probe: () => {}, fail_invariant: (m: string): never => { throw new Error(m); } };
    expect(() => new AtLeastOnceSinkWriter(runtime, { send: () => {} }, { store_node: 'store', client_id: 'c', records_per_write: 0 })).toThrow('records_per_write must be ≥ 1');
    expect(() => new AtLeastOnceSinkWriter(runtime, { send: () => {} }, { store_node: 'store', client_id: 'c', records_per_write: 1 })).not.toThrow();
    const bounded = new AtLeastOnceSinkWriter(runtime, { send: () => {} }, { store_node: 'store', client_id: 'c', max_buffered_records: 2, max_pending_requests: 1 });
    bounded.invoke(1);
    expect(bounded.is_backpressured()).toBe(false);
    bounded.invoke(2);
    expect(bounded.is_backpressured()).toBe(true);
    expect(() => bounded.invoke(3)).toThrow(/buffered records above max_buffered_records/);
  });
});
