// Specification of key-group assignment: Flink's murmur hash, Java String.hashCode, key group → operator index,
// contiguous ranges, and the default max parallelism.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignKeyToParallelOperator,
  assignToKeyGroup,
  computeDefaultMaxParallelism,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  javaStringHashCode,
  keyHashCode,
  murmurHash,
} from './key-groups.js';
import { decodeKey, encodeKey } from './key-codec.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 30);

describe('murmurHash (MathUtils.murmurHash, 32-bit)', () => {
  // Vectors computed by hand from the published algorithm with 64-bit BigInt arithmetic truncated to 32 bits.
  it.each([
    [0, 593689054],
    [1, 68075478],
    [-1, 1982413648],
    [42, 1134849565],
    [2147483647, 1653689534],
    [-2147483648, 1718298732],
    [123456789, 1088346449],
  ])('murmurHash(%i) = %i', (code, expected) => {
    expect(murmurHash(code)).toBe(expected);
  });

  it('is never negative', () => {
    fc.assert(fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (code) => murmurHash(code) >= 0), { numRuns: runs * 10 });
  });
});

describe('Java String.hashCode', () => {
  it.each([
    ['', 0],
    ['a', 97],
    ['hello', 99162322],
    ['word', 3655434],
    ['constructor', -1588406278],
  ])('%j hashes to %i', (text, expected) => {
    expect(javaStringHashCode(text)).toBe(expected);
  });
});

describe('assignToKeyGroup (max parallelism 128)', () => {
  it.each([
    ['', 94],
    ['a', 81],
    ['hello', 35],
    ['Flink', 127],
    ['__proto__', 87],
  ])('string key %j → key group %i', (key, group) => {
    expect(assignToKeyGroup(javaStringHashCode(key), 128)).toBe(group);
  });

  it('integer keys hash as Java Integer.hashCode (the value itself)', () => {
    expect(keyHashCode(42)).toBe(42);
    expect(assignToKeyGroup(keyHashCode(42), 128)).toBe(1134849565 % 128);
  });

  it('booleans hash as Java Boolean.hashCode, other values through their canonical encoding', () => {
    expect(keyHashCode(true)).toBe(1231);
    expect(keyHashCode(false)).toBe(1237);
    const key = { b: 1, a: [2] };
    expect(keyHashCode(key)).toBe(javaStringHashCode(encodeKey({ a: [2], b: 1 })));
    expect(keyHashCode(1.5)).toBe(javaStringHashCode('\u0000n1.5'));
  });
});

describe('key-group ranges and operator index', () => {
  it('ranges follow rangeStart = ceil(i*maxP/p) and rangeEnd = floor(((i+1)*maxP - 1)/p)', () => {
    expect(computeKeyGroupRangeForOperatorIndex(128, 3, 0)).toEqual({ start: 0, end: 42 });
    expect(computeKeyGroupRangeForOperatorIndex(128, 3, 1)).toEqual({ start: 43, end: 85 });
    expect(computeKeyGroupRangeForOperatorIndex(128, 3, 2)).toEqual({ start: 86, end: 127 });
    expect(computeKeyGroupRangeForOperatorIndex(10, 4, 1)).toEqual({ start: 3, end: 4 });
  });

  it('the ranges of p subtasks cover every key group exactly once, and agree with computeOperatorIndexForKeyGroup', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 512 }).chain((max_p) => fc.tuple(fc.constant(max_p), fc.integer({ min: 1, max: max_p }))),
        ([max_p, p]) => {
          const owner = new Array<number>(max_p).fill(-1);
          let previous_end = -1;
          for (let i = 0; i < p; i++) {
            const range = computeKeyGroupRangeForOperatorIndex(max_p, p, i);
            if (range.start !== previous_end + 1 || range.end < range.start) return false;
            previous_end = range.end;
            for (let kg = range.start; kg <= range.end; kg++) {
              if (owner[kg] !== -1) return false;
              owner[kg] = i;
            }
          }
          if (previous_end !== max_p - 1) return false;
          for (let kg = 0; kg < max_p; kg++) if (computeOperatorIndexForKeyGroup(max_p, p, kg) !== owner[kg]) return false;
          return true;
        },
      ),
      { numRuns: runs * 5 },
    );
  });

  it('exhaustively for max parallelism 128: every p in 1..128 covers each key group once', () => {
    for (let p = 1; p <= 128; p++) {
      const seen = new Array<number>(128).fill(0);
      for (let i = 0; i < p; i++) {
        const range = computeKeyGroupRangeForOperatorIndex(128, p, i);
        for (let kg = range.start; kg <= range.end; kg++) {
          seen[kg]!++;
          expect(computeOperatorIndexForKeyGroup(128, p, kg)).toBe(i);
        }
      }
      expect(seen.every((n) => n === 1)).toBe(true);
    }
  });

  it('a key lands in the range of the operator it is assigned to', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, p) => {
        const max_p = computeDefaultMaxParallelism(p);
        const hash = javaStringHashCode(key);
        const op = assignKeyToParallelOperator(hash, max_p, p);
        const range = computeKeyGroupRangeForOperatorIndex(max_p, p, op);
        const kg = assignToKeyGroup(hash, max_p);
        return kg >= range.start && kg <= range.end;
      }),
      { numRuns: runs * 5 },
    );
  });
});

describe('computeDefaultMaxParallelism', () => {
  it.each([
    [1, 128],
    [8, 128],
    [100, 256],
    [200, 512],
    [30000, 32768],
  ])('p = %i → %i', (p, expected) => {
    expect(computeDefaultMaxParallelism(p)).toBe(expected);
  });
});

describe('key hash codes as Java computes them (key-group placement survives savepoints and matches Flink)', () => {
  it('string keys hash as Java String.hashCode, also those starting with U+0000', () => {
    expect(keyHashCode('\u0000x')).toBe(javaStringHashCode('\u0000x'));
    expect(keyHashCode('Flink')).toBe(javaStringHashCode('Flink'));
  });

  it('integers in int range as Integer.hashCode, larger safe integers as Long.hashCode, (int)(v ^ (v >>> 32))', () => {
    expect(keyHashCode(-2147483648)).toBe(-2147483648);
    expect(keyHashCode(2147483647)).toBe(2147483647);
    expect(keyHashCode(-1)).toBe(-1);
    expect(keyHashCode(2 ** 32)).toBe(1); // Long.hashCode(4294967296L)
    expect(keyHashCode(-2147483649)).toBe(-2147483648); // Long.hashCode(-2147483649L)
    expect(keyHashCode(2 ** 40 + 5)).toBe(256 ^ 5); // Long.hashCode(1099511627781L) = 261
  });

  it('null, arrays and objects hash through their canonical encoding', () => {
    expect(keyHashCode(null)).toBe(javaStringHashCode('\u0000z'));
    expect(keyHashCode([true, null, 'a'])).toBe(javaStringHashCode('\u0000j[true,null,"a"]'));
  });
});

describe('parallelism bounds (Flink KeyGroupRangeAssignment preconditions)', () => {
  it('accepts parallelism 1 up to max parallelism, and max parallelism up to 32768', () => {
    expect(computeKeyGroupRangeForOperatorIndex(1, 1, 0)).toEqual({ start: 0, end: 0 });
    expect(computeKeyGroupRangeForOperatorIndex(32768, 32768, 32767)).toEqual({ start: 32767, end: 32767 });
  });
  it('refuses parallelism below 1 or fractional, max parallelism outside 1..32768, and parallelism above max parallelism', () => {
    expect(() => computeKeyGroupRangeForOperatorIndex(128, 0, 0)).toThrow('parallelism must be ≥ 1, got 0');
    expect(() => computeKeyGroupRangeForOperatorIndex(128, 1.5, 0)).toThrow('parallelism must be ≥ 1, got 1.5');
    expect(() => computeKeyGroupRangeForOperatorIndex(0, 1, 0)).toThrow('max parallelism must be in 1..32768, got 0');
    expect(() => computeKeyGroupRangeForOperatorIndex(32769, 1, 0)).toThrow('max parallelism must be in 1..32768, got 32769');
    expect(() => computeKeyGroupRangeForOperatorIndex(127.5, 1, 0)).toThrow('max parallelism must be in 1..32768, got 127.5');
    expect(() => computeKeyGroupRangeForOperatorIndex(4, 5, 0)).toThrow('parallelism 5 exceeds max parallelism 4');
  });
  it('derives the default max parallelism as Flink does: roundUpToPowerOfTwo(p + p/2) within [128, 32768]', () => {
    expect(computeDefaultMaxParallelism(1)).toBe(128);
    expect(computeDefaultMaxParallelism(85)).toBe(128); // 85 + 42 = 127
    expect(computeDefaultMaxParallelism(86)).toBe(256); // 86 + 43 = 129
    expect(computeDefaultMaxParallelism(171)).toBe(256); // 171 + 85 = 256, already a power of two
    expect(computeDefaultMaxParallelism(30000)).toBe(32768);
  });
});

describe('key encoding (the form keys take in state and savepoints)', () => {
  it('encodes each kind of key as documented, so savepoints written by one build read in another', () => {
    expect(encodeKey('plain')).toBe('plain');
    expect(encodeKey('')).toBe('');
    expect(encodeKey('\u0000x')).toBe('\u0000s\u0000x');
    expect(encodeKey(7)).toBe('\u0000n7');
    expect(encodeKey(-0)).toBe('\u0000n0');
    expect(encodeKey(true)).toBe('\u0000b1');
    expect(encodeKey(false)).toBe('\u0000b0');
    expect(encodeKey(null)).toBe('\u0000z');
    expect(encodeKey({ b: [1, false, null, 'x'], a: { d: 2.5, c: true } })).toBe('\u0000j{"a":{"c":true,"d":2.5},"b":[1,false,null,"x"]}');
  });
  it('decodes every encoding back, the empty key included, and refuses an unknown tag', () => {
    expect(decodeKey('')).toBe('');
    expect(decodeKey('\u0000z')).toBeNull();
    expect(decodeKey('\u0000b0')).toBe(false);
    expect(() => decodeKey('\u0000q1')).toThrow('not an encoded key: "\\u0000q1"');
  });
  it('refuses what cannot be a key: non-finite numbers and values JSON cannot hold, also inside objects', () => {
    expect(() => encodeKey(Number.NaN)).toThrow('key must be a finite number, got NaN');
    expect(() => encodeKey(undefined)).toThrow('unsupported key type: undefined');
    expect(() => encodeKey({ a: Number.POSITIVE_INFINITY })).toThrow('non-finite number in key');
    expect(() => encodeKey([() => 1])).toThrow('unsupported value in key: function');
  });
});
