// Watches the engine's structured log ('job.status', 'checkpoint.*', 'recovery.*', 'sink.*', 'task.finished') as the
// world records it, and folds it into the run's checkpoint, recovery and status summaries. Listeners (event-triggered
// faults, property checkers) subscribe by event name. Deterministic: it only reads what the world hands it.
import type { World } from '../../sim/index.js';
import type { CheckpointSummary, JobStatus, RecoverySummary } from '../result-format.js';

export interface EngineLogEvent {
  time_ms: number;
  node: string | undefined;
  event: string;
  fields: Readonly<Record<string, unknown>>;
}

export type EngineLogListener = (event: EngineLogEvent) => void;

const JOB_STATUSES: readonly JobStatus[] = ['CREATED', 'RUNNING', 'FAILING', 'RESTARTING', 'FINISHED', 'FAILED', 'CANCELED'];
/** Bounds on what the observer keeps (a run logs far fewer; beyond them it counts but stops storing). */
const MAX_CHECKPOINTS = 10_000;
const MAX_RECOVERIES = 1_000;
/** Failed restores remembered per recovery. */
const MAX_FAILED_RESTORES = 100;
const MAX_STATUS_HISTORY = 10_000;
const MAX_COMMIT_TIMES = 100_000;

function number_field(fields: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = fields[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function string_field(fields: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
}

export interface StatusChange {
  time_ms: number;
  node: string | undefined;
  status: JobStatus;
  reason: string;
}

export class RunObserver {
  /** The newest checkpoint triggered with each id (ids start again at 1 when the job is submitted again). */
  readonly checkpoints = new Map<number, CheckpointSummary>();
  /** Every checkpoint in trigger order, also those whose id a later submission of the job reused. */
  readonly checkpoint_history: CheckpointSummary[] = [];
  /** How often the job was submitted (more than once when a JobManager without HA restarted and ran it from scratch). */
  submissions = 0;
  readonly recoveries: RecoverySummary[] = [];
  readonly status_history: StatusChange[] = [];
  /** Virtual times of sink commits (the liveness phase's "keeps committing"). */
  readonly commit_times_ms: number[] = [];
  /** Checkpoint ids in trigger order (repeats included, so the id order can be checked). */
  readonly triggered_ids: number[] = [];
  /** The same, per JobManager that triggered them. */
  readonly triggered_ids_by_node = new Map<string, number[]>();
  /**
   * Every 'recovery.restored': when, when the JobManager began reading the checkpoint to verify it (verified_ms), which
   * checkpoint (null: started empty), and the newest checkpoint completed before it (null: none).
   */
  readonly restores: { time_ms: number; verified_ms: number; checkpoint_id: number | null; newest_completed_id: number | null; node?: string; by_leader: boolean }[] = [];
  /** The JobManager that most recently took leadership (HA; undefined without leader elections). */
  private leader: string | undefined;
  /** The JobManager that triggered each checkpoint. */
  readonly triggered_by = new Map<number, string>();
  /**
   * The newest checkpoint whose completion sinks may have heard of: logged as completed (or a committing savepoint), or
   * durable as an HA pointer — unless its leader failed it (FINALIZE_CHECKPOINT_FAILURE: the pointer write's outcome
   * was unknown, so no task was notified), which Flink's own JobMaster never restores either.
   */
  private newest_completed_id: number | null = null;
  /** Ids logged as completed (committing kinds), to recompute newest_completed_id when an HA-only pointer fails. */
  private readonly committed_ids = new Set<number>();
  /** HA pointers whose leader failed the checkpoint (FINALIZE_CHECKPOINT_FAILURE) before logging it completed. */
  private readonly failed_pointer_ids = new Set<number>();
  /**
   * Checkpoints an HA store holds as the newest pointer: durably complete even when their JobManager died before it
   * logged the completion (a new leader restores them, as Flink restores what its completed-checkpoint store holds).
   */
  readonly ha_pointer_ids = new Set<number>();
  /** When each checkpoint first became durable as the HA store's pointer. */
  readonly ha_pointer_ms = new Map<number, number>();
  /** Metadata key of every completed checkpoint or savepoint, by id. */
  readonly metadata_path_by_id = new Map<number, string>();
  /**
   * Metadata keys of completed checkpoints (not savepoints) in checkpoint id order, oldest first: the last
   * `num-retained` are the retained ones. Not completion order: a leader that lost its leadership while its checkpoint's
   * HA pointer write was answered logs that (older, already subsumed) completion after its successor's newer ones.
   */
  readonly completed_metadata_paths: string[] = [];
  /** The checkpoint id of each entry of completed_metadata_paths. */
  private readonly completed_path_ids: number[] = [];
  /** When the scenario's savepoints were requested (operator actions, not faults). */
  readonly savepoint_requests_ms: number[] = [];
  /** How often each engine event was logged. */
  readonly event_counts = new Map<string, number>();
  /** Records read by source tasks that finished (task.finished of source vertices), per task id. */
  readonly finished_tasks = new Map<string, { records_in: number; vertex: string }>();
  private readonly listeners = new Map<string, EngineLogListener[]>();
  private readonly recovery_listeners: ((recovery: RecoverySummary) => void)[] = [];
  /** A recovery opened by a new submission of the job, closed when it runs again. */
  private resubmission: RecoverySummary | undefined;
  private readonly any_listeners: EngineLogListener[] = [];
  private open_recovery: RecoverySummary | undefined;
  /** The recovery whose tasks are running again; sources and sinks report their own reset after that. */
  private resetting_recovery: { recovery: RecoverySummary; running_at_ms: number } | undefined;
  /** Stop-with-savepoint ids (synchronous savepoints): sinks commit on their completion, as on a checkpoint's. */
  private readonly synchronous_savepoint_ids = new Set<number>();
  /** When the coordinator started writing each checkpoint's metadata ('checkpoint.finalizing'). */
  private readonly finalizing_ms = new Map<number, number>();

  constructor(private readonly world: World) {}

  /** Routes every engine log record of `world` through this observer (before the world traces it). */
  attach(): void {
    const world = this.world;
    const traced_log = world.log.bind(world);
    world.log = (event: string, fields?: Record<string, unknown>, node?: string): void => {
      traced_log(event, fields, node);
      this.observe({ time_ms: world.now_ms, node, event, fields: fields ?? {} });
    };
  }

  on(event: string, listener: EngineLogListener): void {
    let list = this.listeners.get(event);
    if (list === undefined) {
      list = [];
      this.listeners.set(event, list);
    }
    list.push(listener);
  }

  /** Calls `listener` whenever a recovery begins: an engine recovery, or the job submitted again from scratch. */
  on_recovery(listener: (recovery: RecoverySummary) => void): void {
    this.recovery_listeners.push(listener);
  }

  on_any(listener: EngineLogListener): void {
    this.any_listeners.push(listener);
  }

  count(event: string): number {
    return this.event_counts.get(event) ?? 0;
  }

  get last_status(): StatusChange | undefined {
    return this.status_history[this.status_history.length - 1];
  }

  observe(event: EngineLogEvent): void {
    this.event_counts.set(event.event, (this.event_counts.get(event.event) ?? 0) + 1);
    this.fold(event);
    const listeners = this.listeners.get(event.event);
    if (listeners !== undefined) for (const listener of listeners) listener(event);
    for (const listener of this.any_listeners) listener(event);
  }

  /** Opens a recovery summary (bounded) and tells the recovery listeners. */
  private open_recovery_summary(time_ms: number, reason: string): RecoverySummary | undefined {
    if (this.recoveries.length >= MAX_RECOVERIES) return undefined;
    const recovery: RecoverySummary = {
      start_ms: time_ms,
      end_ms: time_ms,
      reason,
      restored_checkpoint_id: null,
      skipped_checkpoints: [],
      detect_ms: 0,
      redeploy_ms: 0,
      load_state_ms: 0,
      reset_source_ms: 0,
      reset_sink_ms: 0,
      duplicates: 0,
      losses: 0,
    };
    this.recoveries.push(recovery);
    this.open_recovery = recovery;
    this.resetting_recovery = undefined;
    for (const listener of this.recovery_listeners) listener(recovery);
    return recovery;
  }

  private fold(event: EngineLogEvent): void {
    const fields = event.fields;
    switch (event.event) {
      case 'job.status': {
        const status = string_field(fields, 'status') as JobStatus | undefined;
        if (status === undefined || !JOB_STATUSES.includes(status)) return;
        if (this.status_history.length < MAX_STATUS_HISTORY) {
          this.status_history.push({ time_ms: event.time_ms, node: event.node, status, reason: string_field(fields, 'reason') ?? '' });
        }
        if (status === 'CREATED' && string_field(fields, 'reason') === 'submitted') {
          this.submissions++;
          // Submitted again: a JobManager without HA restarted and runs the job from scratch, with nothing restored.
          if (this.submissions > 1) {
            this.resubmission = this.open_recovery_summary(
              event.time_ms,
              `the job was submitted again and runs from scratch: JobManager ${event.node ?? '?'} restarted without HA, so no checkpoint is restored`,
            );
          }
        } else if (status === 'RUNNING' && this.resubmission !== undefined) {
          this.resubmission.end_ms = event.time_ms;
          this.resubmission.redeploy_ms = event.time_ms - this.resubmission.start_ms;
          if (this.open_recovery === this.resubmission) {
            this.open_recovery = undefined;
            this.resetting_recovery = { recovery: this.resubmission, running_at_ms: event.time_ms };
          }
          this.resubmission = undefined;
        }
        return;
      }
      case 'checkpoint.triggered': {
        const id = number_field(fields, 'checkpoint_id');
        if (id === undefined || this.checkpoints.size >= MAX_CHECKPOINTS) return;
        this.triggered_ids.push(id);
        const by_node = this.triggered_ids_by_node.get(event.node ?? '') ?? [];
        by_node.push(id);
        this.triggered_ids_by_node.set(event.node ?? '', by_node);
        if (event.node !== undefined) this.triggered_by.set(id, event.node);
        if (fields['synchronous'] === true && this.synchronous_savepoint_ids.size < MAX_CHECKPOINTS) this.synchronous_savepoint_ids.add(id);
        const checkpoint: CheckpointSummary = {
          checkpoint_id: id,
          kind: string_field(fields, 'kind') === 'savepoint' ? 'savepoint' : 'checkpoint',
          status: 'pending',
          trigger_ms: event.time_ms,
          size_bytes: 0,
          alignment_ms: 0,
          snapshot_ms: 0,
          persist_ms: 0,
          coordination_ms: 0,
        };
        if (this.submissions > 1) checkpoint.submission = this.submissions;
        this.checkpoints.set(id, checkpoint);
        this.checkpoint_history.push(checkpoint);
        return;
      }
      case 'checkpoint.finalizing': {
        const id = number_field(fields, 'checkpoint_id');
        if (id !== undefined && this.checkpoints.has(id)) this.finalizing_ms.set(id, event.time_ms);
        return;
      }
      case 'checkpoint.completed':
      case 'checkpoint.aborted': {
        const id = number_field(fields, 'checkpoint_id');
        const checkpoint = id === undefined ? undefined : this.checkpoints.get(id);
        if (checkpoint === undefined) return;
        checkpoint.end_ms = event.time_ms;
        if (event.event === 'checkpoint.aborted') {
          this.finalizing_ms.delete(checkpoint.checkpoint_id);
          checkpoint.status = 'aborted';
          if (string_field(fields, 'reason') === 'FINALIZE_CHECKPOINT_FAILURE' && !this.committed_ids.has(checkpoint.checkpoint_id) && this.failed_pointer_ids.size < MAX_CHECKPOINTS) {
            this.failed_pointer_ids.add(checkpoint.checkpoint_id);
            let newest: number | null = null;
            for (const candidate of [...this.committed_ids, ...this.ha_pointer_ids]) {
              if (this.failed_pointer_ids.has(candidate) && !this.committed_ids.has(candidate)) continue;
              if (newest === null || candidate > newest) newest = candidate;
            }
            this.newest_completed_id = newest;
          }
          checkpoint.abort_reason = string_field(fields, 'reason') ?? 'unknown';
          return;
        }
        checkpoint.status = 'completed';
        const commits = checkpoint.kind === 'checkpoint' || this.synchronous_savepoint_ids.has(checkpoint.checkpoint_id);
        if (commits && this.committed_ids.size < MAX_CHECKPOINTS) this.committed_ids.add(checkpoint.checkpoint_id);
        if (commits && (this.newest_completed_id === null || checkpoint.checkpoint_id > this.newest_completed_id)) {
          this.newest_completed_id = checkpoint.checkpoint_id;
        }
        const path = string_field(fields, 'metadata_path');
        if (path !== undefined) this.metadata_path_by_id.set(checkpoint.checkpoint_id, path);
        if (path !== undefined && checkpoint.kind === 'checkpoint' && this.completed_metadata_paths.length < MAX_CHECKPOINTS) {
          let at = this.completed_path_ids.length;
          while (at > 0 && (this.completed_path_ids[at - 1] as number) > checkpoint.checkpoint_id) at--;
          this.completed_path_ids.splice(at, 0, checkpoint.checkpoint_id);
          this.completed_metadata_paths.splice(at, 0, path);
        }
        checkpoint.size_bytes = number_field(fields, 'size_bytes') ?? 0;
        const duration_ms = event.time_ms - checkpoint.trigger_ms;
        // Parts the engine logs are taken as they are. Otherwise: persisting is the metadata write (from
        // 'checkpoint.finalizing' to completion) and everything before it — barriers, alignment, snapshots and state
        // writes of the tasks, acks — counts as coordination, since the engine does not log the tasks' share.
        const finalizing_ms = this.finalizing_ms.get(checkpoint.checkpoint_id);
        this.finalizing_ms.delete(checkpoint.checkpoint_id);
        checkpoint.alignment_ms = number_field(fields, 'alignment_ms') ?? 0;
        checkpoint.snapshot_ms = number_field(fields, 'snapshot_ms') ?? 0;
        checkpoint.persist_ms = number_field(fields, 'persist_ms') ?? (finalizing_ms === undefined ? 0 : event.time_ms - finalizing_ms);
        const parts = checkpoint.alignment_ms + checkpoint.snapshot_ms + checkpoint.persist_ms;
        checkpoint.coordination_ms = number_field(fields, 'coordination_ms') ?? Math.max(0, duration_ms - parts);
        return;
      }
      case 'recovery.started': {
        this.open_recovery_summary(event.time_ms, string_field(fields, 'reason') ?? 'unknown');
        return;
      }
      case 'recovery.restored': {
        if (this.restores.length < MAX_RECOVERIES) {
          this.restores.push({
            time_ms: event.time_ms,
            verified_ms: number_field(fields, 'verified_ms') ?? event.time_ms,
            checkpoint_id: number_field(fields, 'checkpoint_id') ?? null,
            newest_completed_id: this.newest_completed_id,
            ...(event.node !== undefined ? { node: event.node } : {}),
            // A deposed leader that has not yet learned it was replaced may still restore: that is not the job's.
            by_leader: this.leader === undefined || event.node === undefined || event.node === this.leader,
          });
        }
        const recovery = this.open_recovery;
        if (recovery === undefined) return;
        recovery.restored_checkpoint_id = number_field(fields, 'checkpoint_id') ?? null;
        return;
      }
      case 'ha.put': {
        const id = number_field(fields, 'latest_checkpoint');
        if (id === undefined) return;
        if (this.ha_pointer_ids.size < MAX_CHECKPOINTS) this.ha_pointer_ids.add(id);
        if (!this.ha_pointer_ms.has(id) && this.ha_pointer_ms.size < MAX_CHECKPOINTS) this.ha_pointer_ms.set(id, event.time_ms);
        // A record rewritten later still names a pointer its leader failed: not a completion anyone heard of.
        if (!this.failed_pointer_ids.has(id) && (this.newest_completed_id === null || id > this.newest_completed_id)) this.newest_completed_id = id;
        return;
      }
      case 'recovery.restore_failed': {
        const recovery = this.open_recovery;
        const checkpoint_id = number_field(fields, 'checkpoint_id');
        if (recovery === undefined || checkpoint_id === undefined || recovery.skipped_checkpoints.length >= MAX_FAILED_RESTORES) return;
        recovery.skipped_checkpoints.push({ checkpoint_id, reason: string_field(fields, 'reason') ?? 'unknown' });
        return;
      }
      case 'recovery.completed': {
        const recovery = this.open_recovery;
        if (recovery === undefined) return;
        recovery.end_ms = event.time_ms;
        recovery.detect_ms = number_field(fields, 'detect_ms') ?? 0;
        recovery.redeploy_ms = number_field(fields, 'redeploy_ms') ?? 0;
        recovery.load_state_ms = number_field(fields, 'load_state_ms') ?? 0;
        recovery.reset_source_ms = number_field(fields, 'reset_source_ms') ?? 0;
        recovery.reset_sink_ms = number_field(fields, 'reset_sink_ms') ?? 0;
        this.open_recovery = undefined;
        this.resetting_recovery = { recovery, running_at_ms: event.time_ms };
        return;
      }
      case 'source.rewound':
      case 'sink.recovered': {
        // Reset parts of T: from the tasks running again until the last source is positioned at its restored
        // offset / the last two-phase-commit sink has recovered its transactions. A new failure ends the window.
        const resetting = this.resetting_recovery;
        if (resetting === undefined || this.open_recovery !== undefined) return;
        const part_ms = event.time_ms - resetting.running_at_ms;
        const recovery = resetting.recovery;
        if (event.event === 'source.rewound') recovery.reset_source_ms = Math.max(recovery.reset_source_ms, part_ms);
        else recovery.reset_sink_ms = Math.max(recovery.reset_sink_ms, part_ms);
        recovery.end_ms = Math.max(recovery.end_ms, event.time_ms);
        return;
      }
      case 'jm.leader':
        this.leader = event.node;
        return;
      case 'jm.savepoint_requested':
        if (this.savepoint_requests_ms.length < MAX_CHECKPOINTS) this.savepoint_requests_ms.push(event.time_ms);
        return;
      case 'sink.committed':
        if (this.commit_times_ms.length < MAX_COMMIT_TIMES) this.commit_times_ms.push(event.time_ms);
        return;
      case 'task.finished': {
        const task = string_field(fields, 'task');
        if (task === undefined) return;
        this.finished_tasks.set(`${event.node ?? ''}:${task}`, {
          records_in: number_field(fields, 'records_in') ?? 0,
          vertex: string_field(fields, 'vertex') ?? '',
        });
        return;
      }
      default:
        return;
    }
  }
}
