// Specification of the trace hash of generic records: without a sink the fields are hashed without building their
// JSON text, and that must give exactly the hash of the text a sink writes (any JSON value, escapes, odd values).
import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { Trace } from './trace.js';

/** Hash after one record with `fields`, with no sink (text never built) and with a memory sink (text built). */
function hashes_of(fields: Record<string, unknown>): [string, string] {
  const without_sink = new Trace(1);
  const with_sink = new Trace(1, { sink: { memory: { max_records: 4 } } });
  without_sink.record(5, 'log', 'node-1', fields);
  with_sink.record(5, 'log', 'node-1', fields);
  return [without_sink.hash_hex(), with_sink.hash_hex()];
}

const tricky_strings = ['', 'plain', 'quote " and \\ backslash', 'tab\there\nnewline\r\f\b', '\u0000\u0001\u001f\u007f', 'é ü 漢字', '😀 pair', '\ud800 lone high', 'lone low \udc00', '\udbff', '</script>'];
const tricky_numbers = [0, -0, 1, -1, 42, 2 ** 31, -(2 ** 31) - 1, 0.1, 1 / 3, -2.5e-7, 1e21, 1.5e300, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e15 + 7, -123456789012, 10, 100, 1e6, 9, NaN, Infinity, -Infinity];

function random_value(rng: Rng, depth: number): unknown {
  const choice = rng.int_inclusive(0, depth > 3 ? 5 : 9);
  switch (choice) {
    case 0:
      return rng.pick(tricky_strings);
    case 1:
      return rng.pick(tricky_numbers);
    case 2:
      return rng.next() < 0.5;
    case 3:
      return null;
    case 4:
      return rng.int_inclusive(-1000, 1000);
    case 5:
      return rng.pick([undefined, () => 1, Symbol('s'), 'x' + String(rng.next())]);
    case 6:
    case 7: {
      const object: Record<string, unknown> = {};
      const count = rng.int_inclusive(0, 5);
      for (let index = 0; index < count; index++) {
        object[rng.pick(['a', 'b', 'key', '10', '2', 'é', 'q"uote', `k${index}`])] = random_value(rng, depth + 1);
      }
      return object;
    }
    default:
      return Array.from({ length: rng.int_inclusive(0, 4) }, () => random_value(rng, depth + 1));
  }
}

describe('trace hash of record fields', () => {
  it('is the same with and without a sink for random plain JSON values', () => {
    const rng = new Rng('trace-fields');
    for (let round = 0; round < 2000; round++) {
      const fields: Record<string, unknown> = { event: 'x', value: random_value(rng, 0), other: random_value(rng, 1) };
      const [without_sink, with_sink] = hashes_of(fields);
      expect(without_sink, JSON.stringify(fields)).toBe(with_sink);
    }
  });

  it('is the same with and without a sink for values the JSON replacer or toJSON rewrite', () => {
    const sparse: unknown[] = [1];
    sparse[3] = 'x';
    const null_prototype = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [2] });
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const cases: Record<string, unknown>[] = [
      { size: 10n, nested: { big: -(2n ** 70n) } },
      { bytes: new Uint8Array([1, 2, 3]), view: new DataView(new ArrayBuffer(8)) },
      { map: new Map<string, unknown>([['a', 1], ['b', [new Set([1, 2])]]]) },
      { set: new Set(['x', 'y']) },
      { date: new Date(0) },
      { custom: { toJSON: () => 'custom' } },
      { list: Object.assign([1, 2], { toJSON: () => 'list' }) },
      { sparse, null_prototype, point: new Point(1, 2) },
      { wrapped: [new String('s'), new Number(3), new Boolean(false)] },
      { deep: JSON.parse('['.repeat(80) + ']'.repeat(80)) as unknown },
      { skipped: undefined, fn: () => 0, sym: Symbol('s'), kept: 1 },
    ];
    for (const fields of cases) {
      const [without_sink, with_sink] = hashes_of(fields);
      expect(without_sink).toBe(with_sink);
    }
  });

  it('is the same with and without a sink for integers of every size and for fractions', () => {
    const rng = new Rng('trace-numbers');
    for (let round = 0; round < 3000; round++) {
      const magnitude = 10 ** rng.int_inclusive(0, 22);
      const integer = Math.floor(rng.next() * magnitude) * (rng.chance(0.5) ? -1 : 1);
      const fields = { integer, near_limit: Number.MAX_SAFE_INTEGER - rng.int_inclusive(0, 1_000_000), fraction: rng.next() * magnitude };
      const [without_sink, with_sink] = hashes_of(fields);
      expect(without_sink, JSON.stringify(fields)).toBe(with_sink);
    }
  });

  it('still rejects a cycle like JSON.stringify', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => new Trace(1).record(0, 'log', undefined, { cyclic })).toThrow(TypeError);
  });
});
