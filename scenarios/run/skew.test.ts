// Specification of the Zipf key skew.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/index.js';
import { sequenceCheckJob } from '../../engine/examples/sequence-check.js';
import { skew_input, ZipfKeys } from './skew.js';

describe('ZipfKeys', () => {
  it('makes low indices hot: with exponent 1 over 100 keys the first key takes about a fifth of the draws', () => {
    const zipf = new ZipfKeys(100, 1, new Rng('zipf-spec'));
    const hits = new Array<number>(100).fill(0);
    for (let i = 0; i < 20_000; i++) hits[zipf.next()]!++;
    expect(hits[0]! / 20_000).toBeGreaterThan(0.15);
    expect(hits[0]! / 20_000).toBeLessThan(0.25);
    expect(hits[0]!).toBeGreaterThan(hits[10]! * 5);
  });

  it('keeps sequence-check input gapless per key and each key in one partition', () => {
    const input = new Map([['input', [[0, 2, 4].map((i) => ({ value: { key: 'k0', seq: i }, timestamp_ms: i })), [1, 3, 5].map((i) => ({ value: { key: 'k1', seq: i }, timestamp_ms: i }))]]]);
    const job = { name: 'sequence_check', definition: sequenceCheckJob, params: {} };
    const skewed = skew_input(job, input, new ZipfKeys(3, 1, new Rng('s')), { seed: 1, params: {}, workload: { records: 6, keys: 3, partitions: 2 } });
    const partitions = skewed.get('input')!;
    const seen = new Map<string, { seqs: number[]; partition: number }>();
    partitions.forEach((records, partition) => {
      for (const record of records) {
        const { key, seq } = record.value as { key: string; seq: number };
        const entry = seen.get(key) ?? { seqs: [], partition };
        expect(entry.partition).toBe(partition);
        entry.seqs.push(seq);
        seen.set(key, entry);
      }
    });
    for (const { seqs } of seen.values()) expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(partitions.flat().length).toBe(6);
  });
});
