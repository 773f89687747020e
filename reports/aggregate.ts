// Swarm aggregates over many runs: pass/fail counts, faults by kind, probe coverage (never-hit probes are
// findings), measured exactly-once rate per sink kind × checkpointing mode, and every failure with its replay.
import type { CheckpointingMode, RunResult, SinkKind } from '../scenarios/result-format.js';

export interface ProbeCoverage {
  name: string;
  /** Hits summed over every run. */
  total_hits: number;
  /** Runs in which the probe fired at least once. */
  runs_hit: number;
}

export interface DeliveryCell {
  sink_kind: SinkKind;
  checkpointing_mode: CheckpointingMode;
  runs: number;
  /** Runs whose output was judged and was exactly the oracle's: no output property failed, no duplicates, no losses. */
  exactly_once_runs: number;
  /** Runs whose output no output property judged (every one skipped, e.g. a job that never finished). */
  not_judged_runs: number;
  /** exactly_once_runs / (runs - not_judged_runs); null when no run of this combination was judged. */
  exactly_once_rate: number | null;
  recoveries: number;
  duplicates: number;
  losses: number;
  /** duplicates / recoveries; null when there was no recovery. */
  duplicates_per_recovery: number | null;
  losses_per_recovery: number | null;
}

export interface FailureEntry {
  scenario: string;
  seed: number;
  run_id: string;
  trace_hash: string;
  /** Why the run failed: unexpected violation messages, or the expected violation that never happened. */
  reasons: string[];
  replay_command: string;
}

export interface SwarmAggregate {
  runs: number;
  /** Distinct seeds over all runs. */
  seeds_run: number;
  scenarios: string[];
  passed: number;
  failed: number;
  expected_violations: { met: number; missed: number };
  /** Injected faults counted by kind, keys sorted. */
  faults_by_kind: Record<string, number>;
  coverage: {
    probes: ProbeCoverage[];
    /** Probes declared (or reported with zero hits) that no run reached: the faults are not reaching that code. */
    never_hit: string[];
  };
  delivery: DeliveryCell[];
  failures: FailureEntry[];
}

export interface AggregateOptions {
  /** Probes the engine declares; any not reported by a run count as never hit. */
  known_probes?: readonly string[];
}

/** The sink kinds × checkpointing modes a swarm always reports, in this order, even when no run had them. */
export const DELIVERY_GRID_SINK_KINDS: readonly SinkKind[] = ['two_phase_commit', 'idempotent', 'at_least_once'];
export const DELIVERY_GRID_MODES: readonly CheckpointingMode[] = ['aligned', 'unaligned', 'at_least_once'];

/** A run failed when a property failed unexpectedly or an expected violation did not happen. */
export function run_failed(result: RunResult): boolean {
  return result.outcome === 'violation' || (result.expected_violation !== undefined && !result.expectation_met);
}

const OUTPUT_PROPERTIES: ReadonlySet<string> = new Set(['exactly_once_output', 'at_least_once_output', 'at_most_once_output']);

/**
 * How a run delivered: exactly once when an output property judged it and none failed, with no duplicates and no
 * losses at the sink; not judged when every output property was skipped (nothing to claim either way).
 */
export function run_delivery(result: RunResult): 'exactly_once' | 'not_exactly_once' | 'not_judged' {
  const output = result.properties.filter((property) => OUTPUT_PROPERTIES.has(property.property));
  if (output.some((property) => property.status === 'fail') || result.sink.duplicates > 0 || result.sink.losses > 0) return 'not_exactly_once';
  return output.some((property) => property.status === 'pass') ? 'exactly_once' : 'not_judged';
}

/** A run was exactly-once at its sink: judged so by an output property, with no duplicates and no losses. */
export function run_exactly_once(result: RunResult): boolean {
  return run_delivery(result) === 'exactly_once';
}

export function failure_reasons(result: RunResult): string[] {
  const reasons = result.violations
    .filter((violation) => violation.property !== result.expected_violation)
    .map((violation) => `${violation.property}: ${violation.message}`);
  if (result.expected_violation !== undefined && !result.expectation_met) {
    reasons.push(`expected violation of ${result.expected_violation} did not happen`);
  }
  if (reasons.length === 0 && result.outcome === 'violation') reasons.push('run reported a violation outcome');
  return reasons;
}

function compare_text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ratio_or_null(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

export function aggregate_swarm(results: readonly RunResult[], options: AggregateOptions = {}): SwarmAggregate {
  const faults_by_kind = new Map<string, number>();
  const probes = new Map<string, ProbeCoverage>();
  for (const name of options.known_probes ?? []) probes.set(name, { name, total_hits: 0, runs_hit: 0 });
  const cells = new Map<string, DeliveryCell>();
  const cell_for = (sink_kind: SinkKind, checkpointing_mode: CheckpointingMode): DeliveryCell => {
    const cell_key = `${sink_kind}|${checkpointing_mode}`;
    let cell = cells.get(cell_key);
    if (!cell) {
      cell = {
        sink_kind,
        checkpointing_mode,
        runs: 0,
        exactly_once_runs: 0,
        not_judged_runs: 0,
        exactly_once_rate: null,
        recoveries: 0,
        duplicates: 0,
        losses: 0,
        duplicates_per_recovery: null,
        losses_per_recovery: null,
      };
      cells.set(cell_key, cell);
    }
    return cell;
  };
  for (const sink_kind of DELIVERY_GRID_SINK_KINDS) for (const mode of DELIVERY_GRID_MODES) cell_for(sink_kind, mode);

  let passed = 0;
  let met = 0;
  let missed = 0;
  const failures: FailureEntry[] = [];
  for (const result of results) {
    if (run_failed(result)) {
      failures.push({
        scenario: result.scenario.name,
        seed: result.seed,
        run_id: result.run_id,
        trace_hash: result.trace_hash,
        reasons: failure_reasons(result),
        replay_command: result.replay_command,
      });
    } else {
      passed += 1;
    }
    if (result.expected_violation !== undefined) {
      if (result.expectation_met) met += 1;
      else missed += 1;
    }
    for (const fault of result.faults) faults_by_kind.set(fault.kind, (faults_by_kind.get(fault.kind) ?? 0) + 1);
    for (const [name, hits] of Object.entries(result.probes)) {
      const coverage = probes.get(name) ?? { name, total_hits: 0, runs_hit: 0 };
      coverage.total_hits += hits;
      if (hits > 0) coverage.runs_hit += 1;
      probes.set(name, coverage);
    }
    const cell = cell_for(result.sink.kind, result.checkpointing_mode);
    cell.runs += 1;
    const delivery = run_delivery(result);
    if (delivery === 'exactly_once') cell.exactly_once_runs += 1;
    if (delivery === 'not_judged') cell.not_judged_runs += 1;
    cell.recoveries += result.recoveries.length;
    cell.duplicates += result.sink.duplicates;
    cell.losses += result.sink.losses;
  }
  for (const cell of cells.values()) {
    cell.exactly_once_rate = ratio_or_null(cell.exactly_once_runs, cell.runs - cell.not_judged_runs);
    cell.duplicates_per_recovery = ratio_or_null(cell.duplicates, cell.recoveries);
    cell.losses_per_recovery = ratio_or_null(cell.losses, cell.recoveries);
  }
  const probe_list = [...probes.values()].sort((a, b) => compare_text(a.name, b.name));
  return {
    runs: results.length,
    seeds_run: new Set(results.map((result) => result.seed)).size,
    scenarios: [...new Set(results.map((result) => result.scenario.name))].sort(compare_text),
    passed,
    failed: failures.length,
    expected_violations: { met, missed },
    faults_by_kind: Object.fromEntries([...faults_by_kind.entries()].sort((a, b) => compare_text(a[0], b[0]))),
    coverage: { probes: probe_list, never_hit: probe_list.filter((p) => p.total_hits === 0).map((p) => p.name) },
    delivery: [...cells.values()],
    failures,
  };
}
