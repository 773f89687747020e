// Planted bug (test-only, through the JobManager's checkpoint_verification seam): recovery trusts the newest
// checkpoint's bytes without their checksum — a payload that still parses as JSON after a bit flip is restored as if
// it were intact. Recovery must refuse a damaged checkpoint; checkpoint_invariants catches the restore.
import type { JobManagerConfig } from '../../engine/cluster/job-manager.js';
import type { CheckpointMetadata } from '../../engine/checkpoint/metadata.js';
import { verify_checkpoint, verify_metadata_bytes, type CheckpointCandidate, type VerifyResult } from '../../engine/recovery/checkpoint-selection.js';
import { SEALED_HEADER_BYTES } from '../../engine/util/sealed.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

const decoder = new TextDecoder();

/** The payload parsed without looking at its checksum (the bug). */
function trusting_parse(bytes: Uint8Array | undefined): CheckpointMetadata | undefined {
  if (bytes === undefined || bytes.length <= SEALED_HEADER_BYTES) return undefined;
  try {
    const value = JSON.parse(decoder.decode(bytes.subarray(SEALED_HEADER_BYTES))) as CheckpointMetadata;
    return typeof value === 'object' && value !== null && Array.isArray(value.operators) ? value : undefined;
  } catch {
    return undefined;
  }
}

function trusting<T extends unknown[]>(real: (candidate: CheckpointCandidate, bytes: Uint8Array | undefined, ...rest: T) => VerifyResult) {
  return (candidate: CheckpointCandidate, bytes: Uint8Array | undefined, ...rest: T): VerifyResult => {
    const verified = real(candidate, bytes, ...rest);
    if (verified.ok) return verified;
    const metadata = trusting_parse(bytes);
    return metadata === undefined ? verified : { ok: true, metadata: { ...metadata, checkpoint_id: candidate.checkpoint_id } };
  };
}

export const unverified_restore_seams: EngineSeams = {
  job_manager: (config: JobManagerConfig): JobManagerConfig => ({
    ...config,
    checkpoint_verification: { verify_metadata_bytes: trusting(verify_metadata_bytes), verify_checkpoint: trusting(verify_checkpoint) },
  }),
};
