// Specification of how the sinks talk to the store: each request goes out once (resent only under its id), commits
// of several checkpoints go out one after another even when one is lost, a store without room for another transaction
// is asked again, every writer has its own request ids, zombies go quiet, replies are recognised, a flush is reported
// as soon as its own writes are acknowledged, and invariant failures say what bound was broken.
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../runtime.js';
import { TXSTORE_REQUEST, TransactionalStore, type TransactionalStoreConfig, type TxstoreRequestMessage } from './transactional-store.js';
import { FakeWorld, InvariantFailure } from './transactional-store.test-support.js';
import { SinkTask, TickedWriterHost, TwoPhaseCommitWriterHost, record_replies } from './sink-host.test-support.js';
import { TWO_PHASE_COMMIT_STATE, TwoPhaseCommitSink, TwoPhaseCommitSinkWriter, type TwoPhaseCommitSinkState } from './two-phase-commit-sink.js';
import { IdempotentSink, IdempotentSinkWriter, type IdempotentSinkOptions } from './idempotent-sink.js';
import { AtLeastOnceSink, AtLeastOnceSinkWriter } from './at-least-once-sink.js';
import type { Sink } from '../api/functions.js';

function with_store(config: Partial<TransactionalStoreConfig> = {}): FakeWorld {
  const world = new FakeWorld();
  world.add('store', (runtime) => new TransactionalStore(runtime, config));
  world.settle(10);
  return world;
}

const is_request = (m: unknown, kind: string, txn_id?: string): boolean => {
  const request = (m as Partial<TxstoreRequestMessage>).request;
  return (m as { type?: unknown }).type === TXSTORE_REQUEST && request?.kind === kind && (txn_id === undefined || (request as { txn_id?: string }).txn_id === txn_id);
};

describe('two-phase-commit sink: commits on the wire', () => {
  it('commits several checkpoints one after another: a lost commit holds back the later ones, and each goes out once', () => {
    const world = with_store();
    const sent: TxstoreRequestMessage[] = [];
    world.add('sink', (runtime) => {
      const host = new TwoPhaseCommitWriterHost(runtime, { retry_after_ms: 100 }, null);
      return host;
    });
    world.settle(50);
    const writer = world.node<TwoPhaseCommitWriterHost>('sink').writer;
    writer.invoke('a');
    writer.snapshot_state(1);
    writer.invoke('b');
    writer.snapshot_state(2);
    world.settle(100);
    let dropped = 0;
    world.drop_message = (from, _to, m) => {
      if (from === 'sink' && is_request(m, 'commit')) sent.push(m as TxstoreRequestMessage);
      return from === 'sink' && is_request(m, 'commit', 'out-0-1') && dropped++ === 0;
    };
    writer.notify_checkpoint_complete(2);
    world.run_for(50);
    const output = () => world.node<TransactionalStore>('store').read_committed().records;
    expect(output()).toEqual([]); // out-0-2 waits for out-0-1, whose commit was lost
    world.settle(500);
    expect(output()).toEqual(['a', 'b']);
    expect(sent.map((m) => (m.request as { txn_id: string }).txn_id)).toEqual(['out-0-1', 'out-0-1', 'out-0-2']);
    expect(sent[0]?.request.request_id).toBe(sent[1]?.request.request_id); // the resend
    writer.notify_checkpoint_complete(2);
    world.settle(500);
    expect(sent).toHaveLength(3);
  });

  it('asks again for a transaction the store has no room for yet, and goes on once a commit frees one', () => {
    const world = with_store({ max_open_transactions: 1 });
    world.add('sink', (runtime) => new TwoPhaseCommitWriterHost(runtime, { retry_after_ms: 50 }, null));
    world.settle(50);
    const host = world.node<TwoPhaseCommitWriterHost>('sink');
    host.writer.invoke('a');
    host.writer.snapshot_state(1); // out-0-1 pre-committed and still open: out-0-2 cannot begin yet
    world.settle(300);
    host.writer.invoke('b');
    host.writer.notify_checkpoint_complete(1);
    world.settle(300);
    host.writer.snapshot_state(2);
    world.settle(300);
    host.writer.notify_checkpoint_complete(2);
    world.settle(300);
    expect(host.failures).toEqual([]);
    expect(world.node<TransactionalStore>('store').read_committed().records).toEqual(['a', 'b']);
  });

  it('reports only the first failure when a pre-committed and the open transaction both die', () => {
    const world = with_store({ transaction_timeout_ms: 500 });
    world.add('sink', (runtime) => new TwoPhaseCommitWriterHost(runtime, { retry_after_ms: 100, records_per_write: 1 }, null));
    world.settle(50);
    const host = world.node<TwoPhaseCommitWriterHost>('sink');
    world.drop_message = (from, _to, m) => from === 'sink' && is_request(m, 'prepare');
    host.writer.snapshot_state(1); // out-0-1's prepare is lost; out-0-2 begins
    world.run_for(700); // both expire
    world.drop_message = () => false;
    host.writer.invoke('late'); // out-0-2's write comes back expired, so does out-0-1's resent prepare
    world.settle(500);
    expect(world.events('sink.transaction_failed').map((e) => e.fields['txn_id']).sort()).toEqual(['out-0-1', 'out-0-2']);
    expect(host.failures).toHaveLength(1);
  });

  it('a writer that failed and then is fenced reports one failure', () => {
    const world = with_store({ transaction_timeout_ms: 500 });
    world.add('zombie', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 1, records_per_write: 1 }, null));
    world.settle(50);
    const zombie = world.node<TwoPhaseCommitWriterHost>('zombie');
    world.run_for(600);
    zombie.writer.invoke('x'); // the open transaction expired: the write fails
    world.settle(100);
    world.add('attempt-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 2 }, null));
    world.settle(100);
    zombie.writer.invoke('y'); // refused: superseded
    world.settle(100);
    expect(world.probes.get('sink.zombie_fenced')).toBe(1);
    expect(zombie.failures).toEqual(['transaction out-0-1: write expired']);
  });

  it('a fenced zombie resends nothing it still had in flight', () => {
    const world = with_store();
    world.add('zombie', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 1, records_per_write: 1, retry_after_ms: 50 }, null));
    world.settle(50);
    world.add('attempt-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 2 }, null));
    world.settle(50);
    const zombie = world.node<TwoPhaseCommitWriterHost>('zombie');
    let dropped = 0;
    world.drop_message = (from) => from === 'zombie' && dropped++ === 1; // the second write never arrives
    zombie.writer.invoke('x');
    zombie.writer.invoke('y');
    world.settle(100);
    expect(zombie.failures).toHaveLength(1);
    const refused = world.events('txstore.superseded').length;
    world.settle(1_000);
    expect(world.events('txstore.superseded')).toHaveLength(refused);
    expect(zombie.writer.pending_requests()).toBe(1);
  });

  it('says which messages were its replies', () => {
    const world = with_store();
    world.add('sink', (runtime) => new TwoPhaseCommitWriterHost(runtime, {}, null));
    const writer = world.node<TwoPhaseCommitWriterHost>('sink').writer;
    const replies = record_replies(writer);
    world.settle(50);
    expect(replies.length).toBeGreaterThan(0); // the answers to the lingering abort and the begin
    expect(replies.every(Boolean)).toBe(true);
    expect(writer.on_message({ type: 'something else' })).toBe(false);
  });
});

describe('two-phase-commit sink: the trace of a restore older than committed output', () => {
  it('names the taken id and the next free counter, and a counter ahead of the restored checkpoint', () => {
    const world = with_store();
    world.add('run-1', (runtime) => new TwoPhaseCommitWriterHost(runtime, {}, null));
    world.settle(50);
    const first = world.node<TwoPhaseCommitWriterHost>('run-1').writer;
    first.invoke('a');
    const state1 = first.snapshot_state(1);
    world.settle(100);
    first.notify_checkpoint_complete(1);
    first.invoke('b');
    first.snapshot_state(2);
    world.settle(100);
    first.notify_checkpoint_complete(2); // commits out-0-2
    world.settle(100);
    world.crash('run-1');
    world.add('run-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, {}, { checkpoint_id: 1, states: [state1] }));
    world.settle(100);
    expect(world.events('sink.transactional_id_taken').map((e) => e.fields)).toEqual([{ txn_id: 'out-0-2', next_free_counter: 3 }]);
    const second = world.node<TwoPhaseCommitWriterHost>('run-2').writer;
    second.invoke('b');
    const state2: TwoPhaseCommitSinkState = second.snapshot_state(2);
    expect(state2.current.txn_id).toBe('out-0-4');
    world.settle(100);
    world.crash('run-2');
    world.add('run-3', (runtime) => new TwoPhaseCommitWriterHost(runtime, {}, { checkpoint_id: 2, states: [state2] }));
    world.settle(100);
    expect(world.events('sink.counter_ahead_of_checkpoint').map((e) => e.fields)).toEqual([{ txn_id: 'out-0-4', checkpoint_id: 2 }]);
  });
});

describe('sinks hosted by tasks: what the task sees', () => {
  const sinks: [string, () => Sink<unknown>][] = [
    ['two_phase_commit', () => new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' })],
    ['idempotent', () => new IdempotentSink({ store_node: 'store', key_of: String })],
    ['at_least_once', () => new AtLeastOnceSink({ store_node: 'store', records_per_write: 1 })],
  ];

  it.each(sinks)('two %s writers on one store never share request ids', (_kind, sink) => {
    const world = with_store();
    for (const node of ['tm-a', 'tm-b']) world.add(node, (runtime) => new SinkTask(runtime, sink()));
    for (const node of ['tm-a', 'tm-b']) world.node<SinkTask>(node).writer.write(node, 0);
    world.settle(500);
    expect(world.probes.get('txstore.resend_while_queued')).toBeUndefined();
  });

  it('a two-phase-commit writer wakes its task when a checkpoint becomes durable, and reports its counts', () => {
    const world = with_store();
    world.add('tm', (runtime) => new SinkTask(runtime, new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' })));
    world.settle(50);
    const task = world.node<SinkTask>('tm');
    task.writer.write('a', 0);
    task.writer.snapshotState(1);
    const wakes = task.wakes.length;
    world.settle(100);
    expect(task.writer.isSnapshotDurable(1)).toBe(true);
    expect(task.wakes.slice(wakes)).toContain(0);
    task.writer.notifyCheckpointComplete(1);
    world.settle(100);
    const writer = task.writer as ReturnType<TwoPhaseCommitSink['createWriter']>;
    expect(writer.stats()).toEqual({ committed_records: 1, lost_records: 0, pending_transactions: 0, pending_requests: 0 });
  });

  it('operator state handed to a task that restored no checkpoint is named in the failure', () => {
    const world = with_store();
    const lists = new Map([[TWO_PHASE_COMMIT_STATE, [{ checkpoint_id: 3 }]]]);
    const sink = new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' });
    expect(() => world.add('tm', (runtime) => new SinkTask(runtime, sink, { restored: { checkpoint_id: null, lists } }))).toThrow('{"states":1}');
  });
});

describe('invariant failures say which bound the host broke', () => {
  const runtime = {
    now_ms: () => 0,
    log: () => {},
    probe: () => {},
    fail_invariant: (message: string, detail?: Record<string, unknown>): never => {
      throw new InvariantFailure(`${message} ${JSON.stringify(detail ?? {})}`);
    },
  };
  const transport = { send: () => {} };

  it('two-phase-commit: buffered records and reused checkpoint ids', () => {
    const writer = new TwoPhaseCommitSinkWriter(runtime, transport, { transactional_id_prefix: 'out', subtask_index: 0, parallelism: 1, store_node: 's', client_id: 'c', max_buffered_records: 1 });
    writer.initialize_state(null);
    writer.invoke('a');
    expect(() => writer.invoke('b')).toThrow('{"max_buffered_records":1}');
    writer.snapshot_state(3);
    expect(() => writer.snapshot_state(2)).toThrow('{"checkpoint_id":2,"last":3}');
  });

  it('idempotent: buffered keys, and a batch size below 1', () => {
    const options: Partial<IdempotentSinkOptions> & Pick<IdempotentSinkOptions, 'store_node' | 'client_id' | 'key_of'> = { store_node: 's', client_id: 'c', key_of: String };
    const writer = new IdempotentSinkWriter(runtime, transport, { ...options, max_buffered_keys: 1 });
    writer.invoke('a');
    expect(() => writer.invoke('b')).toThrow('{"max_buffered_keys":1}');
    expect(() => new IdempotentSinkWriter(runtime, transport, { ...options, max_batch_keys: 0 })).toThrow('max_batch_keys must be ≥ 1');
    expect(() => new IdempotentSinkWriter(runtime, transport, { ...options, max_batch_keys: 1 })).not.toThrow();
  });

  it('at-least-once: buffered records', () => {
    const writer = new AtLeastOnceSinkWriter(runtime, transport, { store_node: 's', client_id: 'c', max_buffered_records: 1 });
    writer.invoke('a');
    expect(() => writer.invoke('b')).toThrow('{"max_buffered_records":1}');
  });
});

describe('sinks without transactions: flushes and zombies', () => {
  function idempotent_host(world: FakeWorld, name: NodeId, options: Partial<IdempotentSinkOptions>, flushed: number[]) {
    world.add(name, (runtime) =>
      new TickedWriterHost(runtime, (rt) =>
        new IdempotentSinkWriter(rt, { send: (to, m) => rt.send(to, m) }, {
          store_node: 'store',
          client_id: `${name}#${rt.incarnation}`,
          key_of: (r) => (r as { k: string }).k,
          value_of: (r) => (r as { v: number }).v,
          on_flushed: (id) => flushed.push(id),
          ...options,
        }),
      ),
    );
    return () => world.node<TickedWriterHost<IdempotentSinkWriter>>(name).writer;
  }
  const is_upsert_of = (m: unknown, value: number) => (m as { request?: { value?: unknown } }).request?.value === value;

  it('idempotent: a checkpoint whose writes are acknowledged is flushed while a later write to the same key is in flight', () => {
    const world = with_store();
    const flushed: number[] = [];
    const writer = idempotent_host(world, 'sink', {}, flushed);
    world.drop_message = (from, _to, m) => from === 'sink' && is_upsert_of(m, 2);
    writer().invoke({ k: 'a', v: 1 });
    writer().snapshot_state(1);
    writer().invoke({ k: 'a', v: 2 }); // queued behind 1, then sent and lost
    world.settle(100);
    expect(writer().is_flushed(1)).toBe(true);
    expect(flushed).toEqual([1]);
  });

  it('idempotent: a checkpoint is flushed while later keys are in flight or still wait for room', () => {
    const world = with_store();
    const flushed: number[] = [];
    const writer = idempotent_host(world, 'sink', { max_pending_requests: 1, max_batch_keys: 1 }, flushed);
    world.drop_message = (from, _to, m) => from === 'sink' && is_upsert_of(m, 2);
    writer().invoke({ k: 'a', v: 1 });
    writer().snapshot_state(1);
    writer().invoke({ k: 'b', v: 2 }); // sent after a, then lost
    writer().invoke({ k: 'c', v: 3 }); // waits for room
    world.settle(100);
    expect(writer().is_flushed(1)).toBe(true);
    expect(flushed).toEqual([1]);
    writer().snapshot_state(2);
    expect(writer().is_flushed(2)).toBe(false);
  });

  it('at-least-once: a checkpoint is flushed while a later batch is in flight', () => {
    const world = with_store();
    const flushed: number[] = [];
    world.add('sink', (runtime) =>
      new TickedWriterHost(runtime, (rt) =>
        new AtLeastOnceSinkWriter(rt, { send: (to, m) => rt.send(to, m) }, { store_node: 'store', client_id: 'sink', records_per_write: 1, on_flushed: (id) => flushed.push(id) }),
      ),
    );
    const writer = world.node<TickedWriterHost<AtLeastOnceSinkWriter>>('sink').writer;
    let seen = 0;
    world.drop_message = (from) => from === 'sink' && seen++ === 1; // the second batch is lost
    writer.invoke('a');
    writer.snapshot_state(1);
    writer.invoke('b');
    world.settle(100);
    expect(writer.is_flushed(1)).toBe(true);
    expect(flushed).toEqual([1]);
  });

  it('answers to refused and retried requests are still its replies', () => {
    const world = with_store();
    const writer = idempotent_host(world, 'sink', { retry_after_ms: 50 }, []);
    world.node<TransactionalStore>('store').on_message('ops', { type: 'txstore.control', outage_ms: 30 });
    const replies = record_replies(writer());
    writer().invoke({ k: 'a', v: 1 }); // answered busy, resent later
    world.settle(300);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    expect(replies.every(Boolean)).toBe(true);
    world.add('at-least-once', (runtime) =>
      new TickedWriterHost(runtime, (rt) => new AtLeastOnceSinkWriter(rt, { send: (to, m) => rt.send(to, m) }, { store_node: 'store', client_id: 'alo', records_per_write: 1, retry_after_ms: 50 })),
    );
    const alo = world.node<TickedWriterHost<AtLeastOnceSinkWriter>>('at-least-once').writer;
    world.node<TransactionalStore>('store').on_message('ops', { type: 'txstore.control', outage_ms: 30 });
    const alo_replies = record_replies(alo);
    alo.invoke('x');
    world.settle(300);
    expect(alo_replies.length).toBeGreaterThanOrEqual(2);
    expect(alo_replies.every(Boolean)).toBe(true);
  });

  it('idempotent: a fenced zombie reports once, with the store\'s reason, and sends and resends nothing more', () => {
    const world = with_store();
    const zombie = idempotent_host(world, 'zombie', { fence: { scope: 'counts', generation: 1 }, retry_after_ms: 50, max_batch_keys: 1 }, []);
    idempotent_host(world, 'attempt-2', { fence: { scope: 'counts', generation: 2 } }, [])().invoke({ k: 'z', v: 0 });
    world.settle(50);
    let dropped = 0;
    world.drop_message = (from) => from === 'zombie' && dropped++ === 2; // the third upsert never arrives
    const replies = record_replies(zombie());
    for (const k of ['a', 'b', 'c']) zombie().invoke({ k, v: 1 });
    world.settle(100);
    expect(replies).toEqual([true, true]); // refusals are its replies too
    expect(world.probes.get('sink.zombie_fenced')).toBe(1);
    expect(world.events('sink.superseded').map((e) => e.fields)).toEqual([{ request: 'upsert', detail: 'generation 1 < 2' }]);
    expect(zombie().failure()).toBe('superseded by a newer attempt (generation 1 < 2)');
    const refused = world.events('txstore.superseded').length;
    expect(refused).toBe(2);
    zombie().invoke({ k: 'd', v: 1 });
    world.settle(1_000);
    expect(world.events('txstore.superseded')).toHaveLength(refused);
  });
});
