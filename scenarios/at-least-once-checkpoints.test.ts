// Specification of AT_LEAST_ONCE checkpoints: barriers are only counted and never block an input, so a multi-input
// operator takes records behind the barrier into its snapshot; after a restore those records are counted twice in
// state, while every record still reaches the sink at least once. The same run with EXACTLY_ONCE keeps state exact.
import { describe, expect, it } from 'vitest';
import { load_scenario } from './load.js';
import type { RunView } from './run/assemble.js';
import { run_scenario_with } from '../properties/run.js';
import type { Scenario } from './schema/scenario.generated.js';

const CATALOGUE_FILE = 'scenarios/catalogue/at-least-once-duplicates.yaml';

function catalogue_scenario(mode?: 'EXACTLY_ONCE'): Scenario {
  const loaded = load_scenario(CATALOGUE_FILE);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const scenario = structuredClone(loaded.scenario);
  if (mode !== undefined) scenario.flink = { ...scenario.flink, 'execution.checkpointing.mode': mode } as Scenario['flink'];
  return scenario;
}

function run(scenario: Scenario, seed: number) {
  let view: RunView | undefined;
  const result = run_scenario_with(scenario, { seed, scenario_file: CATALOGUE_FILE }, { on_world: (v) => (view = v) });
  const tasks = view!.task_managers().flatMap((tm) => [...tm.tasks]);
  return { result, records_past_barrier: tasks.reduce((n, t) => n + t.records_past_barrier, 0) };
}

describe('at-least-once checkpoints', () => {
  it('count barriers without blocking, so a restore double-counts records in the multi-input count; output stays at least once', () => {
    for (const seed of [1, 2, 3]) {
      const { result } = run(catalogue_scenario(), seed);
      expect(result.checkpointing_mode).toBe('at_least_once');
      expect(result.expectation_met, `seed ${seed}`).toBe(true);
      const status = Object.fromEntries(result.properties.map((p) => [p.property, p.status]));
      expect(status, `seed ${seed}`).toMatchObject({ at_least_once_output: 'pass', exactly_once_state: 'fail', liveness: 'pass' });
      // Never blocked: no alignment was started; records behind a barrier were processed before the snapshot.
      expect(result.probes['checkpoint.alignment_started']).toBeUndefined();
      expect(result.probes['checkpoint.at_least_once_records_past_barrier'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(result.recoveries.length).toBeGreaterThanOrEqual(1);
      // The state differs by duplicates only: the count is higher than the oracle's, never lower.
      const violation = result.violations.find((v) => v.property === 'exactly_once_state')!;
      const expected = (violation.detail?.['expected'] as [string, number])[1];
      const actual = (violation.detail?.['actual'] as [string, number])[1];
      expect(actual, violation.message).toBeGreaterThan(expected);
    }
  });

  it('keep state exactly once in the same run with EXACTLY_ONCE (aligned barriers block the faster input)', () => {
    const { result, records_past_barrier } = run(catalogue_scenario('EXACTLY_ONCE'), 1);
    const status = Object.fromEntries(result.properties.map((p) => [p.property, p.status]));
    expect(status).toMatchObject({ at_least_once_output: 'pass', exactly_once_state: 'pass' });
    expect(result.probes['checkpoint.alignment_started'] ?? 0).toBeGreaterThan(0);
    expect(result.probes['checkpoint.at_least_once_records_past_barrier']).toBeUndefined();
    expect(records_past_barrier).toBe(0);
  });

  it('hold several checkpoints at once, as the barrier tracker of Flink does: max-concurrent 4 finishes with no failure', () => {
    const file = 'scenarios/catalogue/at-least-once-concurrent-checkpoints.yaml';
    const loaded = load_scenario(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const result = run_scenario_with(loaded.scenario, { seed: 1, scenario_file: file }, {});
    expect(result.outcome).toBe('pass');
    expect(result.recoveries).toEqual([]);
    const checkpoints = result.checkpoints.filter((c) => c.kind === 'checkpoint');
    // In flight at once: how many were triggered and not yet ended at each trigger.
    const overlap = Math.max(...checkpoints.map((c) => checkpoints.filter((o) => o.trigger_ms <= c.trigger_ms && (o.end_ms ?? Infinity) > c.trigger_ms).length));
    expect(overlap).toBeGreaterThanOrEqual(3);
    expect(checkpoints.filter((c) => c.status === 'aborted').every((c) => c.abort_reason === 'CHECKPOINT_SUBSUMED')).toBe(true);
    expect(checkpoints.filter((c) => c.status === 'completed').length).toBeGreaterThan(checkpoints.length / 2);
  });
});
