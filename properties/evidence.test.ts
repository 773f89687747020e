// Specification of output evidence: first differing position per key with records around it on both sides, lost,
// duplicated and unexpected record ids (counted, sampled, ranges merged), and their transaction, checkpoint, attempt
// and preceding fault from the run's output ledger.
import { describe, expect, it } from 'vitest';
import type { FaultSummary } from '../scenarios/result-format.js';
import type { DroppedTransaction, OutputStretch } from '../scenarios/run/output-ledger.js';
import { evidence_summary, output_evidence, record_id_sample, type LedgerView } from './evidence.js';
import { groupByKey } from './oracle.js';

const key_of = (record: unknown): string => (record as [string, number])[0];
const counts = (key: string, from: number, to: number): [string, number][] => Array.from({ length: to - from + 1 }, (_, i) => [key, from + i]);

function ledger(stretches: OutputStretch[], dropped: DroppedTransaction[] = [], attempts: LedgerView['attempts'] = []): LedgerView {
  return {
    stretch_at: (index) => stretches.find((s) => index >= s.start_index && index < s.end_index),
    dropped,
    attempts,
  };
}

describe('record_id_sample', () => {
  it('names records key#position, merges consecutive positions and counts every record', () => {
    const sample = record_id_sample([
      { key: 'b', position: 0 },
      { key: 'a', position: 6 },
      { key: 'a', position: 5 },
      { key: 'a', position: 7 },
      { key: 'a', position: 9 },
    ]);
    expect(sample).toEqual({ count: 5, ids: ['a#6-8', 'a#10', 'b#1'] });
  });

  it('keeps at most the asked number of ids', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ key: `k${String(i).padStart(2, '0')}`, position: 0 }));
    expect(record_id_sample(many, 4)).toEqual({ count: 30, ids: ['k00#1', 'k01#1', 'k02#1', 'k03#1'] });
  });
});

describe('output_evidence', () => {
  const expected = groupByKey([...counts('w0', 1, 10), ...counts('w1', 1, 4)], key_of);

  it('shows each key from its first differing position, with different records on the two sides', () => {
    const output = [...counts('w0', 1, 5), ...counts('w0', 9, 10), ...counts('w1', 1, 4)];
    const evidence = output_evidence({ expected_by_key: expected, output, key_of, faults: [] });
    expect(evidence.keys_differing).toBe(1);
    expect(evidence.divergences).toEqual([
      {
        key: 'w0',
        position: 6,
        expected: { first_position: 3, records: counts('w0', 3, 9) },
        actual: { first_position: 3, records: [...counts('w0', 3, 5), ...counts('w0', 9, 10)] },
      },
    ]);
    expect(evidence.lost).toMatchObject({ count: 3, ids: ['w0#6-8'] });
    expect(evidence.duplicated.count).toBe(0);
    expect(evidence.unexpected.count).toBe(0);
  });

  it('names duplicated records by the position they repeat and unexpected ones by where they arrived', () => {
    const output = [...counts('w0', 1, 10), ['w0', 4], ['w0', 5], ...counts('w1', 1, 4), ['w1', 99]];
    const evidence = output_evidence({ expected_by_key: expected, output, key_of, faults: [] });
    expect(evidence.duplicated).toMatchObject({ count: 2, ids: ['w0#4-5'] });
    expect(evidence.unexpected).toEqual({ count: 1, ids: ['w1#5'] });
    expect(evidence.lost.count).toBe(0);
    expect(evidence.divergences.map((d) => [d.key, d.position])).toEqual([
      ['w0', 11],
      ['w1', 5],
    ]);
  });

  it('so far: records the oracle emits after the last delivered one are not lost yet', () => {
    const output = [...counts('w0', 1, 3), ...counts('w0', 5, 5)];
    const evidence = output_evidence({ expected_by_key: expected, output, key_of, faults: [], so_far: true });
    expect(evidence.lost).toMatchObject({ count: 1, ids: ['w0#4'] });
    expect(evidence.divergences.map((d) => d.key)).toEqual(['w0']);
  });

  it('attributes lost records to the expired transaction that held them, with its checkpoint, attempt and the fault before', () => {
    const output = [...counts('w0', 1, 5), ...counts('w0', 9, 10), ...counts('w1', 1, 4)];
    const dropped: DroppedTransaction = {
      txn_id: 'sink-0-4',
      records: counts('w0', 6, 8),
      state_when_dropped: 'prepared',
      begin_ms: 2860,
      dropped_ms: 4860,
      timeout_ms: 2000,
      checkpoint_id: 4,
      attempt: 1,
      commit_failed_ms: 7820,
      commit_failed_attempt: 2,
    };
    const faults: FaultSummary[] = [
      { time_ms: 100, kind: 'pause', target: 'tm-2' },
      { time_ms: 4150, kind: 'crash', target: 'tm-1' },
      { time_ms: 9000, kind: 'crash', target: 'tm-2' },
    ];
    const stretches: OutputStretch[] = [
      { start_index: 0, end_index: 5, time_ms: 1500, txn_id: 'sink-0-3', checkpoint_id: 3, attempt: 1 },
      { start_index: 5, end_index: 11, time_ms: 8390, txn_id: 'sink-0-5', checkpoint_id: 5, attempt: 2 },
    ];
    const evidence = output_evidence({
      expected_by_key: expected,
      output,
      key_of,
      faults,
      ledger: ledger(stretches, [dropped], [
        { attempt: 1, time_ms: 75 },
        { attempt: 2, time_ms: 7505, restored_checkpoint_id: 4 },
      ]),
    });
    expect(evidence.lost.origins).toEqual([
      {
        txn_id: 'sink-0-4',
        checkpoint_id: 4,
        attempt: 1,
        what:
          "pre-committed for checkpoint 4, then expired by the store at 4.86 s (its 2 s timeout ran out 2 s after it began at 2.86 s); " +
          "the restored sink's commit at 7.82 s (attempt 2, restored from checkpoint 4) was refused",
        time_ms: 4860,
        records: { count: 3, ids: ['w0#6-8'] },
        fault_before: { time_ms: 4150, kind: 'crash', target: 'tm-1' },
      },
    ]);
    expect(evidence.divergences[0]?.committed_ms).toBe(8390);
    expect(evidence_summary(evidence)).toBe(
      "3 lost, 0 duplicated and 0 unexpected of the oracle's 14 records; lost ones (w0#6-8, …) were in transaction sink-0-4 of checkpoint 4, expired by the store",
    );
  });

  it('attributes duplicates to the two commits that delivered them and the fault before the second attempt', () => {
    const output = [...counts('w1', 1, 4), ...counts('w1', 1, 2)];
    const stretches: OutputStretch[] = [
      { start_index: 0, end_index: 4, time_ms: 500, txn_id: 't-0-1', checkpoint_id: 1, attempt: 1 },
      { start_index: 4, end_index: 6, time_ms: 6200, txn_id: 't-0-3', checkpoint_id: 1, attempt: 2 },
    ];
    const evidence = output_evidence({
      expected_by_key: groupByKey(counts('w1', 1, 4), key_of),
      output,
      key_of,
      faults: [{ time_ms: 1500, kind: 'crash', target: 'jm' }],
      ledger: ledger(stretches, [], [
        { attempt: 1, time_ms: 2 },
        { attempt: 2, time_ms: 6003 },
      ]),
    });
    expect(evidence.duplicated.origins).toEqual([
      {
        txn_id: 't-0-3',
        checkpoint_id: 1,
        attempt: 2,
        what: 'committed at 500 ms by transaction t-0-1 (checkpoint 1, attempt 1), and again at 6.2 s by transaction t-0-3 (checkpoint 1, attempt 2)',
        time_ms: 6200,
        records: { count: 2, ids: ['w1#1-2'] },
        fault_before: { time_ms: 1500, kind: 'crash', target: 'jm' },
      },
    ]);
  });

  it('says when no transaction held a lost record, and which attempt delivered past the gap', () => {
    const output = [...counts('w1', 1, 1), ...counts('w1', 4, 4)];
    const evidence = output_evidence({
      expected_by_key: groupByKey(counts('w1', 1, 4), key_of),
      output,
      key_of,
      faults: [{ time_ms: 900, kind: 'crash', target: 'tm-2' }],
      ledger: ledger(
        [
          { start_index: 0, end_index: 1, time_ms: 300, txn_id: null, checkpoint_id: null, attempt: 1 },
          { start_index: 1, end_index: 2, time_ms: 2100, txn_id: null, checkpoint_id: null, attempt: 2 },
        ],
        [],
        [
          { attempt: 1, time_ms: 1 },
          { attempt: 2, time_ms: 2000 },
        ],
      ),
    });
    expect(evidence.lost.origins).toEqual([
      expect.objectContaining({
        txn_id: null,
        attempt: 2,
        records: { count: 2, ids: ['w1#2-3'] },
        fault_before: { time_ms: 900, kind: 'crash', target: 'tm-2' },
      }),
    ]);
    expect(evidence.lost.origins[0]?.what).toMatch(/^skipped: no transaction held them, and later records of their keys were committed from 2.1 s by the sink \(attempt 2\)$/);
  });
});
