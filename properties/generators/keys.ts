// Key names the generators give a workload (scenario `workload.key_names`): a wide space of arbitrary strings, and
// adversarial ones — keys that land on the first and last key group of every subtask's range for the run's
// parallelisms and max parallelism, keys whose Java hashCode collides, and unicode that looks alike but is not.
import fc from 'fast-check';
import { assignToKeyGroup, javaStringHashCode } from '../../engine/state/key-groups.js';

/** Bound on the candidates tried to find a key for one key group (a key group is hit about once per max_parallelism). */
const MAX_CANDIDATES_PER_GROUP = 200_000;

/** The key group of a string key, as the engine assigns it (Java hashCode → murmur → mod max parallelism). */
export function key_group_of(key: string, max_parallelism: number): number {
  return assignToKeyGroup(javaStringHashCode(key), max_parallelism);
}

/**
 * Flink's KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex, written out here on purpose: the generator must
 * not take its boundaries from the engine code it tests (an off-by-one there would move the keys along with the bug).
 */
export function reference_key_group_range(max_parallelism: number, parallelism: number, subtask: number): { start: number; end: number } {
  return {
    start: Math.floor((subtask * max_parallelism + parallelism - 1) / parallelism),
    end: Math.floor(((subtask + 1) * max_parallelism - 1) / parallelism),
  };
}

/**
 * The first and last key group of every subtask's range for each parallelism, and their neighbours on the other side
 * of each boundary (sorted, no repeats, within 0..max_parallelism-1).
 */
export function boundary_key_groups(max_parallelism: number, parallelisms: readonly number[]): number[] {
  const groups = new Set<number>();
  for (const parallelism of parallelisms) {
    if (parallelism > max_parallelism) continue;
    for (let subtask = 0; subtask < parallelism; subtask++) {
      const range = reference_key_group_range(max_parallelism, parallelism, subtask);
      for (const group of [range.start - 1, range.start, range.start + 1, range.end - 1, range.end, range.end + 1]) {
        if (group >= 0 && group < max_parallelism) groups.add(group);
      }
    }
  }
  return [...groups].sort((a, b) => a - b);
}

/**
 * One key per wanted key group, named `<prefix><n>` for the smallest n that lands there (deterministic: the same
 * groups give the same keys). Throws if a group cannot be reached within the candidate bound.
 */
export function keys_in_key_groups(key_groups: readonly number[], max_parallelism: number, prefix = 'g'): string[] {
  const wanted = new Map<number, string | undefined>(key_groups.map((group) => [group, undefined]));
  let missing = wanted.size;
  for (let n = 0; missing > 0 && n < MAX_CANDIDATES_PER_GROUP * Math.max(1, wanted.size); n++) {
    const key = `${prefix}${n}`;
    const group = key_group_of(key, max_parallelism);
    if (wanted.has(group) && wanted.get(group) === undefined) {
      wanted.set(group, key);
      missing--;
    }
  }
  if (missing > 0) throw new Error(`no key found for ${missing} key group(s) of max parallelism ${max_parallelism}`);
  return key_groups.map((group) => wanted.get(group) as string);
}

/**
 * Distinct keys with one Java hashCode: every string of `length` blocks, each block "Aa" or "BB" (equal hash codes,
 * so any sequence of them collides), so state must be keyed by the key itself, never by its hash.
 */
export function colliding_keys(count: number, blocks = 4): string[] {
  const out: string[] = [];
  for (let bits = 0; bits < 1 << blocks && out.length < count; bits++) {
    let key = '';
    for (let b = 0; b < blocks; b++) key += (bits >> b) & 1 ? 'BB' : 'Aa';
    out.push(key);
  }
  return out;
}

/**
 * Unicode keys: other scripts, astral-plane characters (surrogate pairs in UTF-16, four bytes in UTF-8), composed and
 * decomposed forms of one letter (different strings that render alike), a right-to-left key, a key with a tab, a
 * long key. No lone surrogates (not valid text in any encoding).
 */
export const UNICODE_KEYS: readonly string[] = [
  'ключ',
  '键',
  'キー',
  '🔑',
  '👩‍💻',
  '\u00e9',
  'e\u0301',
  'מפתח',
  'tab\tkey',
  'ß',
  'SS',
  'ǅ',
  '𝔘𝔫𝔦',
  'x'.repeat(200),
];

/** A wide key space: arbitrary printable strings (unicode included), no space, 1..24 characters, distinct. */
export function arb_wide_keys(max_keys: number): fc.Arbitrary<string[]> {
  const char = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  );
  return fc.uniqueArray(
    fc.array(char, { minLength: 1, maxLength: 24 }).map((chars) => chars.join('').replace(/ /g, '_')),
    { minLength: 1, maxLength: max_keys, comparator: 'IsStrictlyEqual' },
  ).filter((keys) => keys.every((key) => key.length > 0 && key.length <= 256));
}

/**
 * Adversarial keys for a run: a key on each boundary key group of every parallelism the run uses (so an off-by-one in
 * a range loses or misroutes them), plus hash collisions and unicode, plus `filler` ordinary keys.
 */
export function adversarial_keys(max_parallelism: number, parallelisms: readonly number[], options: { collisions: number; unicode: number; filler: number }): string[] {
  const boundaries = keys_in_key_groups(boundary_key_groups(max_parallelism, parallelisms), max_parallelism);
  const keys = [...boundaries, ...colliding_keys(options.collisions), ...UNICODE_KEYS.slice(0, options.unicode)];
  for (let i = 0; keys.length < boundaries.length + options.collisions + options.unicode + options.filler; i++) keys.push(`f${i}`);
  return [...new Set(keys)];
}
