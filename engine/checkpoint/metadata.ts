// Checkpoint metadata: what a completed checkpoint or savepoint consists of, its sealed encoding (Flink's magic
// 0x4960672d) and decoder, and the storage layout <job>/chk-<id>/_metadata, <job>/shared/, <job>/taskowned/.

import type { FileRef, KeyedStateHandle } from '../state/backend.js';
import { SEALED_KIND, seal_json, unseal_json } from '../util/sealed.js';

/** Flink's checkpoint metadata magic number. */
export const METADATA_MAGIC = 0x4960672d;
/** Version of the metadata payload written by this build. */
export const METADATA_VERSION = 1;

export type CheckpointKind = 'checkpoint' | 'savepoint';
/**
 * Operator list state redistribution on restore: even-split (getListState), union (every subtask gets all) or
 * broadcast (broadcast state: every subtask holds a full copy; new subtask i gets old subtask i mod p's).
 */
export type ListStateDistribution = 'even-split' | 'union' | 'broadcast';

export interface OperatorListState {
  name: string;
  mode: ListStateDistribution;
  /** JSON entries of the list. */
  entries: unknown[];
}

/** The state one parallel instance of one operator contributed. */
export interface SubtaskState {
  subtask_index: number;
  keyed: KeyedStateHandle[];
  operator_state: OperatorListState[];
  /** In-flight data of unaligned checkpoints, timers or other operator-specific JSON (optional). */
  extra?: Record<string, unknown>;
}

export interface OperatorState {
  /** Operator uid (or vertex id when no uid was set). */
  operator_id: string;
  parallelism: number;
  max_parallelism: number;
  subtasks: SubtaskState[];
}

/** Master state, e.g. a source split enumerator's unassigned splits. */
export interface MasterState {
  name: string;
  state: unknown;
}

export interface CheckpointMetadata {
  version: number;
  job_id: string;
  checkpoint_id: number;
  kind: CheckpointKind;
  timestamp_ms: number;
  operators: OperatorState[];
  master_states: MasterState[];
}

// ---- layout ---------------------------------------------------------------------------------------------------

export function checkpoint_dir(job_id: string, checkpoint_id: number): string {
  assert_positive_id(checkpoint_id);
  return `${job_id}/chk-${checkpoint_id}`;
}
export function metadata_path(job_id: string, checkpoint_id: number): string {
  return `${checkpoint_dir(job_id, checkpoint_id)}/_metadata`;
}
export function savepoint_dir(job_id: string, checkpoint_id: number): string {
  assert_positive_id(checkpoint_id);
  return `${job_id}/savepoint-${checkpoint_id}`;
}
export function savepoint_metadata_path(job_id: string, checkpoint_id: number): string {
  return `${savepoint_dir(job_id, checkpoint_id)}/_metadata`;
}
export function shared_dir(job_id: string): string {
  return `${job_id}/shared`;
}
export function taskowned_dir(job_id: string): string {
  return `${job_id}/taskowned`;
}
/** Where one subtask of one operator writes its private files for a checkpoint. */
export function subtask_state_prefix(job_id: string, checkpoint_id: number, operator_id: string, subtask_index: number): string {
  return `${checkpoint_dir(job_id, checkpoint_id)}/${operator_id}-sub-${subtask_index}`;
}

// ---- encode / decode ------------------------------------------------------------------------------------------

export function encode_metadata(metadata: CheckpointMetadata): Uint8Array {
  const problem = validate_metadata(metadata);
  if (problem !== undefined) throw new Error(`encode_metadata: ${problem}`);
  return seal_json(SEALED_KIND.checkpoint_metadata, metadata, { magic: METADATA_MAGIC });
}

export type DecodeMetadataResult = { ok: true; metadata: CheckpointMetadata } | { ok: false; reason: string };

/** Decode and validate metadata. Corrupt bytes, unknown versions and malformed payloads come back with a reason. */
export function decode_metadata(bytes: Uint8Array): DecodeMetadataResult {
  const opened = unseal_json(bytes, SEALED_KIND.checkpoint_metadata, { magic: METADATA_MAGIC });
  if (!opened.ok) return { ok: false, reason: `checkpoint metadata rejected: ${opened.reason}` };
  const value = opened.value as CheckpointMetadata;
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'checkpoint metadata is not an object' };
  if (value.version !== METADATA_VERSION) {
    return { ok: false, reason: `unknown checkpoint metadata version ${String(value.version)} (this build reads ${METADATA_VERSION})` };
  }
  const problem = validate_metadata(value);
  if (problem !== undefined) return { ok: false, reason: `checkpoint metadata is malformed: ${problem}` };
  return { ok: true, metadata: value };
}

/** Every file a checkpoint references, split into private and shared, each sorted by path and deduplicated. */
export function referenced_files(metadata: CheckpointMetadata): { private_files: FileRef[]; shared_files: FileRef[] } {
  const private_files = new Map<string, FileRef>();
  const shared_files = new Map<string, FileRef>();
  for (const operator of metadata.operators) {
    for (const subtask of operator.subtasks) {
      for (const handle of subtask.keyed) {
        for (const f of handle.private_files) private_files.set(f.path, f);
        for (const f of handle.shared_files) shared_files.set(f.path, f);
      }
    }
  }
  return { private_files: sorted_by_path(private_files), shared_files: sorted_by_path(shared_files) };
}

function sorted_by_path(files: Map<string, FileRef>): FileRef[] {
  return [...files.values()].sort(compare_paths);
}

function compare_paths(a: FileRef, b: FileRef): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** A structural check of metadata; returns the first problem found or undefined. */
export function validate_metadata(m: CheckpointMetadata): string | undefined {
  if (typeof m.job_id !== 'string' || m.job_id.length === 0) return 'job_id must be a non-empty string';
  if (!Number.isSafeInteger(m.checkpoint_id) || m.checkpoint_id < 1) return `checkpoint_id ${String(m.checkpoint_id)} must be a positive integer`;
  if (m.kind !== 'checkpoint' && m.kind !== 'savepoint') return `kind ${String(m.kind)} must be checkpoint or savepoint`;
  if (typeof m.timestamp_ms !== 'number' || !Number.isFinite(m.timestamp_ms)) return 'timestamp_ms must be a number';
  if (!Array.isArray(m.operators)) return 'operators must be a list';
  if (!Array.isArray(m.master_states)) return 'master_states must be a list';
  const operator_ids = new Set<string>();
  for (const op of m.operators) {
    if (typeof op !== 'object' || op === null || typeof op.operator_id !== 'string') return 'operator without an operator_id';
    if (operator_ids.has(op.operator_id)) return `operator ${op.operator_id} appears twice`;
    operator_ids.add(op.operator_id);
    if (!Number.isInteger(op.parallelism) || op.parallelism < 1) return `operator ${op.operator_id}: bad parallelism`;
    if (!Number.isInteger(op.max_parallelism) || op.max_parallelism < op.parallelism) return `operator ${op.operator_id}: bad max_parallelism`;
    if (!Array.isArray(op.subtasks)) return `operator ${op.operator_id}: subtasks must be a list`;
    const indexes = new Set<number>();
    for (const sub of op.subtasks) {
      if (typeof sub !== 'object' || sub === null) return `operator ${op.operator_id}: subtask is not an object`;
      if (!Number.isInteger(sub.subtask_index) || sub.subtask_index < 0 || sub.subtask_index >= op.parallelism) {
        return `operator ${op.operator_id}: subtask index ${String(sub.subtask_index)} outside [0, ${op.parallelism})`;
      }
      if (indexes.has(sub.subtask_index)) return `operator ${op.operator_id}: subtask ${sub.subtask_index} appears twice`;
      indexes.add(sub.subtask_index);
      if (!Array.isArray(sub.keyed) || !Array.isArray(sub.operator_state)) return `operator ${op.operator_id}: subtask state lists missing`;
      for (const handle of sub.keyed) {
        const problem = validate_keyed_handle(handle, op.max_parallelism);
        if (problem !== undefined) return `operator ${op.operator_id} subtask ${sub.subtask_index}: ${problem}`;
      }
      for (const list of sub.operator_state) {
        if (typeof list?.name !== 'string' || (list.mode !== 'even-split' && list.mode !== 'union' && list.mode !== 'broadcast') || !Array.isArray(list.entries)) {
          return `operator ${op.operator_id} subtask ${sub.subtask_index}: malformed operator list state`;
        }
      }
    }
  }
  for (const master of m.master_states) {
    if (typeof master?.name !== 'string') return 'master state without a name';
  }
  return undefined;
}

function validate_keyed_handle(h: KeyedStateHandle, max_parallelism: number): string | undefined {
  if (typeof h !== 'object' || h === null) return 'keyed handle is not an object';
  if (h.backend !== 'heap' && h.backend !== 'lsm') return `unknown backend ${String(h.backend)}`;
  const r = h.key_group_range;
  if (typeof r !== 'object' || r === null || !Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end >= max_parallelism) {
    return 'key group range outside [0, max_parallelism)';
  }
  if (!Array.isArray(h.private_files) || !Array.isArray(h.shared_files)) return 'keyed handle file lists missing';
  for (const f of [...h.private_files, ...h.shared_files]) {
    if (typeof f?.path !== 'string' || !Number.isInteger(f.size_bytes) || f.size_bytes < 0 || typeof f.checksum !== 'string') {
      return 'malformed file reference';
    }
  }
  if (h.inline_sealed_base64 !== undefined && typeof h.inline_sealed_base64 !== 'string') return 'inline state must be base64 text';
  return undefined;
}

function assert_positive_id(checkpoint_id: number): void {
  if (!Number.isSafeInteger(checkpoint_id) || checkpoint_id < 1) throw new Error(`checkpoint id ${checkpoint_id} must be a positive integer`);
}
