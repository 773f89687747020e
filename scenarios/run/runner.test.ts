// Specification of the scenario runner: a run is a pure function of (scenario, seed), judged against the oracle,
// reported honestly (skipped ≠ pass), with the trace written on request and engine invariant failures as results.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate_scenario_data } from '../load.js';
import type { Scenario } from '../schema/scenario.generated.js';
import { replay_command } from '../runner.js';
import { run_scenario, run_scenario_with } from '../../properties/run.js';
import { visible_records } from './paced-broker.js';
import { plan_run } from './plan.js';

function scenario(overrides: Partial<Scenario> = {}): Scenario {
  const data: Scenario = {
    name: 'runner-spec',
    description: 'a small word count for the runner specification',
    cluster: { task_managers: 2, slots_per_task_manager: 2 },
    job: { name: 'word_count', parallelism: 2 },
    sink: { kind: 'collect' },
    workload: { records: 400, keys: 20, rate_per_second: 1000 },
    phases: { safety_duration: '1s', liveness_bound: '10s' },
    properties: ['exactly_once_state', 'exactly_once_output', 'liveness'],
    ...overrides,
  };
  const validated = validate_scenario_data(data, 'runner-spec', JSON.stringify(data));
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  return validated.scenario;
}

describe('run_scenario', () => {
  it('runs a fault-free scenario to FINISHED and checks state and output against the oracle', () => {
    const result = run_scenario(scenario(), { seed: 3, scenario_file: 'spec.yaml' });
    expect(result.job.final_status).toBe('FINISHED');
    expect(result.outcome).toBe('pass');
    expect(result.expectation_met).toBe(true);
    const status = Object.fromEntries(result.properties.map((p) => [p.property, p.status]));
    expect(status).toMatchObject({ exactly_once_state: 'pass', exactly_once_output: 'pass', liveness: 'pass', engine_invariants: 'pass' });
    expect(result.job.records_in).toBe(400);
    expect(result.sink.duplicates).toBe(0);
    expect(result.sink.losses).toBe(0);
    expect(result.replay_command).toBe('npx streamsim replay 3 spec.yaml');
  });

  it('produces the input over virtual time at the workload rate, so the job cannot finish before the input exists', () => {
    const result = run_scenario(scenario({ workload: { records: 2000, keys: 20, rate_per_second: 1000 } }), { seed: 1, scenario_file: 's.yaml' });
    expect(result.job.final_status).toBe('FINISHED');
    const finished = /FINISHED at ([0-9.]+) (ms|s)$/.exec(result.properties.find((p) => p.property === 'liveness')?.message ?? '');
    const finished_at_ms = Number(finished?.[1]) * (finished?.[2] === 's' ? 1000 : 1);
    expect(finished_at_ms).toBeGreaterThanOrEqual(2000);
    expect(result.throughput.filter((bucket) => bucket.records > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('is a function of the seed: same seed, same trace hash; another seed, another trace', () => {
    const a = run_scenario(scenario(), { seed: 11, scenario_file: 's.yaml' });
    const b = run_scenario(scenario(), { seed: 11, scenario_file: 's.yaml' });
    const c = run_scenario(scenario(), { seed: 12, scenario_file: 's.yaml' });
    expect(a.trace_hash).toBe(b.trace_hash);
    expect(c.trace_hash).not.toBe(a.trace_hash);
  });

  it('checks determinism itself when asked, by re-running the seed', () => {
    const result = run_scenario(scenario({ properties: ['determinism'] }), { seed: 5, scenario_file: 's.yaml' });
    expect(result.properties.find((p) => p.property === 'determinism')).toMatchObject({ status: 'pass', checks: 1 });
  });

  it('writes a JSONL trace whose header names the seed and whose end record carries the reported hash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-spec-'));
    const trace_path = join(dir, 't.jsonl');
    const result = run_scenario(scenario(), { seed: 9, scenario_file: 's.yaml', trace_path });
    const lines = readFileSync(trace_path, 'utf8').trim().split('\n');
    const header = JSON.parse(lines[0]!) as { kind: string; seed: number };
    expect(header).toMatchObject({ kind: 'header', seed: 9 });
    const end = JSON.parse(lines[lines.length - 1]!) as { kind: string; events: number };
    expect(end.kind).toBe('end');
    expect(end.events).toBe(result.events);
    expect(lines.some((line) => line.includes('"phase":"liveness"'))).toBe(true);
  });

  it('reports an engine invariant failure as a violation of engine_invariants, not as a crash of the tool', () => {
    const result = run_scenario_with(scenario(), { seed: 2, scenario_file: 's.yaml' }, {
      on_world: (view) => view.run.world.after(50, () => view.run.world.fail_invariant('planted invariant failure')),
    });
    expect(result.outcome).toBe('violation');
    expect(result.violations[0]).toMatchObject({ property: 'engine_invariants', message: 'planted invariant failure' });
    expect(result.properties.find((p) => p.property === 'exactly_once_output')?.status).toBe('skipped');
  });

  it('never reports pass for what it could not check: the state of a failed job is skipped, its output judged as a prefix, liveness failed', () => {
    // Without checkpointing the restart strategy is none: losing a TaskManager for good fails the job.
    const result = run_scenario(
      scenario({ faults: [{ kind: 'crash', target: 'tm-1', at: '200 ms' }], phases: { safety_duration: '1s', liveness_bound: '3s' } }),
      { seed: 4, scenario_file: 's.yaml' },
    );
    expect(result.job.final_status).not.toBe('FINISHED');
    const by_name = Object.fromEntries(result.properties.map((p) => [p.property, p]));
    // Output of an unfinished job is only judged as far as it goes: a per-key prefix of the oracle's, and says so.
    expect(by_name['exactly_once_output']?.message).toContain('prefix');
    expect(by_name['exactly_once_state']?.status).toBe('skipped');
    expect(by_name['liveness']?.status).toBe('fail');
    // Checkpointing is off, so Flink's default restart strategy is none: the failure is explained by it.
    expect(by_name['liveness']?.message).toContain('restart strategy none');
    expect(result.faults.map((f) => f.kind)).toEqual(['crash']);
  });

  it('meets an expected violation only when exactly that property fails', () => {
    const expected = run_scenario(
      scenario({ faults: [{ kind: 'crash', target: 'tm-1', at: '200 ms' }], properties: ['liveness'], expect_violation: 'liveness', phases: { safety_duration: '1s', liveness_bound: '2s' } }),
      { seed: 4, scenario_file: 's.yaml' },
    );
    expect(expected).toMatchObject({ outcome: 'pass', expectation_met: true, expected_violation: 'liveness' });
    const unmet = run_scenario(scenario({ properties: ['liveness'], expect_violation: 'liveness' }), { seed: 4, scenario_file: 's.yaml' });
    expect(unmet.expectation_met).toBe(false);
  });

  it('applies a crash and its restart due at one instant in that order, also when equal-time events are shuffled', () => {
    // restart_after 0 (where shrinking bisects durations to): a restart applied before its crash would find the process
    // alive and do nothing, leaving it down for the rest of the safety phase.
    for (let seed = 1; seed <= 12; seed++) {
      const faults: Scenario['faults'] = [{ kind: 'crash', target: 'tm-1', at: '300 ms', restart_after: '0 ms' }];
      const result = run_scenario(scenario({ simulation: { shuffle_ties: true }, faults }), { seed, scenario_file: 's.yaml' });
      const applied = result.faults.filter((f) => f.target === 'tm-1').map((f) => `${f.kind}@${f.time_ms}`);
      expect(applied.slice(0, 2), `seed ${seed}`).toEqual(['crash@300', 'restart@300']);
    }
  });

  it('reports an event-triggered fault that never fired', () => {
    const result = run_scenario(
      scenario({ faults: [{ kind: 'crash', target: 'tm-1', on: { event: 'recovery.restored', occurrence: 2 } }] }),
      { seed: 1, scenario_file: 's.yaml' },
    );
    expect(result.faults).toEqual([]);
    expect(result.unfired_faults).toEqual(['crash tm-1 on recovery.restored #2 never fired: the engine logged recovery.restored 0 time(s) while faults were on']);
  });

  it('refuses a trigger on an event the engine never logs, or one this scenario cannot produce', () => {
    const check = (on_event: string, overrides: Partial<Scenario> = {}): string => {
      const data = { ...scenario(), ...overrides, faults: [{ kind: 'crash', target: 'tm-1', on: { event: on_event } }] };
      const validated = validate_scenario_data(data, 's.yaml', JSON.stringify(data));
      return validated.ok ? 'ok' : validated.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
    };
    expect(check('checkpoint.complete')).toBe(
      'faults[0].on.event: the engine never logs "checkpoint.complete"; did you mean "checkpoint.completed"? (docs/scenario-format.md lists the engine events)',
    );
    expect(check('sink.precommitted')).toBe(
      'faults[0].on.event: this fault can never fire: sink.precommitted never happens in this scenario: it needs a two-phase-commit sink (sink.kind: two_phase_commit) and checkpointing (execution.checkpointing.interval)',
    );
    expect(check('sink.precommitted', { sink: { kind: 'two_phase_commit' }, flink: { 'execution.checkpointing.interval': '1s' } })).toBe('ok');
  });

  it('quotes the scenario file in the replay command when the shell needs it', () => {
    expect(replay_command(7, 'my scenarios/a.yaml')).toBe("npx streamsim replay 7 'my scenarios/a.yaml'");
  });
});

describe('plan_run and pacing', () => {
  it('fills the documented defaults and promises the properties of the sink kind', () => {
    const plan = plan_run(scenario({ properties: undefined, sink: { kind: 'at_least_once' }, workload: {} }));
    expect(plan.workload).toMatchObject({ records: 5000, keys: 100, rate_per_second: 1000, source_partitions: 2, bounded: true });
    expect(plan.properties).toContain('at_least_once_output');
    expect(plan.properties).not.toContain('exactly_once_output');
  });

  it('makes a partition visible at its share of the rate, never beyond what it holds', () => {
    expect(visible_records(500, 1000, 1000, 0)).toBe(0);
    expect(visible_records(500, 1000, 1000, 400)).toBe(200);
    expect(visible_records(500, 1000, 1000, 5000)).toBe(500);
  });
});

describe('determinism sampling', () => {
  it('re-runs every tenth seed even when the scenario does not ask for determinism', () => {
    const sampled = run_scenario(scenario({ properties: ['liveness'] }), { seed: 20, scenario_file: 's.yaml' });
    expect(sampled.properties.find((p) => p.property === 'determinism')).toMatchObject({ status: 'pass', checks: 1 });
    const not_sampled = run_scenario(scenario({ properties: ['liveness'] }), { seed: 21, scenario_file: 's.yaml' });
    expect(not_sampled.properties.some((p) => p.property === 'determinism')).toBe(false);
  });
});

describe('key skew', () => {
  it('draws Zipf keys: the hottest key dominates and the job still equals the oracle', () => {
    const result = run_scenario(
      scenario({ job: { name: 'sequence_check', parallelism: 2 }, workload: { records: 600, keys: 50, key_distribution: 'zipf', zipf_exponent: 1.2, rate_per_second: 2000 } }),
      { seed: 8, scenario_file: 's.yaml' },
    );
    expect(result.job.final_status).toBe('FINISHED');
    expect(result.violations).toEqual([]);
    expect(result.properties.find((p) => p.property === 'exactly_once_output')?.status).toBe('pass');
  });
});

describe('exceptions inside the world', () => {
  it('reports an exception thrown by a handler as an engine_invariants violation with where it came from', () => {
    const result = run_scenario_with(scenario(), { seed: 2, scenario_file: 's.yaml' }, {
      on_world: (view) =>
        view.run.world.after(30, () => {
          throw new TypeError('planted handler failure');
        }),
    });
    expect(result.outcome).toBe('violation');
    expect(result.violations[0]).toMatchObject({ property: 'engine_invariants', message: 'a handler threw TypeError: planted handler failure' });
  });
});
