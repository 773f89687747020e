// `streamsim shrink <failure-file>`: reads a failure file (from run, swarm, the catalogue or the property search),
// shrinks its scenario to the fewest, earliest, shortest faults that still violate the same property
// (properties/shrink.ts), writes the shrunk failure file beside it and prints the plan and the replay command.
import { dirname, resolve } from 'node:path';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import { load_job } from '../scenarios/job-module.js';
import { format_scenario_errors } from '../scenarios/load.js';
import type { RunResult } from '../scenarios/result-format.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { shrink_failure, ShrinkError, type ShrinkOutcome } from '../properties/shrink.js';
import { EXIT, UsageError } from './errors.js';
import { display_path, read_failure_file, replay_command_for_file, shrunk_failure_path, write_failure_file } from './failure-file.js';
import type { RunScenario } from './runner-port.js';
import type { TextSink } from './output.js';

export interface ShrinkCommandOptions {
  property?: string;
  maxRuns?: string;
  budget?: string;
  reports?: string;
  json?: boolean;
}

/** The property names a failure can be shrunk on (the scenario schema's list). */
const PROPERTY_NAME = /^[a-z_]+$/;

function parse_positive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new UsageError(`${flag}: expected a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return parsed;
}

/** One line per fault of a plan, for the terminal. */
export function describe_plan(faults: readonly unknown[]): string[] {
  return faults.map((fault, index) => `  ${index + 1}. ${JSON.stringify(fault)}`);
}

/**
 * Shrinks one scenario at one seed and writes the shrunk failure file under `reports_dir`. Returns undefined when the
 * run does not fail (any more): there is nothing to shrink.
 */
export function shrink_and_write(
  run: RunScenario,
  scenario: Scenario,
  seed: number,
  options: { reports_dir: string; cwd: string; scenario_file: string; job?: JobUnderTest; property?: string; max_runs?: number; budget_ms?: number; on_step?: (step: string) => void },
): { outcome: ShrinkOutcome; path: string } | undefined {
  let outcome: ShrinkOutcome;
  const job = options.job;
  try {
    outcome = shrink_failure(scenario, seed, {
      run: (candidate, candidate_seed): RunResult => run(candidate, { seed: candidate_seed, scenario_file: options.scenario_file, ...(job !== undefined ? { job } : {}) }),
      ...(options.property !== undefined ? { property: options.property as never } : {}),
      ...(options.max_runs !== undefined ? { max_runs: options.max_runs } : {}),
      ...(options.budget_ms !== undefined ? { budget_ms: options.budget_ms } : {}),
      ...(options.on_step !== undefined ? { on_step: (step: string) => options.on_step?.(step) } : {}),
    });
  } catch (error) {
    if (error instanceof ShrinkError) return undefined;
    throw error;
  }
  const path = write_failure_file(shrunk_failure_path(options.reports_dir, outcome.scenario.name, seed), outcome.scenario, options.scenario_file, outcome.result, options.cwd, job, {
    property: outcome.property,
    faults_before: outcome.faults_before,
    runs: outcome.runs,
    steps: outcome.steps,
    from_trace_hash: outcome.result.trace_hash,
  });
  return { outcome, path };
}

export async function run_shrink_command(
  deps: { cwd: string; stdout: TextSink; stderr: TextSink },
  run: RunScenario,
  file: string,
  options: ShrinkCommandOptions,
  abs: (path: string) => string,
): Promise<number> {
  if (options.property !== undefined && !PROPERTY_NAME.test(options.property)) throw new UsageError(`--property: expected a property name such as exactly_once_output, got ${JSON.stringify(options.property)}`);
  const max_runs = parse_positive(options.maxRuns, '--max-runs', 400);
  const budget_ms = options.budget === undefined ? undefined : parse_positive(options.budget, '--budget', 1) * 1000;
  const failure = read_failure_file(abs(file), file);
  // A job from a module is loaded from where the failure file says the scenario was (as replay does).
  const loaded = await load_job(failure.scenario, resolve(dirname(abs(file)), failure.job?.scenario_dir ?? '.'), `${file} (embedded scenario)`);
  if (!loaded.ok) throw new UsageError(`cannot load the failure's job:\n${format_scenario_errors(loaded.errors)}`);
  // The shrunk file goes beside the one it came from (its failures/ folder), unless --reports says otherwise.
  const reports_dir = options.reports !== undefined ? abs(options.reports) : dirname(dirname(abs(file)));
  deps.stderr.write(`shrinking seed ${failure.seed} of ${failure.scenario_name} (${(failure.scenario.faults ?? []).length} explicit fault(s)${failure.scenario.nemesis !== undefined ? ' and a nemesis' : ''})\n`);
  const shrunk = shrink_and_write(run, failure.scenario, failure.seed, {
    reports_dir,
    cwd: deps.cwd,
    scenario_file: failure.scenario_file,
    job: loaded.job,
    ...(options.property !== undefined ? { property: options.property } : {}),
    max_runs,
    ...(budget_ms !== undefined ? { budget_ms } : {}),
    on_step: (step) => deps.stderr.write(`  kept: ${step}\n`),
  });
  if (shrunk === undefined) {
    deps.stderr.write(`seed ${failure.seed} of ${failure.scenario_name} no longer violates ${options.property ?? 'any property'}: nothing to shrink\n`);
    return EXIT.ok;
  }
  const { outcome, path } = shrunk;
  if (options.json === true) {
    deps.stdout.write(JSON.stringify({ format: 'streamsim-shrink', version: 1, failure_file: path, property: outcome.property, faults_before: outcome.faults_before, faults_after: outcome.faults_after, runs: outcome.runs, stopped: outcome.stopped, steps: outcome.steps, scenario: outcome.scenario }, null, 2) + '\n');
  } else {
    const violation = outcome.result.violations.find((v) => v.property === outcome.property);
    deps.stdout.write(
      [
        `shrunk ${outcome.faults_before} → ${outcome.faults_after} fault(s) in ${outcome.runs} runs (${outcome.stopped === 'fixpoint' ? 'no smaller failing case' : `stopped at the ${outcome.stopped === 'budget' ? 'time budget' : 'run bound'}`}); still violates ${outcome.property}:`,
        `  ${violation?.message.slice(0, 400) ?? ''}`,
        `minimal fault plan (seed ${outcome.seed}, ${outcome.scenario.workload?.records ?? 'default'} records):`,
        ...describe_plan(outcome.scenario.faults ?? []),
        `failure file: ${display_path(path, deps.cwd)}`,
        `replay: ${replay_command_for_file(path, deps.cwd)}`,
      ].join('\n') + '\n',
    );
  }
  return EXIT.violation;
}
