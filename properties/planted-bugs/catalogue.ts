// The planted bugs as data: each bug's test-only seams, the property that must catch it, and the fast-check property
// over crash cases that hunts for it. Shared by planted-bugs.test.ts (caught, shrunk, replayed) and
// bench/scale.bench.ts (how many runs and how much time until each is caught).
import fc from 'fast-check';
import type { PropertyName } from '../../scenarios/result-format.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import type { Scenario } from '../../scenarios/schema/scenario.generated.js';
import { BUILT_IN_JOBS, DEFAULT_BUILT_IN_JOB } from '../../engine/examples/index.js';
import { build_job_graph, built_in_job, input_topics, job_input, output_sink_uid, probe_io } from '../../scenarios/job-under-test.js';
import { run_scenario_with } from '../run.js';
import { arb_fault_plan, arb_params, scenario_of, type RunCase } from '../arbitraries.js';
import type { JobGraph } from '../../engine/graph/job-graph.js';
import { job_factory } from '../../engine/connectors/job-io.js';
import { evaluateOracle } from '../oracle.js';
import { interleaving_dependence } from '../interleaving.js';
import { isMergingWindowAssigner } from '../../engine/api/windows.js';
import type { RunProperty } from '../harness.js';
import { commit_on_precommit_seams } from './commit-on-precommit.js';
import { forgetful_restore_seams } from './forgetful-restore.js';
import { offsets_after_barrier_seams } from './offsets-after-barrier.js';
import { eager_shared_delete_seams } from './eager-shared-delete.js';
import { no_lingering_abort_seams } from './no-lingering-abort.js';
import { skip_alignment_seams } from './skip-alignment.js';
import { unverified_restore_seams } from './unverified-restore.js';
import { fallback_past_completed_seams } from './fallback-past-completed.js';
import { unsynced_checkpoint_ack_seams } from './unsynced-checkpoint-ack.js';
import { align_one_input_seams } from './align-one-input.js';
import { broadcast_restore_one_subtask_seams } from './broadcast-restore-one-subtask.js';
import { unmerged_session_restore_seams } from './unmerged-session-restore.js';
import { side_output_not_in_snapshot_seams } from './side-output-not-in-snapshot.js';
import { late_data_dropped_after_restore_seams } from './late-data-dropped-after-restore.js';
import { late_data_also_in_window_seams } from './late-data-also-in-window.js';
import { ttl_access_reset_at_restore_seams } from './ttl-access-reset-at-restore.js';

export const PLANTED_BUG_HORIZON_MS = 2_500;

/** Word counts long enough (3 s of input) for checkpoints to complete before the generated crashes. */
export const arb_crash_case: fc.Arbitrary<RunCase> = fc.record({
  sink: fc.constant<NonNullable<Scenario['sink']>>({ kind: 'two_phase_commit', transaction_timeout: '10 min' }),
  job: fc.constant<Scenario['job']>({ name: DEFAULT_BUILT_IN_JOB, parallelism: 2 }),
  cluster: fc.constant({ task_managers: 2, slots_per_task_manager: 2 }),
  workload: fc.constant({ records: 3000, keys: 30, rate_per_second: 1000, source_partitions: 2 }),
  flink: fc.constant<NonNullable<Scenario['flink']>>({
    'execution.checkpointing.interval': '200 ms',
    'restart-strategy.type': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': 10,
    'restart-strategy.fixed-delay.delay': '100 ms',
    'heartbeat.interval': '200 ms',
    'heartbeat.timeout': '1s',
  }),
  faults: arb_fault_plan({ task_managers: 2, horizon_ms: PLANTED_BUG_HORIZON_MS, max_faults: 3 }),
  // Scheduling order: the figures in bench/results.json (runs until each bug is caught) compare across commits.
  shuffle_ties: fc.constant(false),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

/**
 * The same crash cases with every record sent at once (execution.buffer-timeout.interval 0): only records that reach
 * a multi-input task ahead of its slower channel's barrier show a missing alignment, and at 1,000 records/s Flink's
 * default 100 ms buffer timeout holds the records behind a barrier past the other barrier.
 */
export const arb_low_latency_crash_case: fc.Arbitrary<RunCase> = arb_crash_case.map((run_case) => ({
  ...run_case,
  flink: { ...run_case.flink, 'execution.buffer-timeout.interval': 0 },
}));

/**
 * The built-in jobs whose graph has a node the predicate accepts (found through the job contract: no job named here);
 * with `exact`, only those whose two extreme interleavings of two inputs agree on a small input (the judge compares
 * them exactly; the others are judged between the interleavings, without the restore-time check).
 */
export function built_in_jobs_where(has: (node: JobGraph['nodes'][number]) => boolean, options: { exact?: boolean } = {}): string[] {
  const found: string[] = [];
  for (const name of BUILT_IN_JOBS.keys()) {
    const scenario: Scenario = { name: 'probe', description: 'probe', job: { name } };
    const resolved = built_in_job(scenario);
    if (!resolved.ok) continue;
    const input = job_input(resolved.job, 1, { records: 200, keys: 10, partitions: 2 });
    const io = probe_io(scenario, input_topics(input));
    const graph = build_job_graph(resolved.job, io);
    if (!graph.nodes.some(has)) continue;
    if (options.exact === true) {
      const sink = output_sink_uid(resolved.job, graph);
      if (!sink.ok) continue;
      const build = job_factory(resolved.job.definition, io);
      const first = evaluateOracle(build, resolved.job.params, input);
      if (interleaving_dependence(build, resolved.job.params, input, {}, first, sink.uid, resolved.job.definition.output.key as (r: unknown) => string) !== undefined) continue;
    }
    found.push(name);
  }
  return found;
}

function first_of(names: string[], what: string): string {
  const name = names[0];
  if (name === undefined) throw new Error(`no built-in job has ${what}`);
  return name;
}

/** The first built-in job whose graph has an event-time window operator (a planted bug must be caught on one too). */
export function built_in_window_job(): string {
  return first_of(
    built_in_jobs_where((node) => node.operator.kind === 'window'),
    'a window operator',
  );
}

const is_broadcast_node = (node: JobGraph['nodes'][number]): boolean =>
  node.operator.kind === 'two_input' && (node.operator.spec.kind === 'broadcast_process' || node.operator.spec.kind === 'keyed_broadcast_process');

/**
 * The built-in jobs with a keyed two-input operator that is not a broadcast one (a co-process function, an interval
 * join; a window join is a union into one input, as Flink builds it) and whose result does not depend on how the inputs
 * interleave (restored state is compared with the oracle's at its offsets), with their parameters drawn.
 */
export function arb_two_input_job(parallelism: fc.Arbitrary<number>): fc.Arbitrary<Scenario['job']> {
  const names = built_in_jobs_where((node) => node.operator.kind === 'two_input' && !is_broadcast_node(node), { exact: true });
  first_of(names, 'a two-input operator');
  return arb_built_in_job(names, parallelism);
}

/** The built-in jobs with a broadcast process function (broadcast state), parameters drawn. */
export function arb_broadcast_job(parallelism: fc.Arbitrary<number>): fc.Arbitrary<Scenario['job']> {
  const names = built_in_jobs_where(is_broadcast_node);
  first_of(names, 'broadcast state');
  return arb_built_in_job(names, parallelism);
}

function arb_built_in_job(names: readonly string[], parallelism: fc.Arbitrary<number>): fc.Arbitrary<Scenario['job']> {
  return fc.oneof(
    ...names.map((name) =>
      fc
        .record({ parallelism, params: arb_params(BUILT_IN_JOBS.get(name)!.params) })
        .map(({ parallelism, params }): Scenario['job'] => ({ name, parallelism, ...(Object.keys(params).length > 0 ? { params } : {}) })),
    ),
  );
}

/**
 * Crash cases on jobs with a two-input task, every record sent at once: records of one input reach the task between
 * its two barriers, which only alignment across both inputs holds back.
 */
export const arb_two_input_crash_case: fc.Arbitrary<RunCase> = fc
  .tuple(arb_low_latency_crash_case, arb_two_input_job(fc.integer({ min: 1, max: 3 })))
  .map(([run_case, job]) => ({ ...run_case, job }));

/** Crash cases on jobs with broadcast state, two or three subtasks (each holds a copy to restore). */
export const arb_broadcast_crash_case: fc.Arbitrary<RunCase> = fc
  .tuple(arb_crash_case, arb_broadcast_job(fc.integer({ min: 2, max: 3 })))
  .map(([run_case, job]) => ({ ...run_case, job }));

/**
 * The crash cases on the window job, with 1 s windows: a window open at the restored checkpoint is still open at the
 * next one, so state a restore lost is still in the job's state there (not only in its output).
 */
export const arb_window_crash_case: fc.Arbitrary<RunCase> = arb_crash_case.map((run_case) => ({
  ...run_case,
  job: { name: built_in_window_job(), parallelism: 2, params: { window_size: '1 s' } },
}));

/**
 * For each built-in job, the parameters (sampled from its declarations with a fixed seed) under which its graph
 * satisfies `has` with the fewest operators (the plainest job that has the part), if any: found through the job
 * contract, no job named here.
 */
export function built_in_jobs_with_params_where(has: (graph: JobGraph) => boolean, samples = 600): NonNullable<Scenario['job']>[] {
  const found: NonNullable<Scenario['job']>[] = [];
  for (const [name, definition] of BUILT_IN_JOBS) {
    let best: { params: Record<string, unknown>; nodes: number } | undefined;
    for (const params of fc.sample(arb_params(definition.params), { numRuns: samples, seed: 17 })) {
      const scenario: Scenario = { name: 'probe', description: 'probe', job: { name, params } };
      const resolved = built_in_job(scenario);
      if (!resolved.ok) continue;
      const input = job_input(resolved.job, 1, { records: 10, keys: 2, partitions: 1 });
      const graph = build_job_graph(resolved.job, probe_io(scenario, input_topics(input)));
      // Plainest: fewest operators, then fewest optional window parts (an evictor, a custom trigger).
      const size = graph.nodes.length * 10 + graph.nodes.filter((node) => node.operator.kind === 'window' && (node.operator.evictor !== undefined || node.operator.trigger !== undefined)).length;
      if (has(graph) && (best === undefined || size < best.nodes)) best = { params, nodes: size };
    }
    if (best !== undefined) found.push({ name, params: best.params });
  }
  return found;
}

const has_session_windows = (graph: JobGraph): boolean =>
  graph.nodes.some((node) => node.operator.kind === 'window' && isMergingWindowAssigner(node.operator.assigner));
const has_side_output = (graph: JobGraph): boolean => graph.nodes.some((node) => node.inputs.some((edge) => edge.side_output_tag !== undefined));

/** Crash cases on the jobs `find` returns (searched for once, when the first case is drawn), at parallelism 2. */
function crash_cases_on(find: () => NonNullable<Scenario['job']>[], what: string, change: (run_case: RunCase) => RunCase = (c) => c): fc.Arbitrary<RunCase> {
  let jobs: NonNullable<Scenario['job']>[] | undefined;
  const found = (): NonNullable<Scenario['job']>[] => {
    jobs ??= find();
    if (jobs.length === 0) throw new Error(`no built-in job has ${what}`);
    return jobs;
  };
  return fc
    .tuple(arb_crash_case, fc.integer({ min: 0, max: 1_000 }))
    .map(([run_case, pick]) => {
      const all = found();
      return change({ ...run_case, job: { ...all[pick % all.length]!, parallelism: 2 } });
    });
}

/** Crash cases on jobs with session (merging) windows: a checkpoint holds merged sessions when a crash comes. */
export const arb_session_crash_case: fc.Arbitrary<RunCase> = crash_cases_on(() => built_in_jobs_with_params_where(has_session_windows), 'session windows');

/**
 * Crash cases on jobs with a side output, with unaligned checkpoints: barriers overtake records in flight on the
 * side-output channels, which the snapshot must keep as channel state.
 */
export const arb_side_output_crash_case: fc.Arbitrary<RunCase> = crash_cases_on(() => built_in_jobs_with_params_where(has_side_output), 'a side output', (run_case) => ({
  ...run_case,
  flink: { ...run_case.flink, 'execution.checkpointing.unaligned.enabled': true },
}));

/**
 * Event-time windows sending late data to a side output behind watermarks assigned after the source
 * (assignTimestampsAndWatermarks): which events are late depends on the watermarks, so such a job judges its output
 * with its own check (engine/api/job.ts output.check).
 */
const has_late_data_after_assigned_watermarks = (graph: JobGraph): boolean =>
  graph.nodes.some((node) => node.operator.kind === 'timestamps_watermarks') &&
  graph.nodes.some((node) => node.operator.kind === 'window' && node.operator.late_data_tag !== undefined);

/** Crash cases on jobs with late data to a side output: events late before a restore may be on time after it. */
export const arb_late_data_crash_case: fc.Arbitrary<RunCase> = crash_cases_on(() => built_in_jobs_with_params_where(has_late_data_after_assigned_watermarks), 'late data to a side output');

/**
 * The same jobs with a 300 ms time-to-live for their TTL state: a key's values expire while the job is down (a crash,
 * detection and restart take longer), not between its events.
 */
export const arb_ttl_crash_case: fc.Arbitrary<RunCase> = crash_cases_on(
  () => built_in_jobs_with_params_where(has_late_data_after_assigned_watermarks).filter((job) => 'ttl' in BUILT_IN_JOBS.get(job.name!)!.params),
  'TTL state judged by its output',
  (run_case) => ({ ...run_case, job: { ...run_case.job, params: { ...run_case.job?.params, ttl: '300 ms' } } }),
);

export interface PlantedBug {
  /** Short id (the name of the bug's file without .ts, and a suffix when one bug is hunted on several jobs). */
  id: string;
  name: string;
  seams: EngineSeams;
  /** The property that must catch it. */
  property: PropertyName;
  /** The cases that hunt it (default: arb_crash_case). */
  arbitrary?: fc.Arbitrary<RunCase>;
  /** Faults the shrunk plan keeps at least (default 1; 0 when the bug bites without any fault). */
  min_faults?: number;
}

/** A damaged newest checkpoint, then a crash that makes recovery choose among the retained ones. */
export const arb_corrupt_then_crash_case: fc.Arbitrary<RunCase> = arb_crash_case.chain((base) =>
  fc
    .record({
      at_ms: fc.integer({ min: 600, max: 2000 }),
      crash_after_ms: fc.integer({ min: 1, max: 300 }),
      target: fc.constantFrom('tm-1', 'tm-2'),
      restart_after_ms: fc.integer({ min: 10, max: 500 }),
    })
    .map(({ at_ms, crash_after_ms, target, restart_after_ms }) => ({
      ...base,
      flink: { ...base.flink, 'state.checkpoints.num-retained': 3 },
      faults: [
        { kind: 'corrupt_checkpoint' as const, which: 'latest' as const, damage: 'bit_flip' as const, at: `${at_ms} ms` },
        { kind: 'crash' as const, target, at: `${at_ms + crash_after_ms} ms`, restart_after: `${restart_after_ms} ms` },
      ],
    })),
);

/** Crash cases that retain three checkpoints, so an older one than the newest is there to restore. */
export const arb_retaining_crash_case: fc.Arbitrary<RunCase> = arb_crash_case.map((base) => ({
  ...base,
  flink: { ...base.flink, 'state.checkpoints.num-retained': 3 },
}));

/** Incremental checkpoints of the LSM backend, so checkpoints share files. */
export const arb_incremental_case: fc.Arbitrary<RunCase> = arb_crash_case.map((base) => ({
  ...base,
  flink: { ...base.flink, 'state.backend.type': 'rocksdb' as const, 'state.backend.incremental': true, 'state.checkpoints.num-retained': 2 },
}));

export const PLANTED_BUGS: readonly PlantedBug[] = [
  { id: 'forgetful-restore', name: 'restore keeps none of the checkpoint state', seams: forgetful_restore_seams, property: 'exactly_once_state' },
  {
    id: 'forgetful-restore-window',
    name: 'restore keeps none of the checkpoint state, on an event-time window job',
    seams: forgetful_restore_seams,
    property: 'exactly_once_state',
    arbitrary: arb_window_crash_case,
  },
  { id: 'commit-on-precommit', name: 'two-phase-commit sink commits at pre-commit', seams: commit_on_precommit_seams, property: 'exactly_once_output' },
  {
    id: 'offsets-after-barrier',
    name: 'source offsets snapshotted after emitting past the barrier',
    seams: offsets_after_barrier_seams,
    property: 'exactly_once_state',
  },
  {
    id: 'skip-alignment',
    name: 'barriers not aligned in exactly-once mode',
    seams: skip_alignment_seams,
    property: 'exactly_once_state',
    arbitrary: arb_low_latency_crash_case,
  },
  {
    id: 'no-lingering-abort',
    name: 'recovery does not abort lingering transactions',
    seams: no_lingering_abort_seams,
    property: 'exactly_once_output',
  },
  {
    id: 'unverified-restore',
    name: 'recovery restores the newest checkpoint without verifying it',
    seams: unverified_restore_seams,
    property: 'checkpoint_invariants',
    arbitrary: arb_corrupt_then_crash_case,
  },
  {
    id: 'fallback-past-completed',
    name: 'recovery restores an older checkpoint than the newest completed one',
    seams: fallback_past_completed_seams,
    property: 'checkpoint_invariants',
    arbitrary: arb_retaining_crash_case,
  },
  {
    id: 'eager-shared-delete',
    name: 'a shared file is deleted while a retained checkpoint still uses it',
    seams: eager_shared_delete_seams,
    property: 'checkpoint_invariants',
    arbitrary: arb_incremental_case,
    min_faults: 0,
  },
  {
    id: 'unsynced-checkpoint-ack',
    name: 'a checkpoint is acknowledged before its files are synced',
    seams: unsynced_checkpoint_ack_seams,
    property: 'checkpoint_invariants',
    // The LSM backend's files go to the checkpoint store (small heap snapshots travel inline in the acknowledgement).
    arbitrary: arb_incremental_case,
  },
  {
    id: 'align-one-input',
    name: 'a two-input task aligns barriers on its first input only',
    seams: align_one_input_seams,
    property: 'exactly_once_state',
    arbitrary: arb_two_input_crash_case,
  },
  {
    id: 'broadcast-restore-one-subtask',
    name: 'a restore gives broadcast state to subtask 0 only',
    seams: broadcast_restore_one_subtask_seams,
    property: 'exactly_once_state',
    arbitrary: arb_broadcast_crash_case,
  },
  {
    id: 'unmerged-session-restore',
    name: 'merged session windows restored unmerged',
    seams: unmerged_session_restore_seams,
    property: 'exactly_once_state',
    arbitrary: arb_session_crash_case,
  },
  {
    id: 'late-data-dropped-after-restore',
    name: 'late data dropped instead of side-output after a restore',
    seams: late_data_dropped_after_restore_seams,
    property: 'exactly_once_output',
    arbitrary: arb_late_data_crash_case,
  },
  {
    id: 'late-data-also-in-window',
    name: 'a late record both in its window and in the late-data side output',
    seams: late_data_also_in_window_seams,
    property: 'exactly_once_output',
    arbitrary: arb_late_data_crash_case,
    min_faults: 0,
  },
  {
    id: 'ttl-access-reset-at-restore',
    name: 'TTL access times reset at restore',
    seams: ttl_access_reset_at_restore_seams,
    property: 'exactly_once_output',
    arbitrary: arb_ttl_crash_case,
  },
  {
    id: 'side-output-not-in-snapshot',
    name: 'side-output records in flight left out of unaligned checkpoints',
    seams: side_output_not_in_snapshot_seams,
    property: 'exactly_once_output',
    arbitrary: arb_side_output_crash_case,
  },
];

/** The property that hunts one planted bug: a generated crash case, run with the bug's seams, must keep its property. */
export function planted_bug_property(bug: PlantedBug): RunProperty<RunCase> {
  return {
    name: `${bug.property} with planted bug: ${bug.name}`,
    arbitrary: bug.arbitrary ?? arb_crash_case,
    scenario_of: (value) => scenario_of(value, 'planted-bug', [bug.property], PLANTED_BUG_HORIZON_MS),
    seed_of: (value) => value.seed,
    run: (scenario, seed) => run_scenario_with(scenario, { seed, scenario_file: 'generated.yaml' }, { seams: bug.seams }),
    check: (result) => result.violations.find((v) => v.property === bug.property)?.message,
  };
}
