// Proof that the checks bite: each planted bug, injected through a test-only seam, makes its property fail within
// the default run count; fast-check shrinks the fault plan, the harness prints it with the replay command and writes
// a failure file the CLI reads back, and replaying that file's scenario and seed reproduces the same trace hash.
// Without the bug, the same minimal case holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { read_failure_file } from '../../cli/failure-file.js';
import type { PropertyName } from '../../scenarios/result-format.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import type { Scenario } from '../../scenarios/schema/scenario.generated.js';
import { run_scenario, run_scenario_with } from '../../scenarios/runner.js';
import { arb_fault_plan, scenario_of, type RunCase } from '../arbitraries.js';
import { check_run_property, describe_failure, property_runs, type RunProperty } from '../harness.js';
import { commit_on_precommit_seams } from './commit-on-precommit.js';
import { forgetful_restore_seams } from './forgetful-restore.js';
import { offsets_after_barrier_seams } from './offsets-after-barrier.js';
import { skip_alignment_seams } from './skip-alignment.js';

const HORIZON_MS = 2_500;

/** Word counts long enough (3 s of input) for checkpoints to complete before the generated crashes. */
const arb_crash_case: fc.Arbitrary<RunCase> = fc.record({
  sink: fc.constant<NonNullable<Scenario['sink']>>({ kind: 'two_phase_commit', transaction_timeout: '10 min' }),
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

interface PlantedBug {
  name: string;
  seams: EngineSeams;
  /** The property that must catch it. */
  property: PropertyName;
}

const PLANTED: PlantedBug[] = [
  { name: 'restore keeps none of the checkpoint state', seams: forgetful_restore_seams, property: 'exactly_once_state' },
  { name: 'two-phase-commit sink commits at pre-commit', seams: commit_on_precommit_seams, property: 'exactly_once_output' },
  { name: 'source offsets snapshotted after emitting past the barrier', seams: offsets_after_barrier_seams, property: 'exactly_once_state' },
  { name: 'barriers not aligned in exactly-once mode', seams: skip_alignment_seams, property: 'exactly_once_state' },
];

function property_for(bug: PlantedBug): RunProperty<RunCase> {
  return {
    name: `${bug.property} with planted bug: ${bug.name}`,
    arbitrary: arb_crash_case,
    scenario_of: (value) => scenario_of(value, 'planted-bug', [bug.property], HORIZON_MS),
    seed_of: (value) => value.seed,
    run: (scenario, seed) => run_scenario_with(scenario, { seed, scenario_file: 'generated.yaml' }, { seams: bug.seams }),
    check: (result) => result.violations.find((v) => v.property === bug.property)?.message,
  };
}

describe('planted bugs are caught, shrunk and replayed', () => {
  for (const bug of PLANTED) {
    it(bug.name, () => {
      const reports_dir = mkdtempSync(join(tmpdir(), 'streamsim-planted-'));
      const property = property_for(bug);
      const failure = check_run_property(property, { num_runs: Math.max(property_runs(), 20), seed: 42, reports_dir });
      expect(failure, `the planted bug "${bug.name}" was not found`).toBeDefined();
      if (failure === undefined) return;
      console.log(describe_failure(property.name, failure, property.check(failure.result)));
      expect(failure.result.violations.map((v) => v.property)).toContain(bug.property);
      expect((failure.scenario.faults ?? []).length).toBeGreaterThanOrEqual(1);
      expect((failure.scenario.faults ?? []).length).toBeLessThanOrEqual(2);
      // The failure file is the CLI's format: its embedded scenario and seed replay to the same trace hash.
      const file = read_failure_file(failure.failure_path);
      expect(file.seed).toBe(failure.result.seed);
      const replayed = run_scenario_with(file.scenario, { seed: file.seed, scenario_file: 'replay.yaml' }, { seams: bug.seams });
      expect(replayed.trace_hash).toBe(file.trace_hash);
      // Without the planted bug the same minimal case holds.
      const healthy = run_scenario(file.scenario, { seed: file.seed, scenario_file: 'replay.yaml' });
      expect(healthy.violations.filter((v) => v.property === bug.property)).toEqual([]);
    });
  }
});
