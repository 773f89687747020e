// Runs many (scenario, seed) jobs, in this thread or on a pool of node:worker_threads workers. Every job ends in an
// outcome (a result, or why it has none), reported as it finishes and returned in job order whatever the number of
// workers; a job that throws, or a worker that dies, costs that job only. An abort signal stops the pool early.
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { RunResult } from '../scenarios/result-format.js';
import type { RunBudget } from '../scenarios/runner.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import { MissingComponentError } from './errors.js';
import { own_module, RUNNING_COMPILED } from './package-root.js';
import { load_runner, type RunScenario } from './runner-port.js';
import type { WorkerReply, WorkerRequest } from './swarm-worker.js';

export interface PoolScenario {
  scenario: Scenario;
  scenario_file: string;
  /** Absolute directory of the scenario file: a job module's path is relative to it (workers load the job again). */
  scenario_dir?: string;
  /** The scenario's job, loaded in this thread (not sent to workers: they load it themselves). */
  job?: JobUnderTest;
}

export interface SwarmJob {
  scenario_index: number;
  seed: number;
}

/** Why a job has no result: the run threw (a bug: `internal`) or went beyond its budget (`budget`). */
export interface JobFailure {
  kind: 'internal' | 'budget';
  message: string;
  stack?: string;
}

export type JobOutcome = { index: number; job: SwarmJob; result: RunResult } | { index: number; job: SwarmJob; failure: JobFailure };

export interface PoolOptions {
  scenarios: readonly PoolScenario[];
  jobs: readonly SwarmJob[];
  /** 1 runs in this thread. */
  workers: number;
  /** Module URL exporting run_scenario (what workers import). */
  runner_module: string;
  /** In-thread runner, when the caller already has one (tests inject a fake here). */
  runner?: RunScenario;
  budget?: RunBudget;
  /** Called as each job finishes, in the order they finish. */
  on_outcome?: (outcome: JobOutcome, done: number, total: number) => void;
  /** Once aborted, no further job starts and running jobs are abandoned (they get no outcome). */
  signal?: AbortSignal;
  /**
   * Run even a single worker's jobs on a worker thread, so the main thread stays free for Ctrl-C during a long run
   * (in this thread, a signal is handled only between runs). Ignored when `runner` is given.
   */
  keep_main_thread_free?: boolean;
}

export interface PoolRun {
  /** In job order; undefined for a job that did not finish because the pool was stopped. */
  outcomes: (JobOutcome | undefined)[];
  stopped: boolean;
}

export const MAX_WORKERS = 256;
/** Workers that die (e.g. out of memory) are replaced, this many times beyond the pool size at most. */
export const MAX_WORKER_REPLACEMENTS = 8;

export function default_worker_count(): number {
  return Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
}

/**
 * Compiled (dist/), a worker runs swarm-worker.js directly; from the TypeScript source it boots tsx first
 * (swarm-worker-boot.mjs).
 */
function start_worker_thread(): Worker {
  if (RUNNING_COMPILED) return new Worker(new URL(own_module('./swarm-worker')));
  return new Worker(new URL('./swarm-worker-boot.mjs', import.meta.url), { workerData: { entry: own_module('./swarm-worker') } });
}

function job_scenario(options: PoolOptions, job: SwarmJob): PoolScenario {
  const entry = options.scenarios[job.scenario_index];
  if (entry === undefined) throw new Error(`job refers to scenario ${job.scenario_index}, which does not exist`);
  return entry;
}

/** The failure a thrown error stands for (a RunBudgetExceeded is recognised by name: it may cross a thread). */
export function job_failure(error: unknown): JobFailure {
  const budget = error instanceof Error && error.name === 'RunBudgetExceeded';
  return {
    kind: budget ? 'budget' : 'internal',
    message: error instanceof Error ? error.message : String(error),
    ...(!budget && error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

/** A worker that ran out of heap: the run was too big for the memory a worker may hold (bad input, like any budget). */
function out_of_memory_failure(): JobFailure {
  const limit_mb = Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024));
  return {
    kind: 'budget',
    message:
      `run budget exceeded: the run needed more heap than a worker may hold (about ${limit_mb} MB); make the scenario smaller ` +
      '(records, keys, duration), or give node more memory (NODE_OPTIONS=--max-old-space-size=<MB>)',
  };
}

const next_turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function run_in_thread(options: PoolOptions): Promise<PoolRun> {
  const runner = options.runner ?? (await load_runner(options.runner_module));
  const outcomes: (JobOutcome | undefined)[] = new Array<JobOutcome | undefined>(options.jobs.length).fill(undefined);
  let done = 0;
  for (const [index, job] of options.jobs.entries()) {
    // A turn of the event loop between runs lets a signal (Ctrl-C) or a timer stop the pool.
    await next_turn();
    if (options.signal?.aborted === true) return { outcomes, stopped: true };
    const { scenario, scenario_file, job: loaded } = job_scenario(options, job);
    let outcome: JobOutcome;
    try {
      const result = runner(scenario, {
        seed: job.seed,
        scenario_file,
        ...(loaded === undefined ? {} : { job: loaded }),
        ...(options.budget !== undefined ? { budget: options.budget } : {}),
      });
      outcome = { index, job, result };
    } catch (error) {
      if (error instanceof MissingComponentError) throw error;
      outcome = { index, job, failure: job_failure(error) };
    }
    outcomes[index] = outcome;
    options.on_outcome?.(outcome, ++done, options.jobs.length);
  }
  return { outcomes, stopped: false };
}

async function run_on_workers(options: PoolOptions, worker_count: number): Promise<PoolRun> {
  const total = options.jobs.length;
  const outcomes: (JobOutcome | undefined)[] = new Array<JobOutcome | undefined>(total).fill(undefined);
  let next_job = 0;
  let done = 0;
  let replacements = 0;
  const workers = new Set<Worker>();
  /** The job each worker is running. */
  const running = new Map<Worker, number>();
  let stopped = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve();
        else reject(error);
      };
      const stop = (): void => {
        stopped = true;
        finish();
      };
      if (options.signal?.aborted === true) return stop();
      options.signal?.addEventListener('abort', stop, { once: true });
      const record = (outcome: JobOutcome): void => {
        if (outcomes[outcome.index] !== undefined) return finish(new Error(`job ${outcome.index} finished twice`));
        outcomes[outcome.index] = outcome;
        options.on_outcome?.(outcome, ++done, total);
        if (done === total) finish();
      };
      const dispatch = (worker: Worker): void => {
        if (settled || options.signal?.aborted === true || next_job >= total) return;
        const index = next_job++;
        const job = options.jobs[index];
        if (job === undefined) return finish(new Error('job index out of range'));
        running.set(worker, index);
        const request: WorkerRequest = { type: 'job', index, scenario_index: job.scenario_index, seed: job.seed };
        worker.postMessage(request);
      };
      const start_worker = (): void => {
        const worker = start_worker_thread();
        workers.add(worker);
        worker.on('message', (reply: WorkerReply) => {
          if (settled) return;
          running.delete(worker);
          const job = options.jobs[reply.index];
          if (job === undefined) return finish(new Error(`a worker answered for job ${reply.index}, which does not exist`));
          if (reply.type === 'error') {
            if (reply.missing_component) return finish(new MissingComponentError(reply.message));
            record({ index: reply.index, job, failure: reply.failure });
          } else {
            record({ index: reply.index, job, result: reply.result });
          }
          dispatch(worker);
        });
        // A worker that dies (out of memory, a crash in native code) costs the job it was running, not the swarm.
        const lost = (why: string, failure?: JobFailure): void => {
          if (settled || !workers.has(worker)) return;
          workers.delete(worker);
          const index = running.get(worker);
          running.delete(worker);
          if (index !== undefined) {
            const job = options.jobs[index];
            if (job !== undefined) record({ index, job, failure: failure ?? { kind: 'internal', message: `the worker running this job died: ${why}` } });
          }
          if (settled) return;
          if (replacements++ >= worker_count + MAX_WORKER_REPLACEMENTS) return finish(new Error(`swarm workers keep dying (${why}); stopping`));
          if (next_job < total) start_worker();
          else if (running.size === 0 && done === total) finish();
        };
        worker.on('error', (error: NodeJS.ErrnoException) => lost(error.message, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? out_of_memory_failure() : undefined));
        worker.on('exit', (code) => lost(`it exited with code ${code}`));
        const init: WorkerRequest = {
          type: 'init',
          runner_module: options.runner_module,
          scenarios: options.scenarios.map((s) => ({
            scenario: s.scenario,
            scenario_file: s.scenario_file,
            ...(s.scenario_dir === undefined ? {} : { scenario_dir: s.scenario_dir }),
          })),
          ...(options.budget !== undefined ? { budget: options.budget } : {}),
        };
        worker.postMessage(init);
        dispatch(worker);
      };
      for (let w = 0; w < worker_count; w++) start_worker();
    });
  } finally {
    const all = [...workers];
    workers.clear();
    await Promise.all(all.map((worker) => worker.terminate()));
  }
  return { outcomes, stopped };
}

/** Runs the jobs; outcomes come back in job order. */
export async function run_jobs(options: PoolOptions): Promise<PoolRun> {
  if (options.jobs.length === 0) return { outcomes: [], stopped: false };
  const worker_count = Math.max(1, Math.min(options.workers, options.jobs.length, MAX_WORKERS));
  if (worker_count === 1 && (options.runner !== undefined || options.keep_main_thread_free !== true)) return run_in_thread(options);
  return run_on_workers(options, worker_count);
}
