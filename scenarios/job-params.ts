// A scenario's `job.params` checked against the parameters a job declares (engine/api/job.ts ParamSpec): unknown
// names, wrong types, values out of range and missing required ones are issues at `job.params.<name>`; the values
// the job receives have every default filled in and durations in milliseconds.
import type { ParamDeclarations, ParamSpec } from '../engine/api/job.js';
import { DURATION_SYNTAX, parse_flink_duration } from './flink-config.js';

export interface ParamIssue {
  /** Field path below the scenario root, e.g. ['job', 'params', 'window_size']. */
  segments: (string | number)[];
  message: string;
}

export type ParamCheck = { ok: true; values: Record<string, unknown> } | { ok: false; issues: ParamIssue[] };

function describe_type(spec: ParamSpec): string {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const range =
        spec.minimum !== undefined && spec.maximum !== undefined
          ? ` from ${spec.minimum} to ${spec.maximum}`
          : spec.minimum !== undefined
            ? ` ≥ ${spec.minimum}`
            : spec.maximum !== undefined
              ? ` ≤ ${spec.maximum}`
              : '';
      return `${spec.type === 'integer' ? 'a whole number' : 'a number'}${range}`;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return spec.enum === undefined ? 'a string' : `one of ${spec.enum.map((v) => JSON.stringify(v)).join(' | ')}`;
    case 'duration':
      return DURATION_SYNTAX;
  }
}

/** One parameter's value as the job receives it, or why the scenario's value is not acceptable. */
function check_value(spec: ParamSpec, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const expected = (): { ok: false; message: string } => ({ ok: false, message: `expected ${describe_type(spec)}; got ${JSON.stringify(value)}` });
  switch (spec.type) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value) || (spec.type === 'integer' && !Number.isSafeInteger(value))) return expected();
      if ((spec.minimum !== undefined && value < spec.minimum) || (spec.maximum !== undefined && value > spec.maximum)) return expected();
      return { ok: true, value };
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : expected();
    case 'string':
      if (typeof value !== 'string' || (spec.enum !== undefined && !spec.enum.includes(value))) return expected();
      return { ok: true, value };
    case 'duration': {
      const parsed = parse_flink_duration(value);
      if (!parsed.ok) return { ok: false, message: parsed.message };
      if (spec.minimum_ms !== undefined && parsed.value < spec.minimum_ms) return { ok: false, message: `must be at least ${spec.minimum_ms} ms; got ${JSON.stringify(value)}` };
      if (spec.maximum_ms !== undefined && parsed.value > spec.maximum_ms) return { ok: false, message: `must be at most ${spec.maximum_ms} ms; got ${JSON.stringify(value)}` };
      return { ok: true, value: parsed.value };
    }
  }
}

/** Checks `raw` (the scenario's job.params, possibly absent) against the declarations of the job named `job_label`. */
export function check_job_params(declarations: ParamDeclarations, raw: unknown, job_label: string): ParamCheck {
  const at = (name?: string): (string | number)[] => (name === undefined ? ['job', 'params'] : ['job', 'params', name]);
  const issues: ParamIssue[] = [];
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    return { ok: false, issues: [{ segments: at(), message: `expected a mapping of ${job_label}'s parameters; got ${JSON.stringify(raw)}` }] };
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  const names = Object.keys(declarations);
  const known = names.length === 0 ? `${job_label} takes no parameters` : `${job_label}'s parameters: ${names.join(', ')}`;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declarations, name)) issues.push({ segments: at(name), message: `unknown parameter ${JSON.stringify(name)}; ${known}` });
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declarations)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined) {
      issues.push({ segments: at(), message: `missing required parameter ${JSON.stringify(name)} (${describe_type(spec)})` });
      continue;
    }
    const checked = check_value(spec, value);
    if (!checked.ok) {
      const from_default = !Object.hasOwn(given, name);
      issues.push({ segments: from_default ? at() : at(name), message: from_default ? `${job_label} declares a bad default for ${name}: ${checked.message}` : checked.message });
      continue;
    }
    values[name] = checked.value;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, values };
}

/** One line per declared parameter (type, default, description), for docs and `validate`. */
export function describe_params(declarations: ParamDeclarations): { name: string; type: string; default: string; description: string }[] {
  return Object.entries(declarations).map(([name, spec]) => ({
    name,
    type: spec.type === 'duration' ? 'duration' : describe_type(spec),
    default: spec.default === undefined ? '' : typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default),
    description: spec.description ?? '',
  }));
}
