// Runs many (scenario, seed) jobs, in this thread or on a pool of node:worker_threads workers. Results come back in
// job order whatever the number of workers, so a swarm's output does not depend on --workers.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunResult } from '../scenarios/result-format.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import { MissingComponentError } from './errors.js';
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

export interface PoolOptions {
  scenarios: readonly PoolScenario[];
  jobs: readonly SwarmJob[];
  /** 1 runs in this thread. */
  workers: number;
  /** Module URL exporting run_scenario (what workers import). */
  runner_module: string;
  /** In-thread runner, when the caller already has one (tests inject a fake here). */
  runner?: RunScenario;
  on_result?: (done: number, total: number, result: RunResult) => void;
}

export const MAX_WORKERS = 256;

export function default_worker_count(): number {
  return Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
}

const WORKER_BOOT_URL = new URL('./swarm-worker-boot.mjs', import.meta.url);
const WORKER_ENTRY_URL = new URL('./swarm-worker.ts', import.meta.url).href;

function job_scenario(options: PoolOptions, job: SwarmJob): PoolScenario {
  const entry = options.scenarios[job.scenario_index];
  if (entry === undefined) throw new Error(`job refers to scenario ${job.scenario_index}, which does not exist`);
  return entry;
}

async function run_in_thread(options: PoolOptions): Promise<RunResult[]> {
  const runner = options.runner ?? (await load_runner(options.runner_module));
  const results: RunResult[] = [];
  for (const job of options.jobs) {
    const { scenario, scenario_file, job: loaded } = job_scenario(options, job);
    const result = runner(scenario, { seed: job.seed, scenario_file, ...(loaded === undefined ? {} : { job: loaded }) });
    results.push(result);
    options.on_result?.(results.length, options.jobs.length, result);
  }
  return results;
}

async function run_on_workers(options: PoolOptions, worker_count: number): Promise<RunResult[]> {
  const total = options.jobs.length;
  const results: (RunResult | undefined)[] = new Array<RunResult | undefined>(total).fill(undefined);
  let next_job = 0;
  let done = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const dispatch = (worker: Worker): void => {
        if (next_job >= total) return;
        const index = next_job++;
        const job = options.jobs[index];
        if (job === undefined) throw new Error('job index out of range');
        const request: WorkerRequest = { type: 'job', index, scenario_index: job.scenario_index, seed: job.seed };
        worker.postMessage(request);
      };
      for (let w = 0; w < worker_count; w++) {
        const worker = new Worker(WORKER_BOOT_URL, { workerData: { entry: WORKER_ENTRY_URL } });
        workers.push(worker);
        worker.on('message', (reply: WorkerReply) => {
          if (settled) return;
          if (reply.type === 'error') {
            fail(reply.missing_component ? new MissingComponentError(reply.message) : Object.assign(new Error(reply.message), { stack: reply.stack }));
            return;
          }
          if (results[reply.index] !== undefined) {
            fail(new Error(`worker returned job ${reply.index} twice`));
            return;
          }
          results[reply.index] = reply.result;
          done++;
          options.on_result?.(done, total, reply.result);
          if (done === total) {
            settled = true;
            resolve();
          } else {
            dispatch(worker);
          }
        });
        worker.on('error', (error) => fail(error));
        worker.on('exit', (code) => {
          if (!settled && code !== 0) fail(new Error(`a swarm worker exited with code ${code}`));
        });
        const init: WorkerRequest = {
          type: 'init',
          runner_module: options.runner_module,
          scenarios: options.scenarios.map((s) => ({
            scenario: s.scenario,
            scenario_file: s.scenario_file,
            ...(s.scenario_dir === undefined ? {} : { scenario_dir: s.scenario_dir }),
          })),
        };
        worker.postMessage(init);
        dispatch(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results.map((result, index) => {
    if (result === undefined) throw new Error(`job ${index} has no result`);
    return result;
  });
}

/** Runs every job and returns the results in job order. */
export async function run_jobs(options: PoolOptions): Promise<RunResult[]> {
  if (options.jobs.length === 0) return [];
  const worker_count = Math.max(1, Math.min(options.workers, options.jobs.length, MAX_WORKERS));
  if (worker_count === 1) return run_in_thread(options);
  return run_on_workers(options, worker_count);
}
