// The canonical savepoint format: backend-independent, versioned, sealed (checksummed) bytes. Writes the current
// version; reads every version ever written and upgrades older ones in memory. See engine/savepoint/README.md.
import type { ListStateDistribution, MasterState } from '../checkpoint/metadata.js';
import type { StateEntry } from '../state/backend.js';
import { SEALED_KIND, seal_json, unseal_json } from '../util/sealed.js';
import type { KeyGroupWatermark } from '../checkpoint/key-group-watermarks.js';

/** "SSVP": the sealed-blob magic of savepoint files (distinct from checkpoint metadata's 0x4960672d). */
export const SAVEPOINT_MAGIC = 0x53535650;
export const SAVEPOINT_FORMAT = 'streamsim-savepoint';
/** The version this build writes. Readers exist for every version from 1 up to this one. */
export const SAVEPOINT_FORMAT_VERSION = 2;

/** Operator list state of one operator: one list per subtask at save time, in subtask order. */
export interface SavepointListState {
  name: string;
  mode: ListStateDistribution;
  /** partitions[i] = the list of old subtask i (a format-1 savepoint holds one partition: the concatenation). */
  partitions: unknown[][];
}

export interface SavepointOperator {
  uid: string;
  max_parallelism: number;
  /** Parallelism when the savepoint was taken; null when the writing version did not record it (format 1). */
  parallelism: number | null;
  /** Keyed state in canonical order (state, key_group, key, namespace): identical whatever backend wrote it. */
  keyed: StateEntry[];
  list_states: SavepointListState[];
  /**
   * Keyed operators: the event-time watermark up to which the keyed state had fired its timers, per key-group range
   * (engine/checkpoint/key-group-watermarks.ts). Absent when the writer did not record it (older savepoints). Checks
   * read it; a restore starts from the minimum watermark whatever it says.
   */
  watermarks?: KeyGroupWatermark[];
}

/** A savepoint in memory, always in the current version's shape. */
export interface Savepoint {
  /** The version the bytes were written with (the in-memory shape is always the current one). */
  read_from_version: number;
  job_id: string;
  checkpoint_id: number;
  operators: SavepointOperator[];
  /** e.g. a source split enumerator's unassigned splits. */
  master_states: MasterState[];
}

export interface SavepointInput {
  job_id: string;
  checkpoint_id: number;
  operators: {
    uid: string;
    max_parallelism: number;
    parallelism: number;
    /** Entries from each subtask's KeyedStateBackend.export_entries(), in any order: the writer sorts them. */
    keyed: Iterable<StateEntry>;
    list_states: SavepointListState[];
    watermarks?: KeyGroupWatermark[];
  }[];
  master_states: MasterState[];
}

export type SavepointErrorKind = 'corrupt' | 'truncated' | 'not_a_savepoint' | 'unsupported_version' | 'malformed';
export type ReadSavepointResult = { ok: true; savepoint: Savepoint } | { ok: false; error: SavepointErrorKind; message: string };

/** Format-2 payload (the current one). */
interface PayloadV2 {
  format: typeof SAVEPOINT_FORMAT;
  format_version: 2;
  job_id: string;
  checkpoint_id: number;
  operators: {
    uid: string;
    max_parallelism: number;
    parallelism: number;
    keyed: { states: string[]; entries: [number, number, string, string, unknown][] };
    list_states: { name: string; mode: ListStateDistribution; partitions: unknown[][] }[];
    /** Optional (written since the field exists; readers of format 2 that predate it ignore it). */
    watermarks?: KeyGroupWatermark[];
  }[];
  master_states: MasterState[];
}

/** Format-1 payload, frozen: what engine/savepoint/fixtures/v1-*.savepoint hold. */
export interface PayloadV1 {
  format: typeof SAVEPOINT_FORMAT;
  format_version: 1;
  job_id: string;
  checkpoint_id: number;
  operators: {
    uid: string;
    max_parallelism: number;
    /** [state, key_group, key, namespace, value] */
    keyed_state: [string, number, string, string, unknown][];
    /** Concatenated entries of all subtasks; mode "split" is today's "even-split". */
    operator_state: { name: string; mode: 'split' | 'union'; entries: unknown[] }[];
  }[];
  /** Master state by name. */
  master_state: Record<string, unknown>;
}

function compare_strings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The canonical order of keyed entries: state, key group, key, namespace. */
export function compare_entries(a: StateEntry, b: StateEntry): number {
  return compare_strings(a.state, b.state) || a.key_group - b.key_group || compare_strings(a.key, b.key) || compare_strings(a.namespace, b.namespace);
}

/** Encodes a savepoint in the current format. Throws on input that no reader could accept (a caller bug). */
export function write_savepoint(input: SavepointInput): Uint8Array {
  if (!Number.isSafeInteger(input.checkpoint_id) || input.checkpoint_id < 1) throw new Error(`write_savepoint: bad checkpoint id ${input.checkpoint_id}`);
  const uids = new Set<string>();
  const operators: PayloadV2['operators'] = [];
  for (const op of [...input.operators].sort((a, b) => compare_strings(a.uid, b.uid))) {
    if (uids.has(op.uid)) throw new Error(`write_savepoint: operator uid "${op.uid}" appears twice`);
    uids.add(op.uid);
    if (!(Number.isInteger(op.max_parallelism) && op.max_parallelism >= op.parallelism && op.parallelism >= 1)) {
      throw new Error(`write_savepoint: operator "${op.uid}" has parallelism ${op.parallelism}, max ${op.max_parallelism}`);
    }
    const entries = [...op.keyed].sort(compare_entries);
    const states: string[] = [];
    const state_index = new Map<string, number>();
    const rows: [number, number, string, string, unknown][] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as StateEntry;
      const previous = entries[i - 1];
      if (previous !== undefined && compare_entries(previous, entry) === 0) {
        throw new Error(`write_savepoint: operator "${op.uid}" has state ${entry.state}/${entry.key} twice`);
      }
      if (!(Number.isInteger(entry.key_group) && entry.key_group >= 0 && entry.key_group < op.max_parallelism)) {
        throw new Error(`write_savepoint: operator "${op.uid}": key group ${entry.key_group} outside 0..${op.max_parallelism - 1}`);
      }
      let index = state_index.get(entry.state);
      if (index === undefined) {
        index = states.length;
        states.push(entry.state);
        state_index.set(entry.state, index);
      }
      rows.push([index, entry.key_group, entry.key, entry.namespace, entry.value]);
    }
    for (const list of op.list_states) {
      if ((list.mode === 'even-split' || list.mode === 'broadcast') && list.partitions.length !== op.parallelism) {
        throw new Error(`write_savepoint: list state "${list.name}" of "${op.uid}" has ${list.partitions.length} partitions for parallelism ${op.parallelism}`);
      }
    }
    operators.push({
      uid: op.uid,
      max_parallelism: op.max_parallelism,
      parallelism: op.parallelism,
      keyed: { states, entries: rows },
      list_states: [...op.list_states]
        .sort((a, b) => compare_strings(a.name, b.name))
        .map((l) => ({ name: l.name, mode: l.mode, partitions: l.partitions.map((p) => [...p]) })),
      ...(op.watermarks !== undefined && op.watermarks.length > 0 ? { watermarks: op.watermarks.map((w): KeyGroupWatermark => [w[0], w[1], w[2]]) } : {}),
    });
  }
  const payload: PayloadV2 = {
    format: SAVEPOINT_FORMAT,
    format_version: SAVEPOINT_FORMAT_VERSION,
    job_id: input.job_id,
    checkpoint_id: input.checkpoint_id,
    operators,
    master_states: [...input.master_states].sort((a, b) => compare_strings(a.name, b.name)),
  };
  return seal_json(SEALED_KIND.json, payload, { magic: SAVEPOINT_MAGIC });
}

/** Decodes any supported version; never throws. The bytes are only read. */
export function read_savepoint(bytes: Uint8Array): ReadSavepointResult {
  const opened = unseal_json(bytes, SEALED_KIND.json, { magic: SAVEPOINT_MAGIC });
  if (!opened.ok) {
    const reason = opened.reason;
    const error: SavepointErrorKind = reason.startsWith('truncated')
      ? 'truncated'
      : reason.startsWith('wrong magic')
        ? 'not_a_savepoint'
        : reason.startsWith('unknown format version')
          ? 'unsupported_version'
          : 'corrupt';
    return { ok: false, error, message: `savepoint rejected (${error}): ${reason}` };
  }
  const payload = opened.value as { format?: unknown; format_version?: unknown };
  if (typeof payload !== 'object' || payload === null || payload.format !== SAVEPOINT_FORMAT) {
    return { ok: false, error: 'not_a_savepoint', message: 'savepoint rejected (not_a_savepoint): payload is not a streamsim savepoint' };
  }
  try {
    switch (payload.format_version) {
      case 1:
        return { ok: true, savepoint: upgrade_v1(payload as PayloadV1) };
      case 2:
        return { ok: true, savepoint: read_v2(payload as PayloadV2) };
      default: {
        const version = String(payload.format_version);
        return {
          ok: false,
          error: 'unsupported_version',
          message: `savepoint rejected (unsupported_version): format version ${version}; this build reads 1..${SAVEPOINT_FORMAT_VERSION}`,
        };
      }
    }
  } catch (error) {
    return { ok: false, error: 'malformed', message: `savepoint rejected (malformed): ${(error as Error).message}` };
  }
}

function need(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function check_common(p: { job_id: unknown; checkpoint_id: unknown; operators: unknown }): void {
  need(typeof p.job_id === 'string', 'job_id must be a string');
  need(Number.isSafeInteger(p.checkpoint_id) && (p.checkpoint_id as number) >= 1, 'checkpoint_id must be a positive integer');
  need(Array.isArray(p.operators), 'operators must be a list');
}

function check_operator(uid: unknown, max_parallelism: unknown, seen: Set<string>): void {
  need(typeof uid === 'string', 'operator uid must be a string');
  need(!seen.has(uid as string), `operator uid "${String(uid)}" appears twice`);
  seen.add(uid as string);
  need(Number.isInteger(max_parallelism) && (max_parallelism as number) >= 1, `operator "${String(uid)}": bad max_parallelism`);
}

function check_entry(uid: string, max_parallelism: number, entry: StateEntry): void {
  need(typeof entry.state === 'string' && typeof entry.key === 'string' && typeof entry.namespace === 'string', `operator "${uid}": bad keyed entry`);
  need(Number.isInteger(entry.key_group) && entry.key_group >= 0 && entry.key_group < max_parallelism, `operator "${uid}": key group ${entry.key_group} out of range`);
}

function read_v2(p: PayloadV2): Savepoint {
  check_common(p);
  need(Array.isArray(p.master_states), 'master_states must be a list');
  const seen = new Set<string>();
  const operators = p.operators.map((op): SavepointOperator => {
    check_operator(op.uid, op.max_parallelism, seen);
    need(Number.isInteger(op.parallelism) && op.parallelism >= 1 && op.parallelism <= op.max_parallelism, `operator "${op.uid}": bad parallelism`);
    need(Array.isArray(op.keyed?.states) && Array.isArray(op.keyed?.entries), `operator "${op.uid}": bad keyed state`);
    const keyed = op.keyed.entries.map(([state_index, key_group, key, namespace, value]): StateEntry => {
      const state = op.keyed.states[state_index];
      need(state !== undefined, `operator "${op.uid}": unknown state index ${state_index}`);
      const entry = { state: state as string, key_group, key, namespace, value };
      check_entry(op.uid, op.max_parallelism, entry);
      return entry;
    });
    need(Array.isArray(op.list_states), `operator "${op.uid}": list_states must be a list`);
    const list_states = op.list_states.map((l): SavepointListState => {
      need(typeof l.name === 'string' && (l.mode === 'even-split' || l.mode === 'union' || l.mode === 'broadcast'), `operator "${op.uid}": bad list state`);
      need(Array.isArray(l.partitions) && l.partitions.every(Array.isArray), `operator "${op.uid}": bad list state partitions`);
      return { name: l.name, mode: l.mode, partitions: l.partitions };
    });
    if (op.watermarks !== undefined) {
      need(
        Array.isArray(op.watermarks) &&
          op.watermarks.every((w) => Array.isArray(w) && w.length === 3 && Number.isInteger(w[0]) && Number.isInteger(w[1]) && 0 <= w[0] && w[0] <= w[1] && w[1] < op.max_parallelism && typeof w[2] === 'number'),
        `operator "${op.uid}": bad watermarks (expected [first key group, last key group, watermark ms] within 0..${op.max_parallelism - 1})`,
      );
    }
    return { uid: op.uid, max_parallelism: op.max_parallelism, parallelism: op.parallelism, keyed, list_states, ...(op.watermarks !== undefined ? { watermarks: op.watermarks } : {}) };
  });
  return { read_from_version: 2, job_id: p.job_id, checkpoint_id: p.checkpoint_id, operators, master_states: p.master_states };
}

/** Format 1 → current: tuples become entries, "split" becomes "even-split", master state becomes a named list. */
function upgrade_v1(p: PayloadV1): Savepoint {
  check_common(p);
  need(typeof p.master_state === 'object' && p.master_state !== null, 'master_state must be an object');
  const seen = new Set<string>();
  const operators = p.operators.map((op): SavepointOperator => {
    check_operator(op.uid, op.max_parallelism, seen);
    need(Array.isArray(op.keyed_state) && Array.isArray(op.operator_state), `operator "${op.uid}": bad state`);
    const keyed = op.keyed_state
      .map(([state, key_group, key, namespace, value]): StateEntry => {
        const entry = { state, key_group, key, namespace, value };
        check_entry(op.uid, op.max_parallelism, entry);
        return entry;
      })
      .sort(compare_entries);
    const list_states = op.operator_state.map((l): SavepointListState => {
      need(l.mode === 'split' || l.mode === 'union', `operator "${op.uid}": bad list state mode ${String(l.mode)}`);
      need(Array.isArray(l.entries), `operator "${op.uid}": bad list state entries`);
      return { name: l.name, mode: l.mode === 'split' ? 'even-split' : 'union', partitions: [l.entries] };
    });
    return { uid: op.uid, max_parallelism: op.max_parallelism, parallelism: null, keyed, list_states };
  });
  const master_states = Object.keys(p.master_state)
    .sort(compare_strings)
    .map((name) => ({ name, state: p.master_state[name] }));
  return { read_from_version: 1, job_id: p.job_id, checkpoint_id: p.checkpoint_id, operators, master_states };
}
