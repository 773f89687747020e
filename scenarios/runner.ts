// The scenario runner: one scenario at one seed → a RunResult. Builds the world and cluster (scenarios/run/assemble),
// injects the fault plan and nemesis during the safety phase, heals and checks liveness, then judges every property
// against the oracle (properties/). Everything inside the world is decided by the seed; only wall_ms reads a clock.
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { files_to_verify } from '../engine/recovery/checkpoint-selection.js';
import { InvariantViolation, type TraceSink } from '../sim/index.js';
import { check_checkpoint_invariants, MetadataDecodeCache } from '../properties/checkpoint-invariants.js';
import { evaluate_run, type RunEvidence } from '../properties/judge.js';
import { capture_checkpoint, type RestoreCapture } from '../properties/restore-check.js';
import { RUN_RESULT_FORMAT, RUN_RESULT_FORMAT_VERSION, type FaultSummary, type RunResult, type Violation } from './result-format.js';
import type { Scenario } from './schema/scenario.generated.js';
import { assemble, RunView, type EngineSeams } from './run/assemble.js';
import { inject, nemesis_plan, schedule_scenario_faults, type FaultContext } from './run/faults.js';
import { RunObserver } from './run/observer.js';
import { plan_run, type RunPlan } from './run/plan.js';

export interface RunScenarioOptions {
  seed: number;
  trace_path?: string;
  scenario_file: string;
}

/** Determinism is re-checked on every seed divisible by this (a sample in every swarm), and whenever asked for. */
export const DETERMINISM_SAMPLE_EVERY = 10;
/** Width of one throughput bucket of virtual time. */
export const THROUGHPUT_BUCKET_MS = 1_000;
/** Time given to in-flight output after the job reached a terminal status. */
const DRAIN_MS = 2_000;
/** Bound on trace bytes buffered before a write to the trace file. */
const TRACE_BUFFER_BYTES = 1 << 20;
const TERMINAL = new Set(['FINISHED', 'FAILED', 'CANCELED']);

function shell_quote(argument: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

export function replay_command(seed: number, scenario_file: string): string {
  return `npx streamsim replay ${seed} ${shell_quote(scenario_file)}`;
}

/** A JSONL trace file written in large chunks. */
class TraceFile {
  private readonly fd: number;
  private chunks: string[] = [];
  private buffered_bytes = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  line(line: string): void {
    this.chunks.push(line, '\n');
    this.buffered_bytes += line.length + 1;
    if (this.buffered_bytes >= TRACE_BUFFER_BYTES) this.flush();
  }
  flush(): void {
    if (this.chunks.length > 0) writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.buffered_bytes = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface RunHooks {
  /** Called with the world once assembled (tests observe or adjust it). */
  on_world?: (run: RunView) => void;
  /** Buggy engine parts for planted-bug tests (properties/planted-bugs/); never set by the CLI. */
  seams?: EngineSeams;
}

/** Runs one scenario at one seed. Never throws for engine failures: those are violations in the result. */
export function run_scenario(scenario: Scenario, options: RunScenarioOptions): RunResult {
  return run_scenario_with(scenario, options, {});
}

/** run_scenario with test hooks (not part of the CLI's port). */
export function run_scenario_with(scenario: Scenario, options: RunScenarioOptions, hooks: RunHooks): RunResult {
  const wall_start_ms = performance.now();
  const plan = plan_run(scenario);
  const trace_file = options.trace_path === undefined ? undefined : new TraceFile(options.trace_path);
  const trace: TraceSink = trace_file === undefined ? 'none' : { lines: (line) => trace_file.line(line) };
  try {
    const evidence = simulate(plan, options.seed, trace, hooks);
    if (plan.properties.includes('determinism') || options.seed % DETERMINISM_SAMPLE_EVERY === 0) {
      // Determinism checks itself: the same seed again, without a trace file, must give the same trace hash.
      const again = simulate(plan, options.seed, 'none', hooks.seams === undefined ? {} : { seams: hooks.seams });
      evidence.determinism_rerun_hash = again.trace_hash;
    }
    return build_result(plan, options, evidence, performance.now() - wall_start_ms);
  } finally {
    trace_file?.close();
  }
}

function simulate(plan: RunPlan, seed: number, trace: TraceSink, hooks: RunHooks): RunEvidence {
  const assembled = assemble(plan, seed, trace, hooks.seams);
  const world = assembled.world;
  const view = new RunView(assembled);
  const observer = new RunObserver(world);
  observer.attach();
  const gate = { open: true };
  const notes: string[] = [];
  if (assembled.engine_sink_kind !== plan.sink_kind) {
    notes.push(
      `the scenario asks for a ${plan.sink_kind} sink; the engine's ${plan.job_name} job writes through its ${assembled.engine_sink_kind} sink`,
    );
  }
  const context: FaultContext = { world, plan, observer, gate, sink_system_id: world.process_ids().includes('txstore') ? 'txstore' : 'collector', notes, unfired: [] };
  const evidence_hooks = new EvidenceRecorder(view, observer, plan.flink.checkpointing.num_retained);
  evidence_hooks.attach();
  hooks.on_world?.(view);

  schedule_scenario_faults(context);
  const nemesis_targets = ['jm', ...(plan.job_manager_ha ? ['jm-standby'] : []), ...assembled.task_manager_ids];
  const nemesis = nemesis_plan(context, nemesis_targets.filter((id) => world.process_ids().includes(id)));
  inject(context, nemesis.plan);

  const terminal = (): boolean => TERMINAL.has(view.job_status() ?? '');
  let invariant: Violation | undefined;
  let liveness_started_ms: number | undefined;
  let terminal_ms: number | undefined;
  // After every event: sample the evidence and note when the job first reached a terminal status. Until it is
  // terminal, `until` returns the status read for the note (read once per event).
  const note_terminal = (): boolean => {
    const is_terminal = terminal();
    if (terminal_ms === undefined && is_terminal) terminal_ms = world.now_ms;
    return is_terminal;
  };
  const sample_until_terminal = (): boolean => {
    evidence_hooks.sample(world.now_ms);
    return note_terminal();
  };
  const sample = (): boolean => {
    evidence_hooks.sample(world.now_ms);
    if (terminal_ms === undefined) note_terminal();
    return false;
  };
  try {
    if (plan.phases.mode === 'unrestricted') {
      world.phase('unrestricted');
      world.run({ until_ms: plan.phases.duration_ms, until: sample_until_terminal });
    } else {
      world.phase('safety');
      world.run({ until_ms: plan.phases.safety_duration_ms, until: sample_until_terminal });
      gate.open = false;
      world.clear_faults();
      for (const id of world.dead_processes()) world.restart(id);
      world.phase('liveness');
      liveness_started_ms = world.now_ms;
      world.run({ until_ms: liveness_started_ms + plan.phases.liveness_bound_ms, until: sample_until_terminal });
    }
    if (terminal()) world.run({ until_ms: world.now_ms + DRAIN_MS, until: sample });
  } catch (error) {
    if (error instanceof InvariantViolation) {
      invariant = { property: 'engine_invariants', message: error.message, time_ms: world.now_ms, detail: error.detail };
    } else {
      // An exception escaping a handler is an engine failure too: report it with the seed rather than crash the tool.
      const thrown = error instanceof Error ? error : new Error(String(error));
      const at = (thrown.stack ?? '').split('\n').slice(1, 4).map((line) => line.trim());
      invariant = { property: 'engine_invariants', message: `a handler threw ${thrown.name}: ${thrown.message}`, time_ms: world.now_ms, detail: { stack: at } };
    }
  }
  evidence_hooks.sample(world.now_ms);
  for (const unfired of context.unfired) {
    const note = unfired();
    if (note !== undefined) notes.push(note);
  }
  const summary = world.finish();
  return {
    plan,
    view,
    observer,
    notes,
    nemesis_enabled: nemesis.enabled,
    invariant,
    liveness_started_ms,
    terminal_ms,
    final_status: view.job_status() ?? observer.last_status?.status ?? 'CREATED',
    trace_hash: summary.trace_hash,
    events: summary.events,
    virtual_duration_ms: summary.virtual_time_ms,
    probes: summary.probes,
    faults: world.faults().map((note): FaultSummary => ({ time_ms: note.time_ms, kind: note.kind, target: note.target, ...(note.detail !== undefined ? { detail: note.detail } : {}) })),
    output_at_recoveries: evidence_hooks.output_at_recoveries,
    store_checks: evidence_hooks.store_checks,
    restores: evidence_hooks.restores,
    throughput: evidence_hooks.throughput,
    final_output: [...view.collected_output()],
    final_state: view.keyed_state(),
    determinism_rerun_hash: undefined,
    sink_transactions: (view.txstore()?.all_transactions() ?? []).map((txn) => ({ txn_id: txn.txn_id, state: txn.state, record_count: txn.record_count })),
  };
}

/** Samples output for throughput buckets and snapshots the output at every recovery (for the per-recovery checks). */
class EvidenceRecorder {
  readonly throughput: { time_ms: number; records: number }[] = [];
  readonly output_at_recoveries: { time_ms: number; output: unknown[] }[] = [];
  private next_bucket_ms = THROUGHPUT_BUCKET_MS;
  private last_count = 0;
  private static readonly MAX_SNAPSHOTS = 50;
  private static readonly MAX_BUCKETS = 100_000;
  /** Retained checkpoints' metadata is read at every check: decoded again only when its bytes change. */
  private readonly metadata: MetadataDecodeCache;

  constructor(
    private readonly view: RunView,
    private readonly observer: RunObserver,
    private readonly num_retained: number,
  ) {
    this.metadata = new MetadataDecodeCache(num_retained + 1);
  }

  /** The restored checkpoint's metadata and files, as the store held them at each 'recovery.restored'. */
  readonly restores: RestoreCapture[] = [];
  readonly store_checks: { checks: number; findings: { message: string; time_ms: number; detail: Record<string, unknown> }[] } = {
    checks: 0,
    findings: [],
  };

  attach(): void {
    this.observer.on('recovery.started', (event) => {
      this.check_store(event.time_ms);
      if (this.output_at_recoveries.length >= EvidenceRecorder.MAX_SNAPSHOTS) return;
      this.output_at_recoveries.push({ time_ms: event.time_ms, output: [...this.view.collected_output()] });
    });
    this.observer.on('checkpoint.completed', (event) => {
      this.check_store(event.time_ms);
      this.measure_size(event.fields['checkpoint_id']);
    });
    this.observer.on('recovery.restored', (event) => {
      const id = event.fields['checkpoint_id'];
      if (typeof id !== 'number' || this.restores.length >= EvidenceRecorder.MAX_SNAPSHOTS) return;
      const path = this.observer.metadata_path_by_id.get(id);
      if (path === undefined) return;
      const store = this.view.run.world.checkpoint_store;
      this.restores.push(capture_checkpoint(event.time_ms, id, path, (key) => store.peek(key)));
    });
  }

  /** A completed checkpoint's size when the engine logs none: its metadata plus every file it references. */
  private measure_size(checkpoint_id: unknown): void {
    if (typeof checkpoint_id !== 'number') return;
    const checkpoint = this.observer.checkpoints.get(checkpoint_id);
    const path = this.observer.metadata_path_by_id.get(checkpoint_id);
    if (checkpoint === undefined || path === undefined || checkpoint.size_bytes > 0) return;
    const bytes = this.view.run.world.checkpoint_store.peek(path);
    if (bytes === undefined) return;
    const decoded = this.metadata.decode(path, bytes);
    let size_bytes = bytes.length;
    if (decoded.ok) for (const file of files_to_verify(decoded.metadata)) size_bytes += file.size_bytes;
    checkpoint.size_bytes = size_bytes;
  }

  /** Every file a retained checkpoint references is still in the checkpoint store (unless storage faults ran). */
  private check_store(time_ms: number): void {
    const world = this.view.run.world;
    if (this.store_checks.findings.length > 0 || world.faults().some((fault) => fault.kind.startsWith('storage_'))) return;
    const result = check_checkpoint_invariants({
      triggered_ids: [],
      completed_ids: [],
      completed_metadata_paths: this.observer.completed_metadata_paths,
      aborted_ids: [],
      restored_ids: [],
      damaged_prefixes: [],
      num_retained: this.num_retained,
      peek: (key) => world.checkpoint_store.peek(key),
      storage_faults_injected: false,
      decode: (path, bytes) => this.metadata.decode(path, bytes),
    });
    this.store_checks.checks += result.checks;
    for (const finding of result.findings) this.store_checks.findings.push({ ...finding, time_ms });
  }

  sample(now_ms: number): void {
    while (now_ms >= this.next_bucket_ms && this.throughput.length < EvidenceRecorder.MAX_BUCKETS) {
      const count = this.view.collected_output().length;
      this.throughput.push({ time_ms: this.next_bucket_ms - THROUGHPUT_BUCKET_MS, records: count - this.last_count });
      this.last_count = count;
      this.next_bucket_ms += THROUGHPUT_BUCKET_MS;
    }
  }
}

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

function build_result(plan: RunPlan, options: RunScenarioOptions, evidence: RunEvidence, wall_ms: number): RunResult {
  const judged = evaluate_run(evidence);
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
    violations: judged.violations,
    job: {
      name: plan.job_name,
      final_status: evidence.final_status,
      parallelism: plan.parallelism,
      records_in: judged.records_in,
      records_out: evidence.final_output.length,
    },
    sink: { kind: plan.sink_kind, committed_records: evidence.final_output.length, duplicates: judged.duplicates, losses: judged.losses },
    checkpointing_mode: plan.checkpointing_mode,
    checkpoints: [...evidence.observer.checkpoints.values()],
    recoveries: attribute_recoveries(evidence, judged.per_recovery_duplicates),
    faults: evidence.faults,
    throughput: evidence.throughput,
    probes: evidence.probes,
    virtual_duration_ms: evidence.virtual_duration_ms,
    wall_ms: Math.round(wall_ms),
    events: evidence.events,
    replay_command: replay_command(options.seed, options.scenario_file),
  };
  if (expected !== undefined) result.expected_violation = expected;
  return result;
}
