// Failure files: what a failing run leaves behind so that `streamsim replay <file>` reproduces it exactly. The
// scenario is embedded (and re-validated on replay), so a replay never reads any path written inside the file.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { RunResult, Violation } from '../scenarios/result-format.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { MAX_SCENARIO_FILE_BYTES, format_scenario_errors, validate_scenario_data } from '../scenarios/load.js';
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

export function failure_file_name(scenario_name: string, seed: number): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(scenario_name)) throw new Error(`scenario name ${JSON.stringify(scenario_name)} is not file-safe`);
  return `${scenario_name}-seed-${seed}.json`;
}

/**
 * Writes the failure file into `<reports_dir>/failures/` and returns its path. `shrunk`: the file of a shrunk failure
 * (named `…-shrunk.json`), with what it was shrunk from beside the usual fields.
 */
export function write_failure_file(
  reports_dir: string,
  scenario: Scenario,
  scenario_file: string,
  result: RunResult,
  cwd: string,
  shrunk?: { property: string; faults_before: number; runs: number; steps: readonly string[]; from_trace_hash: string },
): string {
  const dir = join(reports_dir, 'failures');
  mkdirSync(dir, { recursive: true });
  const name = failure_file_name(scenario.name, result.seed);
  const path = join(dir, shrunk === undefined ? name : name.replace(/\.json$/, '-shrunk.json'));
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
  };
  if (shrunk !== undefined) {
    failure['minimal_fault_plan'] = scenario.faults ?? [];
    failure['shrunk'] = { ...shrunk, steps: shrunk.steps.slice(0, 200), faults_after: (scenario.faults ?? []).length };
  }
  writeFileSync(path, JSON.stringify(failure, null, 2) + '\n');
  return path;
}

/** Reads and checks a failure file; every problem is a UsageError naming the file and the field. */
export function read_failure_file(path: string): FailureFile {
  let size_bytes: number;
  try {
    size_bytes = statSync(path).size;
  } catch {
    throw new UsageError(`${path}: file not found`);
  }
  if (size_bytes > MAX_FAILURE_FILE_BYTES) throw new UsageError(`${path}: ${size_bytes} bytes is too large for a failure file (at most ${MAX_FAILURE_FILE_BYTES})`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path}: not a JSON failure file (${(error as Error).message})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${path}: expected a JSON object`);
  const record = data as Record<string, unknown>;
  if (record['format'] !== FAILURE_FORMAT) throw new UsageError(`${path}: format: expected "${FAILURE_FORMAT}" (a file written by a failing run)`);
  if (record['version'] !== FAILURE_FORMAT_VERSION) throw new UsageError(`${path}: version: expected ${FAILURE_FORMAT_VERSION}, got ${JSON.stringify(record['version'])}`);
  const seed = record['seed'];
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0 || seed > 4294967295) throw new UsageError(`${path}: seed: expected a whole number from 0 to 4294967295`);
  if (typeof record['trace_hash'] !== 'string' || record['trace_hash'].length === 0) throw new UsageError(`${path}: trace_hash: expected a string`);
  if (typeof record['scenario_file'] !== 'string') throw new UsageError(`${path}: scenario_file: expected a string`);
  const validated = validate_scenario_data(record['scenario'], `${path} (embedded scenario)`, JSON.stringify(record['scenario']));
  if (!validated.ok) throw new UsageError(format_scenario_errors(validated.errors.map((e) => ({ ...e, path: e.path === '' ? 'scenario' : `scenario.${e.path}` }))));
  return {
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
