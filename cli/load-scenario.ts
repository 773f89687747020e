// A scenario as the CLI uses it: loaded and validated (scenarios/load.ts) with the job it names (a user's module is
// imported and checked: scenarios/job-module.ts), then planned once, so a file that validates but cannot be planned
// is bad input (exit 2) at validate time, never a crash in the middle of a run.
import { format_scenario_errors } from '../scenarios/load.js';
import { load_scenario_with_job } from '../scenarios/job-module.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import { plan_run, ScenarioPlanError } from '../scenarios/run/plan.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { UsageError } from './errors.js';
import { display_path } from './failure-output.js';

/** Loads, validates and plans the scenario at `path` and its job; every problem is a UsageError naming the file. */
export async function load_checked_scenario(path: string, cwd: string): Promise<{ scenario: Scenario; job: JobUnderTest }> {
  const loaded = await load_scenario_with_job(path);
  if (!loaded.ok) {
    const errors = loaded.errors.map((e) => ({ ...e, file: display_path(e.file, cwd) }));
    throw new UsageError(`invalid scenario:\n${format_scenario_errors(errors)}`);
  }
  try {
    plan_run(loaded.scenario, loaded.job);
  } catch (error) {
    if (error instanceof ScenarioPlanError) throw new UsageError(`invalid scenario:\n${display_path(path, cwd)}: ${error.message}`);
    throw error;
  }
  return { scenario: loaded.scenario, job: loaded.job };
}
