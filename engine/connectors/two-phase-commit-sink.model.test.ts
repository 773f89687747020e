// Model check of the two-phase-commit sink (Flink's TwoPhaseCommitSinkFunction) against what must be visible
// downstream: random interleavings of writes, checkpoints, completions (notification delivered or lost), aborts,
// failovers with rescaling and zombie writers, store crashes, outages and lossy links, judged after every step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransactionalStore } from './transactional-store.js';
import { FakeWorld } from './transactional-store.test-support.js';
import { StoreFaults, TwoPhaseCommitWriterHost, store_fault_arbitraries, type StoreFaultStep } from './sink-host.test-support.js';
import type { RestoredSinkState, TwoPhaseCommitSinkState, TwoPhaseCommitSinkWriter } from './two-phase-commit-sink.js';
import { is_engine_event } from '../events.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 60);

type Step = { after_ms: number } & (
  | { kind: 'write'; records: number }
  | { kind: 'checkpoint'; skipped: number }
  | { kind: 'complete'; pick: number; notified: boolean }
  | { kind: 'abort'; pick: number }
  | { kind: 'failover'; parallelism: number; zombies: boolean }
  | StoreFaultStep
);

const step_arb: fc.Arbitrary<Step> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), records: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), skipped: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(3), notified: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat(3) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('failover' as const), parallelism: fc.integer({ min: 1, max: 3 }), zombies: fc.boolean() }) },
      ...store_fault_arbitraries,
    ),
    fc.integer({ min: 0, max: 40 }),
  )
  .map(([step, after_ms]) => ({ ...step, after_ms }) as Step);

interface Case {
  parallelism: number;
  records_per_write: number;
  max_pending_requests: number;
  steps: Step[];
  /** PLANTED BUG seam (TwoPhaseCommitSinkOptions.test_only_commit_on_precommit), to show the check catches it. */
  commit_on_precommit?: boolean;
}

const case_arb: fc.Arbitrary<Case> = fc.record({
  parallelism: fc.integer({ min: 1, max: 3 }),
  records_per_write: fc.integer({ min: 1, max: 3 }),
  max_pending_requests: fc.integer({ min: 1, max: 4 }),
  steps: fc.array(step_arb, { minLength: 5, maxLength: 40, size: 'max' }),
});

/** A snapshot the coordinator holds: the source position it covers and each subtask's operator state. */
interface Snapshot {
  position: number;
  states: TwoPhaseCommitSinkState[];
}

/**
 * The coordinator, the source and the sink subtasks of one job, with the reference of what must be visible: records
 * are the numbers 0, 1, 2, … in source order, record r goes to subtask r % parallelism.
 */
class Job {
  readonly world = new FakeWorld();
  private attempt = 1;
  private parallelism: number;
  private hosts: string[] = [];
  private readonly zombies: string[] = [];
  /** Next record the source emits. */
  private position = 0;
  private next_checkpoint_id = 1;
  /** Snapshotted in this attempt, neither completed nor aborted: acknowledgeable. */
  private readonly pending = new Map<number, Snapshot>();
  /** The latest completed checkpoint (what a failover restores). */
  private completed: { id: number; snapshot: Snapshot } | null = null;
  /** The latest checkpoint the current attempt knows completed (notified, or restored from). */
  private known_complete_position = 0;
  /** Every parallelism the job ran with. */
  private readonly parallelisms = new Set<number>();
  /** Acknowledgement callbacks for checkpoints that were not durable yet. */
  readonly early_callbacks: string[] = [];
  /** Durable checkpoints seen after the previous step, per subtask host: a newly durable one must have been called back. */
  private durable_before = new Map<string, Set<number>>();
  private callbacks_since_check = new Map<string, number>();
  private readonly faults = new StoreFaults(this.world);
  private finished = false;
  private logs_checked = 0;
  /**
   * Records of commits answered ok, and of every transaction whose commit was confirmed at all (a commit whose answer
   * was lost with its writer is confirmed "already committed" to the writer that recovers it).
   */
  private committed_ok = 0;
  private readonly confirmed = new Map<string, number>();
  /** Every writer ever deployed (crashed ones too), for their counts. */
  private readonly writers: TwoPhaseCommitSinkWriter[] = [];
  /** `<txn_id>@<checkpoint_id>` → records, for every transaction a snapshot named as pending. */
  private readonly named = new Map<string, number>();
  /** Per deployed host: its subtask, and how many pending transactions it restored for which checkpoint. */
  private readonly deployed = new Map<string, { subtask: number; restored_pending: number; checkpoint_id: number | null }>();

  constructor(private readonly config: Case) {
    this.parallelism = config.parallelism;
    this.world.add('store', (runtime) => new TransactionalStore(runtime));
    this.world.settle(5);
    this.deploy(null);
  }

  private host(name: string): TwoPhaseCommitWriterHost {
    return this.world.node<TwoPhaseCommitWriterHost>(name);
  }

  private store(): TransactionalStore {
    return this.world.node<TransactionalStore>('store');
  }

  output(): number[] {
    return this.store().read_committed().records as number[];
  }

  private deploy(restored: { id: number; snapshot: Snapshot } | null): void {
    this.parallelisms.add(this.parallelism);
    const old_states = restored?.snapshot.states ?? [];
    this.hosts = [];
    for (let subtask = 0; subtask < this.parallelism; subtask++) {
      const name = `a${this.attempt}-s${subtask}`;
      // Operator list state in split mode: the old subtasks' entries are dealt out round-robin.
      const states = old_states.filter((_, index) => index % this.parallelism === subtask).map((s) => JSON.parse(JSON.stringify(s)) as TwoPhaseCommitSinkState);
      const restored_state: RestoredSinkState | null = restored === null ? null : { checkpoint_id: restored.id, states };
      const options = {
        subtask_index: subtask,
        parallelism: this.parallelism,
        records_per_write: this.config.records_per_write,
        max_pending_requests: this.config.max_pending_requests,
        retry_after_ms: 40,
        generation: this.attempt,
        ...(this.config.commit_on_precommit === true ? { test_only_commit_on_precommit: true } : {}),
      };
      this.world.add(name, (runtime) => new TwoPhaseCommitWriterHost(runtime, options, restored_state, (id) => this.on_callback(name, id)));
      this.hosts.push(name);
      this.writers.push(this.host(name).writer);
      const restored_pending = states.reduce((sum, s) => sum + s.pending.length, 0);
      this.deployed.set(name, { subtask, restored_pending, checkpoint_id: restored?.id ?? null });
    }
    this.durable_before = new Map(this.hosts.map((h) => [h, new Set()]));
    this.callbacks_since_check = new Map();
  }

  private on_callback(name: string, id: number): void {
    this.callbacks_since_check.set(name, (this.callbacks_since_check.get(name) ?? 0) + 1);
    if (!this.world.node<TwoPhaseCommitWriterHost>(name).writer.is_precommitted(id)) this.early_callbacks.push(`${name}: ${id}`);
  }

  apply(step: Step): void {
    switch (step.kind) {
      case 'write':
        for (let i = 0; i < step.records; i++) {
          const record = this.position++;
          this.host(this.hosts[record % this.parallelism] as string).writer.invoke(record);
        }
        break;
      case 'checkpoint': {
        // Ids may skip: checkpoints declined or aborted before their barrier reached the sinks.
        const id = this.next_checkpoint_id + step.skipped;
        this.next_checkpoint_id = id + 1;
        const states = this.hosts.map((h) => JSON.parse(JSON.stringify(this.host(h).writer.snapshot_state(id))) as TwoPhaseCommitSinkState);
        for (const state of states) for (const { checkpoint_id, txn } of state.pending) this.named.set(`${txn.txn_id}@${checkpoint_id}`, txn.record_count);
        this.pending.set(id, { position: this.position, states });
        break;
      }
      case 'complete': {
        // Only a checkpoint every subtask acknowledged (its pre-commit durable) can complete.
        const acknowledged = [...this.pending.keys()].filter((id) => this.hosts.every((h) => this.host(h).writer.is_precommitted(id)));
        const id = acknowledged[step.pick % Math.max(1, acknowledged.length)];
        if (id !== undefined) this.complete(id, step.notified);
        break;
      }
      case 'abort': {
        const ids = [...this.pending.keys()];
        const id = ids[step.pick % Math.max(1, ids.length)];
        if (id === undefined) break;
        this.pending.delete(id);
        for (const h of this.hosts) this.host(h).writer.notify_checkpoint_aborted(id);
        break;
      }
      case 'failover': {
        // Every subtask fails; the job restores the latest completed checkpoint, perhaps at another parallelism. A
        // zombie (a paused TaskManager's old task) keeps running and resending what it had in flight.
        for (const h of this.hosts) {
          if (step.zombies) this.zombies.push(h);
          else this.world.crash(h);
        }
        this.pending.clear();
        this.attempt += 1;
        this.parallelism = step.parallelism;
        this.position = this.completed?.snapshot.position ?? 0;
        this.known_complete_position = this.position;
        this.deploy(this.completed);
        break;
      }
      default:
        this.faults.apply(step);
    }
    this.world.run_for(step.after_ms);
  }

  private complete(id: number, notified: boolean): void {
    const snapshot = this.pending.get(id) as Snapshot;
    this.completed = { id, snapshot };
    for (const pending_id of [...this.pending.keys()]) if (pending_id <= id) this.pending.delete(pending_id); // subsumed
    if (!notified) return;
    for (const h of this.hosts) this.host(h).writer.notify_checkpoint_complete(id);
    this.known_complete_position = snapshot.position;
  }

  /** What must hold after every step. */
  check(): void {
    const output = this.output();
    // Exactly once: no record committed twice.
    expect(new Set(output).size).toBe(output.length);
    // Nothing visible before the checkpoint that contains it completed.
    const completed_position = this.completed?.snapshot.position ?? 0;
    for (const record of output) expect(record).toBeLessThan(completed_position);
    // With one parallelism throughout, each subtask's records appear in source order without gaps (transactions commit
    // whole, in checkpoint order).
    if (this.parallelisms.size === 1) {
      const p = this.parallelism;
      for (let subtask = 0; subtask < p; subtask++) {
        const own = output.filter((r) => r % p === subtask);
        expect(own).toEqual(own.map((_, i) => subtask + i * p));
      }
    }
    // A live writer of the current attempt never fails here: no transaction times out and nothing fences it.
    for (const h of this.hosts) {
      expect(this.host(h).writer.failure()).toBeNull();
      expect(this.host(h).writer.lost_transactions()).toEqual([]);
    }
    // Acknowledged means durable: every transaction a durable checkpoint names is prepared (or committed) in the store.
    const by_id = new Map(this.store().all_transactions().map((t) => [t.txn_id, t.state]));
    for (const [id, snapshot] of this.store().is_ready() ? this.pending : []) {
      this.hosts.forEach((h, subtask) => {
        if (!this.host(h).writer.is_precommitted(id)) return;
        for (const { txn } of (snapshot.states[subtask] as TwoPhaseCommitSinkState).pending) {
          expect(['prepared', 'committed'], `${h} ${txn.txn_id} for checkpoint ${id}`).toContain(by_id.get(txn.txn_id));
        }
      });
    }
    // The host is called back when a checkpoint becomes durable (it then acknowledges), never before.
    expect(this.early_callbacks).toEqual([]);
    for (const h of this.hosts) {
      const durable = new Set([...this.pending.keys()].filter((id) => this.host(h).writer.is_precommitted(id)));
      const newly = [...durable].filter((id) => !(this.durable_before.get(h) as Set<number>).has(id));
      if (newly.length > 0) expect(this.callbacks_since_check.get(h) ?? 0, `${h}: checkpoints ${newly.join(',')} durable`).toBeGreaterThan(0);
      this.durable_before.set(h, durable);
    }
    this.callbacks_since_check = new Map();
    this.check_trace();
  }

  /** The trace accounts for what happened: registered events only, and the fields its readers rely on. */
  private check_trace(): void {
    const logs = this.world.logs;
    for (; this.logs_checked < logs.length; this.logs_checked++) {
      const { node, event, fields } = logs[this.logs_checked] as (typeof logs)[number];
      expect(is_engine_event(event), event).toBe(true);
      // Restores are of the latest completed checkpoint and nothing expires: no id is found taken, nothing is lost.
      if (!this.zombies.includes(node)) {
        expect(['sink.counter_ahead_of_checkpoint', 'sink.transactional_id_taken', 'sink.transaction_failed', 'sink.commit_failed', 'sink.data_loss']).not.toContain(event);
      }
      if (event === 'sink.precommitted' || event === 'sink.committed') {
        const named = this.named.get(`${String(fields['txn_id'])}@${String(fields['checkpoint_id'])}`);
        expect(named, `${event} ${JSON.stringify(fields)}: a transaction a snapshot named, for its checkpoint`).toBeDefined();
        expect(fields['records']).toBe(named);
      }
      if (event === 'sink.committed') {
        expect(['ok', 'already_committed']).toContain(fields['outcome']);
        if (fields['outcome'] === 'ok') this.committed_ok += fields['records'] as number;
        this.confirmed.set(`${String(fields['txn_id'])}@${String(fields['checkpoint_id'])}`, fields['records'] as number);
      }
      if (event === 'sink.recover_pending' || event === 'sink.recovered') {
        const host = this.deployed.get(node) as { subtask: number; restored_pending: number; checkpoint_id: number | null };
        expect(fields['subtask']).toBe(host.subtask);
        if (event === 'sink.recover_pending') expect(fields).toEqual({ subtask: host.subtask, transaction_count: host.restored_pending, checkpoint_id: host.checkpoint_id });
      }
    }
    const output = this.output();
    if (this.store().is_ready()) {
      expect(this.committed_ok).toBeLessThanOrEqual(output.length);
      expect(this.writers.reduce((sum, w) => sum + w.stats().committed_records, 0)).toBe(this.committed_ok);
      if (this.finished) expect([...this.confirmed.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(output.length);
    }
  }

  /** Faults end; everything the current attempt was told of is committed, then a last checkpoint commits the rest. */
  finish(): void {
    this.faults.apply({ kind: 'heal' });
    this.world.run_for(3_000);
    this.check();
    expect([...this.output()].sort((a, b) => a - b)).toEqual(Array.from({ length: this.known_complete_position }, (_, i) => i));
    for (const h of this.hosts) expect(this.host(h).writer.pending_requests()).toBe(0);
    for (const id of this.pending.keys()) for (const h of this.hosts) expect(this.host(h).writer.is_precommitted(id), `${h} checkpoint ${id}`).toBe(true);
    this.apply({ kind: 'checkpoint', skipped: 0, after_ms: 1_000 });
    const last = this.next_checkpoint_id - 1;
    for (const h of this.hosts) expect(this.host(h).writer.is_precommitted(last)).toBe(true);
    this.complete(last, true);
    this.world.run_for(1_000);
    this.finished = true;
    this.check();
    expect([...this.output()].sort((a, b) => a - b)).toEqual(Array.from({ length: this.position }, (_, i) => i));
    for (const h of this.hosts) expect(this.host(h).writer.stats()).toMatchObject({ pending_transactions: 0, lost_records: 0, pending_requests: 0 });
    // No transaction of an earlier attempt lingers (it would hold back read-committed consumers until its timeout):
    // what is open is the current transaction of each live subtask.
    expect(this.store().list('out-')).toHaveLength(this.parallelism);
    expect(this.store().list('out-').every((t) => t.state === 'open')).toBe(true);
    // Every live subtask finished its recovery once (pending committed, lingering aborted); each restore with pending
    // transactions said so.
    for (const h of this.hosts) {
      expect(this.world.logs.filter((e) => e.node === h && e.event === 'sink.recovered')).toHaveLength(1);
      const restored = (this.deployed.get(h) as { restored_pending: number }).restored_pending;
      expect(this.world.logs.filter((e) => e.node === h && e.event === 'sink.recover_pending')).toHaveLength(restored > 0 ? 1 : 0);
    }
  }
}

const holds = (config: Case): void => {
  const job = new Job(config);
  for (const step of config.steps) {
    job.apply(step);
    job.check();
  }
  job.finish();
};

describe('two-phase-commit sink: model check against what must be visible downstream', () => {
  it('commits each record exactly once, only after its checkpoint completed, in order, through failures of every kind', () => {
    fc.assert(fc.property(case_arb, holds), { numRuns: runs });
  });

  it('PLANTED BUG: catches a sink that commits at pre-commit instead of on checkpoint completion', () => {
    const details = fc.check(fc.property(case_arb, (config) => holds({ ...config, commit_on_precommit: true })), { numRuns: runs, endOnFailure: true });
    expect(details.failed).toBe(true);
  });
});

describe('two-phase-commit sink: a restore depends on what the states hold, not on the order they come in', () => {
  /** Three old subtasks pre-commit for checkpoints 1 and 2 (never notified); one new subtask restores checkpoint 2. */
  const restore_output = (order: number[], reversed: boolean[]): unknown[] => {
    const world = new FakeWorld();
    world.add('store', (runtime) => new TransactionalStore(runtime));
    world.settle(5);
    const states: TwoPhaseCommitSinkState[] = [];
    for (const subtask of [0, 1, 2]) {
      world.add(`old-${subtask}`, (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: subtask, parallelism: 3 }, null));
    }
    world.settle(50);
    for (const subtask of [0, 1, 2]) {
      const writer = world.node<TwoPhaseCommitWriterHost>(`old-${subtask}`).writer;
      writer.invoke(`s${subtask}-c1`);
      writer.snapshot_state(1);
      writer.invoke(`s${subtask}-c2`);
      states.push(writer.snapshot_state(2));
    }
    world.settle(100);
    for (const subtask of [0, 1, 2]) world.crash(`old-${subtask}`);
    const handed = order.map((index) => {
      const state = JSON.parse(JSON.stringify(states[index])) as TwoPhaseCommitSinkState;
      if (reversed[index] === true) state.pending.reverse();
      return state;
    });
    world.add('new', (runtime) => new TwoPhaseCommitWriterHost(runtime, { subtask_index: 0, parallelism: 1 }, { checkpoint_id: 2, states: handed }));
    world.settle(200);
    return world.node<TransactionalStore>('store').read_committed().records;
  };

  it('commits the same records in the same order whatever the order of the states and of their pending lists', () => {
    const canonical = restore_output([0, 1, 2], [false, false, false]);
    expect(canonical).toEqual(['s0-c1', 's0-c2', 's1-c1', 's1-c2', 's2-c1', 's2-c2']);
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (order, reversed) => {
        expect(restore_output(order, reversed)).toEqual(canonical);
      }),
      { numRuns: Math.min(runs, 20) },
    );
  });
});
