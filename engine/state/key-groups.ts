// Flink's key-group assignment: murmur hash of a key's hashCode → key group → operator (subtask) index, and the
// contiguous key-group range each subtask owns. Formulas follow KeyGroupRangeAssignment and MathUtils (32-bit ints).
import type { KeyGroupRange } from './backend.js';
import { encodeKey } from './key-codec.js';

/** Flink's upper bound on max parallelism (1 << 15). */
export const UPPER_BOUND_MAX_PARALLELISM = 32768;

function rotl32(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift));
}

/** MathUtils.murmurHash(int): a non-negative 32-bit int. */
export function murmurHash(code: number): number {
  let c = code | 0;
  c = Math.imul(c, 0xcc9e2d51);
  c = rotl32(c, 15);
  c = Math.imul(c, 0x1b873593);
  c = rotl32(c, 13);
  c = (Math.imul(c, 5) + 0xe6546b64) | 0;
  c ^= 4;
  c ^= c >>> 16;
  c = Math.imul(c, 0x85ebca6b);
  c ^= c >>> 13;
  c = Math.imul(c, 0xc2b2ae35);
  c ^= c >>> 16;
  if (c >= 0) return c;
  if (c !== -2147483648) return -c;
  return 0;
}

/** Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, in 32-bit arithmetic. */
export function javaStringHashCode(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

/**
 * The hashCode this engine gives a key (documented rule):
 * - string: Java String.hashCode (Flink-compatible placement for String keys);
 * - integer number in int32 range: the value itself (Java Integer.hashCode);
 * - other safe integers: Java Long.hashCode, (int)(v ^ (v >>> 32));
 * - boolean: Java Boolean.hashCode (1231 / 1237);
 * - anything else (fractions, null, arrays, objects): String.hashCode of its canonical key encoding
 *   (engine/state/key-codec.ts), so equal keys always hash alike.
 */
export function keyHashCode(key: unknown, canonical_key?: string): number {
  if (typeof key === 'string') return javaStringHashCode(key);
  if (typeof key === 'number' && Number.isInteger(key)) {
    if (key >= -2147483648 && key <= 2147483647) return key | 0;
    if (Number.isSafeInteger(key)) {
      const big = BigInt.asUintN(64, BigInt(key));
      return Number(BigInt.asIntN(32, big ^ (big >> 32n)));
    }
  }
  if (typeof key === 'boolean') return key ? 1231 : 1237;
  return javaStringHashCode(canonical_key ?? encodeKey(key));
}

export function assignToKeyGroup(key_hash: number, max_parallelism: number): number {
  return murmurHash(key_hash) % max_parallelism;
}

export function computeOperatorIndexForKeyGroup(max_parallelism: number, parallelism: number, key_group: number): number {
  return Math.floor((key_group * parallelism) / max_parallelism);
}

export function assignKeyToParallelOperator(key_hash: number, max_parallelism: number, parallelism: number): number {
  return computeOperatorIndexForKeyGroup(max_parallelism, parallelism, assignToKeyGroup(key_hash, max_parallelism));
}

export function checkParallelism(max_parallelism: number, parallelism: number): void {
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new Error(`parallelism must be ≥ 1, got ${parallelism}`);
  if (!Number.isInteger(max_parallelism) || max_parallelism < 1 || max_parallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new Error(`max parallelism must be in 1..${UPPER_BOUND_MAX_PARALLELISM}, got ${max_parallelism}`);
  }
  if (parallelism > max_parallelism) {
    throw new Error(`parallelism ${parallelism} exceeds max parallelism ${max_parallelism}`);
  }
}

/** The inclusive key-group range owned by subtask `operator_index`. */
export function computeKeyGroupRangeForOperatorIndex(
  max_parallelism: number,
  parallelism: number,
  operator_index: number,
): KeyGroupRange {
  checkParallelism(max_parallelism, parallelism);
  const start = Math.floor((operator_index * max_parallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((operator_index + 1) * max_parallelism - 1) / parallelism);
  return { start, end };
}

function roundUpToPowerOfTwo(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/** min(max(roundUpPow2(p + p/2), 128), 32768), p/2 in integer division as in Java. */
export function computeDefaultMaxParallelism(parallelism: number): number {
  return Math.min(
    Math.max(roundUpToPowerOfTwo(parallelism + Math.floor(parallelism / 2)), 128),
    UPPER_BOUND_MAX_PARALLELISM,
  );
}
