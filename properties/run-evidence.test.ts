// Specification of what a judged run tells a person about a failure: the lost records with their transaction and
// checkpoint, the moment the output broke written into the trace as a 'violation' record (outside the hash), a
// JobManager re-run from scratch counted as a recovery, and reused checkpoint ids kept apart.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load_scenario, validate_scenario_data } from '../scenarios/load.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { run_scenario } from './run.js';

function catalogue(name: string): Scenario {
  const loaded = load_scenario(new URL(`../scenarios/catalogue/${name}.yaml`, import.meta.url).pathname);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.scenario;
}

function lines_of(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('a lost transaction (transaction timeout shorter than checkpoint + recovery)', () => {
  const scenario = { ...catalogue('sink-transaction-timeout-too-short'), expect_violation: undefined };
  const dir = mkdtempSync(join(tmpdir(), 'run-evidence-'));
  const trace_path = join(dir, 'trace.jsonl');
  const result = run_scenario(scenario, { seed: 1, scenario_file: 's.yaml', trace_path });
  const violation = result.violations.find((v) => v.property === 'exactly_once_output');

  it('names the lost records, the expired transaction, its checkpoint and attempt, and the crash before it', () => {
    expect(violation?.evidence?.lost.count).toBeGreaterThan(0);
    const origin = violation?.evidence?.lost.origins[0];
    expect(origin?.txn_id).toMatch(/-\d+-\d+$/);
    expect(origin?.checkpoint_id).toBeGreaterThan(0);
    expect(origin?.attempt).toBe(1);
    expect(origin?.what).toMatch(/^pre-committed for checkpoint \d+, then expired by the store at [\d.]+ s .*the restored sink's commit at [\d.]+ s \(attempt 2, restored from checkpoint \d+\) was refused$/);
    expect(origin?.fault_before).toMatchObject({ kind: 'crash', target: 'tm-1' });
    expect(origin?.records.ids[0]).toMatch(/^w\d+#\d+(-\d+)?$/);
    expect(violation?.message).toContain(`transaction ${origin?.txn_id} of checkpoint ${origin?.checkpoint_id}`);
  });

  it('writes a violation record into the trace when the output broke, outside the hash', () => {
    const records = lines_of(trace_path);
    const violations = records.filter((record) => record['kind'] === 'violation');
    expect(violations[0]).toMatchObject({ property: 'exactly_once_output', source: 'check' });
    // The result rounds times to microseconds; the trace keeps the world's own (floating-point) time.
    expect(violations[0]?.['time_ms']).toBeCloseTo(violation!.time_ms, 3);
    // Before the end: the record sits where it happened, and the trace still ends with 'end' carrying the run's hash.
    const end = records[records.length - 1];
    expect(end).toMatchObject({ kind: 'end', hash: result.trace_hash });
    expect(records.indexOf(violations[0]!)).toBeLessThan(records.length - 1);
    const untraced = run_scenario(scenario, { seed: 1, scenario_file: 's.yaml' });
    expect(untraced.trace_hash).toBe(result.trace_hash);
  });

  it('rounds every time in the result', () => {
    const times = [
      ...result.violations.map((v) => v.time_ms),
      ...result.faults.map((f) => f.time_ms),
      ...result.checkpoints.flatMap((c) => [c.trigger_ms, c.end_ms ?? 0, c.coordination_ms]),
      ...result.recoveries.flatMap((r) => [r.start_ms, r.end_ms, r.detect_ms, r.redeploy_ms]),
    ];
    for (const time of times) expect(Math.round(time * 1000) / 1000).toBe(time);
  });
});

describe('a JobManager without HA that restarts', () => {
  const data: Scenario = {
    name: 'jm-rerun',
    description: 'the JobManager crashes without HA and restarts: the job runs again from scratch',
    cluster: { task_managers: 2, slots_per_task_manager: 2 },
    job: { name: 'word_count', parallelism: 2 },
    flink: { 'execution.checkpointing.interval': '500 ms', 'heartbeat.interval': '200 ms', 'heartbeat.timeout': '1s' },
    sink: { kind: 'two_phase_commit', transaction_timeout: '1 min' },
    workload: { records: 3000, keys: 20, rate_per_second: 1000 },
    faults: [{ kind: 'crash', target: 'jm', at: '1800 ms', restart_after: '500 ms' }],
    phases: { safety_duration: '6s', liveness_bound: '20s' },
    properties: ['exactly_once_output', 'liveness'],
  };
  const validated = validate_scenario_data(data, 'jm-rerun', JSON.stringify(data));
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  const result = run_scenario(validated.scenario, { seed: 2, scenario_file: 'jm.yaml' });

  it('counts the re-run from scratch as a recovery that restored nothing', () => {
    expect(result.recoveries.length).toBeGreaterThanOrEqual(1);
    expect(result.recoveries[0]).toMatchObject({ restored_checkpoint_id: null });
    expect(result.recoveries[0]?.reason).toMatch(/submitted again and runs from scratch: JobManager jm restarted without HA/);
  });

  it('keeps both checkpoints of a reused id, the later one marked with its submission', () => {
    const ones = result.checkpoints.filter((checkpoint) => checkpoint.checkpoint_id === 1);
    expect(ones).toHaveLength(2);
    expect(ones[0]?.submission).toBeUndefined();
    expect(ones[1]?.submission).toBe(2);
    expect(ones[1]!.trigger_ms).toBeGreaterThan(ones[0]!.trigger_ms);
  });

  it('attributes the duplicates to the second attempt and the JobManager crash', () => {
    const evidence = result.violations.find((v) => v.property === 'exactly_once_output')?.evidence;
    expect(evidence?.duplicated.count).toBeGreaterThan(0);
    expect(evidence?.duplicated.origins[0]).toMatchObject({ attempt: 2, fault_before: { kind: 'crash', target: 'jm' } });
  });
});
