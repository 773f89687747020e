// The segment bytes are exactly the UTF-8 of JSON.stringify(records), for the plain-data records written straight to
// bytes and for everything that takes the JSON.stringify route.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sequenceCheckInput } from '../examples/sequence-check.js';
import { windowedSumInput } from '../examples/windowed-sum.js';
import { wordCountInput } from '../examples/word-count.js';
import type { LogRecord } from './log-broker.js';
import { encodeSegment } from './log-segment.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

const reference = (records: readonly unknown[]): Uint8Array => new TextEncoder().encode(JSON.stringify(records));

function expectSameBytes(records: readonly unknown[]): void {
  expect(Buffer.from(encodeSegment(records as LogRecord[])).toString('latin1')).toBe(Buffer.from(reference(records)).toString('latin1'));
}

describe('log segment bytes', () => {
  it('match JSON.stringify for every example workload', () => {
    for (const input of [
      sequenceCheckInput({ records: 3000, keys: 40, seed: 7 }),
      windowedSumInput({ records: 3000, seed: 7 }),
      wordCountInput({ records: 3000, seed: 7 }),
    ]) {
      for (const partitions of input.values()) for (const records of partitions) expectSameBytes(records);
    }
  });

  it('match JSON.stringify for scalars, flat objects and numbers of every kind', () => {
    expectSameBytes([]);
    expectSameBytes([
      { value: 'plain', timestamp_ms: 0 },
      { value: '', timestamp_ms: 1 },
      { value: 0, timestamp_ms: 2 },
      { value: -0, timestamp_ms: 3 },
      { value: -17, timestamp_ms: 4 },
      { value: 0.1, timestamp_ms: 5 },
      { value: 1e21, timestamp_ms: 6 },
      { value: 2 ** 31, timestamp_ms: 7 },
      { value: 2 ** 53 + 2, timestamp_ms: 8 },
      { value: 5e-324, timestamp_ms: 9.5 },
      { value: true, timestamp_ms: 10 },
      { value: false, timestamp_ms: 11 },
      { value: null, timestamp_ms: 12 },
      { value: {}, timestamp_ms: 13 },
      { value: { b: 1, a: 'x', 2: true, 1: null }, timestamp_ms: 2147483647 },
    ]);
  });

  it('match JSON.stringify where JSON escapes, omits or converts', () => {
    const cases: unknown[][] = [
      [{ value: 'quote " and \\ backslash', timestamp_ms: 0 }],
      [{ value: 'tab\tnew\nline \u0001', timestamp_ms: 0 }],
      [{ value: 'ünïcode ✓ 😀 \ud800', timestamp_ms: 0 }],
      [{ value: { 'k"y': 1 }, timestamp_ms: 0 }],
      [{ value: NaN, timestamp_ms: 0 }],
      [{ value: 1, timestamp_ms: Infinity }],
      [{ value: undefined, timestamp_ms: 0 }],
      [{ value: { a: undefined, b: () => 1 }, timestamp_ms: 0 }],
      [{ value: { nested: { deeper: [1, 2] } }, timestamp_ms: 0 }],
      [{ value: [1, 'two', null], timestamp_ms: 0 }],
      [{ value: new Date(0), timestamp_ms: 0 }],
      [{ value: { toJSON: () => 'replaced' }, timestamp_ms: 0 }],
      [{ timestamp_ms: 0, value: 'fields swapped' }],
      [{ value: 1, timestamp_ms: 0, extra: 'field' }],
      [{ value: 1 }],
      [Object.assign(Object.create({ inherited: 1 }) as object, { value: 1, timestamp_ms: 0 })],
      [null, 'not a record', 3],
      [{ value: 'first plain', timestamp_ms: 0 }, { value: 'then \n escaped', timestamp_ms: 1 }],
    ];
    for (const records of cases) expectSameBytes(records);
  });

  it('stays exact across segments of very different sizes (the buffer is reused)', () => {
    const long = 'x'.repeat(200_000);
    expectSameBytes([{ value: long, timestamp_ms: 0 }]);
    expectSameBytes([{ value: 'short', timestamp_ms: 1 }]);
    expectSameBytes(Array.from({ length: 5000 }, (_, i) => ({ value: { key: `k${i % 7}`, seq: i }, timestamp_ms: i })));
  });

  it('match JSON.stringify for records holding arbitrary JSON values (written directly or not)', () => {
    const record = fc.record({ value: fc.jsonValue(), timestamp_ms: fc.oneof(fc.nat(), fc.double()) });
    fc.assert(fc.property(fc.array(record, { maxLength: 20 }), (records) => expectSameBytes(records)), { numRuns: runs });
    const flat = fc.record({
      value: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))),
      timestamp_ms: fc.nat(),
    });
    fc.assert(fc.property(fc.array(flat, { maxLength: 20 }), (records) => expectSameBytes(records)), { numRuns: runs });
  });

  it('match JSON.stringify for values JSON transforms or drops (taking the JSON.stringify route)', () => {
    const odd = fc.oneof(fc.constant(undefined), fc.date(), fc.constant(() => 1), fc.constant({ toJSON: () => 'replaced' }));
    const record = fc.record({ value: fc.oneof(fc.jsonValue(), odd, fc.dictionary(fc.string(), odd)), timestamp_ms: fc.nat() });
    fc.assert(fc.property(fc.array(record, { maxLength: 10 }), (records) => expectSameBytes(records)), { numRuns: runs });
  });
});
