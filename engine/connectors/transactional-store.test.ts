// Specification of the simulated transactional store: 2PC life cycle, idempotent commits, timeouts that abort even
// prepared transactions, durability before acknowledgement, restart from the write-ahead log, lingering aborts.
import { describe, expect, it } from 'vitest';
import {
  TXSTORE_CONTROL,
  TXSTORE_REQUEST,
  TransactionalStore,
  TxnStoreClient,
  WAL_PREFIX,
  type TransactionalStoreConfig,
  type TxnRequestBody,
  type TxnResponse,
  type WriterFence,
} from './transactional-store.js';
import { FakeWorld, Recorder } from './transactional-store.test-support.js';

function setup(config: Partial<TransactionalStoreConfig> = {}) {
  const world = new FakeWorld();
  world.add('store', (runtime) => new TransactionalStore(runtime, { transaction_timeout_ms: 10_000, ...config }));
  world.add('client', (runtime) => new Recorder(runtime));
  world.settle(10);
  let next = 0;
  /** Sends one request, runs the world until it is answered, returns the response. */
  const call = (body: TxnRequestBody & { fence?: WriterFence }): TxnResponse => {
    const request_id = `t:${next++}`;
    const recorder = world.node<Recorder>('client');
    recorder.runtime.send('store', { type: TXSTORE_REQUEST, request: { ...body, request_id } });
    world.settle(50);
    const found = recorder.received.find((r) => (r.message as { response: TxnResponse }).response.request_id === request_id);
    if (found === undefined) throw new Error(`no response to ${request_id}`);
    return (found.message as { response: TxnResponse }).response;
  };
  const store = () => world.node<TransactionalStore>('store');
  return { world, call, store };
}

function committed_txn(call: (b: TxnRequestBody) => TxnResponse, txn_id: string, records: unknown[]): number {
  const begun = call({ kind: 'begin', txn_id });
  const epoch = begun.epoch as number;
  expect(call({ kind: 'write', txn_id, epoch, write_seq: 0, records }).outcome).toBe('ok');
  expect(call({ kind: 'prepare', txn_id, epoch, write_count: 1 }).outcome).toBe('ok');
  expect(call({ kind: 'commit', txn_id }).outcome).toBe('ok');
  return epoch;
}

describe('transactional store', () => {
  it('makes records visible to read-committed readers only after commit, in commit order', () => {
    const { call, store } = setup();
    const a = call({ kind: 'begin', txn_id: 'p-0-1' }).epoch as number;
    const b = call({ kind: 'begin', txn_id: 'p-1-1' }).epoch as number;
    call({ kind: 'write', txn_id: 'p-0-1', epoch: a, write_seq: 0, records: ['a1', 'a2'] });
    call({ kind: 'write', txn_id: 'p-1-1', epoch: b, write_seq: 0, records: ['b1'] });
    expect(store().read_committed().records).toEqual([]);
    call({ kind: 'prepare', txn_id: 'p-1-1', epoch: b, write_count: 1 });
    call({ kind: 'prepare', txn_id: 'p-0-1', epoch: a, write_count: 1 });
    expect(call({ kind: 'commit', txn_id: 'p-1-1' }).outcome).toBe('ok');
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('ok');
    expect(call({ kind: 'read_committed' }).committed?.records).toEqual(['b1', 'a1', 'a2']);
  });

  it('treats a second commit as already_committed and never applies it twice', () => {
    const { call, store } = setup();
    committed_txn(call, 'p-0-1', ['x']);
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('already_committed');
    expect(store().read_committed().records).toEqual(['x']);
  });

  it('answers commits of unknown, aborted or unprepared transactions with a clear error outcome', () => {
    const { call } = setup();
    expect(call({ kind: 'commit', txn_id: 'nope' }).outcome).toBe('unknown_transaction');
    const epoch = call({ kind: 'begin', txn_id: 'p-0-1' }).epoch as number;
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('invalid_state');
    expect(call({ kind: 'abort', txn_id: 'p-0-1', epoch }).outcome).toBe('ok');
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('aborted');
    expect(call({ kind: 'abort', txn_id: 'p-0-1', epoch }).outcome).toBe('ok');
  });

  it('deduplicates retried writes by write_seq and rejects gaps', () => {
    const { call, store } = setup();
    const epoch = call({ kind: 'begin', txn_id: 'p-0-1' }).epoch as number;
    expect(call({ kind: 'write', txn_id: 'p-0-1', epoch, write_seq: 1, records: ['late'] }).outcome).toBe('out_of_sequence');
    expect(call({ kind: 'write', txn_id: 'p-0-1', epoch, write_seq: 0, records: ['first'] }).outcome).toBe('ok');
    expect(call({ kind: 'write', txn_id: 'p-0-1', epoch, write_seq: 0, records: ['first'] }).outcome).toBe('duplicate');
    expect(call({ kind: 'prepare', txn_id: 'p-0-1', epoch, write_count: 2 }).outcome).toBe('missing_writes');
    expect(call({ kind: 'write', txn_id: 'p-0-1', epoch, write_seq: 1, records: ['late'] }).outcome).toBe('ok');
    expect(call({ kind: 'prepare', txn_id: 'p-0-1', epoch, write_count: 2 }).outcome).toBe('ok');
    call({ kind: 'commit', txn_id: 'p-0-1' });
    expect(store().read_committed().records).toEqual(['first', 'late']);
  });

  it('aborts a transaction — even a prepared one — transaction_timeout_ms after begin, and traces it', () => {
    const { world, call, store } = setup({ transaction_timeout_ms: 1_000 });
    const epoch = call({ kind: 'begin', txn_id: 'p-0-1' }).epoch as number;
    call({ kind: 'write', txn_id: 'p-0-1', epoch, write_seq: 0, records: ['r'] });
    expect(call({ kind: 'prepare', txn_id: 'p-0-1', epoch, write_count: 1 }).outcome).toBe('ok');
    world.run_for(1_000);
    const expired = world.events('txstore.txn_expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]?.fields).toMatchObject({ txn_id: 'p-0-1', state: 'prepared', records: 1 });
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('expired');
    expect(store().read_committed().records).toEqual([]);
  });

  it('does not expire a transaction committed before its deadline', () => {
    const { world, call } = setup({ transaction_timeout_ms: 1_000 });
    committed_txn(call, 'p-0-1', ['r']);
    world.run_for(5_000);
    expect(world.events('txstore.txn_expired')).toHaveLength(0);
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('already_committed');
  });

  it('acknowledges only after the write-ahead log entry is on disk, retrying failed puts', () => {
    const { world, store } = setup();
    world.fail_put = () => true;
    const recorder = world.node<Recorder>('client');
    recorder.runtime.send('store', { type: TXSTORE_REQUEST, request: { kind: 'append', records: ['a'], request_id: 'x' } });
    world.run_for(500);
    expect(recorder.received).toHaveLength(0);
    expect(store().read_committed().records).toEqual([]);
    expect(world.events('txstore.disk_retry').length).toBeGreaterThan(1);
    world.fail_put = () => false;
    world.run_for(500);
    expect(recorder.received).toHaveLength(1);
    expect(store().read_committed().records).toEqual(['a']);
  });

  it('drops a resend of a request still waiting in its queue: one log entry and one answer per request (no retry storm)', () => {
    const { world, store } = setup();
    const recorder = world.node<Recorder>('client');
    const requests = Array.from({ length: 20 }, (_, i) => ({ kind: 'upsert' as const, key: `k${i}`, value: i, request_id: `r:${i}` }));
    for (const request of requests) recorder.runtime.send('store', { type: TXSTORE_REQUEST, request });
    // Resent before the store got through its queue (as a client with a short resend timeout does), twice.
    world.run_for(3);
    for (let round = 0; round < 2; round++) for (const request of requests.slice(5)) recorder.runtime.send('store', { type: TXSTORE_REQUEST, request });
    world.settle(200);
    const answered = recorder.received.map((r) => (r.message as { response: TxnResponse }).response.request_id);
    expect(new Set(answered).size).toBe(20);
    // Some resends may reach the store after their request was taken from the queue; none waiting was logged twice.
    expect(answered.length).toBeLessThan(20 + 2 * 15);
    expect(world.probes.get('txstore.resend_while_queued') ?? 0).toBeGreaterThan(0);
    expect(store().read_committed().table).toHaveLength(20);
  });

  it('upserts a batch in one log entry, in order, kept across a restart; a batch over the record limit is refused', () => {
    const { world, call, store } = setup({ max_records_per_transaction: 3 });
    const entries = [{ key: 'b', value: 1 }, { key: 'a', value: 2 }, { key: 'b', value: 3 }];
    expect(call({ kind: 'upsert_batch', entries }).outcome).toBe('ok');
    expect([...world.disk_of('store').keys()].filter((k) => k.startsWith(WAL_PREFIX))).toHaveLength(1);
    expect(call({ kind: 'upsert_batch', entries: [...entries, { key: 'c', value: 4 }] }).outcome).toBe('transaction_too_large');
    world.crash('store');
    world.start('store');
    world.settle(50);
    expect(store().read_committed().table).toEqual([['a', 2], ['b', 3]]);
  });

  it('reloads committed data, open transactions and their deadlines from disk after a crash', () => {
    const { world, call, store } = setup({ transaction_timeout_ms: 1_000 });
    committed_txn(call, 'p-0-1', ['one', 'two']);
    call({ kind: 'upsert', key: 'k', value: 1 });
    const epoch = call({ kind: 'begin', txn_id: 'p-0-2' }).epoch as number;
    call({ kind: 'write', txn_id: 'p-0-2', epoch, write_seq: 0, records: ['three'] });
    call({ kind: 'prepare', txn_id: 'p-0-2', epoch, write_count: 1 });
    world.crash('store');
    world.run_for(100);
    world.start('store');
    world.settle(50);
    expect(store().is_ready()).toBe(true);
    expect(store().read_committed()).toEqual({ records: ['one', 'two'], table: [['k', 1]] });
    expect(store().list('p-0-')).toMatchObject([{ txn_id: 'p-0-2', state: 'prepared', record_count: 1 }]);
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('already_committed');
    world.run_for(1_000);
    expect(call({ kind: 'commit', txn_id: 'p-0-2' }).outcome).toBe('expired');
  });

  it('fences writer generations per scope, durably: a lower generation is superseded, also after a restart or compaction', () => {
    const { world, call, store } = setup({ compact_every_entries: 3 });
    const fenced = (generation: number, body: TxnRequestBody) => call({ ...body, fence: { scope: 'p', generation } });
    const epoch = fenced(2, { kind: 'begin', txn_id: 'p-0-1' }).epoch as number;
    expect(fenced(2, { kind: 'write', txn_id: 'p-0-1', epoch, write_seq: 0, records: ['new'] }).outcome).toBe('ok');
    expect(fenced(2, { kind: 'prepare', txn_id: 'p-0-1', epoch, write_count: 1, checkpoint_id: 7 }).outcome).toBe('ok');
    const stale: TxnRequestBody[] = [
      { kind: 'abort_lingering', prefix: 'p-', owner_modulo: 1, owner_remainder: 0, min_counter: 1 },
      { kind: 'commit', txn_id: 'p-0-1' },
      { kind: 'abort', txn_id: 'p-0-1', epoch: null },
      { kind: 'begin', txn_id: 'p-0-1' },
    ];
    for (const body of stale) expect(fenced(1, body)).toMatchObject({ outcome: 'superseded', detail: 'generation 1 < 2' });
    expect(call({ kind: 'list', prefix: 'q-', fence: { scope: 'q', generation: 1 } }).outcome).toBe('ok'); // scopes are independent
    expect(call({ kind: 'list', prefix: 'p-' }).transactions).toMatchObject([{ txn_id: 'p-0-1', state: 'prepared' }]);
    expect(world.events('txstore.compacted').length).toBeGreaterThan(0);
    world.crash('store');
    world.start('store');
    world.settle(50);
    expect(store().is_ready()).toBe(true);
    expect(fenced(1, { kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('superseded');
    // The restored checkpoint's pending transaction (prepared for checkpoint 7) survives a newer writer's lingering abort.
    expect(fenced(3, { kind: 'abort_lingering', prefix: 'p-', owner_modulo: 1, owner_remainder: 0, min_counter: 1, keep_prepared_up_to: 7 }).aborted).toEqual([]);
    expect(fenced(3, { kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('ok');
    expect(fenced(2, { kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('superseded');
    expect(store().read_committed().records).toEqual(['new']);
  });

  it('stops replay at a corrupt log entry, says so, and drops what follows it', () => {
    const { world, call, store } = setup();
    call({ kind: 'append', records: ['a'] });
    call({ kind: 'append', records: ['b'] });
    call({ kind: 'append', records: ['c'] });
    world.crash('store');
    const disk = world.disk_of('store');
    const second = [...disk.keys()].sort()[1] as string;
    const damaged = new Uint8Array(disk.get(second) as Uint8Array);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0x40;
    disk.set(second, damaged);
    world.start('store');
    world.settle(50);
    expect(store().read_committed().records).toEqual(['a']);
    expect(world.events('txstore.wal_truncated')[0]?.fields).toMatchObject({ applied: 1, dropped: 2 });
    expect(world.events('txstore.data_loss')).toHaveLength(1);
    expect([...disk.keys()].filter((k) => k.startsWith(WAL_PREFIX))).toHaveLength(1);
    call({ kind: 'append', records: ['d'] });
    world.crash('store');
    world.start('store');
    world.settle(50);
    expect(store().read_committed().records).toEqual(['a', 'd']);
  });

  it('fences an earlier epoch when a transaction id is begun again, and refuses to reuse a committed id', () => {
    const { call } = setup();
    const first = call({ kind: 'begin', txn_id: 'p-0-1' }).epoch as number;
    const second = call({ kind: 'begin', txn_id: 'p-0-1' }).epoch as number;
    expect(second).toBe(first + 1);
    expect(call({ kind: 'write', txn_id: 'p-0-1', epoch: first, write_seq: 0, records: ['stale'] }).outcome).toBe('fenced');
    committed_txn(call, 'p-0-2', []);
    expect(call({ kind: 'begin', txn_id: 'p-0-2' }).outcome).toBe('already_committed');
  });

  it('answers a retried begin (same request id) with the same epoch', () => {
    const { world, store } = setup();
    const recorder = world.node<Recorder>('client');
    const request = { kind: 'begin', txn_id: 'p-0-1', request_id: 'same' };
    recorder.runtime.send('store', { type: TXSTORE_REQUEST, request });
    recorder.runtime.send('store', { type: TXSTORE_REQUEST, request }); // arrives while the first is being logged: dropped
    world.settle(50);
    recorder.runtime.send('store', { type: TXSTORE_REQUEST, request }); // after the answer: applied again, same epoch
    world.settle(50);
    const epochs = recorder.received.map((r) => (r.message as { response: TxnResponse }).response.epoch);
    expect(epochs).toEqual([0, 0]);
    expect(store().all_transactions()).toHaveLength(1);
  });

  it('aborts lingering transactions owned by one subtask slot from a counter on, and nothing else', () => {
    const { call, store } = setup();
    for (const id of ['p-0-3', 'p-0-4', 'p-2-4', 'p-1-4', 'q-0-9']) call({ kind: 'begin', txn_id: id });
    committed_txn(call, 'p-0-5', []);
    const response = call({ kind: 'abort_lingering', prefix: 'p-', owner_modulo: 2, owner_remainder: 0, min_counter: 4 });
    expect(response.aborted).toEqual(['p-0-4', 'p-2-4']);
    expect(store().list('').map((t) => t.txn_id)).toEqual(['p-0-3', 'p-1-4', 'q-0-9']);
  });

  it('bounds open transactions and records per transaction', () => {
    const { call } = setup({ max_open_transactions: 2, max_records_per_transaction: 3 });
    const epoch = call({ kind: 'begin', txn_id: 'a' }).epoch as number;
    call({ kind: 'begin', txn_id: 'b' });
    expect(call({ kind: 'begin', txn_id: 'c' }).outcome).toBe('too_many_open_transactions');
    expect(call({ kind: 'write', txn_id: 'a', epoch, write_seq: 0, records: [1, 2, 3, 4] }).outcome).toBe('transaction_too_large');
    expect(call({ kind: 'abort', txn_id: 'b', epoch: null }).outcome).toBe('ok');
    expect(call({ kind: 'begin', txn_id: 'c' }).outcome).toBe('ok');
  });
});

describe('txstore client helper', () => {
  it('matches responses by request id, ignores unknown ones, bounds pending requests and resends overdue ones', () => {
    const sent: unknown[] = [];
    const client = new TxnStoreClient({ client_id: 'c#0', store_node: 'store', max_pending_requests: 2, send: (_to, m) => sent.push(m) });
    const first = client.send({ kind: 'commit', txn_id: 'a' }, 0);
    client.send({ kind: 'commit', txn_id: 'b' }, 5);
    expect(client.can_send()).toBe(false);
    expect(() => client.send({ kind: 'commit', txn_id: 'c' }, 5)).toThrow(/pending/);
    expect(client.resend_overdue(10, 10)).toBe(1);
    expect(sent).toHaveLength(3);
    const response = { type: 'txstore.response', response: { request_id: first, kind: 'commit', outcome: 'ok' } };
    expect(client.on_message(response)?.request).toMatchObject({ txn_id: 'a' });
    expect(client.on_message(response)).toBeNull();
    expect(client.on_message({ type: 'other' })).toBeNull();
    expect(client.pending_count()).toBe(1);
  });
});

describe('txstore reply tags', () => {
  it('echoes a request reply_tag on the response message so a host can route it', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.add('client', (runtime) => new Recorder(runtime));
    world.settle(10);
    const recorder = world.node<Recorder>('client');
    const client = new TxnStoreClient({ client_id: 'c', store_node: 'store', max_pending_requests: 4, reply_tag: 'attempt-3/sink-1', send: (to, m) => recorder.runtime.send(to, m) });
    client.send({ kind: 'read_committed' }, 0);
    world.settle(10);
    expect(recorder.received[0]?.message).toMatchObject({ type: 'txstore.response', reply_tag: 'attempt-3/sink-1' });
    expect(client.on_message(recorder.received[0]?.message)?.response.outcome).toBe('ok');
  });
});

describe('txstore outage control', () => {
  it('answers every request "busy" during an outage and serves again afterwards', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.add('client', (runtime) => new Recorder(runtime));
    world.settle(10);
    const recorder = world.node<Recorder>('client');
    recorder.runtime.send('store', { type: TXSTORE_CONTROL, outage_ms: 100 });
    recorder.runtime.send('store', { type: TXSTORE_REQUEST, request: { kind: 'append', records: [1], request_id: 'a' } });
    world.run_for(150);
    recorder.runtime.send('store', { type: TXSTORE_REQUEST, request: { kind: 'append', records: [2], request_id: 'b' } });
    world.settle(10);
    const outcomes = recorder.received.map((r) => (r.message as { response: TxnResponse }).response.outcome);
    expect(outcomes).toEqual(['busy', 'ok']);
    expect(world.node<TransactionalStore>('store').read_committed().records).toEqual([2]);
    expect(world.events('txstore.outage')).toHaveLength(1);
  });
});

describe('txstore log compaction', () => {
  it('snapshots every compact_every_entries entries, deletes what the snapshot covers, and reloads the same state', () => {
    const { world, call, store } = setup({ compact_every_entries: 4, transaction_timeout_ms: 10_000 });
    committed_txn(call, 'p-0-1', ['a', 'b']); // 4 entries: begin, write, prepare, commit → snapshot
    call({ kind: 'upsert', key: 'k', value: 1 });
    const epoch = call({ kind: 'begin', txn_id: 'p-0-2' }).epoch as number;
    call({ kind: 'write', txn_id: 'p-0-2', epoch, write_seq: 0, records: ['open'] });
    call({ kind: 'append', records: ['c'] }); // 8 entries → second snapshot
    call({ kind: 'append', records: ['d'] });
    world.settle(50);
    const keys = [...world.disk_of('store').keys()].sort();
    expect(world.events('txstore.compacted').map((e) => e.fields.snapshot_seq)).toEqual([4, 8]);
    expect(keys).toEqual(['txstore/snapshot/000000000008', 'txstore/wal/000000000008']);
    const before = { committed: store().read_committed(), txns: store().all_transactions() };
    world.crash('store');
    world.start('store');
    world.settle(50);
    expect(store().read_committed()).toEqual(before.committed);
    expect(store().all_transactions()).toEqual(before.txns);
    expect(call({ kind: 'commit', txn_id: 'p-0-1' }).outcome).toBe('already_committed');
    expect(call({ kind: 'prepare', txn_id: 'p-0-2', epoch, write_count: 1 }).outcome).toBe('ok');
    expect(call({ kind: 'commit', txn_id: 'p-0-2' }).outcome).toBe('ok');
    expect(store().read_committed().records).toEqual(['a', 'b', 'c', 'd', 'open']);
  });

  it('a damaged snapshot is never used silently: the loss of what it covered is reported', () => {
    const { world, call, store } = setup({ compact_every_entries: 2 });
    call({ kind: 'append', records: ['a'] });
    call({ kind: 'append', records: ['b'] });
    call({ kind: 'append', records: ['c'] });
    world.settle(50);
    world.crash('store');
    const disk = world.disk_of('store');
    const snapshot = [...disk.keys()].find((k) => k.startsWith('txstore/snapshot/')) as string;
    const damaged = new Uint8Array(disk.get(snapshot) as Uint8Array);
    damaged[20] = (damaged[20] as number) ^ 0x08;
    disk.set(snapshot, damaged);
    world.start('store');
    world.settle(50);
    expect(world.events('txstore.snapshot_rejected')).toHaveLength(1);
    expect(world.events('txstore.wal_truncated')[0]?.fields.reason).toMatch(/gap/);
    expect(world.events('txstore.data_loss')).toHaveLength(1);
    expect(store().read_committed().records).toEqual([]);
  });

  it('retries the whole load after a transient read error instead of truncating the log', () => {
    const { world, call, store } = setup();
    call({ kind: 'append', records: ['a'] });
    call({ kind: 'append', records: ['b'] });
    world.crash('store');
    let failures = 1;
    world.fail_get = (_node, key) => key.endsWith('000000000001') && failures-- > 0;
    world.start('store');
    world.settle(200);
    expect(world.events('txstore.load_failed')).toHaveLength(1);
    expect(store().read_committed().records).toEqual(['a', 'b']);
    expect(world.events('txstore.wal_truncated')).toHaveLength(0);
  });
});
