// Proof that the checks bite: with a planted bug injected through a test-only seam, the exactly-once property fails
// within the default run count, shrinks to a small fault plan, prints it with the replay command, writes a failure
// file the CLI reads back, and replaying that file's scenario and seed reproduces the same trace hash.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { read_failure_file } from '../../cli/failure-file.js';
import type { Scenario } from '../../scenarios/schema/scenario.generated.js';
import { run_scenario, run_scenario_with } from '../../scenarios/runner.js';
import { arb_fault_plan, scenario_of, type RunCase } from '../arbitraries.js';
import { check_run_property, describe_failure, property_runs, type RunProperty } from '../harness.js';
import { forgetful_restore_seams } from './forgetful-restore.js';

const HORIZON_MS = 2_500;

/** Word counts long enough (3 s of input) for checkpoints to complete before the generated crashes. */
const arb_crash_case: fc.Arbitrary<RunCase> = fc.record({
  sink: fc.constant<NonNullable<Scenario['sink']>>({ kind: 'two_phase_commit' }),
  job: fc.constant<Scenario['job']>({ name: 'word_count', parallelism: 2 }),
  cluster: fc.constant({ task_managers: 2, slots_per_task_manager: 2 }),
  workload: fc.constant({ records: 3000, keys: 30, rate_per_second: 1000, source_partitions: 2 }),
  flink: fc.constant<NonNullable<Scenario['flink']>>({
    'execution.checkpointing.interval': '200 ms',
    'restart-strategy.type': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': 10,
    'restart-strategy.fixed-delay.delay': '100 ms',
    'heartbeat.interval': '200 ms',
    'heartbeat.timeout': '1s',
  }),
  faults: arb_fault_plan({ task_managers: 2, horizon_ms: HORIZON_MS, max_faults: 3 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

function property_with_seams(seams: typeof forgetful_restore_seams | undefined): RunProperty<RunCase> {
  return {
    name: 'exactly-once state after recovery',
    arbitrary: arb_crash_case,
    scenario_of: (value) => scenario_of(value, 'planted-forgetful-restore', ['exactly_once_state'], HORIZON_MS),
    seed_of: (value) => value.seed,
    run: (scenario, seed) =>
      seams === undefined
        ? run_scenario(scenario, { seed, scenario_file: 'generated.yaml' })
        : run_scenario_with(scenario, { seed, scenario_file: 'generated.yaml' }, { seams }),
    check: (result) => result.violations.find((v) => v.property === 'exactly_once_state')?.message,
  };
}

describe('planted bug: restore keeps none of the checkpoint state', () => {
  it('is caught by exactly-once state, shrunk to a small fault plan, and replays to the same trace', () => {
    const reports_dir = mkdtempSync(join(tmpdir(), 'streamsim-planted-'));
    const property = property_with_seams(forgetful_restore_seams);
    const failure = check_run_property(property, { num_runs: Math.max(property_runs(), 20), seed: 42, reports_dir });
    expect(failure, 'the planted bug was not found').toBeDefined();
    if (failure === undefined) return;
    console.log(describe_failure(property.name, failure, property.check(failure.result)));
    expect(failure.result.violations.map((v) => v.property)).toContain('exactly_once_state');
    expect((failure.scenario.faults ?? []).length).toBeGreaterThanOrEqual(1);
    expect((failure.scenario.faults ?? []).length).toBeLessThanOrEqual(2);
    // The failure file is the CLI's format: its embedded scenario and seed replay to the same trace hash.
    const file = read_failure_file(failure.failure_path);
    expect(file.seed).toBe(failure.result.seed);
    const replayed = run_scenario_with(file.scenario, { seed: file.seed, scenario_file: 'replay.yaml' }, { seams: forgetful_restore_seams });
    expect(replayed.trace_hash).toBe(file.trace_hash);
    // Without the planted bug the same minimal case holds.
    const healthy = run_scenario(file.scenario, { seed: file.seed, scenario_file: 'replay.yaml' });
    expect(healthy.violations.filter((v) => v.property === 'exactly_once_state')).toEqual([]);
  });
});
