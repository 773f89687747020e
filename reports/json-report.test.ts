// Specification of the JSON report and its schemas: generated reports validate (ajv strict), malformed ones do
// not, and run-result.schema.json lists exactly the fields of scenarios/result-format.ts.
import { describe, expect, it } from 'vitest';
import type {
  KeyDivergence,
  OutputEvidence,
  RecordOrigin,
  CheckpointSummary,
  CheckpointingMode,
  FaultSummary,
  JobStatus,
  PropertyName,
  PropertyResult,
  RecoverySummary,
  RunResult,
  SinkKind,
  Violation,
} from '../scenarios/result-format.js';
import { FIXTURE_PROBE_NAMES, make_fixture_results, make_passing_fixture } from './fixtures/run-results.js';
import { RUN_REPORT_FORMAT, RUN_REPORT_FORMAT_VERSION, render_json_report, to_json_report } from './json-report.js';
import { check_run_report, check_run_result, load_run_result_schema } from './schema-validation.js';

/** Keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** Every key of T mapped to whether it is required: the compiler makes these lists exhaustive. */
type KeyTable<T> = { [K in keyof T]-?: K extends RequiredKeys<T> ? 'required' : 'optional' };

const run_result_keys: KeyTable<RunResult> = {
  format: 'required', version: 'required', run_id: 'required', scenario: 'required', seed: 'required',
  trace_hash: 'required', outcome: 'required', expected_violation: 'optional', expectation_met: 'required',
  properties: 'required', violations: 'required', job: 'required', sink: 'required', checkpointing_mode: 'required',
  checkpoints: 'required', recoveries: 'required', faults: 'required', throughput: 'required', probes: 'required',
  virtual_duration_ms: 'required', wall_ms: 'required', events: 'required', replay_command: 'required', unfired_faults: 'optional',
  source_lag: 'optional', commit_latency: 'optional',
};
const scenario_keys: KeyTable<RunResult['scenario']> = { name: 'required', file: 'required', description: 'optional' };
const job_keys: KeyTable<RunResult['job']> = {
  name: 'required', final_status: 'required', parallelism: 'required', records_in: 'required', records_out: 'required',
};
const sink_keys: KeyTable<RunResult['sink']> = { kind: 'required', committed_records: 'required', duplicates: 'required', losses: 'required' };
const property_result_keys: KeyTable<PropertyResult> = { property: 'required', status: 'required', checks: 'required', message: 'optional' };
const violation_keys: KeyTable<Violation> = { property: 'required', message: 'required', time_ms: 'required', detail: 'optional', evidence: 'optional' };
const evidence_keys: KeyTable<OutputEvidence> = {
  expected_records: 'required', delivered_records: 'required', keys_differing: 'required', lost: 'required', duplicated: 'required',
  unexpected: 'required', divergences: 'required',
};
const origin_keys: KeyTable<RecordOrigin> = {
  txn_id: 'required', checkpoint_id: 'required', attempt: 'required', what: 'required', time_ms: 'required', records: 'required', fault_before: 'required',
};
const divergence_keys: KeyTable<KeyDivergence> = { key: 'required', position: 'required', expected: 'required', actual: 'required', committed_ms: 'optional' };
const checkpoint_keys: KeyTable<CheckpointSummary> = {
  checkpoint_id: 'required', kind: 'required', status: 'required', trigger_ms: 'required', end_ms: 'optional',
  abort_reason: 'optional', size_bytes: 'required', alignment_ms: 'required', snapshot_ms: 'required',
  persist_ms: 'required', coordination_ms: 'required', submission: 'optional',
};
const recovery_keys: KeyTable<RecoverySummary> = {
  start_ms: 'required', end_ms: 'required', reason: 'required', restored_checkpoint_id: 'required',
  skipped_checkpoints: 'required', detect_ms: 'required', redeploy_ms: 'required', load_state_ms: 'required',
  reset_source_ms: 'required', reset_sink_ms: 'required', duplicates: 'required', losses: 'required',
};
const fault_keys: KeyTable<FaultSummary> = { time_ms: 'required', kind: 'required', target: 'required', detail: 'optional' };
const throughput_keys: KeyTable<RunResult['throughput'][number]> = { time_ms: 'required', records: 'required' };
const source_lag_keys: KeyTable<NonNullable<RunResult['source_lag']>[number]> = { time_ms: 'required', records: 'required' };
const commit_latency_keys: KeyTable<NonNullable<RunResult['commit_latency']>[number]> = { time_ms: 'required', latency_ms: 'required', txn_id: 'required', records: 'required' };

const property_names: Record<PropertyName, true> = {
  exactly_once_state: true, exactly_once_output: true, at_least_once_output: true, at_most_once_output: true,
  checkpoint_invariants: true, liveness: true, determinism: true, engine_invariants: true,
};
const sink_kinds: Record<SinkKind, true> = { two_phase_commit: true, idempotent: true, at_least_once: true, collect: true };
const modes: Record<CheckpointingMode, true> = { aligned: true, unaligned: true, at_least_once: true, none: true };
const job_statuses: Record<JobStatus, true> = {
  CREATED: true, RUNNING: true, FAILING: true, RESTARTING: true, FINISHED: true, FAILED: true, CANCELED: true,
};

interface ObjectSchema {
  properties: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean;
}

function expect_schema_matches(schema: unknown, table: Record<string, 'required' | 'optional'>, label: string): void {
  const object_schema = schema as ObjectSchema;
  expect(Object.keys(object_schema.properties).sort(), `${label} properties`).toEqual(Object.keys(table).sort());
  const required = Object.entries(table).filter(([, kind]) => kind === 'required').map(([key]) => key);
  expect([...(object_schema.required ?? [])].sort(), `${label} required`).toEqual(required.sort());
  expect(object_schema.additionalProperties, `${label} closed`).toBe(false);
}

describe('run-result.schema.json', () => {
  const schema = load_run_result_schema() as unknown as ObjectSchema & { definitions: Record<string, ObjectSchema & { enum?: string[] }> };
  const property = (name: string): ObjectSchema & { enum?: string[]; items?: ObjectSchema } =>
    schema.properties[name] as ObjectSchema & { enum?: string[]; items?: ObjectSchema };

  it('has exactly the fields of RunResult and of each nested type, with the same optionality', () => {
    expect_schema_matches(schema, run_result_keys, 'RunResult');
    expect_schema_matches(property('scenario'), scenario_keys, 'scenario');
    expect_schema_matches(property('job'), job_keys, 'job');
    expect_schema_matches(property('sink'), sink_keys, 'sink');
    expect_schema_matches(property('throughput').items, throughput_keys, 'throughput');
    expect_schema_matches(property('source_lag').items, source_lag_keys, 'source_lag');
    expect_schema_matches(property('commit_latency').items, commit_latency_keys, 'commit_latency');
    expect_schema_matches(schema.definitions.property_result, property_result_keys, 'PropertyResult');
    expect_schema_matches(schema.definitions.violation, violation_keys, 'Violation');
    expect_schema_matches(schema.definitions.checkpoint_summary, checkpoint_keys, 'CheckpointSummary');
    expect_schema_matches(schema.definitions.recovery_summary, recovery_keys, 'RecoverySummary');
    expect_schema_matches(schema.definitions.fault_summary, fault_keys, 'FaultSummary');
    expect_schema_matches(schema.definitions.output_evidence, evidence_keys, 'OutputEvidence');
    expect_schema_matches(schema.definitions.record_origin, origin_keys, 'RecordOrigin');
    expect_schema_matches(schema.definitions.key_divergence, divergence_keys, 'KeyDivergence');
  });

  it('enumerates exactly the property names, sink kinds, checkpointing modes and job statuses of the types', () => {
    expect(schema.definitions.property_name?.enum?.slice().sort()).toEqual(Object.keys(property_names).sort());
    expect(property('checkpointing_mode').enum?.slice().sort()).toEqual(Object.keys(modes).sort());
    expect((property('sink').properties.kind as { enum: string[] }).enum.slice().sort()).toEqual(Object.keys(sink_kinds).sort());
    expect((property('job').properties.final_status as { enum: string[] }).enum.slice().sort()).toEqual(Object.keys(job_statuses).sort());
  });

  it('accepts every fixture result', () => {
    for (const result of make_fixture_results()) expect(check_run_result(result)).toEqual({ valid: true, errors: [] });
  });

  it('rejects malformed results: a missing field, a wrong type, an unknown enum value, an extra field', () => {
    const { trace_hash: _trace_hash, ...missing_hash } = make_passing_fixture();
    expect(check_run_result(missing_hash).errors).toContain("/ must have required property 'trace_hash'");
    expect(check_run_result({ ...make_passing_fixture(), seed: '7' }).errors).toContain('/seed must be integer');
    const bad_sink = make_passing_fixture();
    (bad_sink.sink as { kind: string }).kind = 'exactly_once_magic';
    expect(check_run_result(bad_sink).valid).toBe(false);
    expect(check_run_result({ ...make_passing_fixture(), colour: 'blue' }).errors).toContain('/ must NOT have additional properties');
    const bad_recovery = make_passing_fixture();
    (bad_recovery.recoveries[0] as unknown as Record<string, unknown>).detect_ms = -5;
    expect(check_run_result(bad_recovery).errors).toContain('/recoveries/0/detect_ms must be >= 0');
  });
});

describe('to_json_report', () => {
  it('is a versioned document that validates against run-report.schema.json', () => {
    const report = to_json_report(make_fixture_results(), { title: 'nightly swarm', known_probes: [...FIXTURE_PROBE_NAMES] });
    expect(report.format).toBe(RUN_REPORT_FORMAT);
    expect(report.version).toBe(RUN_REPORT_FORMAT_VERSION);
    const round_tripped: unknown = JSON.parse(JSON.stringify(report));
    expect(check_run_report(round_tripped)).toEqual({ valid: true, errors: [] });
    expect(report.aggregates.coverage.never_hit).toEqual(['jobmanager.failover']);
    expect(report.results).toHaveLength(make_fixture_results().length);
  });

  it('validates for an empty run list too', () => {
    expect(check_run_report(JSON.parse(render_json_report([])))).toEqual({ valid: true, errors: [] });
  });

  it('rejects a report holding a malformed result or an unknown format', () => {
    const report = JSON.parse(render_json_report(make_fixture_results())) as { format: string; results: Record<string, unknown>[] };
    delete report.results[1]?.replay_command;
    expect(check_run_report(report).errors).toContain("/results/1 must have required property 'replay_command'");
    expect(check_run_report({ ...report, format: 'something-else' }).valid).toBe(false);
  });

  it('is byte-identical for the same results and carries no clock unless given one', () => {
    const first = render_json_report(make_fixture_results());
    expect(render_json_report(make_fixture_results())).toBe(first);
    expect(first).not.toMatch(/generated_at/);
    const stamped = to_json_report(make_fixture_results(), { generated_at: '2026-01-02T03:04:05Z', run_id: 'nightly-7' });
    expect(stamped.run_id).toBe('nightly-7');
    expect(check_run_report(JSON.parse(JSON.stringify(stamped))).valid).toBe(true);
  });

  it('derives a deterministic run id from the scenario, first seed and a digest of the runs', () => {
    const single = make_fixture_results().filter((r) => r.scenario.name === 'word-count-2pc-crash');
    expect(to_json_report(single).run_id).toMatch(/^word-count-2pc-crash-1-[0-9a-f]{8}$/);
    expect(to_json_report(make_fixture_results()).run_id).toMatch(/^swarm-1-[0-9a-f]{8}$/);
    const changed = make_fixture_results().filter((r) => r.scenario.name === 'word-count-2pc-crash');
    changed[2]!.trace_hash = 'ffffffffffffffff';
    expect(to_json_report(changed).run_id).not.toBe(to_json_report(single).run_id);
  });
});
