// The trace file format (JSONL, one TraceRecord per line): written by the world, read by reports/ and the explorer.
// This file is the whole contract between them; it imports nothing.

export const TRACE_FORMAT = 'streamsim-trace';
export const TRACE_FORMAT_VERSION = 1;

/** Kinds of records the world writes. Engine-level events arrive as kind "log" with a dotted `event` name. */
export type TraceKind =
  | 'header' // first line: format, version, seed, scenario
  | 'start' // a process (re)started: node, incarnation
  | 'crash' // a process crashed: volatile state gone
  | 'pause' // a process paused (a long GC): no handlers run
  | 'resume'
  | 'send' // a message entered the network: from, to, msg (summary)
  | 'deliver' // a message was handed to its receiver: from, to, msg
  | 'drop' // a message was dropped: from, to, msg, reason (partition | link_break | dead | overflow | unknown)
  | 'refused' // the sender (node) learned that a message it sent was refused: to, id, type (reason dead)
  | 'link_break' // a link broke: a, b
  | 'partition' // a partition started: groups / one_way
  | 'heal' // partitions healed
  | 'timer' // a timer fired: node, tag
  | 'storage' // a storage operation completed: node, store, op, key, ok, size_bytes, error?, faults?, detail?
  | 'fault' // a fault was injected: fault (kind), target, detail
  | 'clock' // a process clock changed: node, offset_ms, drift_ppm
  | 'log' // an engine event: node, event, fields
  | 'probe' // a coverage probe was hit: node, name
  | 'violation' // a property or invariant failed: property, message; source "check" when a check watching the run
  //              wrote it (then it is not in the hash: the same run judged or not has the same hash), "end" when the
  //              judge found it after the run (written just before 'end'), absent for the engine's own invariants
  | 'phase' // the run entered a phase: safety | liveness | unrestricted
  | 'end'; // last line: hash (of every record before it, = the run's trace_hash), events

export interface TraceRecord {
  /** Position in the trace, from 0. */
  seq: number;
  /** Virtual time in milliseconds. */
  time_ms: number;
  kind: TraceKind;
  /** The process the record is about, when there is one. */
  node?: string;
  /** For kind "log": the engine event name, e.g. "checkpoint.completed", "recovery.started", "job.status". */
  event?: string;
  /** Everything else, kind-specific. Values are plain JSON. */
  [field: string]: unknown;
}

export interface TraceHeader extends TraceRecord {
  kind: 'header';
  format: typeof TRACE_FORMAT;
  version: number;
  seed: number;
  scenario: string;
}

/**
 * Engine event names that the explorer and the reports give special meaning. The engine logs these through
 * Runtime.log; their fields are listed beside each.
 */
export const ENGINE_EVENTS = {
  checkpoint_triggered: 'checkpoint.triggered', // checkpoint_id, kind (checkpoint|savepoint)
  checkpoint_completed: 'checkpoint.completed', // checkpoint_id, size_bytes, duration_ms, alignment_ms, persist_ms
  checkpoint_aborted: 'checkpoint.aborted', // checkpoint_id, reason
  recovery_started: 'recovery.started', // reason, attempt
  recovery_restored: 'recovery.restored', // checkpoint_id (or null), skipped: [{checkpoint_id, reason}]
  recovery_completed: 'recovery.completed', // detect_ms, redeploy_ms, load_state_ms, reset_source_ms, reset_sink_ms
  job_status: 'job.status', // status: CREATED|RUNNING|FAILING|RESTARTING|FINISHED|FAILED|CANCELED, reason
  sink_committed: 'sink.committed', // txn_id, checkpoint_id, records (every event naming a transaction calls it txn_id)
} as const;
