// Specification of the idempotent and at-least-once sinks as a task hosts them (the engine's Sink API with the
// checkpoint hooks): a checkpoint's snapshot is durable only once every write before it is acknowledged, the writer
// wakes its task when that changes and while writes are outstanding (so lost requests are resent), backpressure asks
// the task to come back later, and an attempt number fences the writer of an older attempt. Also the two-phase-commit
// writer's own invariants: misuse by its host stops the run loudly.
import { describe, expect, it } from 'vitest';
import type { Sink } from '../api/functions.js';
import { AtLeastOnceSink } from './at-least-once-sink.js';
import { IdempotentSink } from './idempotent-sink.js';
import { TWO_PHASE_COMMIT_STATE, TwoPhaseCommitSink, TwoPhaseCommitSinkWriter, is_checkpointed_sink_writer } from './two-phase-commit-sink.js';
import { TransactionalStore } from './transactional-store.js';
import { FakeWorld } from './transactional-store.test-support.js';
import { SinkTask } from './sink-host.test-support.js';

function hosted(sink: Sink<unknown>, attempt?: number) {
  const world = new FakeWorld();
  world.add('store', (runtime) => new TransactionalStore(runtime));
  world.settle(10);
  world.add('tm', (runtime) => new SinkTask(runtime, sink, attempt === undefined ? {} : { attempt }));
  world.settle(10);
  const task = () => world.node<SinkTask>('tm');
  const store = () => world.node<TransactionalStore>('store').read_committed();
  return { world, task, store };
}

describe('at-least-once sink hosted by a task', () => {
  it('sends the partial batch at the end of each task step, and a snapshot is durable once its writes are acknowledged', () => {
    const { world, task, store } = hosted(new AtLeastOnceSink({ store_node: 'store', records_per_write: 10, retry_after_ms: 20 }));
    for (const r of ['a', 'b', 'c']) task().writer.write(r, 0);
    world.settle(100);
    expect(store().records).toEqual([]); // less than a batch, no step ended yet
    task().writer.flush(false);
    task().writer.write('d', 0);
    task().writer.snapshotState(1);
    expect(task().writer.isSnapshotDurable(1)).toBe(false);
    world.settle(200);
    expect(store().records).toEqual(['a', 'b', 'c', 'd']);
    expect(task().writer.isSnapshotDurable(1)).toBe(true);
    expect(task().wakes).toContain(0); // the task is woken to acknowledge the checkpoint
    task().writer.notifyCheckpointComplete(1);
    expect(task().writer.failure()).toBeNull();
  });

  it('resends lost writes while records are outstanding (the writer keeps its task awake), and may duplicate', () => {
    const { world, task, store } = hosted(new AtLeastOnceSink({ store_node: 'store', records_per_write: 1, retry_after_ms: 20 }));
    let dropped = 0;
    world.drop_message = (from) => from === 'store' && dropped++ < 2; // the first two acknowledgements are lost
    for (const r of ['a', 'b']) task().writer.write(r, 0);
    task().writer.snapshotState(1);
    world.settle(1_000);
    expect(task().writer.isSnapshotDurable(1)).toBe(true);
    expect([...new Set(store().records)]).toEqual(['a', 'b']);
    expect(task().wakes.filter((ms) => ms === 20).length).toBeGreaterThan(0);
  });

  it('a task under backpressure is asked to come back after retry_after_ms, and accepted again once writes are acknowledged', () => {
    const { world, task } = hosted(new AtLeastOnceSink({ store_node: 'store', records_per_write: 1, max_pending_requests: 1, max_buffered_records: 2, retry_after_ms: 35 }));
    world.drop_message = (from) => from === 'tm'; // nothing reaches the store
    task().writer.write('a', 0);
    task().writer.snapshotState(1);
    expect(task().writer.canAccept()).toBe(true);
    task().writer.write('b', 0); // two records unacknowledged: the bound
    task().writer.notifyCheckpointAborted(1);
    expect(task().writer.canAccept()).toBe(false);
    expect(task().wakes.at(-1)).toBe(35);
    world.drop_message = () => false;
    world.settle(1_000);
    expect(task().writer.canAccept()).toBe(true);
  });
});

describe('idempotent sink hosted by a task', () => {
  const sink = (extra: Partial<ConstructorParameters<typeof IdempotentSink>[0]> = {}) =>
    new IdempotentSink({ store_node: 'store', key_of: (r) => (r as { k: string }).k, value_of: (r) => (r as { v: number }).v, retry_after_ms: 20, ...extra });

  it('upserts the latest value per key; a snapshot is durable once every upsert before it is acknowledged', () => {
    const { world, task, store } = hosted(sink());
    let dropped = 0;
    world.drop_message = (from) => from === 'store' && dropped++ < 1; // one lost acknowledgement: resent on a wake
    for (const [k, v] of [['a', 1], ['b', 1], ['a', 2]] as const) task().writer.write({ k, v }, 0);
    task().writer.snapshotState(1);
    expect(task().writer.isSnapshotDurable(1)).toBe(false);
    world.settle(1_000);
    expect(task().writer.isSnapshotDurable(1)).toBe(true);
    expect(store().table).toEqual([['a', 2], ['b', 1]]);
    expect(task().wakes).toContain(0);
    expect(task().wakes).toContain(20);
    expect(task().writer.failure()).toBeNull();
  });

  it('asks a task under backpressure to come back after retry_after_ms, and accepts again once keys are written', () => {
    const { world, task } = hosted(sink({ max_buffered_keys: 1, max_pending_requests: 1, retry_after_ms: 45 }));
    world.drop_message = (from) => from === 'tm';
    expect(task().writer.canAccept()).toBe(true);
    task().writer.write({ k: 'a', v: 1 }, 0); // one key waiting: the bound
    expect(task().writer.canAccept()).toBe(false);
    expect(task().wakes.at(-1)).toBe(45);
    task().writer.snapshotState(1);
    task().writer.notifyCheckpointAborted(1);
    world.drop_message = () => false;
    world.settle(1_000);
    expect(task().writer.canAccept()).toBe(true);
  });

  it('a writer of an older attempt is fenced once a newer attempt wrote, and its task is told to fail', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('old', (runtime) => new SinkTask(runtime, sink(), { attempt: 1 }));
    world.add('new', (runtime) => new SinkTask(runtime, sink(), { attempt: 2 }));
    world.settle(10);
    world.node<SinkTask>('new').writer.write({ k: 'a', v: 2 }, 0);
    world.settle(200);
    world.node<SinkTask>('old').writer.write({ k: 'a', v: 1 }, 0);
    world.settle(200);
    expect(world.node<TransactionalStore>('store').read_committed().table).toEqual([['a', 2]]);
    expect(world.node<SinkTask>('old').writer.failure()).toMatch(/superseded by a newer attempt/);
    expect(world.node<SinkTask>('new').writer.failure()).toBeNull();
  });
});

describe('two-phase-commit sink hosted by a task', () => {
  it('asks a task under backpressure to come back after retry_after_ms; an aborted checkpoint\'s data commits with the next one', () => {
    const { world, task, store } = hosted(new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out', records_per_write: 1, max_buffered_records: 2, retry_after_ms: 55 }));
    world.drop_message = (from) => from === 'tm';
    expect(task().writer.canAccept()).toBe(true);
    task().writer.write('a', 0);
    task().writer.write('b', 0);
    expect(task().writer.canAccept()).toBe(false);
    expect(task().wakes.at(-1)).toBe(55);
    task().writer.snapshotState(1);
    task().writer.notifyCheckpointAborted(1);
    world.drop_message = () => false;
    world.settle(1_000);
    expect(task().writer.canAccept()).toBe(true);
    expect(store().records).toEqual([]);
    task().writer.snapshotState(2);
    world.settle(1_000);
    expect(task().writer.isSnapshotDurable(2)).toBe(true);
    task().writer.notifyCheckpointComplete(2);
    world.settle(1_000);
    expect(store().records).toEqual(['a', 'b']);
    expect(task().writer.failure()).toBeNull();
  });

  it('a writer of an older attempt is fenced once a newer attempt spoke, and its task is told to fail', () => {
    const sink = new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out', retry_after_ms: 20 });
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('new', (runtime) => new SinkTask(runtime, sink, { attempt: 2 }));
    world.settle(200);
    world.add('old', (runtime) => new SinkTask(runtime, sink, { attempt: 1 }));
    world.settle(200);
    expect(world.node<SinkTask>('old').writer.failure()).toMatch(/superseded by a newer attempt/);
    expect(world.node<SinkTask>('new').writer.failure()).toBeNull();
  });

  it('is recognised as a checkpointed writer (a plain writer is not)', () => {
    const { task } = hosted(new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' }));
    expect(is_checkpointed_sink_writer(task().writer)).toBe(true);
    expect(is_checkpointed_sink_writer({ write: () => {}, canAccept: () => true, flush: () => {} })).toBe(false);
    const partial = { write: () => {}, canAccept: () => true, flush: () => {}, snapshotState: () => {}, isSnapshotDurable: () => true };
    expect(is_checkpointed_sink_writer(partial)).toBe(false); // no onMessage
  });
});

describe('two-phase-commit writer invariants', () => {
  const runtime = {
    now_ms: () => 0,
    log: () => {},
    probe: () => {},
    fail_invariant: (message: string): never => { throw new Error(`invariant: ${message}`); },
  };
  const writer = (options: Partial<ConstructorParameters<typeof TwoPhaseCommitSinkWriter>[2]> = {}) =>
    new TwoPhaseCommitSinkWriter(runtime, { send: () => {} }, { transactional_id_prefix: 'out', subtask_index: 0, parallelism: 1, store_node: 'store', client_id: 'c', ...options });

  it('refuses a subtask outside the parallelism and a batch size below 1', () => {
    expect(() => writer({ subtask_index: 1, parallelism: 1 })).toThrow('2PC sink: subtask 1 outside parallelism 1');
    expect(() => writer({ subtask_index: -1 })).toThrow('2PC sink: subtask -1 outside parallelism 1');
    expect(() => writer({ parallelism: 0 })).toThrow('2PC sink: subtask 0 outside parallelism 0');
    expect(() => writer({ records_per_write: 0 })).toThrow('2PC sink: records_per_write must be ≥ 1');
    expect(() => writer({ subtask_index: 2, parallelism: 3 })).not.toThrow();
  });

  it('stops the run when its host initializes it twice, writes before initializing, ignores backpressure or reuses a checkpoint id', () => {
    const twice = writer();
    twice.initialize_state(null);
    expect(() => twice.initialize_state(null)).toThrow('invariant: 2PC sink: initialize_state called twice');
    expect(() => writer().invoke('a')).toThrow('invariant: 2PC sink: used before initialize_state');
    const bounded = writer({ max_buffered_records: 1 });
    bounded.initialize_state(null);
    bounded.invoke('a');
    expect(bounded.is_backpressured()).toBe(true);
    expect(() => bounded.invoke('b')).toThrow(/invariant: 2PC sink: buffered records above max_buffered_records/);
    const ids = writer();
    ids.initialize_state(null);
    ids.snapshot_state(2);
    expect(() => ids.snapshot_state(2)).toThrow('invariant: 2PC sink: checkpoint ids must increase');
  });
});

describe('the checkpoint hooks a sink needs from its task', () => {
  const sinks: [string, Sink<unknown>][] = [
    ['two_phase_commit', new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' })],
    ['idempotent', new IdempotentSink({ store_node: 'store', key_of: String })],
    ['at_least_once', new AtLeastOnceSink({ store_node: 'store' })],
  ];
  const hooks = ['reply_tag', 'restored_checkpoint_id', 'log', 'probe', 'fail_invariant'] as const;

  it.each(sinks)('a %s sink refuses a context missing any one of the hooks, naming them', (kind, sink) => {
    const world = new FakeWorld();
    world.add('tm', (runtime) => new SinkTask(runtime, sink));
    const full = world.node<SinkTask>('tm').context();
    expect(() => sink.createWriter(full)).not.toThrow();
    for (const hook of hooks) {
      const without: Record<string, unknown> = { ...full };
      delete without[hook];
      expect(() => sink.createWriter(without as unknown as typeof full), hook).toThrow(
        `${kind} sink: the task must provide CheckpointedSinkWriterContext (reply_tag, restored_checkpoint_id, log, probe, fail_invariant)`,
      );
    }
    expect(() => sink.createWriter({ ...full, reply_tag: 7 } as unknown as typeof full)).toThrow(/CheckpointedSinkWriterContext/);
  });

  it('a writer is checkpointed only with snapshotState, isSnapshotDurable and onMessage all present', () => {
    const complete = { write: () => {}, canAccept: () => true, flush: () => {}, snapshotState: () => {}, isSnapshotDurable: () => true, onMessage: () => {} };
    expect(is_checkpointed_sink_writer(complete)).toBe(true);
    for (const hook of ['snapshotState', 'isSnapshotDurable', 'onMessage'] as const) {
      const without: Record<string, unknown> = { ...complete };
      delete without[hook];
      expect(is_checkpointed_sink_writer(without as unknown as typeof complete), hook).toBe(false);
      expect(is_checkpointed_sink_writer({ ...complete, [hook]: true } as unknown as typeof complete), hook).toBe(false);
    }
  });

  it.each(sinks)('a %s writer stops asking its task for wakeups once nothing is outstanding', (_kind, sink) => {
    const { world, task } = hosted(sink);
    task().writer.write('a', 0);
    task().writer.flush(false);
    task().writer.snapshotState(1);
    world.settle(1_000);
    expect(task().writer.isSnapshotDurable(1)).toBe(true);
    task().writer.notifyCheckpointComplete(1);
    world.settle(1_000);
    const settled = task().wakes.length;
    task().writer.flush(false);
    task().writer.onMessage({ type: 'unrelated' });
    expect(task().wakes.length).toBe(settled);
  });
});

describe('two-phase-commit sink hosted by a task: its configuration', () => {
  it('writes in batches of records_per_write before any checkpoint, and resends after retry_after_ms', () => {
    const { world, task } = hosted(new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out', records_per_write: 2, retry_after_ms: 35, max_pending_requests: 1 }));
    world.settle(100);
    const store = () => world.node<TransactionalStore>('store');
    for (const r of ['a', 'b', 'c']) task().writer.write(r, 0);
    world.settle(100);
    expect(store().transaction_records('out-0-1')).toEqual(['a', 'b']);
    world.drop_message = (from) => from === 'store';
    task().writer.snapshotState(1);
    world.run_for(30);
    expect(task().wakes.at(-1)).toBe(35); // a request waits for its answer: the task comes back to resend it
    world.drop_message = () => false;
    world.settle(500);
    expect(task().writer.isSnapshotDurable(1)).toBe(true);
  });

  it('forwards ignoreFailuresAfterTransactionTimeout and the planted commit-on-pre-commit switch to its writer', () => {
    const planted = hosted(new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out', test_only_commit_on_precommit: true }));
    planted.task().writer.write('early', 0);
    planted.task().writer.snapshotState(1);
    planted.world.settle(200);
    expect(planted.store().records).toEqual(['early']); // visible before checkpoint 1 completed: the planted bug
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime, { transaction_timeout_ms: 500 }));
    world.settle(10);
    const state = {
      checkpoint_id: 1,
      subtask_index: 0,
      parallelism: 1,
      current: { txn_id: 'out-0-2', counter: 2, epoch: null, record_count: 0, write_count: 0 },
      pending: [{ checkpoint_id: 1, txn: { txn_id: 'out-0-1', counter: 1, epoch: 0, record_count: 1, write_count: 1 } }],
    };
    const restored = { checkpoint_id: 1, lists: new Map([[TWO_PHASE_COMMIT_STATE, [state]]]) };
    const lenient = new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out', ignore_failures_after_transaction_timeout: true });
    world.add('tm', (runtime) => new SinkTask(runtime, lenient, { restored }));
    world.settle(200);
    // The store does not know out-0-1 (unknown, not expired): even the lenient writer fails its task.
    expect(world.node<SinkTask>('tm').writer.failure()).toMatch(/unknown_transaction/);
  });

  it('keeps its transactions in split-mode operator list state, one entry per subtask', () => {
    const { world, task } = hosted(new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' }));
    task().writer.snapshotState(1);
    world.settle(100);
    const state = task().list_states.get(TWO_PHASE_COMMIT_STATE);
    expect(state?.mode).toBe('split');
    expect(state?.get()).toHaveLength(1);
  });

  it('stops the run when operator state is handed to a task that restored no checkpoint', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    const lists = new Map([[TWO_PHASE_COMMIT_STATE, [{ checkpoint_id: 3 }]]]);
    const sink = new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' });
    expect(() => world.add('tm', (runtime) => new SinkTask(runtime, sink, { restored: { checkpoint_id: null, lists } }))).toThrow(
      /operator state handed to a task that restored no checkpoint/,
    );
  });
});

describe('aborted checkpoints reach the writer through the task hooks', () => {
  it.each([
    ['idempotent', new IdempotentSink({ store_node: 'store', key_of: String, retry_after_ms: 20 })],
    ['at_least_once', new AtLeastOnceSink({ store_node: 'store', records_per_write: 1, retry_after_ms: 20 })],
  ] as [string, Sink<unknown>][])('a %s writer forgets each aborted checkpoint, so a long outage of aborts stays within its bounds', (_kind, sink) => {
    const { world, task } = hosted(sink);
    world.drop_message = (from) => from === 'tm'; // no write is ever acknowledged
    for (let id = 1; id <= 300; id++) {
      task().writer.write(`r${id}`, 0);
      task().writer.snapshotState(id);
      task().writer.notifyCheckpointAborted(id);
    }
    expect(task().writer.isSnapshotDurable(300)).toBe(true); // forgotten: nothing waits for it
    task().writer.snapshotState(301);
    expect(task().writer.isSnapshotDurable(301)).toBe(false);
  });

  it('a two-phase-commit writer records the abort and keeps the data for the next completed checkpoint', () => {
    const { world, task, store } = hosted(new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' }));
    world.settle(50);
    task().writer.write('kept', 0);
    task().writer.snapshotState(1);
    task().writer.notifyCheckpointAborted(1);
    expect(world.events('sink.checkpoint_aborted').map((e) => e.fields)).toEqual([{ subtask: 0, checkpoint_id: 1 }]);
    task().writer.snapshotState(2);
    world.settle(200);
    task().writer.notifyCheckpointComplete(2);
    world.settle(200);
    expect(store().records).toEqual(['kept']);
  });
});
