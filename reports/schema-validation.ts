// Validation of run results and JSON reports against reports/run-result.schema.json and run-report.schema.json
// with ajv in strict mode. Used by the tests, and by anyone reading a report.json or a RunResult from disk.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import add_formats_module from 'ajv-formats';

export const RUN_RESULT_SCHEMA_ID = 'urn:streamsim:schema:run-result:1';
export const RUN_REPORT_SCHEMA_ID = 'urn:streamsim:schema:run-report:1';

export interface SchemaCheck {
  valid: boolean;
  /** One line per error: instance path and message. Empty when valid. */
  errors: string[];
}

function read_schema(file_name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./${file_name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

export function load_run_result_schema(): Record<string, unknown> {
  return read_schema('run-result.schema.json');
}

export function load_run_report_schema(): Record<string, unknown> {
  return read_schema('run-report.schema.json');
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
