// Specification of the two-phase-commit sink writer (Flink's TwoPhaseCommitSinkFunction contract) against the
// simulated transactional store: skipped/late/duplicate notifications, restore paths, timeouts, planted bug.
import { describe, expect, it } from 'vitest';
import { TransactionalStore, type TransactionalStoreConfig } from './transactional-store.js';
import { FakeWorld } from './transactional-store.test-support.js';
import { SinkTask, TwoPhaseCommitWriterHost, plain_sink_context, type ListStates } from './sink-host.test-support.js';
import {
  TWO_PHASE_COMMIT_STATE,
  TwoPhaseCommitSink,
  type RestoredSinkState,
  type TwoPhaseCommitSinkOptions,
  type TwoPhaseCommitSinkState,
} from './two-phase-commit-sink.js';

function setup(store_config: Partial<TransactionalStoreConfig> = {}, options: Partial<TwoPhaseCommitSinkOptions> = {}) {
  const world = new FakeWorld();
  world.add('store', (runtime) => new TransactionalStore(runtime, { transaction_timeout_ms: 60_000, ...store_config }));
  world.settle(10);
  let restored: RestoredSinkState | null = null;
  let host_options = options;
  world.add('sink', (runtime) => new TwoPhaseCommitWriterHost(runtime, host_options, restored));
  world.settle(50);
  const host = () => world.node<TwoPhaseCommitWriterHost>('sink');
  const store = () => world.node<TransactionalStore>('store');
  const output = () => store().read_committed().records;
  /** Crash the sink process and restart it from `state` taken at checkpoint `checkpoint_id`. */
  const restart_from = (checkpoint_id: number, states: TwoPhaseCommitSinkState[], next_options = options) => {
    world.crash('sink');
    restored = { checkpoint_id, states };
    host_options = next_options;
    world.start('sink');
    world.settle(100);
  };
  return { world, host, store, output, restart_from };
}

describe('two-phase-commit sink', () => {
  it('makes records visible only after the checkpoint that contains them completes', () => {
    const { world, host, output } = setup();
    host().writer.invoke('a');
    host().writer.invoke('b');
    host().writer.invoke('c');
    host().writer.snapshot_state(1);
    world.settle(100);
    expect(host().precommitted).toEqual([1]);
    expect(host().writer.is_precommitted(1)).toBe(true);
    expect(output()).toEqual([]);
    host().writer.notify_checkpoint_complete(1);
    world.settle(100);
    expect(output()).toEqual(['a', 'b', 'c']);
    expect(world.events('sink.committed')[0]?.fields).toMatchObject({ txn_id: 'out-0-1', checkpoint_id: 1, records: 3 });
  });

  it('commits every pending transaction ≤ id when notifications are skipped, and ignores late or duplicate ones', () => {
    const { world, host, output } = setup();
    const w = () => host().writer;
    w().invoke(1);
    w().snapshot_state(1);
    w().invoke(2);
    w().snapshot_state(2);
    w().invoke(3);
    w().snapshot_state(3);
    w().invoke(4);
    world.settle(100);
    w().notify_checkpoint_complete(2); // 1 was skipped
    world.settle(100);
    expect(output()).toEqual([1, 2]);
    w().notify_checkpoint_complete(1); // late
    w().notify_checkpoint_complete(2); // duplicate
    world.settle(100);
    expect(output()).toEqual([1, 2]);
    expect(w().stats().pending_transactions).toBe(1);
    w().notify_checkpoint_complete(3);
    world.settle(100);
    expect(output()).toEqual([1, 2, 3]);
  });

  it('keeps the data of an aborted checkpoint and commits it with the next completed one', () => {
    const { world, host, output } = setup();
    host().writer.invoke('x');
    host().writer.snapshot_state(1);
    host().writer.notify_checkpoint_aborted(1);
    host().writer.invoke('y');
    host().writer.snapshot_state(2);
    world.settle(100);
    host().writer.notify_checkpoint_complete(2);
    world.settle(100);
    expect(output()).toEqual(['x', 'y']);
  });

  it('survives dropped requests and responses by resending with the same request ids', () => {
    const { world, host, output } = setup();
    let drops = 0;
    world.drop_message = () => drops++ % 3 === 0;
    for (let i = 0; i < 9; i++) host().writer.invoke(i);
    host().writer.snapshot_state(1);
    world.settle(2_000);
    host().writer.notify_checkpoint_complete(1);
    world.settle(2_000);
    expect(output()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('on restore commits the pending transactions of the restored checkpoint and aborts the open one', () => {
    const { world, host, output, store, restart_from } = setup();
    host().writer.invoke('committed-before-crash');
    host().writer.snapshot_state(1);
    world.settle(100);
    host().writer.notify_checkpoint_complete(1);
    world.settle(100);
    host().writer.invoke('pending');
    const state = host().writer.snapshot_state(2);
    world.settle(100);
    host().writer.invoke('after-checkpoint');
    world.settle(100);
    // crash before notify_checkpoint_complete(2) arrives
    restart_from(2, [state]);
    expect(world.probes.get('sink.crash_between_precommit_and_commit')).toBe(1);
    expect(world.probes.get('sink.commit_after_restore')).toBe(1);
    expect(output()).toEqual(['committed-before-crash', 'pending']);
    expect(store().list('out-').map((t) => t.txn_id)).toEqual(['out-0-3']);
    host().writer.invoke('after-checkpoint'); // replayed by the source
    host().writer.snapshot_state(3);
    world.settle(100);
    host().writer.notify_checkpoint_complete(3);
    world.settle(100);
    expect(output()).toEqual(['committed-before-crash', 'pending', 'after-checkpoint']);
  });

  it('re-committing an already committed pending transaction on restore is harmless', () => {
    const { world, host, output, restart_from } = setup();
    host().writer.invoke('once');
    const state = host().writer.snapshot_state(1);
    world.settle(100);
    host().writer.notify_checkpoint_complete(1);
    world.settle(100);
    restart_from(1, [state]);
    expect(output()).toEqual(['once']);
    expect(world.events('sink.committed').map((e) => e.fields.outcome)).toEqual(['ok', 'already_committed']);
  });

  it('aborts lingering transactions of its subtask slots begun after the restored checkpoint', () => {
    const { world, host, store, restart_from } = setup();
    const state = host().writer.snapshot_state(1);
    host().writer.invoke('lost-with-the-crash');
    host().writer.snapshot_state(2); // begins out-0-3; checkpoint 2 never completes
    host().writer.invoke('also-lost');
    world.settle(100);
    expect(store().list('out-').map((t) => `${t.txn_id}:${t.state}`)).toEqual(['out-0-1:prepared', 'out-0-2:prepared', 'out-0-3:open']);
    restart_from(1, [state]);
    expect(world.probes.get('sink.lingering_aborted')).toBe(1);
    expect(store().read_committed().records).toEqual([]);
    expect(store().list('out-').map((t) => t.txn_id)).toEqual(['out-0-2']);
    expect(store().list('out-')[0]?.epoch).toBe(1); // begun again by the new run, the old epoch fenced
  });

  it('a transaction timeout shorter than checkpoint completion loses pre-committed data, and the commit failure fails the task', () => {
    const { world, host, output } = setup({ transaction_timeout_ms: 500 });
    host().writer.invoke('doomed-1');
    host().writer.invoke('doomed-2');
    host().writer.snapshot_state(1);
    world.settle(100);
    expect(host().writer.is_precommitted(1)).toBe(true);
    world.run_for(1_000); // the checkpoint takes too long: the store aborts the prepared transaction
    host().writer.notify_checkpoint_complete(1);
    world.settle(100);
    expect(output()).toEqual([]);
    expect(host().writer.lost_transactions()).toEqual([{ txn_id: 'out-0-1', checkpoint_id: 1, records: 2, reason: 'expired' }]);
    expect(host().writer.stats().lost_records).toBe(2);
    expect(world.events('sink.commit_failed')).toHaveLength(1);
    // As TwoPhaseCommitSinkFunction's notifyCheckpointComplete throws: the task fails (and restores), nothing is hidden.
    expect(host().failures).toEqual([expect.stringMatching(/committing transaction out-0-1 of completed checkpoint 1 failed \(expired\)/)]);
    expect(host().writer.failure()).toMatch(/out-0-1/);
    expect(world.events('sink.data_loss')).toEqual([]);
  });

  it('recover-and-commit of an expired transaction fails the task, unless ignoreFailuresAfterTransactionTimeout is on', () => {
    const run = (ignore: boolean) => {
      const { world, host, restart_from } = setup({ transaction_timeout_ms: 500 });
      host().writer.invoke('doomed-1');
      const state = host().writer.snapshot_state(1);
      world.settle(100);
      // Checkpoint 1 completes, but the sink crashes before its notification; the store expires the transaction.
      world.run_for(1_000);
      restart_from(1, [state], ignore ? { ignore_failures_after_transaction_timeout: true } : {});
      world.settle(200);
      return { failures: host().failures, data_loss: world.events('sink.data_loss'), lost: host().writer.lost_transactions() };
    };
    const strict = run(false);
    expect(strict.failures).toEqual([expect.stringMatching(/out-0-1 of completed checkpoint 1 failed \(expired\)/)]);
    expect(strict.data_loss).toEqual([]);
    const lenient = run(true);
    expect(lenient.failures).toEqual([]);
    expect(lenient.data_loss.map((e) => e.fields)).toEqual([expect.objectContaining({ records: 1, reason: 'expired' })]);
    expect(lenient.lost).toEqual([{ txn_id: 'out-0-1', checkpoint_id: 1, records: 1, reason: 'expired' }]);
  });

  it('an open transaction that times out before its checkpoint fails the task instead of losing data', () => {
    const { world, host } = setup({ transaction_timeout_ms: 500 });
    world.run_for(600);
    host().writer.invoke('r1');
    host().writer.invoke('r2');
    world.settle(100);
    expect(host().failures).toHaveLength(1);
    expect(host().failures[0]).toMatch(/out-0-1: write expired/);
    expect(host().writer.lost_transactions()).toEqual([]);
  });

  it('after a rescale one new subtask commits the pending transactions of several old subtasks', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime, { transaction_timeout_ms: 60_000 }));
    world.settle(10);
    const states: TwoPhaseCommitSinkState[] = [];
    for (const subtask of [0, 1, 2]) {
      world.add(`old-${subtask}`, (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: subtask, parallelism: 3 }, null));
    }
    world.settle(100);
    for (const subtask of [0, 1, 2]) {
      const writer = world.node<TwoPhaseCommitWriterHost>(`old-${subtask}`).writer;
      writer.invoke(`from-${subtask}`);
      states.push(writer.snapshot_state(1));
      writer.invoke(`uncheckpointed-${subtask}`);
    }
    world.settle(100);
    for (const subtask of [0, 1, 2]) world.crash(`old-${subtask}`);
    world.add('new-0', (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: 0, parallelism: 2 }, { checkpoint_id: 1, states: [states[0]!, states[2]!] }));
    world.add('new-1', (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: 1, parallelism: 2 }, { checkpoint_id: 1, states: [states[1]!] }));
    world.settle(200);
    const store = world.node<TransactionalStore>('store');
    expect([...store.read_committed().records].sort()).toEqual(['from-0', 'from-1', 'from-2']);
    // lingering out-*-2 aborted (new-0 owns slots 0 and 2, new-1 owns slot 1); each new subtask has one open txn
    expect(store.list('out-').map((t) => `${t.txn_id}@${t.epoch}`).sort()).toEqual(['out-0-2@1', 'out-1-2@1']);
  });

  it('PLANTED BUG: committing on pre-commit duplicates output after a crash before checkpoint completion', () => {
    const run = (buggy: boolean): unknown[] => {
      const { world, host, output, restart_from } = setup({}, { test_only_commit_on_precommit: buggy });
      host().writer.invoke('a');
      const state1 = host().writer.snapshot_state(1);
      world.settle(100);
      host().writer.notify_checkpoint_complete(1);
      host().writer.invoke('b');
      host().writer.snapshot_state(2);
      world.settle(100);
      // crash: checkpoint 2 never completes; restore 1 and the source replays 'b'
      restart_from(1, [state1], {});
      host().writer.invoke('b');
      host().writer.snapshot_state(2);
      world.settle(100);
      host().writer.notify_checkpoint_complete(2);
      world.settle(100);
      return output();
    };
    expect(run(false)).toEqual(['a', 'b']);
    expect(run(true)).toEqual(['a', 'b', 'b']);
  });
});

describe('two-phase-commit sink in the engine Sink API', () => {
  it('refuses a task that does not provide the checkpoint hooks, with a clear message', () => {
    const sink = new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out' });
    expect(() => sink.createWriter(plain_sink_context())).toThrow(/CheckpointedSinkWriterContext/);
  });

  it('commits through the task hooks, keeps its transactions in operator list state, and recovers them', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    const sink = new TwoPhaseCommitSink({ store_node: 'store', transactional_id_prefix: 'out', records_per_write: 2, retry_after_ms: 20 });
    let restored: { checkpoint_id: number; lists: ListStates } | null = null;
    world.add('tm', (runtime) => new SinkTask(runtime, sink, { restored }));
    world.settle(50);
    const task = () => world.node<SinkTask>('tm');
    const output = () => world.node<TransactionalStore>('store').read_committed().records;
    let drops = 0;
    world.drop_message = () => drops++ % 4 === 1; // replies and requests get lost: the writer's wakeups resend
    for (const r of ['a', 'b', 'c']) task().writer.write(r, 0);
    task().writer.snapshotState(1);
    world.settle(1_000);
    expect(task().writer.isSnapshotDurable(1)).toBe(true);
    task().writer.notifyCheckpointComplete(1);
    world.settle(1_000);
    expect(output()).toEqual(['a', 'b', 'c']);
    task().writer.write('d', 0);
    task().writer.snapshotState(2);
    world.settle(1_000);
    const lists = task().checkpointed_lists();
    expect(lists.get(TWO_PHASE_COMMIT_STATE)).toHaveLength(1);
    world.crash('tm'); // before the notification for checkpoint 2
    restored = { checkpoint_id: 2, lists };
    world.start('tm');
    world.settle(1_000);
    expect(output()).toEqual(['a', 'b', 'c', 'd']);
    expect(world.probes.get('sink.commit_after_restore')).toBe(1);
  });
});

describe('two-phase-commit sink: the timeout pitfall on the restore path', () => {
  it('a restart slower than the transaction timeout loses the recovered pending transaction, detected and logged', () => {
    const { world, host, output, restart_from } = setup({ transaction_timeout_ms: 1_000 });
    host().writer.invoke('precommitted-then-crash');
    const state = host().writer.snapshot_state(1);
    world.settle(100);
    expect(host().writer.is_precommitted(1)).toBe(true);
    world.crash('sink'); // the checkpoint completed, but the notification never reached this sink
    world.run_for(2_000); // the restart takes longer than the transaction timeout
    restart_from(1, [state]);
    expect(output()).toEqual([]);
    expect(host().writer.lost_transactions()).toEqual([{ txn_id: 'out-0-1', checkpoint_id: 1, records: 1, reason: 'expired' }]);
    expect(world.events('sink.commit_failed')[0]?.fields).toMatchObject({ txn_id: 'out-0-1', outcome: 'expired' });
    expect(world.probes.get('sink.commit_after_restore')).toBeUndefined();
  });
});

describe('two-phase-commit sink: restoring an older checkpoint than committed output', () => {
  it('skips transactional ids a later run already committed (and the replay duplicates, visibly)', () => {
    const { world, host, output, restart_from } = setup();
    host().writer.invoke('a');
    const state1 = host().writer.snapshot_state(1);
    world.settle(100);
    host().writer.notify_checkpoint_complete(1);
    host().writer.invoke('b');
    host().writer.snapshot_state(2);
    world.settle(100);
    host().writer.notify_checkpoint_complete(2); // commits out-0-2 with 'b'
    world.settle(100);
    restart_from(1, [state1]); // checkpoint 2 was lost: the older one is restored
    host().writer.invoke('b'); // replayed
    const state2 = host().writer.snapshot_state(2);
    world.settle(100);
    expect(world.events('sink.transactional_id_taken')[0]?.fields).toMatchObject({ txn_id: 'out-0-2' });
    expect(state2.pending.map((p) => p.txn.txn_id)).toEqual(['out-0-3']);
    host().writer.notify_checkpoint_complete(2);
    world.settle(100);
    expect(output()).toEqual(['a', 'b', 'b']);
    restart_from(2, [state2]); // a later restore from the newer state is not an invariant failure
    expect(world.events('sink.counter_ahead_of_checkpoint')).toHaveLength(1);
    expect(output()).toEqual(['a', 'b', 'b']);
  });
});

describe('two-phase-commit sink: recovery under a small request bound', () => {
  it('restoring many old subtasks into one with max_pending_requests 2 still commits all and aborts lingering', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    const states: TwoPhaseCommitSinkState[] = [];
    for (let subtask = 0; subtask < 5; subtask++) {
      world.add(`old-${subtask}`, (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: subtask, parallelism: 5 }, null));
    }
    world.settle(100);
    for (let subtask = 0; subtask < 5; subtask++) {
      const writer = world.node<TwoPhaseCommitWriterHost>(`old-${subtask}`).writer;
      writer.invoke(`r${subtask}`);
      states.push(writer.snapshot_state(1));
      writer.invoke('lingering');
    }
    world.settle(100);
    for (let subtask = 0; subtask < 5; subtask++) world.crash(`old-${subtask}`);
    world.add('new', (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: 0, parallelism: 1, max_pending_requests: 2 }, { checkpoint_id: 1, states }));
    world.settle(1_000);
    const store = world.node<TransactionalStore>('store');
    expect([...store.read_committed().records].sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(store.list('out-').map((t) => `${t.txn_id}@${t.epoch}`)).toEqual(['out-0-2@1']);
    world.node<TwoPhaseCommitWriterHost>('new').writer.invoke('after');
    world.node<TwoPhaseCommitWriterHost>('new').writer.snapshot_state(2);
    world.settle(200);
    world.node<TwoPhaseCommitWriterHost>('new').writer.notify_checkpoint_complete(2);
    world.settle(200);
    expect(store.read_committed().records).toContain('after');
  });
});

describe('two-phase-commit sink: zombies of a stale attempt are fenced by the writer generation', () => {
  it('a writer of an older attempt that starts late cannot abort the new attempt’s pre-committed transaction', () => {
    // properties/findings/pause-loses-2pc-output.json: a paused TaskManager resumed with its attempt-1 task and ran
    // initializeState; its lingering abort killed attempt 2's prepared transaction and 38 records were lost.
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('attempt-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 2 }, null));
    world.settle(100);
    const current = world.node<TwoPhaseCommitWriterHost>('attempt-2').writer;
    current.invoke('a');
    current.invoke('b');
    current.snapshot_state(3);
    world.settle(100);
    expect(current.is_precommitted(3)).toBe(true);
    world.add('zombie', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 1 }, null)); // same subtask, stale attempt
    world.settle(100);
    expect(world.node<TwoPhaseCommitWriterHost>('zombie').failures).toEqual([expect.stringContaining('superseded')]);
    expect(world.events('txstore.lingering_aborted')).toEqual([]);
    current.notify_checkpoint_complete(3);
    world.settle(100);
    const store = world.node<TransactionalStore>('store');
    expect(store.read_committed().records).toEqual(['a', 'b']);
    expect(world.events('sink.data_loss')).toEqual([]);
    expect(world.probes.get('sink.zombie_fenced')).toBe(1);
  });

  it('a zombie cannot commit the new attempt’s prepared transaction before its checkpoint completes', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('zombie', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 1 }, null));
    world.settle(100);
    const zombie = world.node<TwoPhaseCommitWriterHost>('zombie').writer;
    zombie.invoke('old');
    zombie.snapshot_state(1); // pre-commits out-0-1 under attempt 1; checkpoint 1 never completes
    world.settle(100);
    world.add('attempt-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 2 }, null)); // restarts from scratch
    world.settle(100);
    const current = world.node<TwoPhaseCommitWriterHost>('attempt-2').writer;
    current.invoke('old'); // replayed
    current.snapshot_state(2); // pre-commits out-0-1 again, epoch 1
    world.settle(100);
    zombie.notify_checkpoint_complete(1); // a stale notification reaches the zombie
    world.settle(100);
    const store = world.node<TransactionalStore>('store');
    expect(store.read_committed().records).toEqual([]);
    current.notify_checkpoint_complete(2);
    world.settle(100);
    expect(store.read_committed().records).toEqual(['old']);
  });

  it('keeps a restored pending transaction whose counter ran ahead of its checkpoint id out of the lingering abort', () => {
    const { world, host, output, restart_from } = setup();
    host().writer.invoke('a');
    const state1 = host().writer.snapshot_state(1);
    world.settle(100);
    host().writer.notify_checkpoint_complete(1);
    host().writer.invoke('b');
    host().writer.snapshot_state(2);
    world.settle(100);
    host().writer.notify_checkpoint_complete(2); // commits out-0-2 with 'b'
    world.settle(100);
    restart_from(1, [state1]); // checkpoint 2 was lost: the older one is restored, out-0-2 is taken
    host().writer.invoke('c');
    const state2 = host().writer.snapshot_state(2); // pre-commits out-0-3 for checkpoint 2: counter 3 > id 2
    world.settle(100);
    expect(state2.pending.map((p) => p.txn.txn_id)).toEqual(['out-0-3']);
    restart_from(2, [state2]); // crash before the notification: out-0-3 must be recovered and committed
    expect(world.events('sink.data_loss')).toEqual([]);
    expect(output()).toEqual(['a', 'b', 'c']);
  });
});

describe('two-phase-commit sink: restarting from scratch after output was committed', () => {
  function committed_by_an_earlier_run() {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('run-1', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 1 }, null));
    world.settle(100);
    const first = world.node<TwoPhaseCommitWriterHost>('run-1').writer;
    for (let id = 1; id <= 3; id++) {
      first.invoke(`r${id}`);
      first.snapshot_state(id);
      world.settle(100);
      first.notify_checkpoint_complete(id);
      world.settle(100);
    }
    world.crash('run-1'); // no checkpoint survives (e.g. lost checkpoint-store writes): the job restarts from offset 0
    return world;
  }

  it('takes the first free transactional id at once instead of failing on committed ones', () => {
    const world = committed_by_an_earlier_run();
    world.add('run-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 2 }, null));
    world.settle(100);
    const writer = world.node<TwoPhaseCommitWriterHost>('run-2').writer;
    writer.invoke('again');
    const state = writer.snapshot_state(4);
    expect(state.pending.map((p) => p.txn.txn_id)).toEqual(['out-0-4']);
    world.settle(100);
    writer.notify_checkpoint_complete(4);
    world.settle(100);
    expect(world.node<TwoPhaseCommitWriterHost>('run-2').failures).toEqual([]);
    expect(world.node<TransactionalStore>('store').read_committed().records).toEqual(['r1', 'r2', 'r3', 'again']);
  });

  it('never acknowledges a checkpoint whose transaction failed (its id was taken before the begin)', () => {
    const world = committed_by_an_earlier_run();
    world.add('run-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 2 }, null));
    const writer = world.node<TwoPhaseCommitWriterHost>('run-2').writer;
    writer.invoke('replayed');
    const state = writer.snapshot_state(5); // before the lingering abort answered: out-0-1 is named in the snapshot
    expect(state.pending.map((p) => p.txn.txn_id)).toEqual(['out-0-1']);
    world.settle(200);
    expect(world.node<TwoPhaseCommitWriterHost>('run-2').failures).toEqual([expect.stringContaining('already_committed')]);
    // Acknowledging would complete checkpoint 5 naming out-0-1, another run's commit: the restore would "re-commit"
    // it (already committed) and silently lose 'replayed'.
    expect(writer.is_precommitted(5)).toBe(false);
  });
});
