// Verifying the checkpoint a recovery restores (always the newest completed one): its metadata and every referenced
// file (checksums, sizes, sealed format). A checkpoint that fails comes back with the reason, never restored.

import { Buffer } from 'node:buffer';
import type { FileRef, KeyedStateHandle } from '../state/backend.js';
import { type CheckpointMetadata, decode_metadata, referenced_files } from '../checkpoint/metadata.js';
import { base64_to_bytes, sealed_checksum_hex, unseal } from '../util/sealed.js';

export interface CheckpointCandidate {
  checkpoint_id: number;
  metadata_path: string;
}

export type VerifyResult = { ok: true; metadata: CheckpointMetadata } | { ok: false; reason: string };

/** A checkpoint that failed verification, and why. */
export interface SkippedCheckpoint {
  checkpoint_id: number;
  reason: string;
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

/** One referenced file's bytes: of the recorded size, intact, with the recorded checksum (undefined), or the problem. */
export function verify_state_file(ref: FileRef, bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return `state file ${ref.path} is missing`;
  if (bytes.length !== ref.size_bytes) return `state file ${ref.path} has ${bytes.length} bytes, expected ${ref.size_bytes}`;
  const opened = unseal(bytes);
  if (!opened.ok) return `state file ${ref.path} is corrupt: ${opened.reason}`;
  if (sealed_checksum_hex(bytes) !== ref.checksum) return `state file ${ref.path} checksum differs from the metadata`;
  return undefined;
}

/** Whether two byte arrays hold the same bytes (node's native comparison). */
export function same_bytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Step 2: every referenced file is present, of the recorded size, intact, and carries the recorded checksum. */
export function verify_state_files(metadata: CheckpointMetadata, files: ReadonlyMap<string, Uint8Array>): VerifyResult {
  for (const ref of files_to_verify(metadata)) {
    const problem = verify_state_file(ref, files.get(ref.path));
    if (problem !== undefined) return { ok: false, reason: problem };
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
