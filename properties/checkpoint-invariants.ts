// Checkpoint invariants over what the engine logged and what the checkpoint store holds: ids increase, a restore
// only ever uses a completed checkpoint the runner did not damage and never one older than the newest completed, and
// every file a retained checkpoint references is still in the store (no shared file deleted while in use). Pure.
import { decode_metadata, type DecodeMetadataResult } from '../engine/checkpoint/metadata.js';
import { files_to_verify } from '../engine/recovery/checkpoint-selection.js';
import { format_ms } from '../scenarios/units.js';

export interface CheckpointFacts {
  /**
   * Checkpoint ids in the order they were triggered (one entry per 'checkpoint.triggered'), one sequence per
   * JobManager: a new leader continues above its predecessor, while a deposed leader that has not yet learned it was
   * replaced may still trigger its own next id (it is fenced when it tries to complete it).
   */
  triggered_ids: readonly number[] | readonly (readonly number[])[];
  /** Ids of completed checkpoints (not savepoints), in completion order. */
  completed_ids: readonly number[];
  /**
   * Metadata keys of the completed checkpoints in checkpoint id order: the last num_retained are the retained ones
   * (a deposed leader may log an older, already subsumed completion after its successor's newer ones).
   */
  completed_metadata_paths: readonly string[];
  /** The metadata key of each completed checkpoint by id (default: completed_ids and completed_metadata_paths paired). */
  metadata_path_by_id?: ReadonlyMap<number, string>;
  /** Ids of checkpoints logged as aborted. */
  aborted_ids: readonly number[];
  /** Checkpoint id each recovery restored (null: started empty). */
  restored_ids: readonly (number | null)[];
  /** For each restore (same order), the newest checkpoint completed before it (null: none); omitted: not checked. */
  newest_completed_at_restore?: readonly (number | null)[];
  /** When each restore happened and when each completed checkpoint was triggered and completed; omitted: not checked. */
  timeline?: {
    restore_times_ms: readonly number[];
    completed: readonly { checkpoint_id: number; trigger_ms: number; completed_ms: number; node?: string }[];
    /** The JobManager of each restore (same order as restore_times_ms): only its own restores overtake its checkpoints. */
    restore_nodes?: readonly (string | undefined)[];
  };
  /** Key prefixes the world damaged on purpose (corrupt_checkpoint faults) before (and while) the restores listed. */
  damaged_prefixes: readonly string[];
  num_retained: number;
  /** Synchronous read of the checkpoint store (undefined: absent). */
  peek(key: string): Uint8Array | undefined;
  /** Whether the checkpoint store holds the key (files are only looked for, never read, so nothing is copied). */
  has(key: string): boolean;
  /** The stored size of the key, if present (then a file of another size than its reference is damaged). */
  size_of?(key: string): number | undefined;
  /** Whether storage faults could have removed or damaged objects (then the file check is not meaningful). */
  storage_faults_injected: boolean;
  /** Decodes the metadata read from `path` (default: decode_metadata of the bytes). */
  decode?(path: string, bytes: Uint8Array): DecodeMetadataResult;
}

export interface InvariantFinding {
  message: string;
  detail: Record<string, unknown>;
}

export function check_checkpoint_invariants(facts: CheckpointFacts): { checks: number; findings: InvariantFinding[] } {
  const findings: InvariantFinding[] = [];
  let checks = 0;
  const sequences: readonly (readonly number[])[] = facts.triggered_ids.length > 0 && Array.isArray(facts.triggered_ids[0]) ? (facts.triggered_ids as readonly (readonly number[])[]) : [facts.triggered_ids as readonly number[]];
  for (const sequence of sequences) {
    for (let i = 1; i < sequence.length; i++) {
      checks++;
      const previous = sequence[i - 1] as number;
      const current = sequence[i] as number;
      if (!(current > previous)) {
        findings.push({ message: `checkpoint id ${current} triggered after ${previous}: ids must increase`, detail: { previous, current } });
        break;
      }
    }
  }
  const completed = new Set(facts.completed_ids);
  for (const id of facts.aborted_ids) {
    checks++;
    if (completed.has(id)) findings.push({ message: `checkpoint ${id} was both completed and aborted`, detail: { checkpoint_id: id } });
  }
  const path_by_id = new Map<number, string>(facts.metadata_path_by_id ?? []);
  if (facts.metadata_path_by_id === undefined) {
    facts.completed_ids.forEach((id, index) => {
      const path = facts.completed_metadata_paths[index];
      if (path !== undefined) path_by_id.set(id, path);
    });
  }
  facts.restored_ids.forEach((restored, index) => {
    const newest = facts.newest_completed_at_restore?.[index];
    if (newest === undefined || newest === null) return;
    checks++;
    // Its completion was notified: sinks may have committed on it, so anything older replays committed output.
    if (restored === null) {
      findings.push({
        message: `recovery started from the beginning of the input although checkpoint ${newest} had completed (committed output is replayed)`,
        detail: { restored_checkpoint_id: null, newest_completed_id: newest },
      });
    } else if (restored < newest) {
      findings.push({
        message: `recovery restored checkpoint ${restored} although the newer checkpoint ${newest} had completed (falling back past it replays committed output)`,
        detail: { restored_checkpoint_id: restored, newest_completed_id: newest },
      });
    }
  });
  // A checkpoint triggered before a recovery restored must not complete after it: its completion would reach the new
  // attempt (or a later restore) although the new attempt's sinks already aborted its transactions as lingering.
  for (const checkpoint of facts.timeline?.completed ?? []) {
    checks++;
    const nodes = facts.timeline?.restore_nodes;
    const overtaken = facts.timeline?.restore_times_ms.find(
      (t, i) => checkpoint.trigger_ms < t && t < checkpoint.completed_ms && (checkpoint.node === undefined || nodes?.[i] === undefined || nodes[i] === checkpoint.node),
    );
    if (overtaken !== undefined) {
      findings.push({
        message: `checkpoint ${checkpoint.checkpoint_id}, triggered at ${format_ms(checkpoint.trigger_ms)}, completed at ${format_ms(checkpoint.completed_ms)} after a recovery restored at ${format_ms(overtaken)}`,
        detail: { ...checkpoint, restore_ms: overtaken },
      });
      break;
    }
  }
  for (const restored of facts.restored_ids) {
    if (restored === null) continue;
    checks++;
    if (!completed.has(restored)) {
      findings.push({ message: `recovery restored checkpoint ${restored}, which never completed`, detail: { checkpoint_id: restored } });
      continue;
    }
    const path = path_by_id.get(restored);
    if (path !== undefined && facts.damaged_prefixes.some((prefix) => prefix !== '' && path.startsWith(prefix))) {
      findings.push({
        message: `recovery restored checkpoint ${restored} although its metadata ${path} was damaged (it must be skipped)`,
        detail: { checkpoint_id: restored, metadata_path: path },
      });
    }
  }
  if (!facts.storage_faults_injected) {
    const retained = facts.completed_metadata_paths.slice(-facts.num_retained);
    for (const path of retained) {
      if (facts.damaged_prefixes.some((prefix) => prefix !== '' && path.startsWith(prefix))) continue;
      checks++;
      const bytes = facts.peek(path);
      if (bytes === undefined) {
        findings.push({ message: `retained checkpoint metadata ${path} is missing from the checkpoint store`, detail: { metadata_path: path } });
        continue;
      }
      const decoded = facts.decode === undefined ? decode_metadata(bytes) : facts.decode(path, bytes);
      if (!decoded.ok) {
        findings.push({ message: `retained checkpoint metadata ${path} does not decode: ${decoded.reason}`, detail: { metadata_path: path } });
        continue;
      }
      for (const file of files_to_verify(decoded.metadata)) {
        checks++;
        if (!facts.has(file.path)) {
          findings.push({
            message: `file ${file.path} of retained checkpoint ${decoded.metadata.checkpoint_id} was deleted while still referenced`,
            detail: { checkpoint_id: decoded.metadata.checkpoint_id, path: file.path },
          });
          break;
        }
        const size_bytes = facts.size_of?.(file.path);
        if (size_bytes !== undefined && size_bytes !== file.size_bytes) {
          // A crash tore a write the checkpoint relied on: it completed before the file was durable.
          findings.push({
            message: `file ${file.path} of retained checkpoint ${decoded.metadata.checkpoint_id} holds ${size_bytes} of its ${file.size_bytes} bytes`,
            detail: { checkpoint_id: decoded.metadata.checkpoint_id, path: file.path, size_bytes, expected_size_bytes: file.size_bytes },
          });
          break;
        }
      }
    }
  }
  return { checks, findings };
}
