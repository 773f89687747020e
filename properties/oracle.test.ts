// Specification of the oracle: plain sequential semantics of the example jobs, prefix evaluation by offsets, and the
// per-key comparison (order within a key matters, across keys it does not).
import { describe, expect, it } from 'vitest';
import { exampleJob } from '../engine/examples/index.js';
import type { WordCount } from '../engine/examples/word-count.js';
import type { WindowSum } from '../engine/examples/windowed-sum.js';
import { splitId } from '../engine/connectors/log-source.js';
import { diffPerKey, evaluateOracle } from './oracle.js';

const lines = (partitions: string[][]) =>
  new Map([['input', partitions.map((p) => p.map((value, i) => ({ value, timestamp_ms: i })))]]);

describe('oracle', () => {
  it('word count: running counts per word, final state per word', () => {
    const job = exampleJob('word_count');
    const input = lines([['a b a'], ['b c']]);
    const result = evaluateOracle(job.build, { partitions: 2 }, input);
    expect(result.outputs.get('sink')).toEqual([
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['b', 2],
      ['c', 1],
    ]);
    const state = result.state.get('count')!.map((e) => [e.key, e.value]);
    expect(state.sort()).toEqual([
      ['a', ['a', 2]],
      ['b', ['b', 2]],
      ['c', ['c', 1]],
    ]);
    expect(result.records_read).toBe(2);
  });

  it('evaluates a prefix given per-partition offsets', () => {
    const job = exampleJob('word_count');
    const input = lines([['a', 'a', 'a'], ['b', 'b']]);
    const result = evaluateOracle(job.build, { partitions: 2 }, input, {
      offsets: new Map([
        [splitId('input', 0), 2],
        [splitId('input', 1), 0],
      ]),
    });
    expect(result.outputs.get('sink')).toEqual([
      ['a', 1],
      ['a', 2],
    ]);
    expect(result.records_read).toBe(2);
  });

  it('windows fire at the final watermark; a lower final watermark leaves later windows in state', () => {
    const job = exampleJob('windowed_sum');
    const record = (key: string, value: number, timestamp_ms: number) => ({ value: { key, value, timestamp_ms }, timestamp_ms });
    const input = new Map([['input', [[record('k', 1, 5), record('k', 2, 15), record('k', 4, 25)]]]]);
    const params = { partitions: 1, window_ms: 10 };
    const all = evaluateOracle(job.build, params, input).outputs.get('sink') as WindowSum[];
    expect(all.map((w) => [w.window_start, w.sum])).toEqual([
      [0, 1],
      [10, 2],
      [20, 4],
    ]);
    const partial = evaluateOracle(job.build, params, input, { final_watermark_ms: 19 });
    expect((partial.outputs.get('sink') as WindowSum[]).map((w) => w.window_start)).toEqual([0, 10]);
    const left = partial.state.get('window')!.filter((e) => e.state === '_window');
    expect(left.map((e) => e.namespace)).toEqual(['20:30']);
  });

  it('diffPerKey ignores cross-key order but not order within a key', () => {
    const key = (r: unknown) => (r as WordCount)[0];
    expect(diffPerKey([['a', 1], ['b', 1]], [['b', 1], ['a', 1]], key)).toEqual([]);
    expect(diffPerKey([['a', 1], ['a', 2]], [['a', 2], ['a', 1]], key)).toHaveLength(1);
    expect(diffPerKey([['a', 1]], [], key)).toEqual([{ key: 'a', expected: [['a', 1]], actual: [] }]);
  });
});
