// Failure files as a failing run writes them (format, names that never collide within a command) and the paths and
// replay commands the CLI prints. Reading one back (with validation) is failure-file.ts. Light to import: the CLI
// loads this at start-up.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RunResult, Violation } from '../scenarios/result-format.js';
import { failure_job_origin, type FailureJobOrigin } from '../scenarios/job-origin.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';

export const FAILURE_FORMAT = 'streamsim-failure';
export const FAILURE_FORMAT_VERSION = 1;
export const DEFAULT_REPORTS_DIR = 'streamsim-reports';
/** A failure file holds one scenario (at most 256 KiB as a file) plus a bounded list of violations. */
export const MAX_FAILURE_FILE_BYTES = 512 * 1024;
export const MAX_VIOLATIONS_IN_FILE = 20;

export interface FailureFile {
  format: typeof FAILURE_FORMAT;
  version: number;
  scenario_name: string;
  /** As the user named it; shown, never read back. */
  scenario_file: string;
  seed: number;
  trace_hash: string;
  outcome: RunResult['outcome'];
  expectation_met: boolean;
  violations: Violation[];
  replay_command: string;
  scenario: Scenario;
  /** A job from a module: where to find it again and what its source was (absent for built-in jobs). */
  job?: FailureJobOrigin;
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shell_quote(argument: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** A path as the user should type it from `cwd`: relative when inside cwd, absolute otherwise. */
export function display_path(path: string, cwd: string): string {
  const absolute = isAbsolute(path) ? path : join(cwd, path);
  const from_cwd = relative(cwd, absolute);
  return from_cwd === '' || from_cwd.startsWith('..') || isAbsolute(from_cwd) ? absolute : from_cwd.split(sep).join('/');
}

export function replay_command_for_seed(seed: number, scenario_path: string, cwd: string): string {
  return `npx streamsim replay ${seed} ${shell_quote(display_path(scenario_path, cwd))}`;
}

export function replay_command_for_file(failure_path: string, cwd: string): string {
  return `npx streamsim replay ${shell_quote(display_path(failure_path, cwd))}`;
}

/** `<name>-seed-<seed>.json`; `<name>-seed-<seed>-<n>.json` for the n-th scenario of that name in one command. */
export function failure_file_name(scenario_name: string, seed: number, occurrence = 1): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(scenario_name)) throw new Error(`scenario name ${JSON.stringify(scenario_name)} is not file-safe`);
  return `${scenario_name}-seed-${seed}${occurrence > 1 ? `-${occurrence}` : ''}.json`;
}

/**
 * The failure files of one command. Two scenarios may share a name (in different files): each (scenario file,
 * seed) gets its own file name, so one failure never overwrites another's and each file replays its own run.
 */
export class FailureFiles {
  /** File name → the scenario file whose failure it holds. */
  private readonly owners = new Map<string, string>();
  /** Scenario name → scenario files seen with that name, in order of first failure. */
  private readonly files_by_name = new Map<string, string[]>();

  constructor(
    readonly reports_dir: string,
    private readonly cwd: string,
  ) {}

  /**
   * Names the scenario files of a command up front, in their order, so that the n-th file of a shared name gets
   * `-<n>` whichever fails first (a swarm's workers finish in any order; the names stay the same run after run).
   */
  register(scenario_name: string, scenario_file: string): void {
    const owner = resolve(this.cwd, scenario_file);
    const files = this.files_by_name.get(scenario_name) ?? [];
    if (!files.includes(owner)) files.push(owner);
    this.files_by_name.set(scenario_name, files);
  }

  /** Writes the failure file and returns its path (throws on a file-system error; the caller reports it). */
  write(scenario: Scenario, scenario_file: string, result: RunResult, job?: JobUnderTest): string {
    const owner = resolve(this.cwd, scenario_file);
    this.register(scenario.name, scenario_file);
    const files = this.files_by_name.get(scenario.name) ?? [];
    let name = failure_file_name(scenario.name, result.seed, files.indexOf(owner) + 1);
    // A name the file of another scenario already took (possible only with a name ending in -<n>): count on.
    for (let occurrence = files.length + 1; this.owners.has(name) && this.owners.get(name) !== owner; occurrence++) {
      name = failure_file_name(scenario.name, result.seed, occurrence);
    }
    this.owners.set(name, owner);
    return write_failure_file(join(this.reports_dir, 'failures', name), scenario, scenario_file, result, this.cwd, job);
  }
}

/** What a shrunk failure file records beside the usual fields (properties/shrink.ts). */
export interface ShrunkFrom {
  property: string;
  faults_before: number;
  runs: number;
  steps: readonly string[];
  from_trace_hash: string;
}

/** The path of the shrunk failure file of a scenario and seed under `reports_dir` (`…-shrunk.json`). */
export function shrunk_failure_path(reports_dir: string, scenario_name: string, seed: number): string {
  return join(reports_dir, 'failures', failure_file_name(scenario_name, seed).replace(/\.json$/, '-shrunk.json'));
}

/**
 * Writes one failure file at `path` (its directory is created) and returns the path. `shrunk`: the file of a shrunk
 * failure, with its minimal fault plan and what it was shrunk from beside the usual fields.
 */
export function write_failure_file(path: string, scenario: Scenario, scenario_file: string, result: RunResult, cwd: string, job?: JobUnderTest, shrunk?: ShrunkFrom): string {
  mkdirSync(dirname(path), { recursive: true });
  const origin = failure_job_origin(job, dirname(isAbsolute(scenario_file) ? scenario_file : join(cwd, scenario_file)), path);
  const failure: FailureFile & Record<string, unknown> = {
    format: FAILURE_FORMAT,
    version: FAILURE_FORMAT_VERSION,
    scenario_name: scenario.name,
    scenario_file: display_path(scenario_file, cwd),
    seed: result.seed,
    trace_hash: result.trace_hash,
    outcome: result.outcome,
    expectation_met: result.expectation_met,
    violations: result.violations.slice(0, MAX_VIOLATIONS_IN_FILE),
    replay_command: replay_command_for_seed(result.seed, scenario_file, cwd),
    scenario,
    ...(origin === undefined ? {} : { job: origin }),
  };
  if (shrunk !== undefined) {
    failure['minimal_fault_plan'] = scenario.faults ?? [];
    failure['shrunk'] = { ...shrunk, steps: shrunk.steps.slice(0, 200), faults_after: (scenario.faults ?? []).length };
  }
  writeFileSync(path, JSON.stringify(failure, null, 2) + '\n');
  return path;
}
