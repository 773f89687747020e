// Failure files: what a failing run leaves behind so that `streamsim replay <file>` reproduces it exactly. The
// scenario is embedded (and re-validated on replay). The only path a replay reads from the file is where a job from a
// module lives: the scenario's directory relative to the failure file, with a hash of the job's source then.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RunResult, Violation } from '../scenarios/result-format.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import { failure_job_origin, type FailureJobOrigin } from '../scenarios/job-module.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { MAX_SCENARIO_FILE_BYTES, format_scenario_errors, validate_scenario_data } from '../scenarios/load.js';
import { read_text_file } from '../scenarios/input-limits.js';
import { UsageError } from './errors.js';

export const FAILURE_FORMAT = 'streamsim-failure';
export const FAILURE_FORMAT_VERSION = 1;
export const DEFAULT_REPORTS_DIR = 'streamsim-reports';
/** A failure file holds one scenario plus a bounded list of violations. */
export const MAX_FAILURE_FILE_BYTES = 2 * MAX_SCENARIO_FILE_BYTES;
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

  /** Writes the failure file and returns its path (throws on a file-system error; the caller reports it). */
  write(scenario: Scenario, scenario_file: string, result: RunResult, job?: JobUnderTest): string {
    const owner = resolve(this.cwd, scenario_file);
    const files = this.files_by_name.get(scenario.name) ?? [];
    if (!files.includes(owner)) files.push(owner);
    this.files_by_name.set(scenario.name, files);
    let name = failure_file_name(scenario.name, result.seed, files.indexOf(owner) + 1);
    // A name the file of another scenario already took (possible only with a name ending in -<n>): count on.
    for (let occurrence = files.length + 1; this.owners.has(name) && this.owners.get(name) !== owner; occurrence++) {
      name = failure_file_name(scenario.name, result.seed, occurrence);
    }
    this.owners.set(name, owner);
    return write_failure_file(join(this.reports_dir, 'failures', name), scenario, scenario_file, result, this.cwd, job);
  }
}

/** Writes one failure file at `path` (its directory is created) and returns the path. */
export function write_failure_file(path: string, scenario: Scenario, scenario_file: string, result: RunResult, cwd: string, job?: JobUnderTest): string {
  mkdirSync(dirname(path), { recursive: true });
  const origin = failure_job_origin(job, dirname(isAbsolute(scenario_file) ? scenario_file : join(cwd, scenario_file)), path);
  const failure: FailureFile = {
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
  writeFileSync(path, JSON.stringify(failure, null, 2) + '\n');
  return path;
}

/** Reads and checks a failure file; every problem is a UsageError naming the file and the field. */
export function read_failure_file(path: string, shown: string = path): FailureFile {
  const read = read_text_file(path, MAX_FAILURE_FILE_BYTES, 'a failure file');
  if (!read.ok) throw new UsageError(`${shown}: ${read.message}`);
  let data: unknown;
  try {
    data = JSON.parse(read.text);
  } catch (error) {
    throw new UsageError(`${shown}: not a JSON failure file (${(error as Error).message})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${shown}: expected a JSON object`);
  const record = data as Record<string, unknown>;
  if (record['format'] !== FAILURE_FORMAT) throw new UsageError(`${shown}: format: expected "${FAILURE_FORMAT}" (a file written by a failing run)`);
  if (record['version'] !== FAILURE_FORMAT_VERSION) throw new UsageError(`${shown}: version: expected ${FAILURE_FORMAT_VERSION}, got ${JSON.stringify(record['version'])}`);
  const seed = record['seed'];
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0 || seed > 4294967295) throw new UsageError(`${shown}: seed: expected a whole number from 0 to 4294967295`);
  if (typeof record['trace_hash'] !== 'string' || record['trace_hash'].length === 0) throw new UsageError(`${shown}: trace_hash: expected a string`);
  if (typeof record['scenario_file'] !== 'string') throw new UsageError(`${shown}: scenario_file: expected a string`);
  const validated = validate_scenario_data(record['scenario'], `${shown} (embedded scenario)`, JSON.stringify(record['scenario']));
  if (!validated.ok) throw new UsageError(format_scenario_errors(validated.errors.map((e) => ({ ...e, path: e.path === '' ? 'scenario' : `scenario.${e.path}` }))));
  const job = read_job_origin(shown, record['job']);
  if (validated.scenario.job.module !== undefined && job === undefined) {
    throw new UsageError(`${shown}: job: the embedded scenario's job comes from a module, but the file does not say where the scenario was (job.scenario_dir)`);
  }
  return {
    ...(job === undefined ? {} : { job }),
    format: FAILURE_FORMAT,
    version: FAILURE_FORMAT_VERSION,
    scenario_name: validated.scenario.name,
    scenario_file: record['scenario_file'],
    seed,
    trace_hash: record['trace_hash'],
    outcome: record['outcome'] === 'pass' ? 'pass' : 'violation',
    expectation_met: record['expectation_met'] === true,
    violations: Array.isArray(record['violations']) ? (record['violations'] as Violation[]).slice(0, MAX_VIOLATIONS_IN_FILE) : [],
    replay_command: typeof record['replay_command'] === 'string' ? record['replay_command'] : '',
    scenario: validated.scenario,
  };
}

function read_job_origin(shown: string, value: unknown): FailureJobOrigin | undefined {
  if (value === undefined) return undefined;
  const record = value as Record<string, unknown> | null;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new UsageError(`${shown}: job: expected an object`);
  const text = (field: string): string => {
    const v = record[field];
    if (typeof v !== 'string' || v.length === 0) throw new UsageError(`${shown}: job.${field}: expected a string`);
    return v;
  };
  return { scenario_dir: text('scenario_dir'), module: text('module'), export: text('export'), source_sha256: text('source_sha256') };
}
