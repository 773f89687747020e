// The HA store's wire protocol and a small client helper for the JobManager: message builders, response parsing.
// The record holds the latest completed checkpoint pointer, the checkpoint id counter and leader info of one job.

import type { NodeId } from '../runtime.js';

export interface CheckpointPointer {
  checkpoint_id: number;
  metadata_path: string;
}

export interface HaRecord {
  job_id: string;
  /** Retained completed checkpoints, newest first (the first is the latest pointer). Bounded by MAX_HA_POINTERS. */
  checkpoints: CheckpointPointer[];
  /** The next checkpoint id the coordinator may use. */
  checkpoint_id_counter: number;
  /** The JobManager that leads this job; its fencing token is the record version it was elected with. */
  leader: { node_id: NodeId; fencing_token: number } | null;
  /**
   * Set once the job reached a globally terminal status, before its checkpoints are cleaned up (Flink's JobResultStore):
   * a later leader takes this status over instead of recovering the job from checkpoints that may be gone.
   */
  terminal?: { status: 'FINISHED' | 'FAILED' | 'CANCELED'; reason: string };
}

export const MAX_HA_POINTERS = 64;

export interface HaGetRequest { type: 'ha.get'; request_id: number; job_id: string }
export interface HaPutRequest { type: 'ha.put'; request_id: number; job_id: string; expected_version: number; record: HaRecord }
export type HaRequest = HaGetRequest | HaPutRequest;

export type HaError = 'version_conflict' | 'corrupt' | 'io_error' | 'busy' | 'bad_request';

export type HaResult =
  | { ok: true; version: number; record: HaRecord | null }
  /** On version_conflict, version and record are the current ones (so a retried put can see it already landed). */
  | { ok: false; error: HaError; detail: string; version?: number; record?: HaRecord | null };

export interface HaResponse { type: 'ha.response'; request_id: number; job_id: string; result: HaResult }

export function ha_get_request(request_id: number, job_id: string): HaGetRequest {
  return { type: 'ha.get', request_id, job_id };
}

/** A compare-and-set put: succeeds only if the stored version equals expected_version (0 = absent). */
export function ha_put_request(request_id: number, job_id: string, expected_version: number, record: HaRecord): HaPutRequest {
  return { type: 'ha.put', request_id, job_id, expected_version, record };
}

/** The response if `message` is one, else undefined. */
export function parse_ha_response(message: unknown): HaResponse | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Partial<HaResponse>;
  if (m.type !== 'ha.response' || typeof m.request_id !== 'number' || typeof m.job_id !== 'string') return undefined;
  if (typeof m.result !== 'object' || m.result === null || typeof m.result.ok !== 'boolean') return undefined;
  return m as HaResponse;
}

/** Structural check of a record; returns the problem or undefined. */
export function validate_ha_record(record: unknown, job_id: string): string | undefined {
  if (typeof record !== 'object' || record === null) return 'record is not an object';
  const r = record as HaRecord;
  if (r.job_id !== job_id) return `record is for job ${String(r.job_id)}, not ${job_id}`;
  if (!Number.isSafeInteger(r.checkpoint_id_counter) || r.checkpoint_id_counter < 1) return 'checkpoint_id_counter must be a positive integer';
  if (!Array.isArray(r.checkpoints) || r.checkpoints.length > MAX_HA_POINTERS) return `checkpoints must be a list of at most ${MAX_HA_POINTERS}`;
  let previous = Number.POSITIVE_INFINITY;
  for (const p of r.checkpoints) {
    if (typeof p !== 'object' || p === null || !Number.isSafeInteger(p.checkpoint_id) || typeof p.metadata_path !== 'string') return 'malformed checkpoint pointer';
    if (p.checkpoint_id >= previous) return 'checkpoints must be newest first with distinct ids';
    if (p.checkpoint_id >= r.checkpoint_id_counter) return 'checkpoint_id_counter must exceed every stored checkpoint id';
    previous = p.checkpoint_id;
  }
  if (r.leader !== null && (typeof r.leader !== 'object' || typeof r.leader.node_id !== 'string' || !Number.isSafeInteger(r.leader.fencing_token))) {
    return 'malformed leader';
  }
  if (r.terminal !== undefined) {
    const t = r.terminal as { status?: unknown; reason?: unknown } | null;
    if (t === null || typeof t !== 'object' || !['FINISHED', 'FAILED', 'CANCELED'].includes(String(t.status)) || typeof t.reason !== 'string') {
      return 'malformed terminal status';
    }
  }
  return undefined;
}

/** Request ids and message building for one JobManager incarnation. */
export class HaClient {
  private next_request_id = 1;
  constructor(readonly ha_node: NodeId, private readonly send: (to: NodeId, message: unknown) => void) {}

  get(job_id: string): number {
    const request_id = this.next_request_id++;
    this.send(this.ha_node, ha_get_request(request_id, job_id));
    return request_id;
  }

  put(job_id: string, expected_version: number, record: HaRecord): number {
    const problem = validate_ha_record(record, job_id);
    if (problem !== undefined) throw new Error(`HaClient.put: ${problem}`);
    const request_id = this.next_request_id++;
    this.send(this.ha_node, ha_put_request(request_id, job_id, expected_version, record));
    return request_id;
  }

  /** The response if `message` is one from the HA store, else undefined. */
  parse(from: NodeId, message: unknown): HaResponse | undefined {
    return from === this.ha_node ? parse_ha_response(message) : undefined;
  }
}
