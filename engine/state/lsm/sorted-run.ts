// Immutable sorted runs ("SST files") of the LSM backend: records sorted by (state, key_group, key, namespace) with
// tombstones, point lookup by binary search, merge of adjacent runs, and the sealed file encoding.

import type { KeyGroupRange } from '../backend.js';
import { CorruptStateError, compare_coordinates, in_range } from '../heap-backend.js';
import { SEALED_KIND, seal, unseal_kind } from '../../util/sealed.js';

/** One versioned cell: a value or a tombstone (deleted = true, value undefined). */
export interface LsmRecord {
  state: string;
  key_group: number;
  key: string;
  namespace: string;
  deleted: boolean;
  value: unknown;
}

export function compare_records(a: LsmRecord, b: LsmRecord): number {
  return compare_coordinates(a.state, a.key_group, a.key, a.namespace, b.state, b.key_group, b.key, b.namespace);
}

/** Index of the first record ≥ the coordinates (records.length if none). */
export function lower_bound(
  records: readonly LsmRecord[], state: string, key_group: number, key: string, namespace: string,
): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const r = records[mid] as LsmRecord;
    if (compare_coordinates(r.state, r.key_group, r.key, r.namespace, state, key_group, key, namespace) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function find_record(
  records: readonly LsmRecord[], state: string, key_group: number, key: string, namespace: string,
): LsmRecord | undefined {
  const at = lower_bound(records, state, key_group, key, namespace);
  const r = records[at];
  if (r !== undefined && r.state === state && r.key_group === key_group && r.key === key && r.namespace === namespace) return r;
  return undefined;
}

/** Assert strict ascending order (no duplicates): the run invariant. */
export function assert_sorted(records: readonly LsmRecord[]): void {
  for (let i = 1; i < records.length; i++) {
    if (compare_records(records[i - 1] as LsmRecord, records[i] as LsmRecord) >= 0) {
      throw new Error(`sorted run invariant broken at record ${i}`);
    }
  }
}

/**
 * Merge an older and a newer run: on equal coordinates the newer record wins. With `drop_tombstones` (nothing older
 * exists below the merged runs) deleted records are left out.
 */
export function merge_runs(older: readonly LsmRecord[], newer: readonly LsmRecord[], drop_tombstones: boolean): LsmRecord[] {
  const out: LsmRecord[] = [];
  let i = 0;
  let j = 0;
  const emit = (r: LsmRecord): void => {
    if (!(drop_tombstones && r.deleted)) out.push(r);
  };
  while (i < older.length && j < newer.length) {
    const a = older[i] as LsmRecord;
    const b = newer[j] as LsmRecord;
    const order = compare_records(a, b);
    if (order < 0) { emit(a); i++; } else if (order > 0) { emit(b); j++; } else { emit(b); i++; j++; }
  }
  while (i < older.length) emit(older[i++] as LsmRecord);
  while (j < newer.length) emit(newer[j++] as LsmRecord);
  return out;
}

/** Row form in a run file: [state, key_group, key, namespace, 1 = tombstone | 0, value]. */
type RunRow = [string, number, string, string, 0 | 1, unknown];

interface RunFilePayload {
  format: 1;
  max_parallelism: number;
  rows: RunRow[];
}

const encoder = new TextEncoder();

/** Encode a sorted run as a sealed file. */
export function encode_run(records: readonly LsmRecord[], max_parallelism: number): Uint8Array {
  const payload: RunFilePayload = {
    format: 1,
    max_parallelism,
    rows: records.map((r): RunRow => [r.state, r.key_group, r.key, r.namespace, r.deleted ? 1 : 0, r.deleted ? null : r.value]),
  };
  return seal(SEALED_KIND.lsm_run, encoder.encode(JSON.stringify(payload)));
}

/** Decode a sealed run file, keeping records whose key group is in `keep_range`. Throws CorruptStateError. */
export function decode_run(sealed: Uint8Array, max_parallelism: number, keep_range: KeyGroupRange, where: string): LsmRecord[] {
  const opened = unseal_kind(sealed, SEALED_KIND.lsm_run);
  if (!opened.ok) throw new CorruptStateError(`run file rejected: ${opened.reason}`, where);
  let payload: RunFilePayload;
  try {
    // Fatal: a byte that is not UTF-8 is corruption, never silently replaced by U+FFFD.
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened.payload)) as RunFilePayload;
  } catch (error) {
    throw new CorruptStateError(`run file is not valid JSON: ${String(error)}`, where);
  }
  if (payload.format !== 1 || !Array.isArray(payload.rows)) throw new CorruptStateError('unknown run file format', where);
  if (payload.max_parallelism !== max_parallelism) {
    throw new CorruptStateError(`run written with max parallelism ${payload.max_parallelism}, this job uses ${max_parallelism}`, where);
  }
  const records: LsmRecord[] = [];
  for (const row of payload.rows) {
    if (!Array.isArray(row) || row.length !== 6 || typeof row[0] !== 'string' || typeof row[1] !== 'number'
      || typeof row[2] !== 'string' || typeof row[3] !== 'string' || (row[4] !== 0 && row[4] !== 1)) {
      throw new CorruptStateError('malformed run row', where);
    }
    if (!in_range(keep_range, row[1])) continue;
    records.push({ state: row[0], key_group: row[1], key: row[2], namespace: row[3], deleted: row[4] === 1, value: row[4] === 1 ? undefined : row[5] });
  }
  try {
    assert_sorted(records);
  } catch (error) {
    throw new CorruptStateError(`run file rows are not in sorted order (${(error as Error).message})`, where);
  }
  return records;
}
