// Specification of how the two-phase-commit sink fails (Flink's TwoPhaseCommitSinkFunction): a transaction the store
// refuses fails the task once and is never acknowledged, its records leave the buffer bound, a fenced zombie goes
// quiet, ignoreFailuresAfterTransactionTimeout covers recover-and-commit only; and the trace it leaves on the way.
import { describe, expect, it } from 'vitest';
import { TransactionalStore, WAL_PREFIX, type TransactionalStoreConfig } from './transactional-store.js';
import { FakeWorld } from './transactional-store.test-support.js';
import { TwoPhaseCommitWriterHost } from './sink-host.test-support.js';
import type { RestoredSinkState, TwoPhaseCommitSinkOptions, TwoPhaseCommitSinkState } from './two-phase-commit-sink.js';

function setup(store_config: Partial<TransactionalStoreConfig> = {}, options: Partial<TwoPhaseCommitSinkOptions> = {}, restored: RestoredSinkState | null = null) {
  const world = new FakeWorld();
  world.add('store', (runtime) => new TransactionalStore(runtime, store_config));
  world.settle(10);
  world.add('sink', (runtime) => new TwoPhaseCommitWriterHost(runtime, options, restored));
  world.settle(50);
  const host = () => world.node<TwoPhaseCommitWriterHost>('sink');
  const store = () => world.node<TransactionalStore>('store');
  return { world, host, store };
}

/** A restored state naming one pre-committed transaction of checkpoint 1. */
function pending_state(txn_id: string, records: number): TwoPhaseCommitSinkState {
  const current = { txn_id: 'out-0-2', counter: 2, epoch: null, record_count: 0, write_count: 0 };
  return { checkpoint_id: 1, subtask_index: 0, parallelism: 1, current, pending: [{ checkpoint_id: 1, txn: { txn_id, counter: 1, epoch: 0, record_count: records, write_count: 1 } }] };
}

describe('two-phase-commit sink: transactions the store refuses', () => {
  it('reports the first failure once, even when several commits of completed checkpoints fail', () => {
    const { world, host } = setup({ transaction_timeout_ms: 500 });
    host().writer.invoke('a');
    host().writer.snapshot_state(1);
    host().writer.invoke('b');
    host().writer.snapshot_state(2);
    world.settle(100);
    world.run_for(1_000); // both pre-committed transactions expire
    host().writer.notify_checkpoint_complete(2);
    world.settle(100);
    expect(host().writer.lost_transactions().map((l) => l.txn_id)).toEqual(['out-0-1', 'out-0-2']);
    expect(host().failures).toHaveLength(1);
    expect(host().failures[0]).toMatch(/out-0-1 of completed checkpoint 1/);
    expect(host().writer.failure()).toBe(host().failures[0]);
    expect(world.probes.get('sink.commit_failed_task')).toBe(2);
    expect(world.events('sink.commit_failed').map((e) => e.fields)).toEqual([
      expect.objectContaining({ txn_id: 'out-0-1', checkpoint_id: 1, records: 1, outcome: 'expired' }),
      expect.objectContaining({ txn_id: 'out-0-2', checkpoint_id: 2, records: 1, outcome: 'expired' }),
    ]);
  });

  it('a host without a failure callback reads the failure from failure()', () => {
    const { world, host } = setup({ transaction_timeout_ms: 500 }, { on_failure: undefined });
    host().writer.invoke('a');
    host().writer.snapshot_state(1);
    world.settle(100);
    world.run_for(1_000);
    host().writer.notify_checkpoint_complete(1);
    world.settle(100);
    expect(host().writer.failure()).toMatch(/out-0-1 of completed checkpoint 1 failed \(expired\)/);
    const open = setup({ transaction_timeout_ms: 500 }, { on_failure: undefined });
    open.world.run_for(600);
    open.host().writer.invoke('late');
    open.host().writer.invoke('late');
    open.world.settle(100);
    expect(open.host().writer.failure()).toMatch(/out-0-1: write expired/);
  });

  it('ignoreFailuresAfterTransactionTimeout covers recover-and-commit only: a commit after notification still fails', () => {
    const { world, host } = setup({ transaction_timeout_ms: 500 }, { ignore_failures_after_transaction_timeout: true });
    host().writer.invoke('a');
    host().writer.snapshot_state(1);
    world.settle(100);
    world.run_for(1_000);
    host().writer.notify_checkpoint_complete(1);
    world.settle(100);
    expect(host().failures).toEqual([expect.stringMatching(/out-0-1 of completed checkpoint 1 failed \(expired\)/)]);
    expect(world.events('sink.data_loss')).toEqual([]);
  });

  it('ignoreFailuresAfterTransactionTimeout ignores only an expired transaction: one the store does not know still fails', () => {
    const { world, host } = setup({}, { ignore_failures_after_transaction_timeout: true }, { checkpoint_id: 1, states: [pending_state('out-0-1', 3)] });
    world.settle(100);
    expect(host().writer.lost_transactions()).toEqual([{ txn_id: 'out-0-1', checkpoint_id: 1, records: 3, reason: 'unknown_transaction' }]);
    expect(host().failures).toEqual([expect.stringMatching(/out-0-1 of completed checkpoint 1 failed \(unknown_transaction\)/)]);
    expect(world.events('sink.data_loss')).toEqual([]);
  });

  it('a pre-commit the store refuses (the transaction expired first) is never acknowledged and fails the task', () => {
    const { world, host } = setup({ transaction_timeout_ms: 500 }, { retry_after_ms: 100 });
    world.drop_message = (from) => from === 'sink'; // the store becomes unreachable after the begin
    host().writer.snapshot_state(1);
    world.run_for(700);
    world.drop_message = () => false;
    world.run_for(500);
    expect(host().writer.is_precommitted(1)).toBe(false);
    expect(host().precommitted).toEqual([]);
    expect(host().failures).toEqual(['transaction out-0-1: prepare expired']);
    expect(world.events('sink.transaction_failed').map((e) => e.fields)).toEqual([{ txn_id: 'out-0-1', reason: 'prepare expired', checkpoint_id: 1 }]);
  });

  it('a store that lost acknowledged writes (a truncated log) fails the pre-commit instead of retrying it forever', () => {
    const { world, host, store } = setup({}, { records_per_write: 1 });
    host().writer.invoke('a');
    host().writer.invoke('b');
    world.settle(100);
    const disk = world.disk_of('store');
    const last = [...disk.keys()].filter((k) => k.startsWith(WAL_PREFIX)).sort().at(-1) as string;
    disk.delete(last); // the write of 'b' was acknowledged, then lost with the log's tail
    world.crash('store');
    world.start('store');
    world.settle(100);
    expect(store().transaction_records('out-0-1')).toEqual(['a']);
    host().writer.snapshot_state(1);
    world.settle(1_000);
    expect(host().failures).toEqual(['transaction out-0-1: prepare missing_writes']);
    expect(host().writer.is_precommitted(1)).toBe(false);
  });

  it('records of a transaction that died no longer count toward the buffer bound', () => {
    const { world, host } = setup({ transaction_timeout_ms: 500 }, { records_per_write: 1, max_buffered_records: 3 });
    host().writer.invoke('acked');
    world.settle(100);
    world.run_for(600); // the open transaction expires
    host().writer.invoke('r1');
    host().writer.invoke('r2');
    world.settle(100); // the writes come back expired (answers for the dead transaction after the first are ignored)
    expect(host().failures).toEqual(['transaction out-0-1: write expired']);
    expect(host().writer.is_backpressured()).toBe(false);
    for (const r of ['n1', 'n2']) host().writer.invoke(r);
    expect(host().writer.is_backpressured()).toBe(false);
    host().writer.invoke('n3');
    expect(host().writer.is_backpressured()).toBe(true);
  });

  it('a checkpoint is acknowledged once its own and earlier transactions are durable, whatever later ones do', () => {
    const { world, host } = setup();
    host().writer.invoke('a');
    host().writer.snapshot_state(1);
    world.settle(100);
    world.drop_message = (from) => from === 'sink';
    host().writer.invoke('b');
    host().writer.snapshot_state(2);
    world.settle(100);
    expect(host().writer.is_precommitted(1)).toBe(true);
    expect(host().writer.is_precommitted(2)).toBe(false);
    expect(host().writer.stats().pending_transactions).toBe(2);
  });
});

describe('two-phase-commit sink: a fenced zombie', () => {
  it('stops sending once refused: one probe, one failure, nothing resent', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('zombie', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 1, records_per_write: 1, retry_after_ms: 50 }, null));
    world.settle(100);
    world.add('attempt-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { generation: 2 }, null));
    world.settle(100);
    const zombie = world.node<TwoPhaseCommitWriterHost>('zombie');
    for (const r of ['x', 'y', 'z']) zombie.writer.invoke(r); // three writes in flight, each refused
    world.settle(100);
    expect(world.events('txstore.superseded')).toHaveLength(3);
    expect(world.probes.get('sink.zombie_fenced')).toBe(1);
    expect(world.events('sink.superseded')).toHaveLength(1);
    expect(world.events('sink.superseded')[0]?.fields).toMatchObject({ subtask: 0, request: 'write', detail: 'generation 1 < 2' });
    expect(zombie.failures).toEqual(['superseded by a newer attempt (generation 1 < 2)']);
    zombie.writer.invoke('w');
    zombie.writer.snapshot_state(1);
    zombie.writer.notify_checkpoint_complete(1);
    world.settle(1_000);
    expect(world.events('txstore.superseded')).toHaveLength(3); // nothing more was sent
    expect(zombie.writer.is_precommitted(1)).toBe(false);
  });
});

describe('two-phase-commit sink: the trace of a restore', () => {
  it('the lingering abort aborts the restored open transaction and the ones begun after it; pending ones are committed', () => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(10);
    world.add('run-1', (runtime) => new TwoPhaseCommitWriterHost(runtime, {}, null));
    world.settle(100);
    const first = world.node<TwoPhaseCommitWriterHost>('run-1').writer;
    first.invoke('a');
    const state = first.snapshot_state(1); // out-0-1 pre-committed, out-0-2 open
    world.settle(100);
    first.invoke('b');
    first.snapshot_state(2); // out-0-2 pre-committed for checkpoint 2 (never completes), out-0-3 open
    first.invoke('c');
    world.settle(100);
    first.notify_checkpoint_aborted(2);
    expect(world.events('sink.checkpoint_aborted').map((e) => e.fields)).toEqual([{ subtask: 0, checkpoint_id: 2 }]);
    world.crash('run-1');
    expect(state.current).toMatchObject({ txn_id: 'out-0-2' });
    world.add('run-2', (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: 0, parallelism: 1 }, { checkpoint_id: 1, states: [state] }));
    world.settle(200);
    expect(world.events('sink.lingering_aborted').map((e) => e.fields)).toEqual([{ subtask: 0, txn_ids: ['out-0-2', 'out-0-3'] }]);
    expect(world.probes.get('sink.lingering_aborted')).toBe(1);
    expect(world.events('sink.recover_pending').map((e) => e.fields)).toEqual([{ subtask: 0, transaction_count: 1, checkpoint_id: 1 }]);
    expect(world.probes.get('sink.crash_between_precommit_and_commit')).toBe(1);
    expect(world.events('sink.recovered').filter((e) => e.node === 'run-2').map((e) => e.fields)).toEqual([{ subtask: 0 }]);
    expect(world.node<TransactionalStore>('store').read_committed().records).toEqual(['a']);
    expect(world.events('sink.counter_ahead_of_checkpoint')).toEqual([]);
  });

  it('a restore with nothing pending and nothing lingering says neither', () => {
    const { world } = setup({}, {}, { checkpoint_id: 4, states: [] });
    world.settle(100);
    expect(world.events('sink.recover_pending')).toEqual([]);
    expect(world.events('sink.lingering_aborted')).toEqual([]);
    expect(world.probes.get('sink.lingering_aborted')).toBeUndefined();
    expect(world.events('sink.recovered')).toHaveLength(1);
  });
});
