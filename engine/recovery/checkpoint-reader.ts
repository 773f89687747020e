// Reading checkpoints back from the checkpoint store: a checkpoint's _metadata and every file it references, verified
// (engine/recovery/checkpoint-selection.ts), for a restore or a savepoint; and the read-back of a checkpoint's files
// before it completes, remembering which files were already read back intact.
import type { CheckpointMetadata } from '../checkpoint/metadata.js';
import type { BlobStore } from '../runtime.js';
import type { FileRef } from '../state/backend.js';
import {
  files_to_verify,
  same_bytes,
  verify_checkpoint,
  verify_metadata_bytes,
  verify_state_file,
  type CheckpointCandidate,
} from './checkpoint-selection.js';

/** Bound on the files remembered as read back intact at completion (forgotten when discarded; cleared beyond it). */
const MAX_READ_BACK_FILES = 100_000;

/** How a restore candidate is verified (a test-only seam replaces it). */
export interface CheckpointVerification {
  verify_metadata_bytes: typeof verify_metadata_bytes;
  verify_checkpoint: typeof verify_checkpoint;
}

export type LoadedCheckpoint = { ok: true; metadata: CheckpointMetadata; files: Map<string, Uint8Array> } | { ok: false; error: string };

export class CheckpointReader {
  /** State files read back intact when a checkpoint completed: path → checksum (files are never rewritten in place). */
  private readonly read_back_files = new Map<string, string>();

  constructor(
    private readonly store: BlobStore,
    private readonly verification: CheckpointVerification | undefined,
  ) {}

  /** A discarded file: a later checkpoint referencing the same path must read it back again. */
  forget(path: string): void {
    this.read_back_files.delete(path);
  }

  /** The verified metadata and files of a checkpoint or native savepoint. */
  load(candidate: CheckpointCandidate, done: (loaded: LoadedCheckpoint) => void): void {
    this.store.get(candidate.metadata_path, (read) => {
      const bytes = read.ok ? read.value : undefined;
      const verification = this.verification ?? { verify_metadata_bytes, verify_checkpoint };
      const step1 = verification.verify_metadata_bytes(candidate, bytes);
      if (!step1.ok) {
        done({ ok: false, error: step1.reason });
        return;
      }
      const files = new Map<string, Uint8Array>();
      const collect = (ref: FileRef, file: Uint8Array): undefined => {
        files.set(ref.path, file);
        return undefined;
      };
      this.readStateFiles(files_to_verify(step1.metadata), collect, (problem) => {
        if (problem !== undefined) {
          done({ ok: false, error: problem });
          return;
        }
        const verified = verification.verify_checkpoint(candidate, bytes, files);
        done(verified.ok ? { ok: true, metadata: verified.metadata, files } : { ok: false, error: verified.reason });
      });
    });
  }

  /**
   * Before a checkpoint (or savepoint) completes, its _metadata is read back and must equal the bytes written, and every
   * file it references that was not read back before must be present and intact. Flink trusts its file system here;
   * this JobManager does not, because a store that acknowledges a write and then loses or tears it would otherwise
   * leave a completed checkpoint — whose transactions the sinks then commit — that no recovery can restore.
   * `done(undefined)` when everything reads back; otherwise the problem.
   */
  read_back(metadata: CheckpointMetadata, written: Uint8Array, path: string, done: (problem: string | undefined) => void): void {
    this.store.get(path, (read) => {
      if (!read.ok) {
        done(`${path}: ${read.error}`);
        return;
      }
      if (!same_bytes(read.value, written)) {
        done(`${path} differs from the bytes written (${read.value.length} of ${written.length} bytes)`);
        return;
      }
      const unread = files_to_verify(metadata).filter((ref) => this.read_back_files.get(ref.path) !== ref.checksum);
      const verify = (ref: FileRef, file: Uint8Array): string | undefined => {
        const problem = verify_state_file(ref, file);
        if (problem !== undefined) return problem;
        if (this.read_back_files.size >= MAX_READ_BACK_FILES) this.read_back_files.clear();
        this.read_back_files.set(ref.path, ref.checksum);
        return undefined;
      };
      this.readStateFiles(unread, verify, done);
    });
  }

  /**
   * Reads `refs` from the checkpoint store, all at once; `check` sees each file as it arrives. `done` gets the first
   * problem (a failed read, or what `check` returned) as soon as there is one, or undefined once every file passed.
   */
  private readStateFiles(refs: readonly FileRef[], check: (ref: FileRef, bytes: Uint8Array) => string | undefined, done: (problem: string | undefined) => void): void {
    let pending = refs.length;
    let failed = false;
    if (pending === 0) {
      done(undefined);
      return;
    }
    for (const ref of refs) {
      this.store.get(ref.path, (file) => {
        if (failed) return;
        const problem = file.ok ? check(ref, file.value) : `state file ${ref.path}: ${file.error}`;
        if (problem !== undefined) {
          failed = true;
          done(problem);
          return;
        }
        if (--pending === 0) done(undefined);
      });
    }
  }
}
