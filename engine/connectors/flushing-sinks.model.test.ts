// Model check of the sinks without transactions (idempotent upserts, at-least-once appends) and their checkpoint flush
// gate: random writes, checkpoints, aborts, store crashes, outages and lossy links, judged after every step against
// what a flushed checkpoint promises (every write before its snapshot is in the store) and what must never happen
// (an older value overwriting a newer one, a record lost, a flush reported early, twice or for an aborted checkpoint).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransactionalStore } from './transactional-store.js';
import { FakeWorld } from './transactional-store.test-support.js';
import { StoreFaults, TickedWriterHost, store_fault_arbitraries, type StoreFaultStep } from './sink-host.test-support.js';
import { IdempotentSinkWriter } from './idempotent-sink.js';
import { AtLeastOnceSinkWriter } from './at-least-once-sink.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 60);

type Step = { after_ms: number } & (
  | { kind: 'write'; key: number }
  | { kind: 'send_buffered' }
  | { kind: 'checkpoint' }
  | { kind: 'abort'; pick: number }
  | StoreFaultStep
);

const step_arb: fc.Arbitrary<Step> = fc
  .tuple(
    fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('write' as const), key: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('send_buffered' as const) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat(3) }) },
      ...store_fault_arbitraries,
    ),
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
  )
  .map(([step, after_ms]) => ({ ...step, after_ms }) as Step);

const case_arb = fc.record({
  max_pending_requests: fc.integer({ min: 1, max: 3 }),
  max_batch_keys: fc.integer({ min: 1, max: 3 }),
  records_per_write: fc.integer({ min: 1, max: 3 }),
  steps: fc.array(step_arb, { minLength: 5, maxLength: 40, size: 'max' }),
});
type Case = { max_pending_requests: number; max_batch_keys: number; records_per_write: number; steps: Step[] };

/** What a sink model needs of its writer, and what it checks against the store. */
interface Subject {
  write(index: number, key: number): void;
  send_buffered(): void;
  snapshot(id: number): void;
  abort(id: number): void;
  is_flushed(id: number): boolean;
  /** The store holds what the writes up to (excluding) `index` promise. */
  covers(index: number): boolean;
  /** Checks that hold at every step (the store is ready). */
  check_store(): void;
  /** Checks once every write is acknowledged. */
  check_quiet(writes: number): void;
}

class Harness {
  readonly world = new FakeWorld();
  private writes = 0;
  private next_id = 1;
  /** Checkpoints snapshotted and not aborted → the writes their snapshot covers. */
  private readonly waiting = new Map<number, number>();
  readonly flushed_calls: number[] = [];
  readonly early_calls: number[] = [];
  private readonly faults = new StoreFaults(this.world);
  subject!: Subject;

  constructor() {
    this.world.add('store', (runtime) => new TransactionalStore(runtime));
    this.world.settle(5);
  }

  store(): TransactionalStore {
    return this.world.node<TransactionalStore>('store');
  }

  on_flushed(id: number): void {
    this.flushed_calls.push(id);
    if (!this.subject.is_flushed(id)) this.early_calls.push(id);
  }

  apply(step: Step): void {
    switch (step.kind) {
      case 'write':
        this.subject.write(this.writes++, step.key);
        break;
      case 'send_buffered':
        this.subject.send_buffered();
        break;
      case 'checkpoint': {
        const id = this.next_id++;
        this.subject.snapshot(id);
        this.waiting.set(id, this.writes);
        break;
      }
      case 'abort': {
        const ids = [...this.waiting.keys()];
        const id = ids[step.pick % Math.max(1, ids.length)];
        if (id === undefined) break;
        this.waiting.delete(id);
        this.subject.abort(id);
        break;
      }
      default:
        this.faults.apply(step);
    }
    this.world.run_for(step.after_ms);
  }

  check(): void {
    expect(this.early_calls, 'a flush reported before it happened').toEqual([]);
    // Reported once each, oldest first, never for an aborted checkpoint.
    expect(this.flushed_calls).toEqual([...new Set(this.flushed_calls)].sort((a, b) => a - b));
    for (const id of this.flushed_calls) expect(id).toBeLessThan(this.next_id);
    if (!this.store().is_ready()) return;
    this.subject.check_store();
    for (const [id, writes] of this.waiting) {
      if (this.subject.is_flushed(id)) expect(this.subject.covers(writes), `checkpoint ${id} flushed`).toBe(true);
    }
  }

  finish(): void {
    this.faults.apply({ kind: 'heal' });
    this.subject.send_buffered();
    this.world.run_for(3_000);
    this.check();
    for (const id of this.waiting.keys()) {
      expect(this.subject.is_flushed(id), `checkpoint ${id}`).toBe(true);
      expect(this.flushed_calls, `checkpoint ${id} reported`).toContain(id);
    }
    expect(this.subject.covers(this.writes)).toBe(true);
    this.subject.check_quiet(this.writes);
    // A checkpoint taken with nothing outstanding is flushed at once.
    const id = this.next_id++;
    this.subject.snapshot(id);
    expect(this.subject.is_flushed(id)).toBe(true);
    expect(this.flushed_calls.at(-1)).toBe(id);
  }

  run(steps: Step[]): void {
    for (const step of steps) {
      this.apply(step);
      this.check();
    }
    this.finish();
  }
}

function idempotent(h: Harness, config: Case, Writer: typeof IdempotentSinkWriter = IdempotentSinkWriter): Subject {
  h.world.add('sink', (runtime) =>
    new TickedWriterHost(runtime, (rt) =>
      new Writer(rt, { send: (to, m) => rt.send(to, m) }, {
        store_node: 'store',
        client_id: `sink#${rt.incarnation}`,
        key_of: (r) => (r as { k: string }).k,
        value_of: (r) => (r as { v: number }).v,
        max_pending_requests: config.max_pending_requests,
        max_batch_keys: config.max_batch_keys,
        retry_after_ms: 40,
        on_flushed: (id) => h.on_flushed(id),
      }),
    ),
  );
  const writer = () => h.world.node<TickedWriterHost<IdempotentSinkWriter>>('sink').writer;
  /** Per write index: the key it wrote. The value written is the index. */
  const keys: string[] = [];
  const seen = new Map<string, number>();
  const table = () => new Map(h.store().read_committed().table as [string, number][]);
  /** The newest value written to each key among the first `writes` writes. */
  const newest = (writes: number) => {
    const expected = new Map<string, number>();
    keys.slice(0, writes).forEach((k, index) => expected.set(k, index));
    return expected;
  };
  return {
    write: (index, key) => {
      keys.push(`k${key}`);
      writer().invoke({ k: `k${key}`, v: index });
    },
    send_buffered: () => {},
    snapshot: (id) => expect(writer().snapshot_state(id)).toBeNull(),
    abort: (id) => writer().notify_checkpoint_aborted(id),
    is_flushed: (id) => writer().is_flushed(id),
    covers: (writes) => {
      const now = table();
      return [...newest(writes)].every(([k, v]) => (now.get(k) ?? -1) >= v);
    },
    check_store: () => {
      // Writes to one key never overlap: a key's value only moves forward, and only to values written to it.
      for (const [k, v] of table()) {
        expect(keys[v], `value ${v} of ${k}`).toBe(k);
        expect(v, `key ${k} went back`).toBeGreaterThanOrEqual(seen.get(k) ?? -1);
        seen.set(k, v);
      }
      expect(writer().failure()).toBeNull();
    },
    check_quiet: (writes) => {
      expect(table()).toEqual(newest(writes));
      expect(writer().stats().buffered_keys).toBe(0);
      expect(writer().stats().upserts_acked).toBeGreaterThanOrEqual(new Set(keys).size);
    },
  };
}

function at_least_once(h: Harness, config: Case, Writer: typeof AtLeastOnceSinkWriter = AtLeastOnceSinkWriter): Subject {
  h.world.add('sink', (runtime) =>
    new TickedWriterHost(runtime, (rt) =>
      new Writer(rt, { send: (to, m) => rt.send(to, m) }, {
        store_node: 'store',
        client_id: `sink#${rt.incarnation}`,
        records_per_write: config.records_per_write,
        max_pending_requests: config.max_pending_requests,
        retry_after_ms: 40,
        on_flushed: (id) => h.on_flushed(id),
      }),
    ),
  );
  const writer = () => h.world.node<TickedWriterHost<AtLeastOnceSinkWriter>>('sink').writer;
  const output = () => h.store().read_committed().records as number[];
  let invoked = 0;
  return {
    write: (index) => {
      invoked += 1;
      writer().invoke(index);
    },
    send_buffered: () => writer().send_buffered(),
    snapshot: (id) => expect(writer().snapshot_state(id)).toBeNull(),
    abort: (id) => writer().notify_checkpoint_aborted(id),
    is_flushed: (id) => writer().is_flushed(id),
    covers: (writes) => {
      const present = new Set(output());
      return Array.from({ length: writes }, (_, i) => i).every((i) => present.has(i));
    },
    check_store: () => {
      for (const record of output()) expect(record).toBeLessThan(invoked);
    },
    check_quiet: (writes) => {
      expect(new Set(output()).size).toBe(writes);
      // Every record acknowledged once (a resend that duplicates in the store is still one acknowledgement).
      expect(writer().stats()).toMatchObject({ appended_records: writes, buffered_records: 0 });
      expect(writer().stats().resent_requests).toBeGreaterThanOrEqual(output().length > writes ? 1 : 0);
    },
  };
}

describe('sinks without transactions: model check of the flush gate', () => {
  it('idempotent: a flushed checkpoint has each key at least at its value before the snapshot; keys never go back', () => {
    fc.assert(
      fc.property(case_arb, (config) => {
        const h = new Harness();
        h.subject = idempotent(h, config);
        h.run(config.steps);
      }),
      { numRuns: runs },
    );
  });

  it('at-least-once: a flushed checkpoint has every record before its snapshot in the store; nothing is lost', () => {
    fc.assert(
      fc.property(case_arb, (config) => {
        const h = new Harness();
        h.subject = at_least_once(h, config);
        h.run(config.steps);
      }),
      { numRuns: runs },
    );
  });

  it('PLANTED BUG: catches writers that report a checkpoint flushed before its writes are acknowledged', () => {
    class IdempotentReportingEarly extends IdempotentSinkWriter {
      override is_flushed(): boolean {
        return true;
      }
    }
    class AtLeastOnceReportingEarly extends AtLeastOnceSinkWriter {
      override is_flushed(): boolean {
        return true;
      }
    }
    const fails = (subject: (h: Harness, config: Case) => Subject) =>
      fc.check(
        fc.property(case_arb, (config) => {
          const h = new Harness();
          h.subject = subject(h, config);
          h.run(config.steps);
        }),
        { numRuns: runs, endOnFailure: true },
      ).failed;
    expect(fails((h, config) => idempotent(h, config, IdempotentReportingEarly))).toBe(true);
    expect(fails((h, config) => at_least_once(h, config, AtLeastOnceReportingEarly))).toBe(true);
  });
});
