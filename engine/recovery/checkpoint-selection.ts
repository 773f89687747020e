// Choosing the checkpoint to restore: the newest retained one whose metadata and every referenced file verify
// (checksums, sizes, sealed format). Skipped candidates come back with reasons; an unverified one is never returned.

import type { FileRef, KeyedStateHandle } from '../state/backend.js';
import { type CheckpointMetadata, decode_metadata, referenced_files } from '../checkpoint/metadata.js';
import { base64_to_bytes, sealed_checksum_hex, unseal } from '../util/sealed.js';

export interface CheckpointCandidate {
  checkpoint_id: number;
  metadata_path: string;
}

export type VerifyResult = { ok: true; metadata: CheckpointMetadata } | { ok: false; reason: string };

export interface SkippedCheckpoint {
  checkpoint_id: number;
  reason: string;
}

export type SelectionResult =
  | { ok: true; checkpoint: CheckpointCandidate; metadata: CheckpointMetadata; skipped: SkippedCheckpoint[] }
  | { ok: false; reason: string; skipped: SkippedCheckpoint[] };

/**
 * Walk the candidates newest first and return the first that verifies. `verify` is called in order and may be
 * backed by pre-read bytes (see verify_checkpoint).
 *
 * Caution for callers: a read can return flipped bits in transit, so re-read a file that fails before skipping its
 * checkpoint. Falling back past a checkpoint whose completion was already notified re-runs input whose 2PC output
 * was committed; the skipped list says which ids were passed over so the caller can log and probe it.
 */
export function select_checkpoint(candidates_newest_first: readonly CheckpointCandidate[], verify: (candidate: CheckpointCandidate) => VerifyResult): SelectionResult {
  for (let i = 1; i < candidates_newest_first.length; i++) {
    if ((candidates_newest_first[i] as CheckpointCandidate).checkpoint_id >= (candidates_newest_first[i - 1] as CheckpointCandidate).checkpoint_id) {
      throw new Error('select_checkpoint: candidates must be ordered newest first with distinct ids');
    }
  }
  const skipped: SkippedCheckpoint[] = [];
  for (const candidate of candidates_newest_first) {
    const result = verify(candidate);
    if (result.ok) {
      if (result.metadata.checkpoint_id !== candidate.checkpoint_id) {
        skipped.push({ checkpoint_id: candidate.checkpoint_id, reason: `metadata belongs to checkpoint ${result.metadata.checkpoint_id}` });
        continue;
      }
      return { ok: true, checkpoint: candidate, metadata: result.metadata, skipped };
    }
    skipped.push({ checkpoint_id: candidate.checkpoint_id, reason: result.reason });
  }
  const detail = skipped.map((s) => `chk-${s.checkpoint_id}: ${s.reason}`).join('; ');
  return {
    ok: false,
    reason: candidates_newest_first.length === 0
      ? 'no retained checkpoint to restore from'
      : `no retained checkpoint verifies (${detail})`,
    skipped,
  };
}

/** Step 1: the metadata bytes of a candidate (undefined = could not be read). */
export function verify_metadata_bytes(candidate: CheckpointCandidate, bytes: Uint8Array | undefined): VerifyResult {
  if (bytes === undefined) return { ok: false, reason: `metadata ${candidate.metadata_path} is missing or unreadable` };
  const decoded = decode_metadata(bytes);
  if (!decoded.ok) return decoded;
  if (decoded.metadata.checkpoint_id !== candidate.checkpoint_id) {
    return { ok: false, reason: `metadata ${candidate.metadata_path} belongs to checkpoint ${decoded.metadata.checkpoint_id}` };
  }
  return decoded;
}

/** The files to read before step 2, sorted. */
export function files_to_verify(metadata: CheckpointMetadata): FileRef[] {
  const { private_files, shared_files } = referenced_files(metadata);
  return [...private_files, ...shared_files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Step 2: every referenced file is present, of the recorded size, intact, and carries the recorded checksum. */
export function verify_state_files(metadata: CheckpointMetadata, files: ReadonlyMap<string, Uint8Array>): VerifyResult {
  for (const ref of files_to_verify(metadata)) {
    const bytes = files.get(ref.path);
    if (bytes === undefined) return { ok: false, reason: `state file ${ref.path} is missing` };
    if (bytes.length !== ref.size_bytes) return { ok: false, reason: `state file ${ref.path} has ${bytes.length} bytes, expected ${ref.size_bytes}` };
    const opened = unseal(bytes);
    if (!opened.ok) return { ok: false, reason: `state file ${ref.path} is corrupt: ${opened.reason}` };
    if (sealed_checksum_hex(bytes) !== ref.checksum) return { ok: false, reason: `state file ${ref.path} checksum differs from the metadata` };
  }
  for (const operator of metadata.operators) {
    for (const subtask of operator.subtasks) {
      for (const handle of subtask.keyed) {
        const problem = verify_inline(handle);
        if (problem !== undefined) return { ok: false, reason: `operator ${operator.operator_id} subtask ${subtask.subtask_index}: ${problem}` };
      }
    }
  }
  return { ok: true, metadata };
}

/** Both steps over pre-read bytes. */
export function verify_checkpoint(candidate: CheckpointCandidate, metadata_bytes: Uint8Array | undefined, files: ReadonlyMap<string, Uint8Array>): VerifyResult {
  const step1 = verify_metadata_bytes(candidate, metadata_bytes);
  return step1.ok ? verify_state_files(step1.metadata, files) : step1;
}

function verify_inline(handle: KeyedStateHandle): string | undefined {
  if (handle.inline_sealed_base64 === undefined) return undefined;
  const opened = unseal(base64_to_bytes(handle.inline_sealed_base64));
  return opened.ok ? undefined : `inline keyed state is corrupt: ${opened.reason}`;
}
