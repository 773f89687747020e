// Comparisons behind the safety properties: engine output against the oracle's, per key (exactly-once, at-least-once,
// at-most-once, prefix-so-far), and engine keyed state against the oracle's state entries. Pure functions on data.
import type { StateEntry } from '../engine/state/backend.js';
import { groupByKey } from './oracle.js';

export interface OutputComparison {
  expected_records: number;
  actual_records: number;
  /** Records delivered more often than the oracle emits them. */
  duplicates: number;
  /** Oracle records never delivered (or delivered fewer times than emitted). */
  losses: number;
  /** Delivered records the oracle never emits for that key (wrong values). */
  unexpected: number;
  /** Keys whose delivered sequence is not exactly the oracle's (order included). */
  keys_not_exact: number;
  /** The first key (in key order) that differs, with short excerpts. */
  first_difference?: { key: string; expected: unknown[]; actual: unknown[] };
}

const EXCERPT_RECORDS = 8;

function counts(records: readonly unknown[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const record of records) {
    const text = JSON.stringify(record);
    out.set(text, (out.get(text) ?? 0) + 1);
  }
  return out;
}

function is_plain_object(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * True only when a and b certainly have the same JSON text (same primitives, arrays elementwise, plain objects with
 * the same keys in the same order); false means "not sure", and the caller compares JSON texts. Saves stringifying
 * every record of a run that matches the oracle.
 */
function surely_same_json(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > 16) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index++) if (!surely_same_json(a[index], b[index], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b) || !is_plain_object(a) || !is_plain_object(b)) return false;
  const a_keys = Object.keys(a);
  const b_keys = Object.keys(b);
  if (a_keys.length !== b_keys.length) return false;
  for (let index = 0; index < a_keys.length; index++) {
    const key = a_keys[index] as string;
    if (key !== b_keys[index]) return false;
    if (!surely_same_json((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** JSON.stringify(a) === JSON.stringify(b), without stringifying when the structures are plainly equal. */
function same_json(a: unknown, b: unknown): boolean {
  return surely_same_json(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

/** Every record of `got` has the JSON text of the record at the same index of `want`. */
function is_json_prefix(got: readonly unknown[], want: readonly unknown[]): boolean {
  if (got.length > want.length) return false;
  for (let index = 0; index < got.length; index++) if (!same_json(want[index], got[index])) return false;
  return true;
}

/** The same JSON text for the whole sequence (JSON values are self-delimiting, so elementwise equality is enough). */
function same_json_sequence(want: readonly unknown[], got: readonly unknown[]): boolean {
  if (want.length !== got.length) return false;
  for (let index = 0; index < want.length; index++) if (!same_json(want[index], got[index])) return false;
  return true;
}

/** Compares delivered output with the oracle's, per key (order within a key matters for exactness only). */
export function compare_output(expected: readonly unknown[], actual: readonly unknown[], key_of: (record: unknown) => string): OutputComparison {
  const expected_by_key = groupByKey(expected, key_of);
  const actual_by_key = groupByKey(actual, key_of);
  const keys = [...new Set([...expected_by_key.keys(), ...actual_by_key.keys()])].sort();
  const result: OutputComparison = {
    expected_records: expected.length,
    actual_records: actual.length,
    duplicates: 0,
    losses: 0,
    unexpected: 0,
    keys_not_exact: 0,
  };
  for (const key of keys) {
    const want = expected_by_key.get(key) ?? [];
    const got = actual_by_key.get(key) ?? [];
    // The common case, a key delivered exactly as the oracle emits it, has no duplicates, losses or unexpected records.
    if (same_json_sequence(want, got)) continue;
    const want_counts = counts(want);
    const got_counts = counts(got);
    for (const [text, n] of want_counts) {
      const m = got_counts.get(text) ?? 0;
      if (m < n) result.losses += n - m;
      if (m > n) result.duplicates += m - n;
    }
    for (const [text, m] of got_counts) if (!want_counts.has(text)) result.unexpected += m;
    result.keys_not_exact++;
    if (result.first_difference === undefined) {
      result.first_difference = { key, expected: want.slice(0, EXCERPT_RECORDS), actual: got.slice(0, EXCERPT_RECORDS) };
    }
  }
  return result;
}

export function is_exactly_once(comparison: OutputComparison): boolean {
  return comparison.keys_not_exact === 0;
}

export function is_at_least_once(comparison: OutputComparison): boolean {
  return comparison.losses === 0 && comparison.unexpected === 0;
}

export function is_at_most_once(comparison: OutputComparison): boolean {
  return comparison.duplicates === 0 && comparison.unexpected === 0;
}

/** Expected records grouped by key (groupByKey), computed once when several comparisons share them. */
export type GroupedOutput = ReadonlyMap<string, readonly unknown[]>;

function grouped(expected: readonly unknown[] | GroupedOutput, key_of: (record: unknown) => string): GroupedOutput {
  return expected instanceof Map ? expected : groupByKey(expected as readonly unknown[], key_of);
}

/**
 * compare_output(expected, actual).duplicates, for output taken mid-run: a key whose output is a prefix of the
 * oracle's has no duplicates, so only other keys are counted.
 */
export function count_duplicates(
  expected: readonly unknown[] | GroupedOutput,
  actual: readonly unknown[] | GroupedOutput,
  key_of: (record: unknown) => string,
): number {
  const expected_by_key = grouped(expected, key_of);
  let duplicates = 0;
  for (const [key, got] of grouped(actual, key_of)) {
    const want = expected_by_key.get(key) ?? [];
    if (is_json_prefix(got, want)) continue;
    const want_counts = counts(want);
    for (const [text, m] of counts(got)) {
      const n = want_counts.get(text) ?? 0;
      if (m > n && n > 0) duplicates += m - n;
    }
  }
  return duplicates;
}

/**
 * Output delivered so far (mid-run, e.g. at a recovery) is consistent with exactly-once: per key, it is a prefix of
 * the oracle's sequence. Returns the first key where it is not.
 */
export function first_non_prefix_key(
  expected: readonly unknown[] | GroupedOutput,
  so_far: readonly unknown[] | GroupedOutput,
  key_of: (record: unknown) => string,
): { key: string; expected: unknown[]; actual: unknown[] } | undefined {
  const expected_by_key = grouped(expected, key_of);
  for (const [key, got] of grouped(so_far, key_of)) {
    const want = expected_by_key.get(key) ?? [];
    for (let i = 0; i < got.length; i++) {
      if (i >= want.length || !same_json(want[i], got[i])) {
        return { key, expected: want.slice(Math.max(0, i - 2), i + 3), actual: got.slice(Math.max(0, i - 2), i + 3) };
      }
    }
  }
  return undefined;
}

export interface StateDifference {
  operator_uid: string;
  state: string;
  key: string;
  namespace: string;
  expected: unknown;
  actual: unknown;
}

function entry_id(entry: StateEntry): string {
  return `${entry.state}\u0000${entry.key}\u0000${entry.namespace}`;
}

/** Differences between expected and actual keyed state per operator uid (the first `max_differences`). */
export function diff_state(
  expected: ReadonlyMap<string, readonly StateEntry[]>,
  actual: ReadonlyMap<string, readonly StateEntry[]>,
  max_differences = 5,
): StateDifference[] {
  const differences: StateDifference[] = [];
  const uids = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const uid of uids) {
    const want = new Map((expected.get(uid) ?? []).map((entry) => [entry_id(entry), entry] as const));
    const got = new Map((actual.get(uid) ?? []).map((entry) => [entry_id(entry), entry] as const));
    const ids = [...new Set([...want.keys(), ...got.keys()])].sort();
    for (const id of ids) {
      const w = want.get(id);
      const g = got.get(id);
      if (JSON.stringify(w?.value) === JSON.stringify(g?.value)) continue;
      const entry = (w ?? g) as StateEntry;
      differences.push({ operator_uid: uid, state: entry.state, key: entry.key, namespace: entry.namespace, expected: w?.value, actual: g?.value });
      if (differences.length >= max_differences) return differences;
    }
  }
  return differences;
}
