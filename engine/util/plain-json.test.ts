// plain_json_bytes gives exactly the UTF-8 of JSON.stringify(value) or declines, and seal_json (which uses it) gives
// the same sealed bytes as sealing the UTF-8 of JSON.stringify: for the transactional store's log entries and
// snapshots, for arbitrary JSON values and for values JSON transforms or drops.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { plain_json_bytes } from './plain-json.js';
import { SEALED_HEADER_BYTES, SEALED_KIND, seal, seal_json } from './sealed.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

const reference = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** Both routes agree; returns whether the value was written directly. */
function expectSameBytes(value: unknown): boolean {
  if (JSON.stringify(value) === undefined) {
    expect(plain_json_bytes(value)).toBeUndefined();
    expect(() => seal_json(SEALED_KIND.sink_transactions, value)).toThrow();
    return false;
  }
  const direct = plain_json_bytes(value);
  if (direct !== undefined) expect(latin1(direct)).toBe(latin1(reference(value)));
  const sealed = seal_json(SEALED_KIND.sink_transactions, value);
  expect(latin1(sealed)).toBe(latin1(seal(SEALED_KIND.sink_transactions, reference(value))));
  return direct !== undefined;
}

const sink_record = fc.record({
  key: fc.stringMatching(/^k[0-9]{1,3}$/),
  seq: fc.nat(),
  expected: fc.nat(),
  verdict: fc.constantFrom('ok', 'gap', 'duplicate'),
});
const fence = fc.record({ scope: fc.string(), generation: fc.nat() });
/** The store's write-ahead-log entries, with the records a sink writes and with arbitrary JSON records. */
const wal_entry = fc.oneof(
  fc.record({ op: fc.constant('write'), txn_id: fc.string(), records: fc.array(sink_record, { maxLength: 80 }) }),
  fc.record({ op: fc.constant('write'), txn_id: fc.string(), records: fc.array(fc.jsonValue(), { maxLength: 10 }) }, { requiredKeys: ['op', 'txn_id', 'records'] }),
  fc.record({ op: fc.constant('begin'), txn_id: fc.string(), epoch: fc.nat(), begin_request_id: fc.string(), begin_ms: fc.double({ min: 0, noNaN: true }) }),
  fc.record({ op: fc.constant('prepare'), txn_id: fc.string(), checkpoint_id: fc.nat() }, { requiredKeys: ['op', 'txn_id'] }),
  fc.record({ op: fc.constant('abort'), txn_ids: fc.array(fc.string()) }),
  fc.record({ op: fc.constant('upsert'), key: fc.string(), value: fc.jsonValue() }),
  fc.record({ op: fc.constant('fence'), fence }),
);

describe('plain JSON bytes', () => {
  it('write the store log entries a sink produces directly, with the same bytes', () => {
    const records = Array.from({ length: 64 }, (_, i) => ({ key: `k${i * 37 % 200}`, seq: i, expected: i, verdict: 'ok' }));
    expect(expectSameBytes({ op: 'write', txn_id: 'input-sink-0-1', records })).toBe(true);
    expect(expectSameBytes({ op: 'begin', txn_id: 'input-sink-1-3', epoch: 0, begin_request_id: 'sink-1@tm-2#1:7', begin_ms: 1250.5, fence: { scope: 'input-sink-', generation: 2 } })).toBe(true);
    expect(expectSameBytes({ op: 'abort', txn_ids: ['input-sink-0-2', 'input-sink-0-3'] })).toBe(true);
    const snapshot = { next_seq: 512, txns: [{ txn_id: 'a-0-1', epoch: 0, state: 'committed', begin_request_id: 'r', begin_ms: 3, write_count: 1, record_count: 1, records: [] }], committed_records: records, table: [['k', { v: 1 }]], fences: [['a-', 1]] };
    expect(expectSameBytes(snapshot)).toBe(true);
  });

  it('match JSON.stringify for scalars and numbers of every kind', () => {
    for (const value of [0, -0, -17, 0.1, 1e21, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 2, 5e-324, -1e-7, true, false, null, '', 'plain', 'x'.repeat(64), 'y'.repeat(65), 'base64+/='.repeat(1000), [], {}, [[]], { b: 1, a: 'x', 2: true, 1: null }]) {
      expect(expectSameBytes(value)).toBe(true);
    }
  });

  it('decline (and seal_json still matches) where JSON escapes, omits or converts', () => {
    const cases: unknown[] = [
      'quote " and \\ backslash',
      'only a \\ backslash',
      `${'long '.repeat(20)}then a quote "`,
      `${'long '.repeat(20)}then a backslash \\`,
      `${'long '.repeat(20)}then ünïcode`,
      `${'long '.repeat(20)}then a tab\t`,
      'tab\tnew\nline \u0001',
      'ünïcode ✓ 😀 \ud800',
      { 'k"y': 1 },
      NaN,
      [1, Infinity],
      undefined,
      [1, undefined, 3],
      [1, , 3],
      { a: undefined, b: () => 1 },
      { when: new Date(0) },
      { toJSON: () => 'replaced' },
      Object.assign(Object.create({ inherited: 1 }) as object, { value: 1 }),
      Object.assign([1, 2], { extra: 'ignored by JSON' }),
      { records: [{ key: 'first plain' }, { key: 'then \n escaped' }] },
    ];
    for (const value of cases) expectSameBytes(value);
    expect(plain_json_bytes({ toJSON: () => 'replaced' })).toBeUndefined();
    expect(plain_json_bytes([1, undefined])).toBeUndefined();
  });

  it('leave deep nesting to JSON.stringify', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(expectSameBytes(deep)).toBe(false);
  });

  it('stay exact across values of very different sizes (the buffer is reused) and leave room for a header', () => {
    expectSameBytes({ value: 'x'.repeat(200_000) });
    expectSameBytes('short');
    expectSameBytes(Array.from({ length: 5000 }, (_, i) => ({ key: `k${i % 7}`, seq: i })));
    expect(expectSameBytes('y'.repeat(5 * 1024 * 1024))).toBe(false);
    const framed = plain_json_bytes({ a: 1 }, SEALED_HEADER_BYTES);
    expect(framed === undefined ? undefined : latin1(framed.subarray(SEALED_HEADER_BYTES))).toBe('{"a":1}');
  });

  it('match JSON.stringify for store log entries and arbitrary JSON values (written directly or not)', () => {
    fc.assert(fc.property(wal_entry, fc.option(fence, { nil: undefined }), (entry, entry_fence) => {
      expectSameBytes(entry_fence === undefined ? entry : { ...entry, fence: entry_fence });
    }), { numRuns: runs });
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expectSameBytes(value);
    }), { numRuns: runs });
  });

  it('match JSON.stringify for values JSON transforms or drops (taking the JSON.stringify route)', () => {
    const odd = fc.oneof(fc.constant(undefined), fc.date(), fc.constant(() => 1), fc.constant({ toJSON: () => 'replaced' }));
    const value = fc.oneof(fc.jsonValue(), odd, fc.dictionary(fc.string(), odd), fc.array(fc.oneof(odd, fc.jsonValue()), { maxLength: 5 }));
    fc.assert(fc.property(value, (v) => {
      expectSameBytes(v);
    }), { numRuns: runs });
  });
});
