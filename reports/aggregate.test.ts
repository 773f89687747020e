// Specification of the swarm aggregates: counts, faults by kind, probe coverage findings, the delivery grid.
import { describe, expect, it } from 'vitest';
import { aggregate_swarm, run_failed } from './aggregate.js';
import { FIXTURE_PROBE_NAMES, make_fixture_results, make_passing_fixture } from './fixtures/run-results.js';

describe('aggregate_swarm', () => {
  it('counts runs, distinct seeds, passes and failures', () => {
    const results = make_fixture_results();
    const duplicate_seed = { ...make_passing_fixture(), scenario: { name: 'other', file: 'other.yaml' } };
    const aggregate = aggregate_swarm([...results, duplicate_seed]);
    expect(aggregate.runs).toBe(results.length + 1);
    expect(aggregate.seeds_run).toBe(new Set(results.map((r) => r.seed)).size);
    expect(aggregate.failed).toBe(1);
    expect(aggregate.passed).toBe(results.length);
    expect(aggregate.expected_violations).toEqual({ met: 1, missed: 0 });
    expect(aggregate.scenarios).toEqual([...new Set([...results.map((r) => r.scenario.name), 'other'])].sort());
  });

  it('treats a missed expected violation as a failure with a reason', () => {
    const result = { ...make_passing_fixture(), expected_violation: 'exactly_once_state' as const, expectation_met: false };
    expect(run_failed(result)).toBe(true);
    const aggregate = aggregate_swarm([result]);
    expect(aggregate.expected_violations).toEqual({ met: 0, missed: 1 });
    expect(aggregate.failures[0]?.reasons).toEqual(['expected violation of exactly_once_state did not happen']);
  });

  it('lists each failure with its replay command and the unexpected violation messages only', () => {
    const aggregate = aggregate_swarm(make_fixture_results());
    expect(aggregate.failures).toHaveLength(1);
    const failure = aggregate.failures[0];
    expect(failure?.seed).toBe(42);
    expect(failure?.replay_command).toContain('--seed 42');
    expect(failure?.reasons[0]).toMatch(/^exactly_once_output: transaction sink-0-7/);
  });

  it('counts injected faults by kind with keys sorted', () => {
    const aggregate = aggregate_swarm(make_fixture_results());
    const expected = new Map<string, number>();
    for (const result of make_fixture_results()) for (const f of result.faults) expected.set(f.kind, (expected.get(f.kind) ?? 0) + 1);
    expect(aggregate.faults_by_kind).toEqual(Object.fromEntries(expected));
    expect(Object.keys(aggregate.faults_by_kind)).toEqual([...expected.keys()].sort());
  });

  it('reports probe hits across runs and lists never-hit probes, including declared ones no run reported', () => {
    const aggregate = aggregate_swarm(make_fixture_results(), { known_probes: ['engine.declared_but_unreported'] });
    const rewind = aggregate.coverage.probes.find((p) => p.name === 'source.rewind_to_offset');
    expect(rewind?.runs_hit).toBe(make_fixture_results().length);
    expect(aggregate.coverage.never_hit).toEqual(['engine.declared_but_unreported', 'jobmanager.failover']);
    expect(aggregate.coverage.probes.map((p) => p.name)).toEqual([...FIXTURE_PROBE_NAMES, 'engine.declared_but_unreported'].sort());
  });

  it('always reports the 3×3 delivery grid and measures exactly-once rate and per-recovery duplicates/losses', () => {
    const aggregate = aggregate_swarm(make_fixture_results());
    const grid = aggregate.delivery.map((c) => `${c.sink_kind}/${c.checkpointing_mode}`);
    for (const sink of ['two_phase_commit', 'idempotent', 'at_least_once'])
      for (const mode of ['aligned', 'unaligned', 'at_least_once']) expect(grid).toContain(`${sink}/${mode}`);
    const two_pc = aggregate.delivery.find((c) => c.sink_kind === 'two_phase_commit' && c.checkpointing_mode === 'aligned');
    // three clean word-count seeds and the transaction-timeout seed that lost 1288 records in its one recovery
    expect(two_pc).toMatchObject({ runs: 4, exactly_once_runs: 3, exactly_once_rate: 0.75, losses: 1288, duplicates: 0 });
    expect(two_pc?.losses_per_recovery).toBeCloseTo(1288 / two_pc!.recoveries);
    const at_least_once = aggregate.delivery.find((c) => c.sink_kind === 'at_least_once' && c.checkpointing_mode === 'at_least_once');
    expect(at_least_once).toMatchObject({ runs: 1, exactly_once_runs: 0, exactly_once_rate: 0, duplicates_per_recovery: 412 });
    const unused = aggregate.delivery.find((c) => c.sink_kind === 'idempotent' && c.checkpointing_mode === 'aligned');
    expect(unused).toMatchObject({ runs: 0, exactly_once_rate: null, duplicates_per_recovery: null });
  });

  it('adds cells for combinations outside the grid when a run has them', () => {
    const result = { ...make_passing_fixture(), checkpointing_mode: 'none' as const };
    result.sink = { ...result.sink, kind: 'collect' };
    const aggregate = aggregate_swarm([result]);
    expect(aggregate.delivery).toHaveLength(10);
    expect(aggregate.delivery[9]).toMatchObject({ sink_kind: 'collect', checkpointing_mode: 'none', runs: 1 });
  });
});
