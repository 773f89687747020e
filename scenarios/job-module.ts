// Loads the job a scenario names from a user's module (`job: { module: ./jobs/q5.ts, export: q5 }`): TypeScript or
// JavaScript, the path relative to the scenario file, imported through tsx's loader, the export checked to be a job
// made with defineJob, its parameters and fit checked. Every problem is a ScenarioError naming the file, the field
// and its line (bad input, exit 2); a module that throws while loading or building is such a problem too.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import { isJobDefinition, type AnyJobDefinition } from '../engine/api/job.js';
import { check_job_params } from './job-params.js';
import { built_in_failover_issues, built_in_job, check_job_fits, type JobIssue, type JobSource, type JobUnderTest } from './job-under-test.js';
import { format_path, load_scenario, type Locate, type ScenarioError } from './load.js';
import type { Scenario } from './schema/scenario.generated.js';

export type JobLoad = { ok: true; job: JobUnderTest } | { ok: false; errors: ScenarioError[] };

const TYPESCRIPT = new Set(['.ts', '.tsx', '.mts', '.cts']);
const MODULE_EXTENSIONS = new Set([...TYPESCRIPT, '.js', '.mjs', '.cjs', '.jsx']);
/** Files hashed per job at most (the module and the local modules it imports). */
export const MAX_HASHED_FILES = 200;

let typescript_loader_registered = false;

/** tsx's loader for this thread (once), so TypeScript modules import like JavaScript ones, sharing one module cache. */
function ensure_typescript_loader(): void {
  if (typescript_loader_registered) return;
  register();
  typescript_loader_registered = true;
}

function first_line(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.split('\n')[0] ?? text;
}

/**
 * sha256 over the module's source and, recursively, the local modules it imports (relative specifiers), in a fixed
 * order: it changes when the job's own code changes. Packages it imports are not hashed.
 */
export function job_source_sha256(path: string): string {
  const hash = createHash('sha256');
  const seen = new Set<string>();
  const queue = [path];
  while (queue.length > 0 && seen.size < MAX_HASHED_FILES) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    hash.update(`${seen.size}\u0000${text.length}\u0000`).update(text);
    const specifiers = [...text.matchAll(/(?:from\s*|import\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
    for (const specifier of specifiers) {
      const target = local_module_file(resolve(dirname(file), specifier));
      if (target !== undefined && !seen.has(target)) queue.push(target);
    }
  }
  return hash.digest('hex');
}

/** The file a relative specifier names: as written, or the TypeScript file behind a `.js` specifier. */
function local_module_file(path: string): string | undefined {
  const candidates = [path, path.replace(/\.js$/, '.ts'), path.replace(/\.js$/, '.tsx'), path.replace(/\.mjs$/, '.mts'), `${path}.ts`, `${path}.js`];
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** The job exports of a module namespace: name → definition. */
function job_exports(namespace: Record<string, unknown>): Map<string, AnyJobDefinition> {
  const jobs = new Map<string, AnyJobDefinition>();
  for (const [name, value] of Object.entries(namespace)) if (isJobDefinition(value)) jobs.set(name, value);
  return jobs;
}

/**
 * Imports a module and picks its job: the named export, else `default` when it is a job, else the only exported
 * job. `module_path` is absolute. Problems are messages about the module or the export.
 */
export async function import_job(
  module_path: string,
  export_name: string | undefined,
): Promise<{ ok: true; definition: AnyJobDefinition; export: string } | { ok: false; field: 'module' | 'export'; message: string }> {
  const extension = extname(module_path).toLowerCase();
  if (!MODULE_EXTENSIONS.has(extension)) {
    return { ok: false, field: 'module', message: `${module_path}: expected a TypeScript or JavaScript module (.ts, .tsx, .mts, .js, .mjs)` };
  }
  try {
    if (!statSync(module_path).isFile()) return { ok: false, field: 'module', message: `${module_path}: not a file` };
  } catch {
    return { ok: false, field: 'module', message: `${module_path}: no such module` };
  }
  let namespace: Record<string, unknown>;
  try {
    if (TYPESCRIPT.has(extension)) ensure_typescript_loader();
    namespace = (await import(pathToFileURL(module_path).href)) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, field: 'module', message: `${module_path}: loading the module threw ${first_line(error)}` };
  }
  const jobs = job_exports(namespace);
  const listed = jobs.size === 0 ? 'it exports no job (make one with defineJob from "streamsim")' : `its jobs: ${[...jobs.keys()].join(', ')}`;
  if (export_name !== undefined) {
    if (!Object.hasOwn(namespace, export_name)) return { ok: false, field: 'export', message: `${module_path} has no export ${JSON.stringify(export_name)}; ${listed}` };
    const value = namespace[export_name];
    if (!isJobDefinition(value)) {
      return { ok: false, field: 'export', message: `${module_path}: export ${JSON.stringify(export_name)} is not a job (a ${value === null ? 'null' : typeof value}; make it with defineJob from "streamsim"); ${listed}` };
    }
    return { ok: true, definition: value, export: export_name };
  }
  const fallback = jobs.get('default');
  if (fallback !== undefined) return { ok: true, definition: fallback, export: 'default' };
  if (jobs.size === 1) {
    const [[name, definition]] = [...jobs] as [[string, AnyJobDefinition]];
    return { ok: true, definition, export: name };
  }
  return { ok: false, field: jobs.size === 0 ? 'module' : 'export', message: `${module_path}: name the job with job.export; ${listed}` };
}

/** The absolute path of the scenario's module, from the directory of the scenario file. */
export function module_path_of(scenario: Scenario, scenario_dir: string): string | undefined {
  const written = scenario.job.module;
  if (written === undefined) return undefined;
  return isAbsolute(written) ? written : join(scenario_dir, written);
}

/**
 * The job a validated scenario runs: its built-in job, or its module's job loaded from `scenario_dir`, with the
 * parameters checked against the job's declarations and the job's fit with the scenario checked. `file` and `locate`
 * label the errors.
 */
export async function load_job(scenario: Scenario, scenario_dir: string, file: string, locate?: Locate): Promise<JobLoad> {
  const to_errors = (issues: readonly JobIssue[]): ScenarioError[] =>
    issues.map((issue) => ({ file, path: format_path(issue.segments), ...(locate?.(issue.segments) ?? {}), message: issue.message }));
  if (scenario.job.module === undefined) {
    const built_in = built_in_job(scenario);
    if (!built_in.ok) return { ok: false, errors: to_errors(built_in.issues) };
    const issues = built_in_failover_issues(built_in.job, scenario);
    return issues.length > 0 ? { ok: false, errors: to_errors(issues) } : { ok: true, job: built_in.job };
  }
  const path = module_path_of(scenario, scenario_dir)!;
  const imported = await import_job(path, scenario.job.export);
  if (!imported.ok) {
    const field = imported.field === 'export' && scenario.job.export === undefined ? 'module' : imported.field;
    return { ok: false, errors: to_errors([{ segments: ['job', field], message: imported.message }]) };
  }
  const label = `${scenario.job.module}#${imported.export}`;
  const params = check_job_params(imported.definition.params, scenario.job.params, label);
  if (!params.ok) return { ok: false, errors: to_errors(params.issues) };
  const source: JobSource = { path, written: scenario.job.module, export: imported.export, source_sha256: job_source_sha256(path) };
  const job: JobUnderTest = { name: label, definition: imported.definition, params: params.values, source };
  const issues = check_job_fits(job, scenario, label);
  return issues.length > 0 ? { ok: false, errors: to_errors(issues) } : { ok: true, job };
}

export type ScenarioWithJob = { ok: true; scenario: Scenario; job: JobUnderTest } | { ok: false; errors: ScenarioError[] };

/** Loads a scenario file and the job it names (see load_scenario and load_job). Never throws for a user mistake. */
export async function load_scenario_with_job(path: string): Promise<ScenarioWithJob> {
  const loaded = load_scenario(path);
  if (!loaded.ok) return loaded;
  const job = await load_job(loaded.scenario, dirname(resolve(path)), path, loaded.locate);
  return job.ok ? { ok: true, scenario: loaded.scenario, job: job.job } : job;
}

export { failure_job_origin, type FailureJobOrigin } from './job-origin.js';
