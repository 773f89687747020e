// Liveness beyond the fault model: a job whose only restorable checkpoint was destroyed by an injected fault cannot
// finish (Flink restores the newest completed checkpoint or nothing). Finds that case from the engine's own reason,
// the injected 'storage_missing_object' faults (each names the key it removed) and the checkpoint store at the end.
import type { FaultSummary } from '../scenarios/result-format.js';

/** The injected loss that explains a job stuck restoring: which checkpoint, which object, when it was removed. */
export interface LostRestorePoint {
  checkpoint_id: number;
  key: string;
  removed_ms: number;
}

/** What the check reads of the run (the judge passes the observer's and the store's answers). */
export interface RestorePointFacts {
  /** The engine's reason for the job's last status (RESTARTING or FAILED). */
  engine_reason: string;
  faults: readonly FaultSummary[];
  /** The newest checkpoint the run completed (logged as completed, or durable as an HA pointer). */
  newest_completed_id: number | undefined;
  /** The `_metadata` path the engine logged for a completed checkpoint. */
  metadata_path(checkpoint_id: number): string | undefined;
  /** Whether the checkpoint's metadata (still in the store) references the state file. */
  references(checkpoint_id: number, path: string): boolean;
  /** Whether the store holds the key at the end of the run. */
  stored(key: string): boolean;
}

/** The engine's words for a restore it refuses (engine/cluster/job-manager.ts, engine/recovery/checkpoint-selection.ts). */
const UNREADABLE = /could not read the newest completed checkpoint chk-(\d+) \((?:metadata (\S+) is missing or unreadable|state file (\S+) is missing)\)/;

/** The key a 'storage_missing_object' fault removed (its detail names it), if it removed one. */
function removed_key(fault: FaultSummary): string | undefined {
  if (fault.kind !== 'storage_missing_object' || fault.detail === undefined) return undefined;
  try {
    const key = (JSON.parse(fault.detail) as { removed_key?: unknown }).removed_key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The injected loss behind a refused restore, or undefined. All must hold: the engine refuses a checkpoint naming a
 * missing object; that checkpoint is in fact the newest completed one (an engine restoring an older one is wrong,
 * whatever it says); the object is the checkpoint's own metadata or a state file its metadata references; an injected
 * fault removed exactly that key; and it is still gone at the end (so no healing could help).
 */
export function lost_restore_point(facts: RestorePointFacts): LostRestorePoint | undefined {
  const match = UNREADABLE.exec(facts.engine_reason);
  if (match === null) return undefined;
  const checkpoint_id = Number(match[1]);
  if (checkpoint_id !== facts.newest_completed_id) return undefined;
  const metadata_key = match[2];
  const key = metadata_key ?? match[3];
  if (key === undefined) return undefined;
  const belongs = metadata_key !== undefined ? facts.metadata_path(checkpoint_id) === key : facts.references(checkpoint_id, key);
  if (!belongs || facts.stored(key)) return undefined;
  const fault = facts.faults.find((candidate) => removed_key(candidate) === key);
  return fault === undefined ? undefined : { checkpoint_id, key, removed_ms: fault.time_ms };
}
