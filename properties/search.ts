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
  runs: number;
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
  let failure: SearchFailure | undefined;
  const details = fc.check(
    fc.property(options.arbitrary, (value) => {
      runs++;
      for (const d of DIMENSIONS) if (value.dimensions[d]) dimension_runs[d]++;
      for (const fault of value.scenario.faults ?? []) {
        fault_kinds[fault.kind] = (fault_kinds[fault.kind] ?? 0) + 1;
        if ((fault as { on?: unknown }).on !== undefined) event_triggered_faults++;
      }
      const result = options.run(value.scenario, value.seed);
      for (const [name, count] of Object.entries(result.probes)) probe_hits[name] = (probe_hits[name] ?? 0) + count;
      const violation = options.check(result);
      if (violation !== undefined && failure === undefined) failure = { case: value, result, violation };
      return violation === undefined;
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
    elapsed_ms: now() - started_ms,
    interrupted: details.interrupted,
    ...(found !== undefined ? { failure: found } : {}),
    probe_hits,
    dimension_runs,
    fault_kinds,
    event_triggered_faults,
  };
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
