// A judged run: one scenario at one seed → a RunResult. Simulates it (scenarios/runner.ts) with the checks that must
// run while the job runs attached, re-runs a sample of seeds to check determinism, then judges every property
// against the oracle (judge.ts) and builds the result. Only wall_ms reads a clock.
import { performance } from 'node:perf_hooks';
import type { TraceSink, World } from '../sim/index.js';
import { RUN_RESULT_FORMAT, RUN_RESULT_FORMAT_VERSION, type CheckpointSummary, type RecoverySummary, type RunResult } from '../scenarios/result-format.js';
import {
  DETERMINISM_SAMPLE_EVERY,
  RUN_PROGRESS_EVERY_EVENTS,
  RunBudgetExceeded,
  replay_command,
  simulate,
  TraceFile,
  type RunScenarioOptions,
  type RunUnderCheck,
  type SimulateHooks,
} from '../scenarios/runner.js';
import { plan_run, type RunPlan } from '../scenarios/run/plan.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { check_checkpoint_invariants, type CheckpointFacts } from './checkpoint-invariants.js';
import { evaluate_run, oracle_extremes, try_oracle, type Judgement, type OracleExtremes, type RunEvidence } from './judge.js';
import { capture_checkpoint, type RestoreCapture } from './restore-check.js';
import { RestartLog } from './restart-oracle.js';
import { DetectorLog } from './failure-detector.js';
import { groupByKey, type OracleResult } from './oracle.js';
import { OutputWatch, type OutputDivergence } from './output-watch.js';
import { format_ms, round_ms } from '../scenarios/units.js';
import { check_heap } from '../scenarios/run/heap-guard.js';

export type RunHooks = Pick<SimulateHooks, 'on_world' | 'seams'>;

/** Runs one scenario at one seed. Never throws for engine failures: those are violations in the result. */
export function run_scenario(scenario: Scenario, options: RunScenarioOptions): RunResult {
  return run_scenario_with(scenario, options, {});
}

/** run_scenario with test hooks (not part of the CLI's port). */
export function run_scenario_with(scenario: Scenario, options: RunScenarioOptions, hooks: RunHooks): RunResult {
  const wall_start_ms = performance.now();
  const plan = plan_run(scenario, options.job);
  const trace_file = options.trace_path === undefined ? undefined : new TraceFile(options.trace_path);
  const trace: TraceSink = trace_file === undefined ? 'none' : { lines: (line) => trace_file.line(line) };
  const budget = new BudgetCheck(options, wall_start_ms);
  try {
    const checks = new RunChecks();
    let judged: { evidence: RunEvidence; judgement: Judgement } | undefined;
    simulate(plan, options.seed, trace, {
      ...hooks,
      attach_checks: (run) => checks.attach(run),
      ...budget.hook(),
      before_end: (simulated) => {
        check_heap('before judging the run');
        let determinism_rerun_hash: string | undefined;
        if (plan.properties.includes('determinism') || options.seed % DETERMINISM_SAMPLE_EVERY === 0) {
          // Determinism checks itself: the same seed again, without a trace file and without checks, must give the same
          // trace hash.
          budget.next_simulation(simulated.events);
          determinism_rerun_hash = simulate(plan, options.seed, 'none', { ...(hooks.seams === undefined ? {} : { seams: hooks.seams }), ...budget.hook() }).trace_hash;
        }
        const evidence: RunEvidence = {
          ...simulated,
          restores: checks.restores,
          checkpoints_after_restores: checks.checkpoints_after_restores,
          store_checks: checks.store_checks,
          final_checkpoint: checks.final_checkpoint,
          restart_log: checks.restart_log,
          detector_log: checks.detector_log,
          determinism_rerun_hash,
          oracle: checks.oracle,
          oracle_extremes: checks.oracle_extremes,
          output_divergence: checks.output_watch?.first,
        };
        const judgement = evaluate_run(evidence);
        judged = { evidence, judgement };
        // Violations the checks watching the run did not record when they happened go into the trace now, before 'end'.
        const world = simulated.view.run.world;
        for (const violation of judgement.violations) {
          if (checks.recorded.has(`${violation.property}@${violation.time_ms}`) || violation.property === 'engine_invariants') continue;
          world.record_violation(violation.property, violation.message, { source: 'end', found_at_ms: round_ms(violation.time_ms) });
        }
      },
    });
    if (judged === undefined) throw new Error('run_scenario: the run ended without being judged');
    return build_result(plan, options, judged.evidence, judged.judgement, performance.now() - wall_start_ms);
  } finally {
    trace_file?.close();
  }
}

/** Stops a run that goes beyond options.budget (events of all its simulations, wall time) and reports progress. */
class BudgetCheck {
  private events_before = 0;

  constructor(
    private readonly options: RunScenarioOptions,
    private readonly wall_start_ms: number,
  ) {}

  /** The simulate() hook, or nothing when there is neither a budget nor a progress listener. */
  hook(): Pick<SimulateHooks, 'every_events'> {
    const { budget, on_progress } = this.options;
    if (budget?.max_events === undefined && budget?.max_wall_ms === undefined && on_progress === undefined) return {};
    // A small event budget is checked at its own size, so a run stops within twice its budget at most.
    const interval = Math.max(1, Math.min(RUN_PROGRESS_EVERY_EVENTS, budget?.max_events ?? Infinity));
    return { every_events: { interval, check: (events, now_ms) => this.check(events, now_ms) } };
  }

  /** A further simulation of the same run (the determinism re-run) counts on top of the events so far. */
  next_simulation(events_so_far: number): void {
    this.events_before += events_so_far;
  }

  private check(events_in_simulation: number, now_ms: number): void {
    const events = this.events_before + events_in_simulation;
    const wall_ms = performance.now() - this.wall_start_ms;
    const { budget, on_progress, seed } = this.options;
    const where = `seed ${seed}: stopped after ${events} world events, ${Math.round(wall_ms / 100) / 10} s of wall time, at virtual time ${Math.round(now_ms)} ms`;
    if (budget?.max_events !== undefined && events > budget.max_events) {
      throw new RunBudgetExceeded(`run budget exceeded: more than ${budget.max_events} world events (--max-events); ${where}`, 'events');
    }
    if (budget?.max_wall_ms !== undefined && wall_ms > budget.max_wall_ms) {
      throw new RunBudgetExceeded(`run budget exceeded: more than ${budget.max_wall_ms / 1000} s of wall time (--max-run-time); ${where}`, 'wall_time');
    }
    check_heap(`at world event ${events} (virtual time ${Math.round(now_ms)} ms)`);
    on_progress?.({ events, virtual_ms: now_ms, wall_ms });
  }
}

/**
 * Checks that run while the job runs: every file a retained checkpoint references is still in the store (at each
 * completed checkpoint and each recovery); the restored checkpoint's metadata and files are captured at each
 * restore, the first checkpoint completed after it, and the newest completed checkpoint when the job finishes
 * (before the engine deletes it), for the exactly-once-state checks against the oracle.
 */
class RunChecks {
  private static readonly MAX_RESTORES = 50;
  /** The restored checkpoint's metadata and files, as the store held them at each 'recovery.restored'. */
  readonly restores: RestoreCapture[] = [];
  /** The first checkpoint completed after each restore (a restore that lost state shows there first). */
  readonly checkpoints_after_restores: RestoreCapture[] = [];
  private awaiting_checkpoint_after_restore = false;
  readonly store_checks: RunEvidence['store_checks'] = { checks: 0, findings: [] };
  /** The newest completed checkpoint as the store held it when the job reached FINISHED (before its clean-up). */
  final_checkpoint: RestoreCapture | undefined;
  /** Every consultation of the restart strategy, with the JobManager's clock at the failure. */
  readonly restart_log = new RestartLog();
  /** What the heartbeat detectors declared, and when. */
  readonly detector_log = new DetectorLog();
  /** The oracle, when a check needed it while the job ran (the judge reuses it). */
  oracle: OracleResult | undefined;
  /** The oracle's second extreme, worked out with it (the judge reuses it too). */
  oracle_extremes: OracleExtremes | undefined;
  /** Exactly-once output watched as it is committed (appending sinks). */
  output_watch: OutputWatch | undefined;
  /** Violations already written into the trace when they happened: `property@time_ms`. */
  readonly recorded = new Set<string>();

  attach(run: RunUnderCheck): void {
    const { observer, view } = run;
    const world = view.run.world;
    this.restart_log.attach(observer, (node) => world.process_now_ms(node));
    this.detector_log.attach(observer);
    this.watch_output(run);
    // The same facts serve every store check: the observer's list of completed paths grows in place.
    const store_facts: CheckpointFacts = {
      triggered_ids: [],
      completed_ids: [],
      completed_metadata_paths: observer.completed_metadata_paths,
      aborted_ids: [],
      restored_ids: [],
      damaged_prefixes: [],
      num_retained: run.plan.flink.checkpointing.num_retained,
      peek: (key) => world.checkpoint_store.view(key),
      has: (key) => world.checkpoint_store.has(key),
      size_of: (key) => world.checkpoint_store.view(key)?.length,
      storage_faults_injected: false,
      decode: (path, bytes) => run.metadata.decode(path, bytes),
    };
    observer.on('recovery.started', (event) => this.check_store(world, store_facts, event.time_ms));
    observer.on('checkpoint.completed', (event) => this.check_store(world, store_facts, event.time_ms));
    observer.on('job.status', (event) => {
      if (event.fields['status'] !== 'FINISHED' || this.final_checkpoint !== undefined) return;
      let latest: number | undefined;
      for (const checkpoint of observer.checkpoints.values()) {
        if (checkpoint.kind === 'checkpoint' && checkpoint.status === 'completed' && (latest === undefined || checkpoint.checkpoint_id > latest)) latest = checkpoint.checkpoint_id;
      }
      const path = latest === undefined ? undefined : observer.metadata_path_by_id.get(latest);
      if (latest === undefined || path === undefined) return;
      const store = view.run.world.checkpoint_store;
      this.final_checkpoint = capture_checkpoint(event.time_ms, latest, path, (key) => store.peek(key), (bytes) => run.metadata.decode(path, bytes));
    });
    observer.on('checkpoint.completed', (event) => {
      const id = event.fields['checkpoint_id'];
      if (!this.awaiting_checkpoint_after_restore || typeof id !== 'number' || observer.checkpoints.get(id)?.kind !== 'checkpoint') return;
      const path = observer.metadata_path_by_id.get(id);
      if (path === undefined || this.checkpoints_after_restores.length >= RunChecks.MAX_RESTORES) return;
      this.awaiting_checkpoint_after_restore = false;
      const store = view.run.world.checkpoint_store;
      this.checkpoints_after_restores.push(capture_checkpoint(event.time_ms, id, path, (key) => store.peek(key), (bytes) => run.metadata.decode(path, bytes)));
    });
    observer.on('recovery.restored', (event) => {
      this.awaiting_checkpoint_after_restore = true;
      const id = event.fields['checkpoint_id'];
      if (typeof id !== 'number' || this.restores.length >= RunChecks.MAX_RESTORES) return;
      const path = observer.metadata_path_by_id.get(id);
      if (path === undefined) return;
      const store = view.run.world.checkpoint_store;
      this.restores.push(capture_checkpoint(event.time_ms, id, path, (key) => store.peek(key), (bytes) => run.metadata.decode(path, bytes)));
    });
  }

  /**
   * Exactly-once output of an appending sink: every key's committed records follow the oracle's sequence at every
   * moment, so the first record that leaves it is when the property broke; a 'violation' record marks it in the trace.
   */
  private watch_output(run: RunUnderCheck): void {
    const { plan, view } = run;
    const spec = view.run.spec;
    const job = view.run.job;
    if (!plan.properties.includes('exactly_once_output') || view.run.engine_sink_kind === 'idempotent') return;
    // Output a job judges with its own check (it depends on time's progress) has no oracle sequence to follow.
    if (job.outputCheck !== undefined) return;
    const evaluated = try_oracle(job.build, spec.params, view.run.input, plan.max_parallelism);
    if (!evaluated.ok) return; // the judge reports why output cannot be judged
    this.oracle = evaluated.oracle;
    // Output whose per-key order the interleaving of two inputs or the clock decides has no one sequence to follow.
    this.oracle_extremes = oracle_extremes(job, spec.params, view.run.input, plan.max_parallelism, this.oracle);
    if (this.oracle_extremes.interleaved !== undefined || this.oracle_extremes.clocked !== undefined) return;
    const watch = new OutputWatch(groupByKey(this.oracle.outputs.get(job.sink_uid) ?? [], job.outputKey), job.outputKey);
    this.output_watch = watch;
    // Only when the engine writes through the sink the scenario names: otherwise the judge may not hold it to exactly-once.
    const record = view.run.engine_sink_kind === plan.sink_kind;
    const world = view.run.world;
    run.after_each_event(() => {
      const found = watch.check(view.collected_output(), world.now_ms);
      if (found === undefined || !record) return;
      this.recorded.add(`exactly_once_output@${found.time_ms}`);
      world.record_violation('exactly_once_output', output_divergence_message(found), {
        key: found.key,
        position: found.position,
        output_index: found.output_index,
        expected: found.expected ?? null,
        actual: found.actual,
      });
    });
  }

  /**
   * Every file a retained checkpoint references is still in the checkpoint store, whole (unless faults that damage
   * data at rest ran; failing, full or slow stores and crashes damage nothing the engine synced).
   */
  private check_store(world: World, facts: CheckpointFacts, time_ms: number): void {
    if (this.store_checks.findings.length > 0 || world.faults().some((fault) => DATA_DAMAGING_FAULTS.has(fault.kind))) return;
    const result = check_checkpoint_invariants(facts);
    this.store_checks.checks += result.checks;
    for (const finding of result.findings) {
      this.store_checks.findings.push({ ...finding, time_ms });
      if (this.store_checks.findings.length === 1) {
        this.recorded.add(`checkpoint_invariants@${time_ms}`);
        world.record_violation('checkpoint_invariants', finding.message, { detail: finding.detail });
      }
    }
  }
}

/** The moment a key's committed output left the oracle's sequence, in words. */
export function output_divergence_message(found: OutputDivergence): string {
  const expected = found.expected === undefined ? 'no record there' : JSON.stringify(found.expected);
  return `at ${format_ms(found.time_ms)} key ${found.key}'s committed output left the oracle's sequence at #${found.position}: expected ${expected}, got ${JSON.stringify(found.actual)}`;
}

/** Storage faults that damage or remove data at rest (the world's fault kinds). */
const DATA_DAMAGING_FAULTS = new Set(['storage_bit_flip_write', 'storage_torn_write', 'storage_lost_write', 'storage_missing_object']);

/** Faults after which a recovery is detected: the process (or its links) stopped answering. */
const DETECTABLE_FAULTS = new Set(['crash', 'pause', 'partition_isolate', 'partition_split', 'partition_one_way', 'link_break']);

/**
 * Recoveries with what the engine logged, plus what only the runner knows: when the engine reports no detection
 * time, T_detect is the time from the latest process fault to the recovery's start; duplicates per recovery are
 * the duplicates that appeared in the output between it and the next recovery (or the end).
 */
function attribute_recoveries(evidence: RunEvidence, per_recovery_duplicates: readonly number[]): RunResult['recoveries'] {
  return evidence.observer.recoveries.map((recovery, index) => {
    const out = { ...recovery, duplicates: per_recovery_duplicates[index] ?? 0 };
    if (out.detect_ms === 0) {
      let fault_ms: number | undefined;
      for (const fault of evidence.faults) if (DETECTABLE_FAULTS.has(fault.kind) && fault.time_ms <= recovery.start_ms) fault_ms = fault.time_ms;
      if (fault_ms !== undefined) out.detect_ms = recovery.start_ms - fault_ms;
    }
    return out;
  });
}

/** Virtual times without float noise (at most three decimals), as every report shows them. */
function round_checkpoint(checkpoint: CheckpointSummary): CheckpointSummary {
  const out: CheckpointSummary = {
    ...checkpoint,
    trigger_ms: round_ms(checkpoint.trigger_ms),
    alignment_ms: round_ms(checkpoint.alignment_ms),
    snapshot_ms: round_ms(checkpoint.snapshot_ms),
    persist_ms: round_ms(checkpoint.persist_ms),
    coordination_ms: round_ms(checkpoint.coordination_ms),
  };
  if (checkpoint.end_ms !== undefined) out.end_ms = round_ms(checkpoint.end_ms);
  return out;
}

function round_recovery(recovery: RecoverySummary): RecoverySummary {
  return {
    ...recovery,
    start_ms: round_ms(recovery.start_ms),
    end_ms: round_ms(recovery.end_ms),
    detect_ms: round_ms(recovery.detect_ms),
    redeploy_ms: round_ms(recovery.redeploy_ms),
    load_state_ms: round_ms(recovery.load_state_ms),
    reset_source_ms: round_ms(recovery.reset_source_ms),
    reset_sink_ms: round_ms(recovery.reset_sink_ms),
  };
}

function build_result(plan: RunPlan, options: RunScenarioOptions, evidence: RunEvidence, judged: Judgement, wall_ms: number): RunResult {
  const scenario = plan.scenario;
  const expected = scenario.expect_violation;
  const violated = new Set(judged.violations.map((violation) => violation.property));
  const reason = scenario.expect_violation_reason;
  const expected_happened =
    expected !== undefined &&
    violated.has(expected) &&
    (reason === undefined || judged.violations.some((v) => v.property === expected && v.message.includes(reason)));
  const unexpected = [...violated].filter((property) => property !== expected);
  const expectation_met = expected === undefined ? violated.size === 0 : expected_happened && unexpected.length === 0;
  const result: RunResult = {
    format: RUN_RESULT_FORMAT,
    version: RUN_RESULT_FORMAT_VERSION,
    run_id: `${scenario.name}-${options.seed}`,
    scenario: { name: scenario.name, file: options.scenario_file, description: scenario.description },
    seed: options.seed,
    trace_hash: evidence.trace_hash,
    outcome: expectation_met ? 'pass' : 'violation',
    expectation_met,
    properties: judged.properties,
    violations: judged.violations.map((violation) => ({ ...violation, time_ms: round_ms(violation.time_ms) })),
    job: {
      name: plan.job_name,
      final_status: evidence.final_status,
      parallelism: plan.parallelism,
      records_in: judged.records_in,
      records_out: evidence.final_output.length,
    },
    sink: { kind: plan.sink_kind, committed_records: evidence.final_output.length, duplicates: judged.duplicates, losses: judged.losses },
    checkpointing_mode: plan.checkpointing_mode,
    checkpoints: evidence.observer.checkpoint_history.map(round_checkpoint),
    recoveries: attribute_recoveries(evidence, judged.per_recovery_duplicates).map(round_recovery),
    faults: evidence.faults.map((fault) => ({ ...fault, time_ms: round_ms(fault.time_ms) })),
    throughput: evidence.throughput,
    probes: evidence.probes,
    virtual_duration_ms: round_ms(evidence.virtual_duration_ms),
    wall_ms: Math.round(wall_ms),
    events: evidence.events,
    replay_command: replay_command(options.seed, options.scenario_file),
  };
  if (expected !== undefined) result.expected_violation = expected;
  if (evidence.unfired_faults.length > 0) result.unfired_faults = [...evidence.unfired_faults];
  if (evidence.source_lag.length > 0) result.source_lag = evidence.source_lag;
  if (evidence.commit_latency.length > 0) {
    result.commit_latency = evidence.commit_latency.map((commit) => ({ ...commit, time_ms: round_ms(commit.time_ms), latency_ms: round_ms(commit.latency_ms) }));
  }
  return result;
}
