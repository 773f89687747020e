// The coverage probes ("sometimes" assertions) the engine declares with runtime.probe, and which of them the CI
// swarm must reach. A listed probe that a swarm never hits is a finding: the faults do not reach that code.
import type { RunResult } from '../scenarios/result-format.js';

export interface ProbeSpec {
  name: string;
  /** Where the engine hits it. */
  where: string;
  /** Whether the CI swarm over the catalogue must reach it; false only with the reason it cannot yet. */
  required_in_ci: boolean;
  why_not_required?: string;
}

export const ENGINE_PROBES: readonly ProbeSpec[] = [
  { name: 'job.failover', where: 'engine/cluster/scheduler.ts: a failure restarts the job from a checkpoint', required_in_ci: true },
  { name: 'task.restored_from_checkpoint', where: 'engine/task/task.ts: a task starts from checkpointed state', required_in_ci: true },
  { name: 'checkpoint.alignment_started', where: 'engine/task/task.ts: a task with several inputs starts aligning barriers', required_in_ci: true },
  {
    name: 'checkpoint.alignment_aborted',
    where: 'engine/task/task.ts: an alignment is overtaken by a newer barrier or a failure',
    required_in_ci: true,
  },
  { name: 'jm.failover', where: 'engine/cluster/job-manager.ts: the standby JobManager takes over leadership', required_in_ci: true },
  { name: 'heartbeat.timeout', where: 'engine/cluster/heartbeat-manager.ts: a TaskManager silent for heartbeat.timeout is declared lost', required_in_ci: true },
  { name: 'checkpoint.slow_sync', where: 'engine/cluster/task-manager.ts: a checkpoint file took over 50 ms to sync (slow syncs reach the acknowledgement)', required_in_ci: true },
  {
    name: 'checkpoint.write_no_space',
    where: 'engine/cluster/task-manager.ts, job-manager.ts: a checkpoint file or _metadata write failed with ENOSPC (a full checkpoint store)',
    required_in_ci: true,
  },
  { name: 'txstore.disk_error', where: "engine/connectors/transactional-store.ts: a log write or sync failed with EIO and is retried", required_in_ci: true },
  {
    name: 'txstore.resend_while_queued',
    where: 'engine/connectors/transactional-store.ts: a client resent a request still waiting in the queue (the copy is dropped)',
    required_in_ci: true,
  },
  { name: 'txstore.disk_full', where: 'engine/connectors/transactional-store.ts: a log write failed with ENOSPC and is retried', required_in_ci: true },
  {
    name: 'txstore.log_truncated_on_load',
    where: 'engine/connectors/transactional-store.ts: after a crash the log ends in an entry that is torn or missing (a write the crash lost unsynced)',
    required_in_ci: true,
  },
  {
    name: 'ha.disk_full',
    where: 'engine/ha/ha-store.ts: an HA record write failed with ENOSPC',
    required_in_ci: true,
  },
  {
    name: 'heartbeat.target_unreachable',
    where: 'engine/cluster/heartbeat-manager.ts: heartbeat.rpc-failure-threshold refused requests declare a TaskManager unreachable',
    required_in_ci: true,
  },
  {
    name: 'jm.failover_restored',
    where: 'engine/cluster/scheduler.ts: the new leader restores the job from the HA checkpoint pointer',
    required_in_ci: true,
  },
  {
    name: 'jm.leadership_lost',
    where: 'engine/cluster/leadership.ts: a leader learns it was superseded and steps down',
    required_in_ci: true,
  },
  {
    name: 'job.finished_unconfirmed',
    where: 'engine/cluster/scheduler.ts: the job finished but the final state could not be confirmed',
    required_in_ci: true,
  },
  {
    name: 'recovery.verify_retry',
    where: 'engine/cluster/scheduler.ts: checkpoint verification is retried after a failed store read',
    required_in_ci: true,
  },
  { name: 'savepoint.stop_completed', where: 'engine/cluster/savepoint-handler.ts: stop-with-savepoint completed', required_in_ci: true },
  {
    name: 'savepoint.completed',
    where: 'engine/cluster/savepoint-handler.ts: an intermediate savepoint completed',
    required_in_ci: true,
  },
  { name: 'savepoint.resumed_rescaled', where: 'engine/cluster/savepoint-handler.ts: the job resumed from a savepoint at another parallelism', required_in_ci: true },
  {
    name: 'sink.zombie_fenced',
    where: 'engine/connectors/two-phase-commit-sink.ts, idempotent-sink.ts: a zombie writer of an old attempt was fenced by the store',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.alignment_overtaken',
    where: 'engine/task/task.ts: a newer barrier arrives while an older checkpoint is still aligning',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.aligned_with_finished_input',
    where: 'engine/task/task.ts: an alignment completes although some inputs already ended',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.aligned_across_inputs',
    where: 'engine/task/task.ts: a two-input task blocks one input after its barrier until the other input delivers it',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.at_least_once_across_inputs',
    where: 'engine/task/task.ts: at-least-once barrier counting spans both inputs of a two-input task',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.unaligned_across_inputs',
    where: 'engine/task/task.ts: an unaligned snapshot of a two-input task captures channel state on both inputs',
    required_in_ci: true,
  },
  {
    name: 'restore.broadcast_state',
    where: 'engine/task/task.ts: a subtask restores its copy of broadcast state',
    required_in_ci: true,
  },
  {
    name: 'restore.broadcast_state_rescaled',
    where: 'engine/task/task.ts: broadcast state restored at another parallelism (every new subtask takes a copy)',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.at_least_once_records_past_barrier',
    where: 'engine/task/task.ts: at-least-once mode processes records behind a counted barrier before the snapshot',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.at_least_once_subsumed',
    where: 'engine/task/task.ts: an at-least-once task snapshots a checkpoint while older ones are still counted (barrier tracker)',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.snapshot_skipped_aborted',
    where: 'engine/task/task.ts: a barrier completes at a task after the JobManager aborted its checkpoint; no snapshot is taken',
    required_in_ci: false,
    why_not_required:
      'needs the abort to reach a task before every barrier of that checkpoint does; with slot sharing a task always has a channel from a source on its own TaskManager, and on each link a trigger precedes its abort, so only a race on the network reaches it (the rotated search over unaligned cases: 1 of 600 cases, seed 22)',
  },
  {
    name: 'checkpoint.timeoutable_barrier_queued',
    where: 'engine/task/task.ts: with an aligned-checkpoint timeout, a forwarded aligned barrier waits in an output queue behind buffers without credit',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.output_barrier_timeout',
    where: 'engine/task/task.ts: a queued aligned barrier outlived the timeout and overtook the buffers ahead of it (output channel state)',
    required_in_ci: false,
    why_not_required: 'needs a barrier forwarded into a full output queue with an aligned-checkpoint timeout; no catalogue scenario backpressures a source that far yet (engine/task/timeoutable-barrier.test.ts covers the channel)',
  },
  {
    name: 'checkpoint.announced_barrier_timeout',
    where: 'engine/task/task.ts: a barrier that arrived after its checkpoint timed out, still queued behind records, switches the task to unaligned',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.alignment_timeout_single_channel',
    where: 'engine/task/task.ts: a task with one input channel consumed a barrier after the checkpoint timed out and snapshots unaligned',
    required_in_ci: false,
    why_not_required: 'a timed-out barrier is usually switched when announced, before it is consumed; reached only when the announcement and the consumption fall in one step',
  },
  {
    name: 'checkpoint.declined_after_final',
    where: 'engine/cluster/task-manager.ts: a finished task declines a checkpoint triggered after the final checkpoint completed (CHECKPOINT_DECLINED_TASK_NOT_READY)',
    required_in_ci: false,
    why_not_required: 'the coordinator drops periodic requests once the final checkpoint is triggered; reached only with that guard removed (properties/findings/final-checkpoint-race.test.ts)',
  },
  {
    name: 'checkpoint.triggered_on_finish',
    where: 'engine/cluster/task-manager.ts: a task finished before the barrier of a pending checkpoint reached it and is triggered as a finished task',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.unaligned',
    where: 'engine/task/task.ts: an unaligned snapshot at the first barrier (the barrier overtakes in-flight data)',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.channel_state_captured',
    where: 'engine/task/task.ts: an unaligned snapshot holds overtaken records as channel state',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.alignment_timeout_switch',
    where: 'engine/task/task.ts: an alignment outlasts aligned-checkpoint-timeout and continues unaligned',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.unaligned_aborted',
    where: 'engine/task/task.ts: an unaligned checkpoint is aborted while its channel state is still being collected',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.channel_state_over_bound',
    where: 'engine/task/task.ts: channel state of a consumed channel (timeout switch) exceeds its bound; the checkpoint is declined',
    required_in_ci: true,
  },
  {
    name: 'restore.channel_state_replayed',
    where: 'engine/task/task.ts: a restored task replays channel state before any new input',
    required_in_ci: true,
  },
  {
    name: 'recovery.restore_failed',
    where: 'engine/cluster/scheduler.ts: the newest completed checkpoint does not verify, so the restore fails and the restart strategy decides',
    required_in_ci: true,
  },
  {
    name: 'checkpoint.read_back_failed',
    where: 'engine/cluster/job-manager.ts: a checkpoint whose _metadata or a new state file does not read back intact never completes',
    required_in_ci: true,
  },
  {
    name: 'sink.crash_between_precommit_and_commit',
    where: 'engine/connectors/two-phase-commit-sink.ts: a restored pending transaction is committed',
    required_in_ci: true,
  },
  {
    name: 'sink.commit_after_restore',
    where: 'engine/connectors/two-phase-commit-sink.ts: commit of a transaction restored from a checkpoint',
    required_in_ci: true,
  },
  {
    name: 'sink.lingering_aborted',
    where: 'engine/connectors/two-phase-commit-sink.ts: lingering transactions of an old attempt are aborted',
    required_in_ci: true,
  },
  {
    name: 'sink.commit_failed_task',
    where: 'engine/connectors/two-phase-commit-sink.ts: a transaction of a completed checkpoint cannot be committed; the task fails',
    required_in_ci: true,
  },
  {
    name: 'tm.data_plane_failure',
    where: 'engine/cluster/task-manager.ts: a data channel lost buffers (link break) and the attempt fails',
    required_in_ci: true,
  },
  {
    name: 'source.reader_restored_splits',
    where: 'engine/connectors/split-source/reader.ts: a reader restarts with splits from a checkpoint',
    required_in_ci: true,
  },
  {
    name: 'source.splits_added_back',
    where: 'engine/connectors/split-source/enumerator.ts: splits of a failed reader go back to the enumerator',
    required_in_ci: false,
    why_not_required:
      'only a regional failover gives a failed reader\'s splits back; the engine restarts the whole job (engine/README.md), so nothing calls on_subtask_failure outside the split-source specifications',
  },
  {
    name: 'ha.corrupt_record_detected',
    where: 'engine/ha/ha-store.ts: no slot of a job verified in five loads: its record is corrupt (damage at rest)',
    required_in_ci: false,
    why_not_required: 'needs both HA slots damaged at rest; the job then cannot run until an operator intervenes (engine/ha/ha-store.test.ts covers it)',
  },
  {
    name: 'ha.invalid_slot_on_load',
    where: 'engine/ha/ha-store.ts: an invalid slot is found while loading',
    required_in_ci: true,
  },
  {
    name: 'window.merged',
    where: 'engine/task/operators/window/window-logic.ts: session (merging) windows merged',
    required_in_ci: true,
  },
  {
    name: 'window.merging_set_restored',
    where: 'engine/task/operators/window/window-operator.ts: a window operator restored merging window sets from a checkpoint',
    required_in_ci: true,
  },
  {
    name: 'window.late_data_to_side_output',
    where: 'engine/task/operators/window/window-logic.ts: a late element went to the sideOutputLateData tag',
    required_in_ci: true,
  },
  {
    name: 'window.late_element_dropped',
    where: 'engine/task/operators/window/window-logic.ts: a late element was dropped (no sideOutputLateData tag)',
    required_in_ci: false,
    why_not_required: 'a lateness marker the judge reads (a run whose result lateness explains is not compared with the oracle); properties/lateness.test.ts reaches it',
  },
  {
    name: 'window.element_behind_watermark',
    where: 'engine/task/operators/window/window-logic.ts: an element within allowed lateness reached a window whose end the watermark passed, or merged a session that already fired (the window fires again)',
    required_in_ci: false,
    why_not_required: 'a lateness marker the judge reads (a run whose result lateness explains is not compared with the oracle); properties/lateness.test.ts reaches it',
  },
  {
    name: 'window.late_data_to_side_output_after_restore',
    where: 'engine/task/operators/window/window-logic.ts: a window operator restored from a checkpoint sent a late element to its sideOutputLateData tag',
    required_in_ci: true,
  },
  {
    name: 'interval_join.late_data_to_side_output',
    where: 'engine/task/two-input-operators.ts: an interval join sent a late element to its side\'s late-data tag (sideOutputLeftLateData / sideOutputRightLateData)',
    required_in_ci: true,
  },
  {
    name: 'interval_join.late_data_to_side_output_after_restore',
    where: 'engine/task/two-input-operators.ts: an interval join restored from a checkpoint sent a late element to its late-data tag',
    required_in_ci: true,
  },
  {
    name: 'watermark.assigner_idle',
    where: 'engine/task/operators/timestamps-watermarks-operator.ts: assignTimestampsAndWatermarks with withIdleness marked its stream idle',
    required_in_ci: true,
  },
  {
    name: 'operator_state.rescaled',
    where: 'engine/task/task.ts: operator list state redistributed to another parallelism on restore',
    required_in_ci: true,
  },
  {
    name: 'state.ttl_expired_after_restore',
    where: 'engine/state/ttl.ts: a TTL value restored from a checkpoint expired after the restore',
    required_in_ci: true,
  },
  {
    name: 'state.ttl_full_snapshot_cleanup',
    where: 'engine/task/operator-base.ts: expired TTL values dropped at a full snapshot',
    required_in_ci: true,
  },
];

/** Hits per listed probe over a swarm's results (0 for a listed probe never hit), plus unlisted probes seen. */
export function probe_hits(results: readonly RunResult[]): { listed: Record<string, number>; unlisted: Record<string, number> } {
  const listed: Record<string, number> = {};
  const unlisted: Record<string, number> = {};
  const known = new Set(ENGINE_PROBES.map((probe) => probe.name));
  for (const probe of ENGINE_PROBES) listed[probe.name] = 0;
  for (const result of results) {
    for (const [name, count] of Object.entries(result.probes)) {
      const into = known.has(name) ? listed : unlisted;
      into[name] = (into[name] ?? 0) + count;
    }
  }
  return { listed, unlisted };
}

/** Required probes the swarm never reached. */
export function unreached_required_probes(results: readonly RunResult[]): string[] {
  const { listed } = probe_hits(results);
  return ENGINE_PROBES.filter((probe) => probe.required_in_ci && (listed[probe.name] ?? 0) === 0).map((probe) => probe.name);
}
