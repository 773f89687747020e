// The property search: whole-engine cases (generators/engine-case.ts) run and judged for as long as a time budget
// allows — or for a fixed number of runs — from one fast-check seed. The first failing case is shrunk to its minimal
// fault plan (shrink.ts) and written as a failure file `streamsim replay` accepts. Probe hits and the dimensions
// switched on are counted, so a report can say what the search reached.
import fc from 'fast-check';
import type { RunResult, Violation } from '../scenarios/result-format.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { DIMENSIONS, type Dimension, type EngineCase } from './generators/engine-case.js';
import { shrink_failure, type ShrinkOutcome } from './shrink.js';

export interface SearchOptions {
  arbitrary: fc.Arbitrary<EngineCase>;
  /** fast-check's seed: the same seed draws the same cases in the same order. */
  seed: number;
  /** Stop drawing new cases after this much wall time (ms)... */
  budget_ms?: number;
  /** ...or after exactly this many runs (takes precedence). */
  runs?: number;
  /** With a budget: stop after this many runs too, if the budget lasts that long. */
  runs_at_most?: number;
  run(scenario: Scenario, seed: number): RunResult;
  /** undefined: the run holds; a violation: why it does not. */
  check(result: RunResult): Violation | undefined;
  /**
   * Coverage guidance: a case whose run reached a probe no more than `rare_hits` earlier runs reached is run again as
   * `variants` variants (other world seeds, timed faults moved by up to ±`jitter_ms`), so seeds go to fault kinds and
   * timings that reach rare engine code. Off by default.
   */
  guided?: { variants: number; rare_hits: number; jitter_ms: number };
  /** Shrink the first failure within this much wall time (ms); 0: do not shrink. Default 60 s. */
  shrink_budget_ms?: number;
  now_ms?(): number;
}

export interface SearchFailure {
  case: EngineCase;
  result: RunResult;
  violation: Violation;
  /** The shrunk failure (absent when shrinking was off or the case stopped failing on its own re-run). */
  shrunk?: ShrinkOutcome;
}

export interface SearchOutcome {
  /** Runs, coverage-guided variants included. */
  runs: number;
  /** Cases drawn (fast-check runs): STREAMSIM_PROPERTY_RUNS=cases draws the same cases again. */
  cases: number;
  elapsed_ms: number;
  /** Whether the budget ended the search (rather than the run count or a failure). */
  interrupted: boolean;
  failure?: SearchFailure;
  probe_hits: Record<string, number>;
  /** Runs per dimension switched on. */
  dimension_runs: Record<Dimension, number>;
  /** Runs per fault kind in the generated plans, and how many were event-triggered. */
  fault_kinds: Record<string, number>;
  event_triggered_faults: number;
  /** Runs that hit each probe (a run counts once per probe). */
  probe_runs: Record<string, number>;
  /** Per dimension: runs with the dimension on that hit each probe. */
  probe_runs_by_dimension: Record<Dimension, Record<string, number>>;
  /** Coverage guidance: variants run, and probes first reached by a variant. */
  guided_variants: number;
  probes_first_reached_by_variants: string[];
}

/** A variant of a case for coverage guidance: another world seed, timed faults moved by a seeded offset. */
export function case_variant(value: EngineCase, index: number, jitter_ms: number): EngineCase {
  let state = (value.seed * 2654435761 + index * 40503) >>> 0;
  const next = (): number => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state / 4294967296;
  };
  const faults = (value.scenario.faults ?? []).map((fault) => {
    const at = (fault as { at?: string }).at;
    if (at === undefined) return fault;
    const moved = Math.max(0, Math.round(Number.parseFloat(at) + (next() * 2 - 1) * jitter_ms));
    return { ...fault, at: `${moved} ms` };
  });
  const seed = 1 + ((value.seed + 7919 * (index + 1)) % 1_000_000);
  return { ...value, seed, scenario: { ...value.scenario, faults, seeds: [seed] } };
}

/** Everything a search judges: any violated property, except a job that failed because its restart strategy (rightly) gave up. */
export function search_violation(result: RunResult): Violation | undefined {
  return result.violations.find((v) => !(v.property === 'liveness' && (v.detail as { explained_by_restart_strategy?: unknown } | undefined)?.explained_by_restart_strategy === true));
}

export function run_search(options: SearchOptions): SearchOutcome {
  const now = options.now_ms ?? ((): number => Date.now());
  const started_ms = now();
  const probe_hits: Record<string, number> = {};
  const dimension_runs = Object.fromEntries(DIMENSIONS.map((d) => [d, 0])) as Record<Dimension, number>;
  const fault_kinds: Record<string, number> = {};
  let event_triggered_faults = 0;
  let runs = 0;
  let cases = 0;
  let failure: SearchFailure | undefined;
  const probe_runs: Record<string, number> = {};
  const probe_runs_by_dimension = Object.fromEntries(DIMENSIONS.map((d) => [d, {}])) as Record<Dimension, Record<string, number>>;
  let guided_variants = 0;
  const probes_first_reached_by_variants: string[] = [];
  /** Runs one case and counts what it reached; returns the probes it hit that at most `rare` earlier runs had hit. */
  const run_one = (value: EngineCase, variant: boolean, rare: number): { violation: Violation | undefined; rare_probes: string[] } => {
    runs++;
    for (const d of DIMENSIONS) if (value.dimensions[d]) dimension_runs[d]++;
    for (const fault of value.scenario.faults ?? []) {
      fault_kinds[fault.kind] = (fault_kinds[fault.kind] ?? 0) + 1;
      if ((fault as { on?: unknown }).on !== undefined) event_triggered_faults++;
    }
    const result = options.run(value.scenario, value.seed);
    const rare_probes: string[] = [];
    for (const [name, count] of Object.entries(result.probes)) {
      if (count <= 0) continue;
      const before = probe_runs[name] ?? 0;
      if (before <= rare) rare_probes.push(name);
      if (before === 0 && variant) probes_first_reached_by_variants.push(name);
      probe_hits[name] = (probe_hits[name] ?? 0) + count;
      probe_runs[name] = before + 1;
      for (const d of DIMENSIONS) if (value.dimensions[d]) probe_runs_by_dimension[d][name] = (probe_runs_by_dimension[d][name] ?? 0) + 1;
    }
    const violation = options.check(result);
    if (violation !== undefined && failure === undefined) failure = { case: value, result, violation };
    return { violation, rare_probes };
  };
  const details = fc.check(
    fc.property(options.arbitrary, (value) => {
      cases++;
      const guided = options.guided;
      const first = run_one(value, false, guided?.rare_hits ?? -1);
      if (first.violation !== undefined) return false;
      if (guided === undefined || first.rare_probes.length === 0) return true;
      for (let i = 0; i < guided.variants; i++) {
        guided_variants++;
        if (run_one(case_variant(value, i, guided.jitter_ms), true, -1).violation !== undefined) return false;
      }
      return true;
    }),
    {
      seed: options.seed,
      numRuns: options.runs ?? options.runs_at_most ?? 1_000_000,
      endOnFailure: true,
      ...(options.runs === undefined && options.budget_ms !== undefined ? { interruptAfterTimeLimit: options.budget_ms, markInterruptAsFailure: false } : {}),
    },
  );
  const found = failure;
  if (found !== undefined && (options.shrink_budget_ms ?? 60_000) > 0) {
    try {
      found.shrunk = shrink_failure(found.case.scenario, found.case.seed, {
        run: options.run,
        property: found.violation.property,
        budget_ms: options.shrink_budget_ms ?? 60_000,
        now_ms: now,
      });
    } catch {
      // The failure did not recur on its re-run (it is still reported, unshrunk).
    }
  }
  return {
    runs,
    cases,
    elapsed_ms: now() - started_ms,
    interrupted: details.interrupted,
    ...(found !== undefined ? { failure: found } : {}),
    probe_hits,
    dimension_runs,
    fault_kinds,
    event_triggered_faults,
    probe_runs,
    probe_runs_by_dimension,
    guided_variants,
    probes_first_reached_by_variants,
  };
}

/**
 * The probes a dimension reaches: those hit in at least 3 runs with it on and at a rate at least twice (or only)
 * that of the runs with it off, most distinctive first.
 */
export function dimension_reach(outcome: SearchOutcome, dimension: Dimension, limit = 4): { probe: string; runs_on: number; rate_on: number; rate_off: number }[] {
  const on_runs = outcome.dimension_runs[dimension];
  const off_runs = outcome.runs - on_runs;
  if (on_runs === 0) return [];
  const out: { probe: string; runs_on: number; rate_on: number; rate_off: number }[] = [];
  for (const [probe, runs_on] of Object.entries(outcome.probe_runs_by_dimension[dimension])) {
    const runs_off = (outcome.probe_runs[probe] ?? 0) - runs_on;
    const rate_on = runs_on / on_runs;
    const rate_off = off_runs === 0 ? 0 : runs_off / off_runs;
    if (runs_on >= 3 && rate_on >= 2 * rate_off) out.push({ probe, runs_on, rate_on, rate_off });
  }
  return out.sort((a, b) => b.rate_on / Math.max(b.rate_off, 1e-3) - a.rate_on / Math.max(a.rate_off, 1e-3) || a.probe.localeCompare(b.probe)).slice(0, limit);
}

/**
 * The search seed: STREAMSIM_PROPERTY_SEED when set, else one derived from the commit being tested (so every commit
 * searches new cases and a failure names a seed that reproduces it), else from the day.
 */
export function rotated_seed(commit: string | undefined, day: string): number {
  const text = commit ?? day;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h % 2_147_483_647;
}

/** The commit checked out at `root` (HEAD's sha, read from .git without running git), or undefined. */
export function read_git_commit(root: string, read: (path: string) => string | undefined): string | undefined {
  const dot_git = read(`${root}/.git`);
  // A worktree's .git is a file naming its git dir; a clone's is a directory (read() gives undefined for it).
  const git_dir = dot_git !== undefined && dot_git.startsWith('gitdir:') ? dot_git.slice('gitdir:'.length).trim() : `${root}/.git`;
  const head = read(`${git_dir}/HEAD`)?.trim();
  if (head === undefined) return undefined;
  if (!head.startsWith('ref:')) return /^[0-9a-f]{40}$/.test(head) ? head : undefined;
  const ref = head.slice('ref:'.length).trim();
  const common = read(`${git_dir}/commondir`)?.trim();
  const common_dir = common === undefined ? git_dir : common.startsWith('/') ? common : `${git_dir}/${common}`;
  for (const dir of [git_dir, common_dir]) {
    const sha = read(`${dir}/${ref}`)?.trim();
    if (sha !== undefined && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  const packed = read(`${common_dir}/packed-refs`);
  const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
  return line?.split(' ')[0];
}
