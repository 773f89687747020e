// Specification of the output and state comparisons behind the safety properties.
import { describe, expect, it } from 'vitest';
import { decode_metadata } from '../engine/checkpoint/metadata.js';
import type { StateEntry } from '../engine/state/backend.js';
import { compare_output, count_duplicates, diff_state, FinalOutputComparison, first_non_prefix_key, is_at_least_once, is_at_most_once, is_exactly_once, losses_by_output_id } from './compare.js';
import { MetadataDecodeCache } from '../scenarios/run/metadata-cache.js';
import { check_checkpoint_invariants } from './checkpoint-invariants.js';
import { groupByKey } from './oracle.js';
import { upsert_effect } from './sink-output.js';

const key_of = (record: unknown): string => (record as [string, number])[0];
const counts = (word: string, n: number): [string, number][] => Array.from({ length: n }, (_, i) => [word, i + 1]);

describe('compare_output', () => {
  const expected = [...counts('a', 3), ...counts('b', 2)];

  it('accepts the oracle output in any cross-key interleaving', () => {
    const actual = [['a', 1], ['b', 1], ['a', 2], ['b', 2], ['a', 3]];
    const comparison = compare_output(expected, actual, key_of);
    expect(is_exactly_once(comparison)).toBe(true);
    expect(comparison).toMatchObject({ duplicates: 0, losses: 0, unexpected: 0 });
  });

  it('counts a replayed record as a duplicate: at-least-once, not exactly-once', () => {
    const comparison = compare_output(expected, [...counts('a', 3), ['a', 2], ...counts('b', 2)], key_of);
    expect(comparison.duplicates).toBe(1);
    expect(is_exactly_once(comparison)).toBe(false);
    expect(is_at_least_once(comparison)).toBe(true);
    expect(is_at_most_once(comparison)).toBe(false);
  });

  it('counts a missing record as a loss and a wrong value as unexpected', () => {
    const comparison = compare_output(expected, [['a', 1], ['a', 3], ['a', 4], ...counts('b', 2)], key_of);
    expect(comparison).toMatchObject({ losses: 1, unexpected: 1 });
    expect(comparison.first_difference?.key).toBe('a');
    expect(is_at_least_once(comparison)).toBe(false);
  });

  it('treats a reordering within a key as not exactly-once', () => {
    const comparison = compare_output(expected, [['a', 2], ['a', 1], ['a', 3], ...counts('b', 2)], key_of);
    expect(is_exactly_once(comparison)).toBe(false);
    expect(comparison.duplicates + comparison.losses).toBe(0);
  });

  it('compares records by their JSON text: an undefined field equals an absent one, a field order change does not', () => {
    const want = [{ key: 'a', n: 1 }];
    expect(is_exactly_once(compare_output(want, [{ key: 'a', n: 1, note: undefined }], (r) => (r as { key: string }).key))).toBe(true);
    const reordered = compare_output(want, [{ n: 1, key: 'a' }], (r) => (r as { key: string }).key);
    expect(reordered).toMatchObject({ unexpected: 1, losses: 1, keys_not_exact: 1 });
  });

  it('finds the first key whose output so far is not a prefix of the oracle', () => {
    expect(first_non_prefix_key(expected, [['a', 1], ['b', 1]], key_of)).toBeUndefined();
    expect(first_non_prefix_key(expected, [['a', 1], ['a', 1]], key_of)?.key).toBe('a');
  });

  it('judges output taken during the run like the per-call checks, whether or not it is the start of the final output', () => {
    const final = [['a', 1], ['b', 1], ['a', 2], ['a', 2], ['b', 2], ['a', 3], ['c', 1]];
    const judged = new FinalOutputComparison(groupByKey(expected, key_of), final, key_of);
    expect(judged.comparison).toEqual(compare_output(expected, final, key_of));
    const earlier = [...Array.from({ length: final.length + 1 }, (_, length) => final.slice(0, length)), [['a', 2]], [['b', 1], ['b', 1]], [['c', 1]]];
    for (const so_far of earlier) {
      expect(judged.first_non_prefix_key(so_far)).toEqual(first_non_prefix_key(expected, so_far, key_of));
      expect(judged.count_duplicates(so_far)).toBe(count_duplicates(expected, so_far, key_of));
    }
    expect(judged.first_non_prefix_key(final.slice(0, 3))).toBeUndefined();
    expect(judged.first_non_prefix_key(final.slice(0, 4))?.key).toBe('a');
    expect(judged.count_duplicates(final.slice(0, 4))).toBe(1);
  });

  it('with inflated at-least-once state, loses a result only when no record of its output id arrived', () => {
    const window = (key: string, start: number, count: number): unknown => ({ key, window_start: start, count });
    const id = (record: unknown): string => `${(record as { key: string }).key}/${(record as { window_start: number }).window_start}`;
    const want = [window('k1', 0, 7), window('k2', 0, 3), window('k2', 10, 1)];
    // k1's window fired from a restored state that counted 3 replayed records twice: another value, not a loss.
    expect(losses_by_output_id(want, [window('k1', 0, 10), window('k2', 0, 3), window('k2', 10, 1)], id)).toEqual({ losses: 0 });
    // k2's second window never fired: lost, whatever else arrived.
    expect(losses_by_output_id(want, [window('k1', 0, 10), window('k2', 0, 3), window('k2', 0, 3)], id)).toEqual({ losses: 1, first_lost: window('k2', 10, 1) });
  });

  it('with inflated at-least-once state, a count window firing over other records is a new id of its key, not a loss', () => {
    // Count windows of 2 per key; ids name the records covered. Replayed record 2 counted twice shifts k1's windows.
    const window = (key: string, first: number, last: number): unknown => ({ key, first, last });
    const id = (record: unknown): string => { const w = record as { key: string; first: number; last: number }; return `${w.key}/${w.first}-${w.last}`; };
    const key = (record: unknown): string => (record as { key: string }).key;
    const want = [window('k1', 1, 2), window('k1', 3, 4), window('k2', 1, 2)];
    const shifted = [window('k1', 1, 2), window('k1', 2, 3), window('k2', 1, 2)];
    expect(losses_by_output_id(want, shifted, id, key)).toEqual({ losses: 0 });
    // Without the output key every shifted window counts as lost.
    expect(losses_by_output_id(want, shifted, id)).toEqual({ losses: 1, first_lost: window('k1', 3, 4) });
    // A new id stands for a missing one of its own key only: k2's lost window is not covered by k1's extra one.
    expect(losses_by_output_id(want, [window('k1', 1, 2), window('k1', 3, 4), window('k1', 5, 6)], id, key)).toEqual({ losses: 1, first_lost: window('k2', 1, 2) });
    // A key that got fewer new ids than it misses loses the rest; a new id delivered twice stands for one.
    expect(losses_by_output_id(want, [window('k1', 2, 3), window('k1', 2, 3), window('k2', 1, 2)], id, key)).toEqual({ losses: 1, first_lost: window('k1', 3, 4) });
  });

  it('reduces output to the upsert table an idempotent sink leaves', () => {
    expect(upsert_effect(expected, key_of)).toEqual([['a', 3], ['b', 2]]);
  });
});

describe('diff_state', () => {
  const entry = (key: string, value: unknown): StateEntry => ({ state: 's', key_group: 0, key, namespace: '', value });
  it('reports differing, missing and extra entries per operator', () => {
    const expected = new Map([['op', [entry('a', 1), entry('b', 2)]]]);
    expect(diff_state(expected, new Map([['op', [entry('a', 1), entry('b', 2)]]]))).toEqual([]);
    const differences = diff_state(expected, new Map([['op', [entry('a', 5), entry('c', 1)]]]));
    expect(differences.map((d) => [d.key, d.expected, d.actual])).toEqual([
      ['a', 1, 5],
      ['b', 2, undefined],
      ['c', undefined, 1],
    ]);
  });

  it('compares TTL state without access times; a value, list element or map entry the run lacks has expired', () => {
    const ttl = (key: string, value: unknown): StateEntry => ({ state: '_ttl/s', key_group: 0, key, namespace: '', value });
    const at = (value: unknown, last_access_ms: number) => ({ value, last_access_ms });
    const expected = new Map([['op', [ttl('v', at(7, 0)), ttl('l', [at(1, 0), at(2, 0), at(2, 0)]), ttl('m', [['"x"', at(1, 0)], ['"y"', at(2, 0)]])]]]);
    const same = new Map([['op', [ttl('v', at(7, 40)), ttl('l', [at(2, 9), at(1, 3)]), ttl('m', [['"y"', at(2, 5)]])]]]);
    expect(diff_state(expected, same)).toEqual([]);
    expect(diff_state(expected, new Map([['op', []]]))).toEqual([]);
    const wrong = new Map([['op', [ttl('v', at(8, 40)), ttl('l', [at(2, 1), at(2, 1), at(2, 1)]), ttl('m', [['"x"', at(2, 5)]]), ttl('w', at(1, 0))]]]);
    expect(diff_state(expected, wrong).map((d) => d.key)).toEqual(['l', 'm', 'v', 'w']);
    // A window's element list compares as a multiset (elements of several channels interleave); its length counts.
    const window = (value: unknown): StateEntry => ({ state: '_window', key_group: 0, key: 'w', namespace: '0:10', value });
    expect(diff_state(new Map([['op', [window([[1, 1], [2, 2]])]]]), new Map([['op', [window([[2, 2], [1, 1]])]]]))).toEqual([]);
    expect(diff_state(new Map([['op', [window([[1, 1], [2, 2]])]]]), new Map([['op', [window([[2, 2], [2, 2]])]]]))).toHaveLength(1);
    // Without the prefix the access times count.
    expect(diff_state(new Map([['op', [entry('v', at(7, 0))]]]), new Map([['op', [entry('v', at(7, 40))]]]))).toHaveLength(1);
  });
});

describe('check_checkpoint_invariants', () => {
  const base = {
    triggered_ids: [1, 2, 3],
    completed_ids: [1, 2],
    completed_metadata_paths: ['j/chk-1/_metadata', 'j/chk-2/_metadata'],
    aborted_ids: [3],
    restored_ids: [2],
    damaged_prefixes: [] as string[],
    num_retained: 1,
    peek: () => undefined,
    has: () => false,
    storage_faults_injected: true,
  };

  it('holds for increasing ids and restores of completed checkpoints', () => {
    expect(check_checkpoint_invariants(base).findings).toEqual([]);
  });

  it('flags ids that do not increase, a checkpoint both completed and aborted, and restoring an incomplete one', () => {
    expect(check_checkpoint_invariants({ ...base, triggered_ids: [1, 3, 2] }).findings[0]?.message).toContain('must increase');
    expect(check_checkpoint_invariants({ ...base, aborted_ids: [2] }).findings[0]?.message).toContain('both completed and aborted');
    expect(check_checkpoint_invariants({ ...base, restored_ids: [3] }).findings[0]?.message).toContain('never completed');
  });

  it('flags a restore older than the newest completed checkpoint, and an empty start after one completed', () => {
    expect(check_checkpoint_invariants({ ...base, newest_completed_at_restore: [2] }).findings).toEqual([]);
    const older = check_checkpoint_invariants({ ...base, restored_ids: [1], newest_completed_at_restore: [2] }).findings;
    expect(older[0]?.message).toContain('restored checkpoint 1 although the newer checkpoint 2 had completed');
    const empty = check_checkpoint_invariants({ ...base, restored_ids: [null], newest_completed_at_restore: [2] }).findings;
    expect(empty[0]?.message).toContain('from the beginning of the input although checkpoint 2 had completed');
    // Before any checkpoint completed, an empty start is what recovery must do.
    expect(check_checkpoint_invariants({ ...base, restored_ids: [null], newest_completed_at_restore: [null] }).findings).toEqual([]);
  });

  it('flags a checkpoint triggered before a restore that completes after it', () => {
    const completed = [{ checkpoint_id: 2, trigger_ms: 100, completed_ms: 180 }];
    expect(check_checkpoint_invariants({ ...base, timeline: { restore_times_ms: [200], completed } }).findings).toEqual([]);
    const late = check_checkpoint_invariants({ ...base, timeline: { restore_times_ms: [150], completed } }).findings;
    expect(late[0]?.message).toContain('checkpoint 2, triggered at 100 ms, completed at 180 ms after a recovery restored at 150 ms');
  });

  it('flags restoring a checkpoint the run damaged', () => {
    const findings = check_checkpoint_invariants({ ...base, damaged_prefixes: ['j/chk-2/'] }).findings;
    expect(findings[0]?.message).toContain('was damaged');
  });

  it('flags a retained checkpoint whose metadata is gone from the store', () => {
    const findings = check_checkpoint_invariants({ ...base, storage_faults_injected: false }).findings;
    expect(findings[0]?.message).toContain('j/chk-2/_metadata is missing');
  });
});

describe('MetadataDecodeCache', () => {
  it('decodes like decode_metadata and decodes again only when the bytes at a path change', () => {
    const cache = new MetadataDecodeCache(1);
    const garbage = new Uint8Array([1, 2, 3]);
    const first = cache.decode('j/chk-1/_metadata', garbage);
    expect(first).toEqual(decode_metadata(garbage));
    expect(cache.decode('j/chk-1/_metadata', new Uint8Array([1, 2, 3]))).toBe(first);
    expect(cache.decode('j/chk-1/_metadata', new Uint8Array([1, 2, 4]))).not.toBe(first);
    const other = cache.decode('j/chk-2/_metadata', garbage);
    expect(cache.decode('j/chk-2/_metadata', garbage)).toBe(other);
    expect(cache.decode('j/chk-1/_metadata', new Uint8Array([1, 2, 4]))).toEqual(decode_metadata(new Uint8Array([1, 2, 4])));
  });
});

describe('lingering_transactions', () => {
  it('flags open or prepared transactions older than each subtask newest one', async () => {
    const { lingering_transactions } = await import('./judge.js');
    const txn = (txn_id: string, state: string) => ({ txn_id, state, record_count: 1 });
    expect(
      lingering_transactions([txn('in-sink-0-3', 'open'), txn('in-sink-0-4', 'committed'), txn('in-sink-0-5', 'open'), txn('in-sink-1-2', 'prepared'), txn('in-sink-1-5', 'open')]),
    ).toEqual(['in-sink-0-3', 'in-sink-1-2']);
    expect(lingering_transactions([txn('in-sink-0-1', 'committed'), txn('in-sink-0-2', 'open')])).toEqual([]);
  });
});

describe('window join contents', () => {
  const entry = (value: unknown) => ({ state: '_window', key_group: 3, key: 'k', namespace: '0:10', value });
  it('compare by side, each a multiset: how inputs and partitions interleaved in a window is free, what each side holds is not', () => {
    const oracle = new Map([['join', [entry([{ one: 'a' }, { one: 'b' }, { two: 'x' }])]]]);
    expect(diff_state(oracle, new Map([['join', [entry([{ one: 'a' }, { two: 'x' }, { one: 'b' }])]]]))).toEqual([]);
    expect(diff_state(oracle, new Map([['join', [entry([{ two: 'x' }, { one: 'b' }, { one: 'a' }])]]]))).toEqual([]);
    expect(diff_state(oracle, new Map([['join', [entry([{ one: 'a' }, { one: 'b' }])]]]))).toHaveLength(1);
    expect(diff_state(oracle, new Map([['join', [entry([{ one: 'a' }, { one: 'a' }, { two: 'x' }])]]]))).toHaveLength(1);
    expect(diff_state(oracle, new Map([['join', [entry([{ one: 'a' }, { two: 'b' }, { two: 'x' }])]]]))).toHaveLength(1);
    // With an evictor the contents are [element, timestamp] pairs.
    const timestamped = new Map([['join', [entry([[{ one: 'a' }, 1], [{ two: 'x' }, 2]])]]]);
    expect(diff_state(timestamped, new Map([['join', [entry([[{ two: 'x' }, 2], [{ one: 'a' }, 1]])]]]))).toEqual([]);
  });
});
