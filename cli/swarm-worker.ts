// A swarm worker thread: receives the scenarios once, then runs one (scenario, seed) job per message with the
// runner module it was told to import, and replies with the RunResult (or why there is none, for the pool to report).
// A job from a module is loaded here once per scenario (functions do not cross threads).
import { parentPort } from 'node:worker_threads';
import type { RunResult } from '../scenarios/result-format.js';
import type { RunBudget } from '../scenarios/runner.js';
import { job_failure, type JobFailure, type PoolScenario } from './pool.js';
import { MissingComponentError } from './errors.js';
import { load_runner, type RunScenario } from './runner-port.js';
import { load_job } from '../scenarios/job-module.js';
import { format_scenario_errors } from '../scenarios/load.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';

export type WorkerRequest =
  | { type: 'init'; runner_module: string; scenarios: PoolScenario[]; budget?: RunBudget }
  | { type: 'job'; index: number; scenario_index: number; seed: number };

export type WorkerReply =
  | { type: 'result'; index: number; result: RunResult }
  | { type: 'error'; index: number; message: string; failure: JobFailure; missing_component: boolean };

const port = parentPort;
if (port !== null) {
  let scenarios: PoolScenario[] = [];
  let budget: RunBudget | undefined;
  let runner: Promise<RunScenario> | null = null;
  const jobs = new Map<number, Promise<JobUnderTest | undefined>>();
  const job_of = (index: number, entry: PoolScenario): Promise<JobUnderTest | undefined> => {
    let job = jobs.get(index);
    if (job === undefined) {
      const dir = entry.scenario_dir;
      job =
        entry.scenario.job.module === undefined || dir === undefined
          ? Promise.resolve(undefined)
          : load_job(entry.scenario, dir, entry.scenario_file).then((loaded) => {
              if (!loaded.ok) throw new Error(format_scenario_errors(loaded.errors));
              return loaded.job;
            });
      jobs.set(index, job);
    }
    return job;
  };
  // Jobs are handled one after another: the chain keeps replies in the order the jobs arrived.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'init') {
      scenarios = request.scenarios;
      budget = request.budget;
      runner = load_runner(request.runner_module);
      runner.catch(() => undefined);
      return;
    }
    chain = chain.then(async () => {
      try {
        if (runner === null) throw new Error('swarm worker got a job before init');
        const run = await runner;
        const entry = scenarios[request.scenario_index];
        if (entry === undefined) throw new Error(`no scenario ${request.scenario_index}`);
        const job = await job_of(request.scenario_index, entry);
        const result = run(entry.scenario, {
          seed: request.seed,
          scenario_file: entry.scenario_file,
          ...(job === undefined ? {} : { job }),
          ...(budget !== undefined ? { budget } : {}),
        });
        const reply: WorkerReply = { type: 'result', index: request.index, result };
        port.postMessage(reply);
      } catch (error) {
        const failure = job_failure(error);
        const reply: WorkerReply = {
          type: 'error',
          index: request.index,
          message: failure.message,
          failure,
          missing_component: error instanceof MissingComponentError,
        };
        port.postMessage(reply);
      }
    });
  });
}
