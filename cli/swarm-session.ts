// One swarm (or catalogue) run as the user lives it: progress on stderr, each failure reported the moment it happens,
// and an early stop — Ctrl-C, --fail-fast, --time-budget — that keeps every run that finished.
import type { RunResult } from '../scenarios/result-format.js';
import type { SwarmStop } from '../reports/json-report.js';
import { run_failed, type TextSink } from './output.js';
import { run_jobs, type JobFailure, type JobOutcome, type PoolOptions, type PoolScenario, type SwarmJob } from './pool.js';
import { SwarmProgress, type RunTally } from './progress.js';

/** Subscribes to Ctrl-C (SIGINT); returns the unsubscribe function. */
export type InterruptSource = (handler: () => void) => () => void;

export interface SessionOptions extends Pick<PoolOptions, 'scenarios' | 'jobs' | 'workers' | 'runner_module' | 'runner' | 'budget'> {
  /** `swarm` or `catalogue`: prefixes progress lines. */
  label: string;
  fail_fast: boolean;
  /** Stop starting runs after this long; runs still going are abandoned. */
  time_budget_ms?: number;
  stderr: TextSink;
  show_progress: boolean;
  on_interrupt?: InterruptSource;
  /** The text for a run that failed (and writes its failure file); printed as it happens. */
  on_failure: (entry: PoolScenario, result: RunResult) => string;
  /** The text for a run without a result (an internal error or a run over budget); printed as it happens. */
  on_problem: (entry: PoolScenario, job: SwarmJob, failure: JobFailure) => string;
}

export interface RunProblem {
  entry: PoolScenario;
  job: SwarmJob;
  failure: JobFailure;
}

export interface SessionOutcome {
  /** The runs that finished with a result, in job order, and their jobs. */
  results: RunResult[];
  result_jobs: SwarmJob[];
  failed: number;
  problems: RunProblem[];
  stopped: SwarmStop | undefined;
  runs_planned: number;
  elapsed_ms: number;
}

export async function run_session(options: SessionOptions): Promise<SessionOutcome> {
  const progress = new SwarmProgress(options.stderr, options.jobs.length, options.label, options.show_progress);
  const controller = new AbortController();
  let stopped: SwarmStop | undefined;
  const stop = (why: SwarmStop): void => {
    if (stopped !== undefined) return;
    stopped = why;
    controller.abort();
  };
  const unsubscribe = options.on_interrupt?.(() => stop('interrupted'));
  const timer =
    options.time_budget_ms === undefined ? undefined : setTimeout(() => stop('time_budget'), options.time_budget_ms);
  timer?.unref();
  const problems: RunProblem[] = [];
  let failed = 0;
  const entry_of = (job: SwarmJob): PoolScenario => {
    const entry = options.scenarios[job.scenario_index];
    if (entry === undefined) throw new Error(`job refers to scenario ${job.scenario_index}, which does not exist`);
    return entry;
  };
  const on_outcome = (outcome: JobOutcome, done: number): void => {
    const entry = entry_of(outcome.job);
    let bad = false;
    let tally: RunTally = 'held';
    if ('result' in outcome) {
      if (run_failed(outcome.result)) {
        bad = true;
        tally = 'failed';
        failed++;
        progress.interject(options.on_failure(entry, outcome.result));
      }
    } else {
      bad = true;
      // A run over its budget was not judged: the progress line counts it apart from failed runs.
      tally = outcome.failure.kind === 'budget' ? 'over_budget' : 'failed';
      problems.push({ entry, job: outcome.job, failure: outcome.failure });
      progress.interject(options.on_problem(entry, outcome.job, outcome.failure));
    }
    progress.update(done, tally);
    if (bad && options.fail_fast) stop('fail_fast');
    if (options.time_budget_ms !== undefined && progress.elapsed_ms() >= options.time_budget_ms) stop('time_budget');
  };
  try {
    const run = await run_jobs({
      scenarios: options.scenarios,
      jobs: options.jobs,
      workers: options.workers,
      runner_module: options.runner_module,
      ...(options.runner !== undefined ? { runner: options.runner } : {}),
      ...(options.budget !== undefined ? { budget: options.budget } : {}),
      on_outcome,
      signal: controller.signal,
      keep_main_thread_free: options.on_interrupt !== undefined,
    });
    const results: RunResult[] = [];
    const result_jobs: SwarmJob[] = [];
    for (const outcome of run.outcomes) {
      if (outcome !== undefined && 'result' in outcome) {
        results.push(outcome.result);
        result_jobs.push(outcome.job);
      }
    }
    // Every run finished although a stop came at the very end: the swarm is complete.
    const all_done = run.outcomes.every((outcome) => outcome !== undefined);
    return { results, result_jobs, failed, problems, stopped: all_done ? undefined : stopped, runs_planned: options.jobs.length, elapsed_ms: progress.elapsed_ms() };
  } finally {
    progress.finish();
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe?.();
  }
}
