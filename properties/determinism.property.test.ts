// Property: a run is a function of (scenario, seed). For generated jobs, inputs and fault plans (storage faults and
// JobManager loss included), running the same seed twice gives the same trace hash, and the same result.
import { test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { run_scenario } from './run.js';
import { arb_run_case, scenario_of } from './arbitraries.js';
import { property_runs, property_seed } from './harness.js';

const HORIZON_MS = 1_500;

test.prop([arb_run_case({ max_faults: 4, horizon_ms: HORIZON_MS, storage: true, job_manager_loss: true })], {
  numRuns: Math.max(1, Math.ceil(property_runs() / 3)),
  seed: property_seed(),
})('the same seed gives the same trace and the same judgement', (value) => {
  const scenario = scenario_of(value, 'property-determinism', ['exactly_once_state', 'exactly_once_output', 'liveness'], HORIZON_MS);
  const first = run_scenario(scenario, { seed: value.seed, scenario_file: 'generated.yaml' });
  const second = run_scenario(scenario, { seed: value.seed, scenario_file: 'generated.yaml' });
  expect(second.trace_hash).toBe(first.trace_hash);
  expect(second.events).toBe(first.events);
  expect(second.properties).toEqual(first.properties);
  expect(second.faults).toEqual(first.faults);
});
