// The result of one scenario run at one seed: what the runner returns and what reports/ and the CLI read.
// Plain JSON data; reports/run-result.schema.json documents it. This file imports nothing.

export const RUN_RESULT_FORMAT = 'streamsim-run-result';
export const RUN_RESULT_FORMAT_VERSION = 1;

export type PropertyName =
  | 'exactly_once_state'
  | 'exactly_once_output'
  | 'at_least_once_output'
  | 'at_most_once_output'
  | 'checkpoint_invariants'
  | 'liveness'
  | 'determinism'
  | 'engine_invariants'
  | 'restart_strategy'
  | 'failure_detector'
  | 'no_spurious_failures';

export type PropertyStatus = 'pass' | 'fail' | 'skipped';
export type SinkKind = 'two_phase_commit' | 'idempotent' | 'at_least_once' | 'collect';
export type CheckpointingMode = 'aligned' | 'unaligned' | 'at_least_once' | 'none';
export type JobStatus = 'CREATED' | 'RUNNING' | 'FAILING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELED';

export interface PropertyResult {
  property: PropertyName;
  status: PropertyStatus;
  /** How many times it was checked (each recovery and the end). */
  checks: number;
  message?: string;
}

export interface Violation {
  property: PropertyName;
  message: string;
  time_ms: number;
  /** Small structured evidence: key, expected, actual, checkpoint id, … */
  detail?: Record<string, unknown>;
}

export interface CheckpointSummary {
  checkpoint_id: number;
  kind: 'checkpoint' | 'savepoint';
  status: 'completed' | 'aborted' | 'pending';
  trigger_ms: number;
  end_ms?: number;
  abort_reason?: string;
  size_bytes: number;
  /** Cost split: barrier alignment, synchronous snapshot, persisting to the store, coordination (acks, metadata). */
  alignment_ms: number;
  snapshot_ms: number;
  persist_ms: number;
  coordination_ms: number;
}

export interface RecoverySummary {
  start_ms: number;
  end_ms: number;
  reason: string;
  restored_checkpoint_id: number | null;
  /**
   * Restores of this recovery that failed: the newest completed checkpoint could not be read (it is read again after
   * the restart delay; an older checkpoint is never restored instead).
   */
  skipped_checkpoints: { checkpoint_id: number; reason: string }[];
  /** T = T_detect + T_redeploy + T_load + T_reset_source + T_reset_sink */
  detect_ms: number;
  redeploy_ms: number;
  load_state_ms: number;
  reset_source_ms: number;
  reset_sink_ms: number;
  /** Output duplicates and losses attributed to this recovery (sink kind dependent). */
  duplicates: number;
  losses: number;
}

export interface FaultSummary {
  time_ms: number;
  kind: string;
  target: string;
  detail?: string;
}

export interface RunResult {
  format: typeof RUN_RESULT_FORMAT;
  version: number;
  run_id: string;
  scenario: { name: string; file: string; description?: string };
  seed: number;
  trace_hash: string;
  /** pass: every property held (or the expected violation happened); violation: a property failed unexpectedly. */
  outcome: 'pass' | 'violation';
  /** The scenario expected this property to fail (a catalogue entry that proves a check bites). */
  expected_violation?: PropertyName;
  expectation_met: boolean;
  properties: PropertyResult[];
  violations: Violation[];
  job: {
    name: string;
    final_status: JobStatus;
    parallelism: number;
    records_in: number;
    records_out: number;
  };
  sink: { kind: SinkKind; committed_records: number; duplicates: number; losses: number };
  checkpointing_mode: CheckpointingMode;
  checkpoints: CheckpointSummary[];
  recoveries: RecoverySummary[];
  faults: FaultSummary[];
  /** Records processed per bucket of virtual time. */
  throughput: { time_ms: number; records: number }[];
  /** Coverage probes hit, by name. */
  probes: Record<string, number>;
  virtual_duration_ms: number;
  wall_ms: number;
  events: number;
  /** One command that reproduces this run exactly. */
  replay_command: string;
}
