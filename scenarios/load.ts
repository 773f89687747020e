// Loads a scenario file (YAML or JSON): size, UTF-8 and nesting limits (input-limits.ts), plain YAML 1.2 core schema
// (no tags), JSON Schema validation with ajv, then semantic checks (built-in jobs and their parameters, durations,
// fault targets, times within the run); a job from a module is loaded and checked by job-module.ts. Never throws for
// a user mistake: every problem comes back as a ScenarioError naming the file, the field path, the line and what was
// expected.
import { extname } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import {
  DURATION_SYNTAX,
  MEMORY_SIZE_SYNTAX,
  canonical_flink_enum_values,
  parse_flink_config,
  parse_flink_duration,
  parse_flink_memory_size,
  type FlinkConfig,
  type ParseResult,
} from './flink-config.js';
import { MAX_SCENARIO_FILE_BYTES, check_document_shape, is_directory, position_of, read_text_file, scan_nesting } from './input-limits.js';
import { built_in_job } from './job-under-test.js';
import { computeDefaultMaxParallelism } from '../engine/state/key-groups.js';
import { scenario_conditions, why_event_cannot_fire } from './fault-triggers.js';
import type { Scenario } from './schema/scenario.generated.js';
// Imported (not read from a path) so the compiled package in dist/ carries the schema with it.
import scenario_schema from './schema/scenario.schema.json' with { type: 'json' };

export type { Scenario } from './schema/scenario.generated.js';

export interface ScenarioError {
  file: string;
  /** Field path in the file, e.g. `flink."execution.checkpointing.interval"` or `faults[2].at`; "" for the whole file. */
  path: string;
  /** 1-based line of the offending node, when known. */
  line?: number;
  column?: number;
  message: string;
}

export type LoadResult =
  /** `locate` maps a field path to its line, for checks made later (a module job's parameters). */
  | { ok: true; scenario: Scenario; source: string; flink: FlinkConfig; locate?: Locate }
  | { ok: false; errors: ScenarioError[] };

export { MAX_NESTING_DEPTH, MAX_SCENARIO_FILE_BYTES } from './input-limits.js';
/** Aliases a document may expand (defeats "billion laughs"). */
export const MAX_ALIAS_COUNT = 16;
/** Errors reported per file, at most. */
export const MAX_ERRORS = 50;

let validator: ValidateFunction | null = null;

function out_of_range(parsed: ParseResult<number>): boolean {
  return !parsed.ok && parsed.out_of_range === true;
}
function get_validator(): ValidateFunction {
  if (validator === null) {
    // A copy: ajv keeps references into the schema it compiles.
    const schema = structuredClone(scenario_schema) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true, verbose: true });
    // A duration or size string must also be in range (the pattern alone accepts "99999999999999999999 d").
    // (A syntax error is the pattern's to report.)
    ajv.addFormat('flink-duration', { type: 'string', validate: (text: string) => !out_of_range(parse_flink_duration(text)) });
    ajv.addFormat('flink-memory-size', { type: 'string', validate: (text: string) => !out_of_range(parse_flink_memory_size(text)) });
    validator = ajv.compile(schema);
  }
  return validator;
}

export type PathSegment = string | number;

/** `faults[2].at`, `flink."execution.checkpointing.interval"`. */
export function format_path(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `${out === '' ? '' : '.'}${JSON.stringify(segment)}`;
  }
  return out;
}

function pointer_to_segments(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

export type Locate = (segments: readonly PathSegment[]) => { line: number; column: number } | undefined;

function yaml_locator(document: Document, line_counter: LineCounter): Locate {
  return (segments) => {
    let node: unknown = document.contents;
    let offset: number | undefined = isNode(node) ? node.range?.[0] : undefined;
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined) break;
        const key_offset = isNode(pair.key) ? pair.key.range?.[0] : undefined;
        node = pair.value;
        offset = key_offset ?? offset;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        node = item;
        offset = isNode(item) ? (item.range?.[0] ?? offset) : offset;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const position = line_counter.linePos(offset);
    return { line: position.line, column: position.col };
  };
}

const DEFINITION_MESSAGES: Record<string, string> = {
  duration: `expected ${DURATION_SYNTAX} (never negative)`,
  memory_size: `expected ${MEMORY_SIZE_SYNTAX}`,
  process_id:
    'expected a process id: jm, tm-1 … tm-N, broker, txstore, collector (and jm-standby, ha with cluster.job_manager_ha: true)',
};

/** A value as the user wrote it: YAML's .nan and .inf have no JSON spelling (JSON.stringify gives null). */
export function describe_value(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  if (typeof value === 'bigint') return String(value);
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

const OUTPUT_PATH_FIELD = /(trace|report|output|path|dir|file|log)/i;

function describe_ajv_error(error: ErrorObject): { segments: PathSegment[]; message: string } {
  const segments = pointer_to_segments(error.instancePath);
  const definition = /^#\/definitions\/([a-z_]+)\/[a-zA-Z]+$/.exec(error.schemaPath)?.[1];
  if (definition !== undefined && DEFINITION_MESSAGES[definition] !== undefined) {
    // Right syntax, out of range: say so in the parser's words.
    const parsed = definition === 'duration' ? parse_flink_duration(error.data) : definition === 'memory_size' ? parse_flink_memory_size(error.data) : undefined;
    if (parsed !== undefined && !parsed.ok && parsed.out_of_range === true) return { segments, message: parsed.message };
    return { segments, message: `${DEFINITION_MESSAGES[definition]}; got ${describe_value(error.data)}` };
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {});
      const hint = OUTPUT_PATH_FIELD.test(field)
        ? ' (output paths are chosen only by command-line flags such as --trace and --reports, never by a scenario file)'
        : '';
      return {
        segments: [...segments, field],
        message: `unknown field ${JSON.stringify(field)}${hint}; expected one of: ${known.join(', ')}`,
      };
    }
    case 'required': {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      return { segments, message: `missing required field ${JSON.stringify(field)}` };
    }
    case 'discriminator': {
      const { tag, tagValue } = error.params as { tag: string; tagValue: unknown };
      const parent = error.parentSchema as { oneOf?: { $ref?: string }[] } | undefined;
      const known = (parent?.oneOf ?? []).map((branch) => (branch.$ref ?? '').replace(/^.*\/fault_/, ''));
      return {
        segments: [...segments, tag],
        message: `unknown ${tag} ${JSON.stringify(tagValue)}; expected one of: ${known.join(', ')}`,
      };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      if (segments[segments.length - 2] === 'on' && segments[segments.length - 1] === 'event') {
        return { segments, message: why_event_cannot_fire(String(error.data), new Set()) ?? `unknown engine event ${describe_value(error.data)}` };
      }
      return { segments, message: `expected one of ${allowed.map((v) => JSON.stringify(v)).join(' | ')}; got ${describe_value(error.data)}` };
    }
    case 'const':
      return { segments, message: `expected ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}` };
    case 'type':
      return { segments, message: `expected ${String((error.params as { type: unknown }).type)}; got ${describe_value(error.data)}` };
    default:
      return { segments, message: `${error.message ?? 'invalid'}; got ${describe_value(error.data)}` };
  }
}

/** Every process a scenario's cluster has, in a fixed order. */
export function scenario_process_ids(scenario: Scenario): string[] {
  const task_managers = scenario.cluster?.task_managers ?? 2;
  const ids = ['jm'];
  if (scenario.cluster?.job_manager_ha === true) ids.push('jm-standby', 'ha');
  for (let i = 1; i <= task_managers; i++) ids.push(`tm-${i}`);
  ids.push('broker', 'txstore', 'collector');
  return ids;
}

/** A duration the schema has validated (syntax and range); an unparsable one here is a bug, never a silent default. */
function duration_ms(value: string | number | undefined, default_ms: number): number {
  if (value === undefined) return default_ms;
  const parsed = parse_flink_duration(value);
  if (!parsed.ok) throw new Error(`a duration that passed the schema does not parse: ${parsed.message}`);
  return parsed.value;
}

/** How long faults may run: the safety phase, or the whole run in unrestricted mode. */
export function fault_horizon_ms(scenario: Scenario): { horizon_ms: number; field: string } {
  if (scenario.phases?.mode === 'unrestricted') {
    return { horizon_ms: duration_ms(scenario.phases.duration, 60_000), field: 'phases.duration' };
  }
  return { horizon_ms: duration_ms(scenario.phases?.safety_duration, 30_000), field: 'phases.safety_duration' };
}

type Issue = { segments: PathSegment[]; message: string };

function check_latency(model: { model: string; value?: unknown; min?: unknown; max?: unknown; spike?: unknown; spike_probability?: number } | undefined, at: PathSegment[], issues: Issue[]): void {
  if (model === undefined) return;
  const need = (field: string, present: boolean): void => {
    if (!present) issues.push({ segments: [...at], message: `latency model "${model.model}" needs "${field}"` });
  };
  if (model.model === 'fixed') need('value', model.value !== undefined);
  if (model.model === 'uniform') {
    need('min', model.min !== undefined);
    need('max', model.max !== undefined);
    if (model.min !== undefined && model.max !== undefined) {
      const min = duration_ms(model.min as string | number, 0);
      const max = duration_ms(model.max as string | number, 0);
      if (min > max) issues.push({ segments: [...at, 'min'], message: `min (${min} ms) must not exceed max (${max} ms)` });
    }
  }
  if (model.model === 'spikes') {
    need('value', model.value !== undefined);
    need('spike', model.spike !== undefined);
    need('spike_probability', model.spike_probability !== undefined);
  }
}

/** The processes that keep data on their local disk (the HA store's records, the transactional store's log, the broker's segments). */
const DISK_KEEPERS: readonly string[] = ['ha', 'txstore', 'broker'];

/** Checks the schema cannot express: cross-field rules, process names, times within the run. */
function semantic_issues(scenario: Scenario): Issue[] {
  const issues: Issue[] = [];
  const processes = scenario_process_ids(scenario);
  const known_processes = `the cluster has ${processes.join(', ')}`;
  const check_process = (id: string | undefined, at: PathSegment[]): void => {
    if (id !== undefined && !processes.includes(id)) {
      const ha_hint = id === 'jm-standby' || id === 'ha' ? ' (set cluster.job_manager_ha: true)' : '';
      issues.push({ segments: at, message: `no process ${JSON.stringify(id)} in this cluster${ha_hint}; ${known_processes}` });
    }
  };

  const job = scenario.job;
  if ((job.name === undefined) === (job.module === undefined)) {
    issues.push({ segments: ['job'], message: 'give exactly one of "name" (a built-in job) or "module" (a module exporting your job)' });
  } else if (job.name !== undefined) {
    if (job.export !== undefined) issues.push({ segments: ['job', 'export'], message: 'export applies to a job from a module (job.module)' });
    const built_in = built_in_job(scenario);
    if (!built_in.ok) issues.push(...built_in.issues);
  }

  const slots = (scenario.cluster?.task_managers ?? 2) * (scenario.cluster?.slots_per_task_manager ?? 2);
  const parallelism = scenario.job.parallelism ?? 2;
  if (parallelism > slots) {
    issues.push({ segments: ['job', 'parallelism'], message: `parallelism ${parallelism} needs ${parallelism} slots; the cluster has ${slots} (task_managers × slots_per_task_manager)` });
  }
  if (scenario.job.max_parallelism !== undefined && scenario.job.max_parallelism < parallelism) {
    issues.push({ segments: ['job', 'max_parallelism'], message: `must be at least the parallelism (${parallelism})` });
  }

  const flink = parse_flink_config(scenario.flink as Record<string, unknown> | undefined);
  if (!flink.ok) for (const error of flink.errors) issues.push({ segments: ['flink', error.key], message: error.message });

  if (scenario.sink?.transaction_timeout !== undefined && (scenario.sink.kind ?? 'two_phase_commit') !== 'two_phase_commit') {
    issues.push({ segments: ['sink', 'transaction_timeout'], message: 'only a two_phase_commit sink has transactions' });
  }
  if (scenario.sink?.ignore_failures_after_transaction_timeout !== undefined && (scenario.sink.kind ?? 'two_phase_commit') !== 'two_phase_commit') {
    issues.push({ segments: ['sink', 'ignore_failures_after_transaction_timeout'], message: 'only a two_phase_commit sink has transactions' });
  }
  if ((scenario.sink?.kind ?? 'two_phase_commit') === 'two_phase_commit' && flink.ok && !flink.config.checkpointing.enabled) {
    issues.push({
      segments: scenario.sink?.kind !== undefined ? ['sink', 'kind'] : scenario.sink !== undefined ? ['sink'] : [],
      message:
        `a two_phase_commit sink${scenario.sink?.kind === undefined ? ' (the default sink)' : ''} commits only when a checkpoint completes, ` +
        'and checkpointing is off (flink."execution.checkpointing.interval" is not set), so it would never commit any output; ' +
        'set execution.checkpointing.interval, or choose sink.kind: at_least_once, idempotent or collect',
    });
  }
  const workload = scenario.workload;
  if (workload?.duration !== undefined && workload.bounded !== false) {
    issues.push({ segments: ['workload', 'duration'], message: 'duration applies to unbounded input only (set bounded: false)' });
  }
  if (workload?.bounded === false && workload.duration === undefined) {
    issues.push({ segments: ['workload'], message: 'unbounded input needs a duration' });
  }

  check_latency(scenario.network?.latency, ['network', 'latency'], issues);
  check_latency(scenario.storage?.checkpoint_store_latency, ['storage', 'checkpoint_store_latency'], issues);
  check_latency(scenario.storage?.disk_latency, ['storage', 'disk_latency'], issues);

  const mode = scenario.phases?.mode ?? 'safety_then_liveness';
  if (mode === 'unrestricted' && (scenario.phases?.safety_duration !== undefined || scenario.phases?.liveness_bound !== undefined)) {
    issues.push({ segments: ['phases', 'mode'], message: 'unrestricted mode has no safety or liveness phase; use phases.duration' });
  }
  if (mode === 'safety_then_liveness' && scenario.phases?.duration !== undefined) {
    issues.push({ segments: ['phases', 'duration'], message: 'duration applies to unrestricted mode only; use safety_duration and liveness_bound' });
  }

  const { horizon_ms, field } = fault_horizon_ms(scenario);
  const conditions = scenario_conditions(scenario, flink.ok ? flink.config : undefined);
  (scenario.faults ?? []).forEach((fault, index) => {
    const at: PathSegment[] = ['faults', index];
    if ((fault.at === undefined) === (fault.on === undefined)) {
      issues.push({ segments: at, message: 'give exactly one of "at" (a time) or "on" (an engine event)' });
    }
    if (fault.at !== undefined) {
      const at_ms = duration_ms(fault.at, 0);
      if (at_ms >= horizon_ms) {
        issues.push({ segments: [...at, 'at'], message: `${at_ms} ms is beyond the run: faults happen before ${horizon_ms} ms (${field})` });
      }
    }
    const cannot_fire = fault.on === undefined || conditions === undefined ? undefined : why_event_cannot_fire(fault.on.event, conditions);
    if (cannot_fire !== undefined) issues.push({ segments: [...at, 'on', 'event'], message: `this fault can never fire: ${cannot_fire}` });
    switch (fault.kind) {
      case 'crash':
      case 'restart':
      case 'pause':
      case 'clock':
        check_process(fault.target, [...at, 'target']);
        break;
      case 'storage_fault':
        check_process(fault.target, [...at, 'target']);
        if (fault.store === 'disk' && fault.target === undefined) issues.push({ segments: at, message: 'store: disk needs a target (whose disk)' });
        if (fault.store === 'disk' && fault.target !== undefined && !DISK_KEEPERS.includes(fault.target)) {
          issues.push({
            segments: [...at, 'target'],
            message:
              `${fault.target} keeps nothing on its local disk, so this fault could not reach anything: task state lives in memory and ` +
              `checkpoints in the checkpoint store (use store: checkpoint_store); the processes with a disk are ${DISK_KEEPERS.join(', ')}`,
          });
        }
        if (fault.mode === 'slow' && fault.extra_latency === undefined) issues.push({ segments: at, message: 'mode: slow needs extra_latency' });
        break;
      case 'partition': {
        const seen = new Set<string>();
        fault.groups.forEach((group, g) =>
          group.forEach((id, i) => {
            check_process(id, [...at, 'groups', g, i]);
            if (seen.has(id)) issues.push({ segments: [...at, 'groups', g, i], message: `${id} is in more than one group` });
            seen.add(id);
          }),
        );
        break;
      }
      case 'link_break':
        fault.between.forEach((id, i) => check_process(id, [...at, 'between', i]));
        if (fault.between[0] === fault.between[1]) issues.push({ segments: [...at, 'between'], message: 'a link joins two different processes' });
        break;
      case 'savepoint':
        if (fault.resume_parallelism !== undefined && fault.stop !== true) {
          issues.push({ segments: [...at, 'resume_parallelism'], message: 'resuming needs stop: true (stop-with-savepoint)' });
        }
        if (fault.resume_parallelism !== undefined && fault.resume_parallelism > slots) {
          issues.push({ segments: [...at, 'resume_parallelism'], message: `needs ${fault.resume_parallelism} slots; the cluster has ${slots}` });
        }
        if (fault.resume_parallelism !== undefined) {
          // The savepoint keeps the job's key groups (a derived max parallelism is adopted on resume, never raised).
          const max_parallelism = scenario.job.max_parallelism ?? computeDefaultMaxParallelism(parallelism);
          if (fault.resume_parallelism > max_parallelism) {
            const from = scenario.job.max_parallelism === undefined ? `derived from parallelism ${parallelism}` : 'job.max_parallelism';
            issues.push({
              segments: [...at, 'resume_parallelism'],
              message: `must be at most the max parallelism the savepoint is taken with (${max_parallelism}, ${from}); Flink refuses a restore above it`,
            });
          }
        }
        break;
      default:
        break;
    }
    if (fault.kind === 'clock' && fault.offset_ms === undefined && fault.drift_ppm === undefined) {
      issues.push({ segments: at, message: 'a clock fault needs offset_ms and/or drift_ppm' });
    }
  });
  (scenario.nemesis?.targets ?? []).forEach((id, i) => check_process(id, ['nemesis', 'targets', i]));

  if (scenario.expect_violation !== undefined && scenario.properties !== undefined && !scenario.properties.includes(scenario.expect_violation)) {
    issues.push({ segments: ['expect_violation'], message: `${scenario.expect_violation} is not among the checked properties` });
  }
  if (scenario.expect_violation_reason !== undefined && scenario.expect_violation === undefined) {
    issues.push({ segments: ['expect_violation_reason'], message: 'needs expect_violation' });
  }
  return issues;
}

/** Validates already-parsed data (e.g. a scenario embedded in a failure file). `locate` maps paths to lines. */
export function validate_scenario_data(data: unknown, file: string, source: string, locate?: Locate): LoadResult {
  const to_error = (issue: Issue): ScenarioError => {
    const position = locate?.(issue.segments);
    return { file, path: format_path(issue.segments), ...(position ?? {}), message: issue.message };
  };
  const validate = get_validator();
  data = with_canonical_flink_enums(data);
  if (!validate(data)) {
    const issues = (validate.errors ?? []).map(describe_ajv_error);
    return { ok: false, errors: dedupe(issues).slice(0, MAX_ERRORS).map(to_error) };
  }
  const scenario = data as Scenario;
  const issues = semantic_issues(scenario);
  if (issues.length > 0) return { ok: false, errors: issues.slice(0, MAX_ERRORS).map(to_error) };
  const flink = parse_flink_config(scenario.flink as Record<string, unknown> | undefined);
  if (!flink.ok) throw new Error('flink config errors must have been reported as semantic issues');
  return { ok: true, scenario, source, flink: flink.config, ...(locate === undefined ? {} : { locate }) };
}

/** Flink reads its enum options case-insensitively (`exactly_once` is EXACTLY_ONCE): the scenario gets Flink's spelling. */
function with_canonical_flink_enums(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const flink = (data as Record<string, unknown>)['flink'];
  if (flink === null || typeof flink !== 'object' || Array.isArray(flink)) return data;
  const canonical = canonical_flink_enum_values(flink as Record<string, unknown>);
  return canonical === flink ? data : { ...(data as Record<string, unknown>), flink: canonical };
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${format_path(issue.segments)}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses and validates scenario text. YAML 1.2 core schema only; JSON is read as the YAML subset it is. */
export function parse_scenario_text(text: string, file: string): LoadResult {
  const line_counter = new LineCounter();
  if (text.length > MAX_SCENARIO_FILE_BYTES) {
    return { ok: false, errors: [{ file, path: '', message: `${text.length} characters; a scenario may be at most ${MAX_SCENARIO_FILE_BYTES} bytes` }] };
  }
  // The parser's cost grows with nesting: a linear token scan refuses deep text before the parser sees it.
  const too_deep = scan_nesting(text);
  if (too_deep !== undefined) {
    let line = 1;
    for (let i = 0; i < (too_deep.offset ?? 0); i++) if (text.charCodeAt(i) === 10) line++;
    return { ok: false, errors: [{ file, path: '', line, message: too_deep.message }] };
  }
  // Duplicate keys are found by check_document_shape in one pass (the parser's own check is quadratic in a mapping's size).
  const document = parseDocument(text, { lineCounter: line_counter, schema: 'core', customTags: [], uniqueKeys: false, prettyErrors: false });
  const at_offset = (offset: number | undefined): { line?: number; column?: number } => position_of(line_counter, offset);
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems.slice(0, MAX_ERRORS).map((problem) => ({
        file,
        path: '',
        ...at_offset(problem.pos[0]),
        message: `malformed YAML: ${problem.message.split('\n')[0] ?? problem.code}`,
      })),
    };
  }
  const tag_errors: ScenarioError[] = [];
  visit(document, {
    Node(_key, node) {
      if (node.tag !== undefined && tag_errors.length < MAX_ERRORS) {
        tag_errors.push({
          file,
          path: '',
          ...at_offset(node.range?.[0]),
          message: `explicit YAML tag ${node.tag} is not allowed: a scenario is plain data (no tags)`,
        });
      }
    },
  });
  if (tag_errors.length > 0) return { ok: false, errors: tag_errors };
  const shape_errors = check_document_shape(document);
  if (shape_errors.length > 0) {
    return { ok: false, errors: shape_errors.slice(0, MAX_ERRORS).map((problem) => ({ file, path: '', ...at_offset(problem.offset), message: problem.message })) };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { ok: false, errors: [{ file, path: '', message: `YAML could not be read: ${(error as Error).message}` }] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, errors: [{ file, path: '', line: 1, message: 'expected a mapping (the scenario\'s fields) at the top level' }] };
  }
  return validate_scenario_data(data, file, text, yaml_locator(document, line_counter));
}

/** Reads, parses and validates one scenario file. Never throws for a user mistake. */
export function load_scenario(path: string): LoadResult {
  const fail = (message: string): LoadResult => ({ ok: false, errors: [{ file: path, path: '', message }] });
  const extension = extname(path).toLowerCase();
  if (is_directory(path)) return fail('is a directory; give a scenario file (swarm and validate also take a directory of them)');
  if (!['.yaml', '.yml', '.json'].includes(extension)) return fail('expected a scenario file ending in .yaml, .yml or .json');
  const read = read_text_file(path, MAX_SCENARIO_FILE_BYTES, 'a scenario file');
  if (!read.ok) return fail(read.message);
  return parse_scenario_text(read.text, path);
}

/** One line per error: `file:line: path: message`. */
export function format_scenario_errors(errors: readonly ScenarioError[]): string {
  return errors
    .map((e) => `${e.file}${e.line !== undefined ? `:${e.line}` : ''}: ${e.path === '' ? '' : `${e.path}: `}${e.message}`)
    .join('\n');
}
