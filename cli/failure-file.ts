// Failure files: what a failing run leaves behind so that `streamsim replay <file>` reproduces it exactly. The
// scenario is embedded (and re-validated on replay). The only path a replay reads from the file is where a job from a
// module lives: the scenario's directory relative to the failure file, with a hash of the job's source then. This
// module reads them back; writing, names and replay commands are failure-output.ts (re-exported here).
import type { Violation } from '../scenarios/result-format.js';
import type { FailureJobOrigin } from '../scenarios/job-origin.js';
import { format_scenario_errors, validate_scenario_data } from '../scenarios/load.js';
import { MAX_NESTING_DEPTH, json_depth_exceeds, read_text_file } from '../scenarios/input-limits.js';
import { UsageError } from './errors.js';
import { FAILURE_FORMAT, FAILURE_FORMAT_VERSION, MAX_FAILURE_FILE_BYTES, MAX_VIOLATIONS_IN_FILE, type FailureFile } from './failure-output.js';

export * from './failure-output.js';

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
  if (json_depth_exceeds(data, MAX_NESTING_DEPTH + 8)) throw new UsageError(`${shown}: nested more than ${MAX_NESTING_DEPTH + 8} levels deep; not a failure file`);
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
