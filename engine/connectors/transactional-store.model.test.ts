// Model-based specification of the transactional store: random request sequences, crashes and long pauses are
// applied to the store and to a plain in-memory model; every outcome and the read-committed view must agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TXSTORE_REQUEST, TransactionalStore, type TxnOutcome, type TxnRequestBody, type TxnResponse } from './transactional-store.js';
import { FakeWorld, Recorder } from './transactional-store.test-support.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 40);
/** Fixed by default so the coverage expectations below are stable; set it to explore other sequences. */
const seed = Number(process.env.STREAMSIM_PROPERTY_SEED ?? 20_261_121);
const TIMEOUT_MS = 100_000;
const MAX_OPEN = 2;

type Op =
  | { op: 'begin'; id: string }
  | { op: 'write'; id: string; seq: 'next' | 'dup' | 'gap'; records: number[] }
  | { op: 'prepare'; id: string; count: 'exact' | 'more' }
  | { op: 'commit'; id: string }
  | { op: 'abort'; id: string; epoch: 'current' | 'any' | 'stale' }
  | { op: 'append'; records: number[] }
  | { op: 'crash' }
  | { op: 'pause' };

const id = fc.constantFrom('t-0-1', 't-0-2', 't-1-1');

const records = fc.array(fc.integer({ min: 0, max: 99 }), { maxLength: 3 });
const op_arb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: id.map((i) => ({ op: 'begin' as const, id: i })) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('write' as const), id, seq: fc.constantFrom('next' as const, 'next' as const, 'dup' as const, 'gap' as const), records }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('prepare' as const), id, count: fc.constantFrom('exact' as const, 'exact' as const, 'more' as const) }) },
  { weight: 3, arbitrary: id.map((i) => ({ op: 'commit' as const, id: i })) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), id, epoch: fc.constantFrom('current' as const, 'any' as const, 'stale' as const) }) },
  { weight: 1, arbitrary: records.map((r) => ({ op: 'append' as const, records: r })) },
  { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'pause' as const }) },
);

interface ModelTxn {
  epoch: number;
  state: 'open' | 'prepared' | 'committed' | 'aborted' | 'expired';
  writes: number;
  records: number[];
}

class Model {
  readonly txns = new Map<string, ModelTxn>();
  readonly committed: number[] = [];
  open_count(): number {
    return [...this.txns.values()].filter((t) => t.state === 'open' || t.state === 'prepared').length;
  }
  live(t: ModelTxn | undefined): boolean {
    return t !== undefined && (t.state === 'open' || t.state === 'prepared');
  }
  /** The outcome the store must give, applying the request's effect. */
  apply(body: TxnRequestBody): TxnOutcome {
    switch (body.kind) {
      case 'begin': {
        const t = this.txns.get(body.txn_id);
        if (t?.state === 'committed') return 'already_committed';
        if (!this.live(t) && this.open_count() >= MAX_OPEN) return 'too_many_open_transactions';
        this.txns.set(body.txn_id, { epoch: t === undefined ? 0 : t.epoch + 1, state: 'open', writes: 0, records: [] });
        return 'ok';
      }
      case 'write': {
        const t = this.txns.get(body.txn_id);
        const refused = this.refuse(t, body.epoch);
        if (refused !== null) return refused;
        const live = t as ModelTxn;
        if (live.state !== 'open') return 'invalid_state';
        if (body.write_seq < live.writes) return 'duplicate';
        if (body.write_seq > live.writes) return 'out_of_sequence';
        live.writes += 1;
        live.records.push(...(body.records as number[]));
        return 'ok';
      }
      case 'prepare': {
        const t = this.txns.get(body.txn_id);
        const refused = this.refuse(t, body.epoch);
        if (refused !== null) return refused;
        const live = t as ModelTxn;
        if (live.state === 'prepared') return 'ok';
        if (body.write_count > live.writes) return 'missing_writes';
        if (body.write_count < live.writes) return 'invalid_state';
        live.state = 'prepared';
        return 'ok';
      }
      case 'commit': {
        const t = this.txns.get(body.txn_id);
        if (t === undefined) return 'unknown_transaction';
        if (t.state === 'committed') return 'already_committed';
        if (t.state === 'aborted' || t.state === 'expired') return t.state;
        if (t.state === 'open') return 'invalid_state';
        t.state = 'committed';
        this.committed.push(...t.records);
        return 'ok';
      }
      case 'abort': {
        const t = this.txns.get(body.txn_id);
        if (t === undefined) return 'unknown_transaction';
        if (body.epoch !== null && body.epoch !== t.epoch) return 'fenced';
        if (t.state === 'committed') return 'invalid_state';
        if (t.state === 'open' || t.state === 'prepared') t.state = 'aborted';
        return 'ok';
      }
      case 'append':
        this.committed.push(...(body.records as number[]));
        return 'ok';
      default:
        throw new Error('not modelled');
    }
  }
  private refuse(t: ModelTxn | undefined, epoch: number): TxnOutcome | null {
    if (t === undefined) return 'unknown_transaction';
    if (t.epoch !== epoch) return 'fenced';
    if (t.state === 'aborted' || t.state === 'expired') return t.state;
    if (t.state === 'committed') return 'invalid_state';
    return null;
  }
  expire_all(): void {
    for (const t of this.txns.values()) if (this.live(t)) t.state = 'expired';
  }
}

describe('transactional store against a model', () => {
  it('agrees with the model on every outcome and on read-committed output, across crashes and timeouts', () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(op_arb, { minLength: 20, maxLength: 60 }), fc.integer({ min: 2, max: 6 }), (ops, compact_every_entries) => {
        const world = new FakeWorld();
        world.add('store', (runtime) => new TransactionalStore(runtime, { transaction_timeout_ms: TIMEOUT_MS, max_open_transactions: MAX_OPEN, compact_every_entries }));
        world.add('client', (runtime) => new Recorder(runtime));
        world.settle(10);
        const model = new Model();
        let n = 0;
        const call = (body: TxnRequestBody): TxnOutcome => {
          const request_id = `r${n++}`;
          const recorder = world.node<Recorder>('client');
          recorder.runtime.send('store', { type: TXSTORE_REQUEST, request: { ...body, request_id } });
          world.settle(20);
          const found = recorder.received.find((r) => (r.message as { response: TxnResponse }).response.request_id === request_id);
          return (found?.message as { response: TxnResponse }).response.outcome;
        };
        for (const op of ops) {
          let body: TxnRequestBody | null = null;
          const t = op.op === 'crash' || op.op === 'pause' || op.op === 'append' ? undefined : model.txns.get(op.id);
          const epoch = t?.epoch ?? 0;
          switch (op.op) {
            case 'crash':
              world.crash('store');
              world.start('store');
              world.settle(20);
              continue;
            case 'pause':
              world.run_for(TIMEOUT_MS + 1);
              model.expire_all();
              continue;
            case 'begin':
              body = { kind: 'begin', txn_id: op.id };
              break;
            case 'write': {
              const writes = t?.writes ?? 0;
              const write_seq = op.seq === 'next' ? writes : op.seq === 'dup' ? Math.max(0, writes - 1) : writes + 1;
              body = { kind: 'write', txn_id: op.id, epoch, write_seq, records: op.records };
              break;
            }
            case 'prepare':
              body = { kind: 'prepare', txn_id: op.id, epoch, write_count: (t?.writes ?? 0) + (op.count === 'more' ? 1 : 0) };
              break;
            case 'commit':
              body = { kind: 'commit', txn_id: op.id };
              break;
            case 'abort':
              body = { kind: 'abort', txn_id: op.id, epoch: op.epoch === 'any' ? null : op.epoch === 'stale' ? epoch - 1 : epoch };
              break;
            case 'append':
              body = { kind: 'append', records: op.records };
              break;
          }
          const got = call(body);
          outcomes.set(`${body.kind}:${got}`, (outcomes.get(`${body.kind}:${got}`) ?? 0) + 1);
          expect(got, JSON.stringify(op)).toBe(model.apply(body));
          expect(world.node<TransactionalStore>('store').read_committed().records).toEqual(model.committed);
        }
        const summary = world.node<TransactionalStore>('store').all_transactions();
        expect(summary.map((s) => [s.txn_id, s.state, s.epoch]).sort()).toEqual([...model.txns].map(([i, m]) => [i, m.state, m.epoch]).sort());
      }),
      // at least 40 sequences: the coverage expectations below need them (each takes a few milliseconds)
      { numRuns: Math.max(runs, 40), seed },
    );
    // the generated sequences reach the interesting outcomes, not just unknown transactions
    for (const outcome of ['write:ok', 'write:duplicate', 'write:out_of_sequence', 'prepare:ok', 'commit:ok', 'commit:already_committed', 'commit:expired', 'abort:fenced']) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
  });
});
