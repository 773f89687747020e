// A scenario as the CLI uses it: loaded and validated (scenarios/load.ts), then planned once, so a file that
// validates but cannot be planned is bad input (exit 2) at validate time, never a crash in the middle of a run.
import { format_scenario_errors, load_scenario } from '../scenarios/load.js';
import { plan_run, ScenarioPlanError } from '../scenarios/run/plan.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { UsageError } from './errors.js';
import { display_path } from './failure-output.js';

/** Loads, validates and plans the scenario at `path`; every problem is a UsageError naming the file. */
export function load_checked_scenario(path: string, cwd: string): Scenario {
  const loaded = load_scenario(path);
  if (!loaded.ok) {
    const errors = loaded.errors.map((e) => ({ ...e, file: display_path(e.file, cwd) }));
    throw new UsageError(`invalid scenario:\n${format_scenario_errors(errors)}`);
  }
  try {
    plan_run(loaded.scenario);
  } catch (error) {
    if (error instanceof ScenarioPlanError) throw new UsageError(`invalid scenario:\n${display_path(path, cwd)}: ${error.message}`);
    throw error;
  }
  return loaded.scenario;
}
