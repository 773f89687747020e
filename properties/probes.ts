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
  { name: 'job.failover', where: 'engine/cluster/job-manager.ts: a failure restarts the job from a checkpoint', required_in_ci: true },
  { name: 'task.restored_from_checkpoint', where: 'engine/task/task.ts: a task starts from checkpointed state', required_in_ci: true },
  { name: 'checkpoint.alignment_started', where: 'engine/task/task.ts: a task with several inputs starts aligning barriers', required_in_ci: true },
  {
    name: 'checkpoint.alignment_aborted',
    where: 'engine/task/task.ts: an alignment is overtaken by a newer barrier or a failure',
    required_in_ci: false,
    why_not_required: 'reached by partition and corruption scenarios, not by the three-run CI swarm',
  },
  {
    name: 'checkpoint.alignment_overtaken',
    where: 'engine/task/task.ts: a newer barrier arrives while an older checkpoint is still aligning',
    required_in_ci: false,
    why_not_required: 'needs a checkpoint to expire mid-alignment (partition scenarios), not in the three-run CI swarm',
  },
  {
    name: 'checkpoint.aligned_with_finished_input',
    where: 'engine/task/task.ts: an alignment completes although some inputs already ended',
    required_in_ci: false,
    why_not_required: 'depends on a checkpoint landing while sources finish; not guaranteed by the CI swarm',
  },
  {
    name: 'recovery.skipped_invalid_checkpoint',
    where: 'engine/cluster/job-manager.ts: recovery skips a checkpoint that fails verification',
    required_in_ci: false,
    why_not_required: 'reached by the corrupted-latest-checkpoint scenario, which the three-run CI swarm does not include',
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
    name: 'tm.data_plane_failure',
    where: 'engine/cluster/task-manager.ts: a data channel lost buffers (link break) and the attempt fails',
    required_in_ci: false,
    why_not_required: 'reached by the link-breaks-drop-in-flight scenario, not by the three-run CI swarm',
  },
  {
    name: 'source.reader_restored_splits',
    where: 'engine/connectors/split-source/reader.ts: a reader restarts with splits from a checkpoint',
    required_in_ci: false,
    why_not_required: 'the example jobs read through the log source, not the split source',
  },
  {
    name: 'source.splits_added_back',
    where: 'engine/connectors/split-source/enumerator.ts: splits of a failed reader go back to the enumerator',
    required_in_ci: false,
    why_not_required: 'the example jobs read through the log source, not the split source',
  },
  {
    name: 'ha.corrupt_record_detected',
    where: 'engine/ha/ha-store.ts: a corrupt HA record is detected by checksum',
    required_in_ci: false,
    why_not_required: 'the runner does not host the HA store and standby JobManager (the JobManager has no HA client yet)',
  },
  {
    name: 'ha.invalid_slot_on_load',
    where: 'engine/ha/ha-store.ts: an invalid slot is found while loading',
    required_in_ci: false,
    why_not_required: 'the runner does not host the HA store and standby JobManager (the JobManager has no HA client yet)',
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
