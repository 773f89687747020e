// The CLI's port to the judged scenario run: the function type it calls, and the module that implements it
// (properties/run.ts), imported lazily by URL so swarm workers can load the same module (or a test stand-in).
import type { RunResult } from '../scenarios/result-format.js';
import type { RunBudget, RunProgress } from '../scenarios/runner.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import { MissingComponentError } from './errors.js';
import { own_module } from './package-root.js';

export interface RunOptions {
  seed: number;
  /** Where to write the JSONL trace; only ever chosen by a command-line flag. */
  trace_path?: string;
  /** The scenario file as the user named it (labels, replay commands); the runner must not read it. */
  scenario_file: string;
  /** Limits on the run (events, wall time); exceeding one throws RunBudgetExceeded. */
  budget?: RunBudget;
  /** The scenario's job, loaded (scenarios/job-module.ts load_job); required when the job comes from a module. */
  job?: JobUnderTest;
  /** Progress of a long run, for a progress line. */
  on_progress?: (progress: RunProgress) => void;
}

export type RunScenario = (scenario: Scenario, options: RunOptions) => RunResult;

/** The module that exports `run_scenario: RunScenario`. Workers import it by this URL. */
export const DEFAULT_RUNNER_MODULE = own_module('../properties/run');

function is_missing_module(error: unknown, module_url: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND') return false;
  const message = String((error as Error).message);
  const path = new URL(module_url).pathname;
  const stem = path.replace(/\.(ts|js)$/, '');
  return message.includes(stem);
}

/** Imports `run_scenario` from a module URL; a missing runner module is reported as a MissingComponentError. */
export async function load_runner(module_url: string = DEFAULT_RUNNER_MODULE): Promise<RunScenario> {
  let module: { run_scenario?: unknown };
  try {
    module = (await import(module_url)) as { run_scenario?: unknown };
  } catch (error) {
    if (is_missing_module(error, module_url)) {
      throw new MissingComponentError(
        `the scenario runner module ${module_url} (export run_scenario) is missing, so scenarios cannot run`,
      );
    }
    throw error;
  }
  if (typeof module.run_scenario !== 'function') {
    throw new MissingComponentError(`${module_url} does not export a run_scenario function`);
  }
  return module.run_scenario as RunScenario;
}
