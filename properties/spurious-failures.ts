// The no-spurious-failures property: a job nobody disturbed runs undisturbed. Before the first fault the world injects
// (or a savepoint the scenario asks for), there is no failover, no restart, no failed job and no aborted checkpoint —
// except a checkpoint subsumed by a newer one, which Flink does not count as a failure. After a fault, such events
// may be its consequences, and the other properties judge them.
import type { CheckpointSummary, FaultSummary, JobStatus } from '../scenarios/result-format.js';

export interface SpuriousFinding {
  message: string;
  time_ms: number;
  detail: Record<string, unknown>;
}

/** Abort reasons that are not failures in Flink (CheckpointFailureReason values it does not count). */
const NOT_FAILURES = new Set(['CHECKPOINT_SUBSUMED', 'CHECKPOINT_DECLINED_SUBSUMED', 'CHECKPOINT_COORDINATOR_SHUTDOWN', 'CHECKPOINT_COORDINATOR_SUSPEND']);

export interface SpuriousFacts {
  faults: readonly FaultSummary[];
  /** When the scenario's own operator actions happened (savepoints requested). */
  actions_ms: readonly number[];
  status_history: readonly { time_ms: number; status: JobStatus; reason: string }[];
  checkpoints: readonly CheckpointSummary[];
  /**
   * Why timeouts may expire with no fault at all (the scenario says so: e.g. a network whose latency tail exceeds the
   * heartbeat or checkpoint timeout), or undefined.
   */
  timeouts_explained_by?: string;
  /** The checkpoint timeout: a shorter one than EXPIRY_NEEDS_FAULT_MS may expire under backpressure alone. */
  checkpoint_timeout_ms: number;
}

/**
 * A checkpoint timeout at least this long does not expire in a healthy run of these workloads: a checkpoint waits for
 * the records ahead of its barrier to drain through the slowest operator, which under a backpressuring sink takes up
 * to about two seconds here. A shorter timeout may expire with no fault: then the scenario says why.
 */
export const EXPIRY_NEEDS_FAULT_MS = 6000;

/** Findings before the first disturbance (a fault or an operator action); `first_disturbance_ms` for the report. */
export function judge_spurious_failures(facts: SpuriousFacts): { checks: number; findings: SpuriousFinding[]; first_disturbance_ms: number } {
  const tight = facts.checkpoint_timeout_ms < EXPIRY_NEEDS_FAULT_MS;
  // A tight timeout that expires is the scenario's own doing: from then on, what follows is its consequence.
  const expiries_ms = tight ? facts.checkpoints.filter((c) => c.status === 'aborted' && c.abort_reason === 'CHECKPOINT_EXPIRED' && c.end_ms !== undefined).map((c) => c.end_ms as number) : [];
  const first_disturbance_ms = Math.min(Number.POSITIVE_INFINITY, ...facts.faults.map((f) => f.time_ms), ...facts.actions_ms, ...expiries_ms);
  if (facts.timeouts_explained_by !== undefined) return { checks: 0, findings: [], first_disturbance_ms };
  const findings: SpuriousFinding[] = [];
  let checks = 0;
  const before = (time_ms: number): boolean => time_ms < first_disturbance_ms;
  const expired_first = expiries_ms.length > 0 && Math.min(...expiries_ms) === first_disturbance_ms;
  const since = !Number.isFinite(first_disturbance_ms) ? 'in a run without faults' : expired_first ? `before the first checkpoint expiry (${first_disturbance_ms} ms)` : `before the first fault (${first_disturbance_ms} ms)`;
  for (const change of facts.status_history) {
    if (!before(change.time_ms)) break;
    checks++;
    if (tight && change.reason.includes('CHECKPOINT_EXPIRED')) continue;
    // The restart that follows a failure (judged at its FAILING) is not another one.
    if (change.status === 'RESTARTING' && /^restart in |restore again in /.test(change.reason)) continue;
    if (change.status === 'FAILING' || change.status === 'RESTARTING' || change.status === 'FAILED') {
      findings.push({ message: `the job went ${change.status} at ${change.time_ms} ms ${since}: ${change.reason.slice(0, 200)}`, time_ms: change.time_ms, detail: { status: change.status, reason: change.reason } });
      break;
    }
  }
  for (const checkpoint of facts.checkpoints) {
    if (checkpoint.status !== 'aborted' || checkpoint.end_ms === undefined || !before(checkpoint.end_ms)) continue;
    checks++;
    const reason = checkpoint.abort_reason ?? 'unknown';
    if (NOT_FAILURES.has(reason) || (tight && reason === 'CHECKPOINT_EXPIRED')) continue;
    findings.push({
      message: `${checkpoint.kind} ${checkpoint.checkpoint_id} was aborted at ${checkpoint.end_ms} ms ${since}: ${reason.slice(0, 200)}`,
      time_ms: checkpoint.end_ms,
      detail: { checkpoint_id: checkpoint.checkpoint_id, reason },
    });
    break;
  }
  return { checks, findings, first_disturbance_ms };
}
