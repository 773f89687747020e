// The scenario runner: one scenario at one seed → the evidence of the run (SimulationEvidence). Builds the world and
// cluster (scenarios/run/assemble), injects the fault plan and nemesis during the safety phase, heals, runs the
// liveness phase and collects what happened. Judging it is properties/run.ts's job; everything is decided by the seed.
import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { files_to_verify } from '../engine/recovery/checkpoint-selection.js';
import { InvariantViolation, type TraceSink } from '../sim/index.js';
import type { StateEntry } from '../engine/state/backend.js';
import type { FaultSummary, JobStatus, Violation } from './result-format.js';
import { assemble, RunView, type EngineSeams } from './run/assemble.js';
import { inject, nemesis_plan, schedule_scenario_faults, type FaultContext } from './run/faults.js';
import { MetadataDecodeCache } from './run/metadata-cache.js';
import { RunObserver } from './run/observer.js';
import { OutputLedger } from './run/output-ledger.js';
import type { RunPlan } from './run/plan.js';
import type { JobUnderTest } from './job-under-test.js';
import { RunStopped } from './run/run-stopped.js';

export interface RunScenarioOptions {
  seed: number;
  trace_path?: string;
  scenario_file: string;
  /** The job the scenario names, when loaded by the caller (required for a job from a module: scenarios/job-module.ts). */
  job?: JobUnderTest;
  /** Limits on one judged run (every simulation of it together); none when absent. */
  budget?: RunBudget;
  /** Called now and then during a long run (roughly every RUN_PROGRESS_EVERY_EVENTS events). */
  on_progress?: (progress: RunProgress) => void;
}

/** Limits on one run: the world's events and the wall-clock time, across its simulations (incl. a determinism re-run). */
export interface RunBudget {
  max_events?: number;
  max_wall_ms?: number;
}

export interface RunProgress {
  events: number;
  virtual_ms: number;
  wall_ms: number;
}

/** How often (in world events) a run checks its budget and reports progress. */
export const RUN_PROGRESS_EVERY_EVENTS = 1024;

export { RunBudgetExceeded, RunStopped } from './run/run-stopped.js';

/** Determinism is re-checked on every seed divisible by this (a sample in every swarm), and whenever asked for. */
export const DETERMINISM_SAMPLE_EVERY = 10;
/** Width of one throughput bucket of virtual time. */
export const THROUGHPUT_BUCKET_MS = 1_000;
/** Bound on the output snapshots kept (one per recovery). */
export const MAX_OUTPUT_SNAPSHOTS = 50;
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
export class TraceFile {
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

/** What one simulated run leaves for the judge (properties/judge.ts) besides its own checks' findings. */
export interface SimulationEvidence {
  plan: RunPlan;
  view: RunView;
  observer: RunObserver;
  notes: string[];
  nemesis_enabled: string[];
  invariant: Violation | undefined;
  liveness_started_ms: number | undefined;
  terminal_ms: number | undefined;
  final_status: JobStatus;
  trace_hash: string;
  events: number;
  virtual_duration_ms: number;
  probes: Record<string, number>;
  faults: FaultSummary[];
  /** The committed output as it stood when each recovery started (at most MAX_OUTPUT_SNAPSHOTS). */
  output_at_recoveries: { time_ms: number; output: unknown[] }[];
  throughput: { time_ms: number; records: number }[];
  /** Input records produced but not yet read by the job's log sources, at the end of each throughput bucket. */
  source_lag: { time_ms: number; records: number }[];
  /** Each transactional commit: how long its oldest record waited to become visible (transaction begin → commit). */
  commit_latency: { time_ms: number; latency_ms: number; txn_id: string; records: number }[];
  final_output: unknown[];
  final_state: Map<string, StateEntry[]>;
  /** Key groups of each keyed operator final_state could read from live tasks (see RunView.keyed_state_coverage). */
  final_state_coverage: Map<string, { key_groups: number; max_parallelism: number }>;
  /** The external store's transactions at the end (two-phase-commit sinks; empty otherwise). */
  sink_transactions: { txn_id: string; state: string; record_count: number }[];
  /** Where each stretch of the output came from (transaction, checkpoint, attempt) and what was thrown away. */
  output_ledger: OutputLedger;
  /** Planned event-triggered faults that never fired, each in a sentence. */
  unfired_faults: string[];
}

/** A run as checks see it while it happens: they subscribe to the observer's events and read the world. */
export interface RunUnderCheck {
  plan: RunPlan;
  view: RunView;
  observer: RunObserver;
  /** Shared with the runner's size measurement, so retained metadata is decoded once per content. */
  metadata: MetadataDecodeCache;
  /** Calls `listener` after every event of the run (keep it cheap). */
  after_each_event(listener: () => void): void;
}

export interface SimulateHooks {
  /** Called with the world once assembled (tests observe or adjust it). */
  on_world?: (run: RunView) => void;
  /** Buggy engine parts for planted-bug tests (properties/planted-bugs/); never set by the CLI. */
  seams?: EngineSeams;
  /** Attaches checks that must run while the job runs (at checkpoints and recoveries), before any event. */
  attach_checks?: (run: RunUnderCheck) => void;
  /** Called every `interval` events with the world's event count and virtual time; may throw RunStopped. */
  every_events?: { interval: number; check: (events: number, now_ms: number) => void };
  /**
   * Called with the evidence once the run is over, before the trace's closing 'end' record: findings recorded now
   * (World.record_violation) land in the trace just before it.
   */
  before_end?: (evidence: SimulationEvidence) => void;
}

/** Runs one planned scenario at one seed in a fresh world. Never throws for engine failures: they are the evidence. */
export function simulate(plan: RunPlan, seed: number, trace: TraceSink, hooks: SimulateHooks = {}): SimulationEvidence {
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
  const metadata = new MetadataDecodeCache(plan.flink.checkpointing.num_retained + 1);
  const output_ledger = new OutputLedger(view, observer);
  output_ledger.attach();
  const evidence_hooks = new EvidenceRecorder(view, observer, metadata, output_ledger);
  evidence_hooks.attach();
  hooks.attach_checks?.({ plan, view, observer, metadata, after_each_event: (listener) => evidence_hooks.after_each_event.push(listener) });
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
  const every = hooks.every_events;
  let until_check = every?.interval ?? Infinity;
  const count_event = (): void => {
    if (--until_check > 0 || every === undefined) return;
    until_check = every.interval;
    every.check(world.events, world.now_ms);
  };
  const note_terminal = (): boolean => {
    const is_terminal = terminal();
    if (terminal_ms === undefined && is_terminal) terminal_ms = world.now_ms;
    return is_terminal;
  };
  const sample_until_terminal = (): boolean => {
    count_event();
    evidence_hooks.sample(world.now_ms);
    return note_terminal();
  };
  const sample = (): boolean => {
    count_event();
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
    if (error instanceof RunStopped) throw error;
    if (error instanceof InvariantViolation) {
      invariant = { property: 'engine_invariants', message: error.message, time_ms: world.now_ms, detail: error.detail };
    } else {
      // An exception escaping a handler is an engine failure too: report it with the seed rather than crash the tool.
      const thrown = error instanceof Error ? error : new Error(String(error));
      const at = (thrown.stack ?? '').split('\n').slice(1, 4).map((line) => line.trim());
      // A job from a user's module whose own code threw (its frame is on top of the stack): the user's finding.
      const job_dir = plan.job.source === undefined ? undefined : dirname(plan.job.source.path);
      const in_job = job_dir !== undefined && (at[0]?.includes(job_dir) ?? false);
      const who = in_job ? `the job's code (${plan.job.name}) threw` : 'a handler threw';
      invariant = { property: 'engine_invariants', message: `${who} ${thrown.name}: ${thrown.message}`, time_ms: world.now_ms, detail: { stack: at } };
    }
  }
  evidence_hooks.sample(world.now_ms);
  const unfired_faults: string[] = [];
  for (const unfired of context.unfired) {
    const note = unfired();
    if (note !== undefined) unfired_faults.push(note);
  }
  const summary = world.summary();
  const evidence: SimulationEvidence = {
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
    throughput: evidence_hooks.throughput,
    source_lag: evidence_hooks.source_lag,
    commit_latency: evidence_hooks.commit_latency,
    final_output: [...view.collected_output()],
    final_state: view.keyed_state(),
    final_state_coverage: view.keyed_state_coverage(),
    sink_transactions: (view.txstore()?.all_transactions() ?? []).map((txn) => ({ txn_id: txn.txn_id, state: txn.state, record_count: txn.record_count })),
    output_ledger,
    unfired_faults,
  };
  hooks.before_end?.(evidence);
  // Findings recorded by before_end are outside the hash: the 'end' record carries the same hash as the summary.
  world.finish();
  return evidence;
}

/**
 * Samples output for throughput buckets, snapshots the output at every recovery (for the per-recovery checks) and
 * measures each completed checkpoint's size when the engine logs none.
 */
class EvidenceRecorder {
  readonly throughput: { time_ms: number; records: number }[] = [];
  readonly output_at_recoveries: { time_ms: number; output: unknown[] }[] = [];
  readonly source_lag: { time_ms: number; records: number }[] = [];
  readonly commit_latency: { time_ms: number; latency_ms: number; txn_id: string; records: number }[] = [];
  /** Last known read position per `topic#partition` (a reader that is down keeps its last one). */
  private readonly source_positions = new Map<string, number>();
  private next_bucket_ms = THROUGHPUT_BUCKET_MS;
  private last_count = 0;
  private static readonly MAX_BUCKETS = 100_000;

  /** Called after every event (checks that watch the output as it grows). */
  readonly after_each_event: (() => void)[] = [];

  constructor(
    private readonly view: RunView,
    private readonly observer: RunObserver,
    private readonly metadata: MetadataDecodeCache,
    private readonly ledger: OutputLedger,
  ) {}

  attach(): void {
    this.observer.on_recovery((recovery) => {
      if (this.output_at_recoveries.length >= MAX_OUTPUT_SNAPSHOTS) return;
      this.output_at_recoveries.push({ time_ms: recovery.start_ms, output: [...this.view.collected_output()] });
    });
    this.observer.on('checkpoint.completed', (event) => this.measure_size(event.fields['checkpoint_id']));
    this.observer.on('txstore.committed', (event) => {
      const txn_id = event.fields['txn_id'];
      const records = event.fields['records'];
      if (typeof txn_id !== 'string' || this.commit_latency.length >= EvidenceRecorder.MAX_BUCKETS) return;
      const begin_ms = this.view.txstore()?.transaction_begin_ms(txn_id);
      if (begin_ms === undefined) return;
      this.commit_latency.push({ time_ms: event.time_ms, latency_ms: event.time_ms - begin_ms, txn_id, records: typeof records === 'number' ? records : 0 });
    });
  }

  /** Records produced at the log source's partitions and not yet read by the job (summed), or undefined without one. */
  private lag_records(now_ms: number): number | undefined {
    const broker = this.view.broker();
    if (broker === undefined) return undefined;
    for (const [partition, offset] of this.view.source_positions()) this.source_positions.set(partition, offset);
    let lag = 0;
    for (const [partition, produced] of broker.produced_records(now_ms)) lag += Math.max(0, produced - (this.source_positions.get(partition) ?? 0));
    return lag;
  }

  /** A completed checkpoint's size when the engine logs none: its metadata plus every file it references. */
  private measure_size(checkpoint_id: unknown): void {
    if (typeof checkpoint_id !== 'number') return;
    const checkpoint = this.observer.checkpoints.get(checkpoint_id);
    const path = this.observer.metadata_path_by_id.get(checkpoint_id);
    if (checkpoint === undefined || path === undefined || checkpoint.size_bytes > 0) return;
    const bytes = this.view.run.world.checkpoint_store.view(path);
    if (bytes === undefined) return;
    const decoded = this.metadata.decode(path, bytes);
    let size_bytes = bytes.length;
    if (decoded.ok) for (const file of files_to_verify(decoded.metadata)) size_bytes += file.size_bytes;
    checkpoint.size_bytes = size_bytes;
  }

  sample(now_ms: number): void {
    this.ledger.sample(now_ms);
    for (const listener of this.after_each_event) listener();
    while (now_ms >= this.next_bucket_ms && this.throughput.length < EvidenceRecorder.MAX_BUCKETS) {
      const count = this.view.collected_output().length;
      this.throughput.push({ time_ms: this.next_bucket_ms - THROUGHPUT_BUCKET_MS, records: count - this.last_count });
      const lag = this.lag_records(this.next_bucket_ms);
      if (lag !== undefined) this.source_lag.push({ time_ms: this.next_bucket_ms, records: lag });
      this.last_count = count;
      this.next_bucket_ms += THROUGHPUT_BUCKET_MS;
    }
  }
}
