// Comparisons behind the safety properties: engine output against the oracle's, per key (exactly-once, at-least-once,
// at-most-once, prefix-so-far), and engine keyed state against the oracle's state entries. Pure functions on data.
import type { StateEntry } from '../engine/state/backend.js';
import { TTL_STATE_PREFIX, type TtlValue } from '../engine/state/ttl.js';
import { WINDOW_STATE } from '../engine/task/operators/window/window-contents.js';
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
  /**
   * The first key (in key order) that differs, with short excerpts starting a little before `position`, the first
   * index at which the key's committed records differ from the oracle's; `expected_records`/`actual_records` count them.
   */
  first_difference?: { key: string; position: number; expected_records: number; actual_records: number; expected: unknown[]; actual: unknown[] };
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

const MAX_SURE_DEPTH = 16;
/**
 * Per nesting depth: the keys and values of the left-hand object under comparison, so comparing two objects allocates
 * nothing (reading each object's properties in its own for-in loop is also much faster than looking keys up).
 */
const left_keys: string[][] = Array.from({ length: MAX_SURE_DEPTH + 1 }, () => []);
const left_values: unknown[][] = Array.from({ length: MAX_SURE_DEPTH + 1 }, () => []);

/**
 * True only when a and b certainly have the same JSON text (same primitives, arrays elementwise, plain objects with
 * the same keys in the same order); false means "not sure", and the caller compares JSON texts. Saves stringifying
 * every record of a run that matches the oracle. For plain objects, for-in lists the own enumerable string keys in
 * JSON.stringify's order (Object.prototype has no enumerable properties).
 */
function surely_same_json(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > MAX_SURE_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index++) {
      const a_item: unknown = a[index];
      const b_item: unknown = b[index];
      if (a_item !== b_item && !surely_same_json(a_item, b_item, depth + 1)) return false;
    }
    return true;
  }
  if (Array.isArray(b) || !is_plain_object(a) || !is_plain_object(b)) return false;
  const keys = left_keys[depth] as string[];
  const values = left_values[depth] as unknown[];
  let count = 0;
  for (const key in a) {
    keys[count] = key;
    values[count] = (a as Record<string, unknown>)[key];
    count++;
  }
  let index = 0;
  let same = true;
  for (const key in b) {
    if (index >= count || key !== keys[index]) {
      same = false;
      break;
    }
    const a_value = values[index];
    values[index] = undefined;
    const b_value = (b as Record<string, unknown>)[key];
    if (a_value !== b_value && !surely_same_json(a_value, b_value, depth + 1)) {
      same = false;
      break;
    }
    index++;
  }
  // Drop the references to a's values not compared, so the scratch space keeps no record alive.
  for (let rest = index; rest < count; rest++) values[rest] = undefined;
  return same && index === count;
}

/** JSON.stringify(a) === JSON.stringify(b), without stringifying when the structures are plainly equal. */
export function same_json(a: unknown, b: unknown): boolean {
  return surely_same_json(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

/** Every record of `got` has the JSON text of the record at the same index of `want`. */
function is_json_prefix(got: readonly unknown[], want: readonly unknown[]): boolean {
  if (got.length > want.length) return false;
  for (let index = 0; index < got.length; index++) if (!same_json(want[index], got[index])) return false;
  return true;
}

/** Adds up duplicates, losses and unexpected records of one key whose output is not exactly the oracle's. */
function count_differences(result: OutputComparison, want: readonly unknown[], got: readonly unknown[]): void {
  const want_counts = counts(want);
  const got_counts = counts(got);
  for (const [text, n] of want_counts) {
    const m = got_counts.get(text) ?? 0;
    if (m < n) result.losses += n - m;
    if (m > n) result.duplicates += m - n;
  }
  for (const [text, m] of got_counts) if (!want_counts.has(text)) result.unexpected += m;
}

/** Compares delivered output with the oracle's, per key (order within a key matters for exactness only). */
export function compare_output(
  expected: readonly unknown[] | GroupedOutput,
  actual: readonly unknown[],
  key_of: (record: unknown) => string,
): OutputComparison {
  return new FinalOutputComparison(grouped(expected, key_of), actual, key_of).comparison;
}

/** One key of the final output: its oracle sequence, the records delivered so far, whether they all follow it. */
class KeyDelivery {
  count = 0;
  /** Every record delivered so far is the oracle's record at the same position of this key's sequence. */
  in_sequence = true;
  constructor(readonly want: readonly unknown[]) {}
}

/**
 * The final output compared with the oracle's once, per key, and kept for judging output taken earlier in the run
 * (at recoveries). Committed output only grows, so output taken earlier is normally the start of the final output (the
 * same record objects at the same indexes); when that start ends before the final output's first record that leaves
 * its key's oracle sequence, every key's output so far is a prefix of the oracle's. Other earlier output is grouped
 * and compared record by record.
 */
export class FinalOutputComparison {
  readonly comparison: OutputComparison;
  /** Index in the final output of the first record that differs from its key's oracle sequence (Infinity: none). */
  private readonly first_mismatch_index: number;
  /** Earlier output compared record by record, grouped by key once for both checks. */
  private readonly grouped_earlier = new WeakMap<readonly unknown[], GroupedOutput>();

  constructor(
    readonly expected_by_key: GroupedOutput,
    private readonly final_output: readonly unknown[],
    private readonly key_of: (record: unknown) => string,
  ) {
    // One pass: per key, how many records arrived and where the first one outside the oracle's sequence stands.
    const delivered = new Map<string, KeyDelivery>();
    let first_mismatch_index = Infinity;
    for (let index = 0; index < final_output.length; index++) {
      const record = final_output[index];
      const key = key_of(record);
      let seen = delivered.get(key);
      if (seen === undefined) {
        seen = new KeyDelivery(expected_by_key.get(key) ?? []);
        delivered.set(key, seen);
      }
      if (seen.in_sequence) {
        const want = seen.want;
        if (seen.count >= want.length || !same_json(want[seen.count], record)) {
          seen.in_sequence = false;
          if (index < first_mismatch_index) first_mismatch_index = index;
        }
      }
      seen.count++;
    }
    this.first_mismatch_index = first_mismatch_index;
    let expected_records = 0;
    for (const records of expected_by_key.values()) expected_records += records.length;
    const result: OutputComparison = {
      expected_records,
      actual_records: final_output.length,
      duplicates: 0,
      losses: 0,
      unexpected: 0,
      keys_not_exact: 0,
    };
    let final_by_key: GroupedOutput | undefined;
    const keys = [...new Set([...expected_by_key.keys(), ...delivered.keys()])].sort();
    for (const key of keys) {
      const want = expected_by_key.get(key) ?? [];
      const seen = delivered.get(key) ?? new KeyDelivery(want);
      // The common case, a key delivered exactly as the oracle emits it, has no duplicates, losses or unexpected records.
      if (seen.in_sequence && seen.count === want.length) continue;
      final_by_key ??= groupByKey(final_output, key_of);
      const got = final_by_key.get(key) ?? [];
      count_differences(result, want, got);
      result.keys_not_exact++;
      if (result.first_difference === undefined) {
        let position = 0;
        while (position < want.length && position < got.length && JSON.stringify(want[position]) === JSON.stringify(got[position])) position++;
        const from = Math.max(0, position - 2);
        result.first_difference = {
          key,
          position,
          expected_records: want.length,
          actual_records: got.length,
          expected: want.slice(from, from + EXCERPT_RECORDS),
          actual: got.slice(from, from + EXCERPT_RECORDS),
        };
      }
    }
    this.comparison = result;
  }

  /** first_non_prefix_key(expected, so_far), for output taken during the run. */
  first_non_prefix_key(so_far: readonly unknown[]): { key: string; expected: unknown[]; actual: unknown[] } | undefined {
    if (this.is_matching_start(so_far)) return undefined;
    return first_non_prefix_key(this.expected_by_key, this.grouped(so_far), this.key_of);
  }

  /** count_duplicates(expected, so_far), for output taken during the run. */
  count_duplicates(so_far: readonly unknown[]): number {
    if (this.is_matching_start(so_far)) return 0;
    return count_duplicates(this.expected_by_key, this.grouped(so_far), this.key_of);
  }

  private grouped(so_far: readonly unknown[]): GroupedOutput {
    let groups = this.grouped_earlier.get(so_far);
    if (groups === undefined) {
      groups = groupByKey(so_far, this.key_of);
      this.grouped_earlier.set(so_far, groups);
    }
    return groups;
  }

  /** `output` is the start of the final output (the same record objects) and ends before its first mismatch. */
  private is_matching_start(output: readonly unknown[]): boolean {
    if (output.length > this.first_mismatch_index || output.length > this.final_output.length) return false;
    for (let index = 0; index < output.length; index++) if (output[index] !== this.final_output[index]) return false;
    return true;
  }
}

/**
 * Oracle records whose output id (e.g. key and window) no delivered record has. With at-least-once checkpoints a
 * restored snapshot may hold records it took after their barrier, which the rewound source then replays: the state
 * counts them twice and a result computed from it (a window's sum) legitimately differs from the oracle's. Flink
 * promises then only that every result is produced at least once, possibly from inflated state: a result whose id is
 * missing is lost, one with another value is not.
 * With `output_key`, a missing id may also come back as another result of the same output key: a count window (or
 * any result whose id names the records it covers) fires over other records when replayed ones are counted twice, so
 * each delivered id of a key that the oracle does not have stands for one missing id of that key. A key loses results
 * only when more of its ids are missing than it got new ones.
 */
export function losses_by_output_id(
  expected: readonly unknown[],
  actual: readonly unknown[],
  output_id: (record: unknown) => string,
  output_key?: (record: unknown) => string,
): { losses: number; first_lost?: unknown } {
  const delivered = new Set<string>();
  for (const record of actual) delivered.add(output_id(record));
  const expected_ids = new Set(expected.map(output_id));
  /** Per output key: distinct delivered ids the oracle does not have (each may stand for one missing id). */
  const stand_ins = new Map<string, number>();
  if (output_key !== undefined) {
    const seen = new Set<string>();
    for (const record of actual) {
      const id = output_id(record);
      if (expected_ids.has(id) || seen.has(id)) continue;
      seen.add(id);
      const key = output_key(record);
      stand_ins.set(key, (stand_ins.get(key) ?? 0) + 1);
    }
  }
  let losses = 0;
  let first_lost: unknown;
  const counted = new Set<string>();
  for (const record of expected) {
    const id = output_id(record);
    if (delivered.has(id) || counted.has(id)) continue;
    counted.add(id);
    if (output_key !== undefined) {
      const key = output_key(record);
      const left = stand_ins.get(key) ?? 0;
      if (left > 0) {
        stand_ins.set(key, left - 1);
        continue;
      }
    }
    if (losses === 0) first_lost = record;
    losses++;
  }
  return losses === 0 ? { losses } : { losses, first_lost };
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
    duplicates += duplicates_beyond_oracle(want, got);
  }
  return duplicates;
}

/** Copies of records the oracle emits, beyond the number of times it emits them (wrong values are not counted). */
function duplicates_beyond_oracle(want: readonly unknown[], got: readonly unknown[]): number {
  const want_counts = counts(want);
  let duplicates = 0;
  for (const [text, m] of counts(got)) {
    const n = want_counts.get(text) ?? 0;
    if (m > n && n > 0) duplicates += m - n;
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

/** The keyed state a window operator keeps its contents in (engine/task/operators/window/window-contents.ts). */
const WINDOW_CONTENTS_STATE = '_window';

/**
 * A window join's or coGroup's contents (Flink's TaggedUnion elements `{ one }` / `{ two }`, or `[element, timestamp]`
 * pairs with an evictor) as its two sides, each as a multiset (sorted by canonical JSON): how the two inputs, and the
 * partitions of one input, interleaved in the window is not decided by the input (the oracle reads one after the
 * other), what each side holds is. Other values are returned as they are.
 */
export function tagged_union_sides(value: unknown): unknown {
  if (!Array.isArray(value) || value.length === 0) return value;
  const element = (item: unknown): unknown => (Array.isArray(item) && item.length === 2 ? item[0] : item);
  const side = (item: unknown): 'one' | 'two' | undefined => {
    const e = element(item);
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return undefined;
    const keys = Object.keys(e);
    return keys.length === 1 && (keys[0] === 'one' || keys[0] === 'two') ? keys[0] : undefined;
  };
  if (!value.every((item) => side(item) !== undefined)) return value;
  const sorted = (items: unknown[]): string[] => items.map((item) => JSON.stringify(item)).sort();
  return { one: sorted(value.filter((item) => side(item) === 'one')), two: sorted(value.filter((item) => side(item) === 'two')) };
}

function entry_id(entry: StateEntry): string {
  return `${entry.state}\u0000${entry.key}\u0000${entry.namespace}`;
}

function same_entries_in_order(want: readonly StateEntry[], got: readonly StateEntry[]): boolean {
  if (want.length !== got.length) return false;
  for (let index = 0; index < want.length; index++) {
    const w = want[index] as StateEntry;
    const g = got[index] as StateEntry;
    if (w.state !== g.state || w.key !== g.key || w.namespace !== g.namespace || !same_json(w.value, g.value)) return false;
  }
  return true;
}

function is_ttl_value(value: unknown): value is TtlValue<unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'last_access_ms' in value && 'value' in value;
}

/** A TTL state's stored value without its processing times: the value, list elements or map entries alone. */
function without_access_times(value: unknown): unknown {
  if (is_ttl_value(value)) return value.value;
  if (!Array.isArray(value)) return value;
  return value.map((item: unknown) => (is_ttl_value(item) ? item.value : Array.isArray(item) && item.length === 2 && is_ttl_value(item[1]) ? [item[0], item[1].value] : item));
}

/**
 * State with a TTL (stored under engine/state/ttl.ts's prefix) carries processing times, and its values expire by
 * processing time; a sequential evaluation knows neither (nothing expires there). Such an entry matches when its
 * values, without their access times, equal the expected ones, or are a part of them (the rest expired), or are gone.
 * This holds for state written from the input (last seen, deduplication); state that builds on its own earlier value
 * (a counter) starts over after expiring, which no sequential evaluation can predict.
 */
function ttl_entry_matches(expected: unknown, actual: unknown): boolean {
  if (actual === undefined) return true;
  if (expected === undefined) return false;
  const want = without_access_times(expected);
  const got = without_access_times(actual);
  if (!Array.isArray(got) || !Array.isArray(want)) return same_json(want, got);
  const available = counts(want);
  for (const item of got) {
    const text = JSON.stringify(item);
    const left = available.get(text) ?? 0;
    if (left === 0) return false;
    available.set(text, left - 1);
  }
  return true;
}

/**
 * A window's element list (with or without timestamps) is compared as a multiset: elements of one window that reach
 * its subtask on different channels (windowAll, a key fed by several upstream subtasks) interleave in an order no
 * sequential evaluation knows. Pre-aggregated contents compare exactly.
 */
function window_contents_match(expected: unknown, actual: unknown): boolean {
  if (!Array.isArray(expected) || !Array.isArray(actual)) return same_json(expected, actual);
  if (expected.length !== actual.length) return false;
  const sorted = (items: unknown[]): string[] => items.map((item) => JSON.stringify(item)).sort();
  return same_json(sorted(expected), sorted(actual));
}

function entry_matches(state: string, expected: unknown, actual: unknown): boolean {
  if (state.startsWith(TTL_STATE_PREFIX)) return ttl_entry_matches(expected, actual);
  if (state === WINDOW_STATE) return window_contents_match(expected, actual);
  return same_json(expected, actual);
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
    const want_entries = expected.get(uid) ?? [];
    const got_entries = actual.get(uid) ?? [];
    // Both sides usually list the same entries in the same (canonical) order: then nothing differs.
    if (same_entries_in_order(want_entries, got_entries)) continue;
    const want = new Map(want_entries.map((entry) => [entry_id(entry), entry] as const));
    const got = new Map(got_entries.map((entry) => [entry_id(entry), entry] as const));
    const ids = [...new Set([...want.keys(), ...got.keys()])].sort();
    for (const id of ids) {
      const w = want.get(id);
      const g = got.get(id);
      if (same_json(w?.value, g?.value)) continue;
      if (w !== undefined && g !== undefined && w.state === WINDOW_CONTENTS_STATE && same_json(tagged_union_sides(w.value), tagged_union_sides(g.value))) continue;
      const entry = (w ?? g) as StateEntry;
      if (entry_matches(entry.state, w?.value, g?.value)) continue;
      differences.push({ operator_uid: uid, state: entry.state, key: entry.key, namespace: entry.namespace, expected: w?.value, actual: g?.value });
      if (differences.length >= max_differences) return differences;
    }
  }
  return differences;
}
