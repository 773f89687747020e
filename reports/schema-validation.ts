// Validation of run results and JSON reports against reports/run-result.schema.json and run-report.schema.json
// with ajv in strict mode. Used by the tests, and by anyone reading a report.json or a RunResult from disk.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import add_formats_module from 'ajv-formats';
// Imported (not read from a path) so the compiled package in dist/ carries the schemas with it.
import run_result_schema from './run-result.schema.json' with { type: 'json' };
import run_report_schema from './run-report.schema.json' with { type: 'json' };

export const RUN_RESULT_SCHEMA_ID = 'urn:streamsim:schema:run-result:1';
export const RUN_REPORT_SCHEMA_ID = 'urn:streamsim:schema:run-report:1';

export interface SchemaCheck {
  valid: boolean;
  /** One line per error: instance path and message. Empty when valid. */
  errors: string[];
}

/** A fresh copy of the run-result schema (callers may keep or change it). */
export function load_run_result_schema(): Record<string, unknown> {
  return structuredClone(run_result_schema) as Record<string, unknown>;
}

export function load_run_report_schema(): Record<string, unknown> {
  return structuredClone(run_report_schema) as Record<string, unknown>;
}

interface Validators {
  run_result: ValidateFunction;
  run_report: ValidateFunction;
}

let validators: Validators | undefined;

function get_validators(): Validators {
  if (validators) return validators;
  const ajv = new Ajv({ strict: true, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext its plugin is the `default` property of the module object.
  add_formats_module.default(ajv);
  ajv.addSchema(load_run_result_schema());
  ajv.addSchema(load_run_report_schema());
  const run_result = ajv.getSchema(RUN_RESULT_SCHEMA_ID);
  const run_report = ajv.getSchema(RUN_REPORT_SCHEMA_ID);
  if (!run_result || !run_report) throw new Error('report schemas did not compile');
  validators = { run_result, run_report };
  return validators;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}

export function check_run_result(value: unknown): SchemaCheck {
  const validate = get_validators().run_result;
  const valid = validate(value) === true;
  return { valid, errors: valid ? [] : describe(validate.errors) };
}

export function check_run_report(value: unknown): SchemaCheck {
  const validate = get_validators().run_report;
  const valid = validate(value) === true;
  return { valid, errors: valid ? [] : describe(validate.errors) };
}
