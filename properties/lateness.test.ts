// Specification of how the judge treats event-time lateness: a user's sessionizer whose out-of-order clicks reach
// windows behind the watermark differs from the oracle with no fault, and that comparison is reported as not judged
// (with the count and the finding); with no element late, the comparison stays exact and a planted bug is caught.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { load_scenario_with_job } from '../scenarios/job-module.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { lateness_explains } from './lateness.js';
import { restore_one_record_late_seams } from './planted-bugs/restore-one-record-late.js';
import { run_scenario_with } from './run.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const JOB = fileURLToPath(new URL('../scenarios/test-support/jobs/sessions.ts', import.meta.url));

async function run(jitter_ms: number, crash: boolean, seams = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'streamsim-lateness-'));
  const file = join(dir, 'sessions.yaml');
  const scenario: Scenario = {
    name: 'sessions',
    description: 'a sessionizer with out-of-order clicks',
    job: { module: JOB, export: 'sessions', params: { jitter_ms } },
    flink: { 'execution.checkpointing.interval': '200 ms', 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.delay': '100 ms' },
    workload: { records: 3000, keys: 20 },
    faults: crash ? [{ kind: 'crash', target: 'tm-1', on: { event: 'checkpoint.completed', occurrence: 2, delay: '20 ms' }, restart_after: '300 ms' }] : [],
    phases: { safety_duration: '3s', liveness_bound: '20s' },
  };
  writeFileSync(file, JSON.stringify(scenario));
  const loaded = await load_scenario_with_job(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded));
  return run_scenario_with(loaded.scenario, { seed: 1, scenario_file: file, job: loaded.job }, { seams });
}

describe('event-time lateness in the judge', () => {
  it('reports a difference that late elements explain as not judged, with their count and the finding (no fault)', async () => {
    const result = await run(300, false);
    expect(result.violations).toEqual([]);
    expect(result.probes['window.element_behind_watermark'] ?? 0).toBeGreaterThan(0);
    const output = result.properties.find((p) => p.property === 'exactly_once_output')!;
    expect(output.status).toBe('skipped');
    expect(output.message).toMatch(/^not judged: \d+ element\(s\) reached an event-time window behind its watermark/);
    expect(output.message).toMatch(/The comparison found: 0 lost, 0 duplicated and 1 unexpected/);
  }, 120_000);

  it('keeps the exact comparison when no element is late, and catches a source restoring one record late', async () => {
    const held = await run(0, true);
    expect(result_late(held)).toBe(0);
    expect(held.violations).toEqual([]);
    expect(held.properties.find((p) => p.property === 'exactly_once_output')?.status).toBe('pass');
    const planted = await run(0, true, restore_one_record_late_seams);
    expect(result_late(planted)).toBe(0);
    expect(planted.violations.map((v) => v.property)).toContain('exactly_once_output');
  }, 120_000);

  it('explains only comparisons with the oracle, only when something was late, and never for a job with its own check', () => {
    expect(lateness_explains('exactly_once_state', 2, false, 'x')).toMatch(/^not judged: 2 element/);
    expect(lateness_explains('exactly_once_state', 0, false, 'x')).toBeUndefined();
    expect(lateness_explains('liveness', 2, false, 'x')).toBeUndefined();
    expect(lateness_explains('checkpoint_invariants', 2, false, 'x')).toBeUndefined();
    expect(lateness_explains('exactly_once_output', 2, true, 'x')).toBeUndefined();
  });
});

function result_late(result: { probes: Record<string, number> }): number {
  return (result.probes['window.element_behind_watermark'] ?? 0) + (result.probes['window.late_element_dropped'] ?? 0) + (result.probes['window.late_data_to_side_output'] ?? 0);
}
