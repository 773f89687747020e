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
  | 'engine_invariants';

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
  /** For output properties: which records were lost, duplicated or wrong, where, and what preceded it. */
  evidence?: OutputEvidence;
}

/**
 * A record of the output is named by its key and its 1-based position in the oracle's sequence for that key: `w3#17`
 * is the 17th record the oracle emits for key w3. Consecutive positions of one key are written as a range, `w3#17-25`.
 */
export interface RecordIdSample {
  /** How many records in all. */
  count: number;
  /** A sample of their ids, ranges of consecutive positions merged, in key order (at most MAX_SAMPLED_RECORD_IDS). */
  ids: string[];
}

/** The fault injected last before something went wrong. */
export interface FaultBefore {
  time_ms: number;
  kind: string;
  target: string;
}

/** Lost or duplicated records that share an origin: the transaction, checkpoint and attempt they belong to. */
export interface RecordOrigin {
  /** The transaction that held (lost) or committed again (duplicated) them; null when no transaction did. */
  txn_id: string | null;
  checkpoint_id: number | null;
  /** The job attempt (1 = first deployment of the job in this run). */
  attempt: number | null;
  /** What happened to them, in a sentence with rounded times. */
  what: string;
  /** When it happened (virtual ms). */
  time_ms: number;
  records: RecordIdSample;
  fault_before: FaultBefore | null;
}

/** Where one key's delivered output first leaves the oracle's sequence, with the records around it on both sides. */
export interface KeyDivergence {
  key: string;
  /** 1-based position in the key's sequence of the first record that differs (or is missing). */
  position: number;
  expected: { first_position: number; records: unknown[] };
  actual: { first_position: number; records: unknown[] };
  /** When the first differing delivered record was committed; absent when the output just ends early. */
  committed_ms?: number;
}

export interface OutputEvidence {
  expected_records: number;
  delivered_records: number;
  keys_differing: number;
  lost: RecordIdSample & { origins: RecordOrigin[] };
  duplicated: RecordIdSample & { origins: RecordOrigin[] };
  /** Delivered records the oracle never emits for their key. */
  unexpected: RecordIdSample;
  /** The first differing position of the keys that differ, earliest committed first (at most MAX_DIVERGENCES). */
  divergences: KeyDivergence[];
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
  /**
   * Which submission of the job triggered it, when the job was submitted more than once (a JobManager without HA
   * restarted and ran it from scratch: checkpoint ids start again at 1, so an id alone no longer names one checkpoint).
   */
  submission?: number;
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
  /** Records added to the sink's output per bucket of virtual time (its cumulative sum is the committed output). */
  throughput: { time_ms: number; records: number }[];
  /**
   * Consumer lag at the end of each throughput bucket: input records produced at the log source's partitions and not
   * yet read by the job (a restore rewinds the readers, so it jumps at a recovery). Absent without a log source.
   */
  source_lag?: { time_ms: number; records: number }[];
  /**
   * One point per transactional commit (two-phase-commit sinks): when it committed and how long its oldest record
   * waited to become visible, from the transaction's begin to its commit. Absent when nothing committed that way.
   */
  commit_latency?: { time_ms: number; latency_ms: number; txn_id: string; records: number }[];
  /** Coverage probes hit, by name. */
  probes: Record<string, number>;
  virtual_duration_ms: number;
  wall_ms: number;
  events: number;
  /** One command that reproduces this run exactly. */
  replay_command: string;
  /** Planned faults that never fired in this run (an `on.event` whose occurrence never came), each in a sentence. */
  unfired_faults?: string[];
}
