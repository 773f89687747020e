// Exactly-once state at a recovery: the keyed state stored in the restored checkpoint N must equal the oracle's state
// after reading exactly N's source offsets, with event-time timers fired up to the watermark each key group's subtask
// had when it snapshotted (recorded in N). Reads N's metadata and state files as captured from the checkpoint store
// when the engine logged 'recovery.restored', rebuilds the keyed state with the engine's own backends, and compares.
import type { JobFactory } from '../engine/api/environment.js';
import { decode_metadata, type CheckpointMetadata, type DecodeMetadataResult } from '../engine/checkpoint/metadata.js';
import { splitId, type PartitionOffset } from '../engine/connectors/log-source.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import { SPLITS_STATE } from '../engine/connectors/split-source/index.js';
import { split_id_for, type LogSplit, type LogSplitState } from '../engine/connectors/split-source/split.js';
import type { KeyedStateBackend, KeyedStateHandle, StateEntry } from '../engine/state/backend.js';
import { HeapKeyedStateBackend } from '../engine/state/heap-backend.js';
import { LsmKeyedStateBackend } from '../engine/state/lsm/lsm-backend.js';
import { compareEntries } from '../engine/state/memory-backend.js';
import { computeOperatorIndexForKeyGroup } from '../engine/state/key-groups.js';
import { files_to_verify } from '../engine/recovery/checkpoint-selection.js';
import { same_bytes } from '../scenarios/run/metadata-cache.js';
import { diff_state, type StateDifference } from './compare.js';
import { evaluateOracle, type OracleOptions } from './oracle.js';
import { check_state_between_clocks } from './processing-time.js';

/** What the runner captures from the store at the moment of a restore. */
export interface RestoreCapture {
  time_ms: number;
  checkpoint_id: number;
  metadata: Uint8Array | undefined;
  /** The metadata as decoded when captured (absent: decoded again when judged). */
  decoded?: DecodeMetadataResult;
  files: Map<string, Uint8Array>;
}

/**
 * Reads the metadata and every file it references (synchronously, e.g. through SimStore.peek). `decode` reads the
 * metadata bytes (default decode_metadata; the runner passes its cache of retained checkpoints' metadata).
 */
export function capture_checkpoint(
  time_ms: number,
  checkpoint_id: number,
  metadata_path: string,
  peek: (key: string) => Uint8Array | undefined,
  decode: (bytes: Uint8Array) => DecodeMetadataResult = decode_metadata,
): RestoreCapture {
  const metadata = peek(metadata_path);
  const files = new Map<string, Uint8Array>();
  if (metadata === undefined) return { time_ms, checkpoint_id, metadata, files };
  const decoded = decode(metadata);
  if (decoded.ok) {
    for (const file of files_to_verify(decoded.metadata)) {
      const bytes = peek(file.path);
      if (bytes !== undefined) files.set(file.path, bytes);
    }
  }
  return { time_ms, checkpoint_id, metadata, decoded, files };
}

/**
 * Source offsets (split id → next offset) stored in a checkpoint: the log source's "offsets" list state, or the split
 * source's reader state ("splits": each assigned split with its offset) and enumerator master state (splits not yet
 * assigned, at their start offset). A split the enumerator knows that no reader holds was read to its end (finished
 * splits leave the reader's state); a partition of the input it does not know yet was not read at all (offset 0).
 */
export function checkpoint_offsets(metadata: CheckpointMetadata, input?: RestoredJob['input']): Map<string, number> {
  const offsets = new Map<string, number>();
  const known_splits = new Set<string>();
  let split_source = false;
  for (const master of metadata.master_states) {
    if (!master.name.startsWith('split-enumerator/')) continue;
    split_source = true;
    const state = master.state as { known_split_ids?: string[]; unassigned?: LogSplit[] };
    for (const id of state.known_split_ids ?? []) known_splits.add(id);
    for (const split of state.unassigned ?? []) offsets.set(splitId(split.topic, split.partition), split.start_offset);
  }
  for (const operator of metadata.operators) {
    for (const subtask of operator.subtasks) {
      for (const state of subtask.operator_state) {
        if (state.name === 'offsets') {
          for (const entry of state.entries as PartitionOffset[]) offsets.set(splitId(entry.topic, entry.partition), entry.offset);
        } else if (state.name === SPLITS_STATE) {
          for (const entry of state.entries as LogSplitState[]) offsets.set(splitId(entry.split.topic, entry.split.partition), entry.offset);
        }
      }
    }
  }
  if (split_source) {
    for (const [topic, partitions] of input ?? []) {
      for (let p = 0; p < partitions.length; p++) if (!known_splits.has(split_id_for(topic, p))) offsets.set(splitId(topic, p), 0);
    }
  }
  return offsets;
}

/** The keyed state a checkpoint holds, per operator uid, rebuilt with the engine's backends. */
export function checkpoint_keyed_state(metadata: CheckpointMetadata, files: ReadonlyMap<string, Uint8Array>): Map<string, StateEntry[]> {
  const out = new Map<string, StateEntry[]>();
  for (const operator of metadata.operators) {
    const handles: KeyedStateHandle[] = operator.subtasks.flatMap((subtask) => subtask.keyed);
    if (handles.length === 0) continue;
    const range = { start: 0, end: operator.max_parallelism - 1 };
    const backend: KeyedStateBackend =
      handles[0]!.backend === 'lsm'
        ? new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: operator.max_parallelism })
        : new HeapKeyedStateBackend({ key_group_range: range, max_parallelism: operator.max_parallelism });
    backend.restore(handles, files);
    out.set(operator.operator_id, [...backend.export_entries()].sort(compareEntries));
  }
  return out;
}

export type RestoreVerdict =
  /**
   * `uncompared_keys`: keys left out because their timers and records may interleave either way (see the oracle);
   * `uncompared_states`: states of a key whose value depends on processing time (properties/processing-time.ts).
   */
  | { status: 'ok'; checkpoint_id: number; uncompared_keys: number; uncompared_states: number }
  | { status: 'unreadable'; checkpoint_id: number; reason: string }
  | { status: 'differs'; checkpoint_id: number; offsets: Record<string, number>; differences: StateDifference[] };

/**
 * Per keyed operator: the watermark of the subtask owning each key group when the checkpoint was taken (the
 * `watermark_ms` its keyed operators record), or the key group's own where the subtask records a higher one (restored
 * key groups whose timers had fired up to it before the restore). An operator whose subtasks did not all record one
 * is left out.
 */
export function checkpoint_watermarks(metadata: CheckpointMetadata): Map<string, (key_group: number) => number> {
  const out = new Map<string, (key_group: number) => number>();
  for (const operator of metadata.operators) {
    const by_subtask = new Map<number, { watermark_ms: number; key_groups: [number, number, number][] }>();
    for (const subtask of operator.subtasks) {
      const watermark = subtask.extra?.['watermark_ms'];
      const key_groups = (subtask.extra?.['key_group_watermarks'] as [number, number, number][] | undefined) ?? [];
      if (typeof watermark === 'number') by_subtask.set(subtask.subtask_index, { watermark_ms: watermark, key_groups });
    }
    if (by_subtask.size === 0 || by_subtask.size !== operator.parallelism) continue;
    out.set(operator.operator_id, (key_group) => {
      const owner = by_subtask.get(computeOperatorIndexForKeyGroup(operator.max_parallelism, operator.parallelism, key_group))!;
      let watermark_ms = owner.watermark_ms;
      for (const [first, last, ms] of owner.key_groups) if (first <= key_group && key_group <= last && ms > watermark_ms) watermark_ms = ms;
      return watermark_ms;
    });
  }
  return out;
}

function without_keys(state: ReadonlyMap<string, StateEntry[]>, keys: ReadonlyMap<string, ReadonlySet<string>>): Map<string, StateEntry[]> {
  return new Map([...state].map(([uid, entries]) => {
    const leave_out = keys.get(uid);
    return [uid, leave_out === undefined ? entries : entries.filter((entry) => !leave_out.has(entry.key))] as const;
  }));
}

export interface RestoredJob {
  build: JobFactory;
  params: Record<string, unknown>;
  input: ReadonlyMap<string, readonly (readonly LogRecord[])[]>;
  max_parallelism?: number;
}

/** Compares one restored checkpoint's keyed state with the oracle's at that checkpoint's source offsets. */
export function check_restored_state(capture: RestoreCapture, job: RestoredJob): RestoreVerdict {
  if (capture.metadata === undefined) return { status: 'unreadable', checkpoint_id: capture.checkpoint_id, reason: 'metadata missing from the store' };
  const decoded = capture.decoded ?? decode_metadata(capture.metadata);
  if (!decoded.ok) return { status: 'unreadable', checkpoint_id: capture.checkpoint_id, reason: decoded.reason };
  let actual: Map<string, StateEntry[]>;
  try {
    actual = checkpoint_keyed_state(decoded.metadata, capture.files);
  } catch (error) {
    return { status: 'unreadable', checkpoint_id: capture.checkpoint_id, reason: (error as Error).message };
  }
  const offsets = checkpoint_offsets(decoded.metadata, job.input);
  const watermarks = checkpoint_watermarks(decoded.metadata);
  const timed = [...actual.keys()].filter((uid) => !watermarks.has(uid) && actual.get(uid)!.some((entry) => entry.state.startsWith('_timers/')));
  if (timed.length > 0) {
    return { status: 'unreadable', checkpoint_id: capture.checkpoint_id, reason: `it records no watermark for ${timed.join(', ')}, whose timers depend on it` };
  }
  let oracle: ReturnType<typeof evaluateOracle>;
  /** The oracle under the eternal processing-time model, for a job whose functions read processing time. */
  let eternal: ReturnType<typeof evaluateOracle> | undefined;
  try {
    const options: OracleOptions = {
      offsets,
      state_only: true,
      watermarks,
      ...(job.max_parallelism !== undefined ? { max_parallelism: job.max_parallelism } : {}),
    };
    oracle = evaluateOracle(job.build, job.params, job.input, options);
    if (oracle.processing_time_operators !== undefined) eternal = evaluateOracle(job.build, job.params, job.input, { ...options, processing_time: 'eternal' });
  } catch (error) {
    return { status: 'unreadable', checkpoint_id: capture.checkpoint_id, reason: `the oracle could not evaluate the job at its offsets: ${(error as Error).message}` };
  }
  let uncompared_keys = 0;
  for (const keys of oracle.ambiguous_keys.values()) uncompared_keys += keys.size;
  const expected = uncompared_keys === 0 ? oracle.state : without_keys(oracle.state, oracle.ambiguous_keys);
  const restored = uncompared_keys === 0 ? actual : without_keys(actual, oracle.ambiguous_keys);
  const clock_free = eternal === undefined ? undefined : check_state_between_clocks(expected, without_keys(eternal.state, oracle.ambiguous_keys), restored);
  const differences = clock_free?.differences ?? diff_state(expected, restored);
  if (differences.length === 0) return { status: 'ok', checkpoint_id: capture.checkpoint_id, uncompared_keys, uncompared_states: clock_free?.uncompared_states ?? 0 };
  return { status: 'differs', checkpoint_id: capture.checkpoint_id, offsets: Object.fromEntries(offsets), differences };
}

/**
 * check_restored_state for every restore of one run. The verdict depends only on the captured bytes, so a capture
 * identical to an earlier one (the same checkpoint restored again, unchanged) gets the earlier verdict.
 */
export class RestoreChecker {
  private readonly judged: { capture: RestoreCapture; verdict: RestoreVerdict }[] = [];

  constructor(private readonly job: RestoredJob) {}

  check(capture: RestoreCapture): RestoreVerdict {
    const earlier = this.judged.find((judged) => same_capture(judged.capture, capture));
    if (earlier !== undefined) return earlier.verdict;
    const verdict = check_restored_state(capture, this.job);
    this.judged.push({ capture, verdict });
    return verdict;
  }
}

function same_capture(a: RestoreCapture, b: RestoreCapture): boolean {
  if (a.checkpoint_id !== b.checkpoint_id || !same_optional_bytes(a.metadata, b.metadata) || a.files.size !== b.files.size) return false;
  for (const [path, bytes] of a.files) if (!same_optional_bytes(bytes, b.files.get(path))) return false;
  return true;
}

function same_optional_bytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined || b === undefined ? a === b : same_bytes(a, b);
}
