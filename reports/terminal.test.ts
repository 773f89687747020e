// Specification of the terminal summary: one row per run, aggregates, failures with replay, colour only on request.
import { describe, expect, it } from 'vitest';
import { FIXTURE_PROBE_NAMES, make_fixture_results, make_passing_fixture } from './fixtures/run-results.js';
import { render_terminal_summary } from './terminal.js';

describe('render_terminal_summary', () => {
  const results = make_fixture_results();

  it('has one row per scenario/seed with outcome, checkpoints, recoveries, duplicates/losses and trace hash', () => {
    const text = render_terminal_summary(results);
    for (const result of results) {
      const row = text.split('\n').find((line) => line.startsWith(result.scenario.name) && line.includes(result.trace_hash));
      expect(row, `${result.scenario.name} seed ${result.seed}`).toBeDefined();
      const completed = result.checkpoints.filter((c) => c.status === 'completed').length;
      const aborted = result.checkpoints.filter((c) => c.status === 'aborted').length;
      expect(row).toContain(`${completed}/${aborted}`);
      expect(row).toContain(`${result.sink.duplicates}/${result.sink.losses}`);
      expect(row).toMatch(result.outcome === 'violation' ? /\bFAIL\b/ : /\bpass\b/);
    }
  });

  it('shows whether an expected violation was met and which properties failed', () => {
    const text = render_terminal_summary(results);
    const row = text.split('\n').find((line) => line.startsWith('at-least-once-sink-duplicates'));
    expect(row).toContain('exactly_once_output: met');
    expect(row).toContain('6/7 held (failed: exactly_once_output)');
  });

  it('lists failures with their reasons and replay commands, and the swarm aggregates', () => {
    const text = render_terminal_summary(results, { known_probes: FIXTURE_PROBE_NAMES });
    expect(text).toContain('Failures (1):');
    expect(text).toContain('replay: npx streamsim replay scenarios/catalogue/two-phase-commit-tx-timeout.yaml --seed 42');
    expect(text).toContain('finding: probe jobmanager.failover was never hit');
    expect(text).toMatch(/Swarm: 6 runs, 6 seeds, 4 scenarios — 5 passed, 1 failed/);
    expect(text).toMatch(/two_phase_commit\s+aligned\s+4\s+3\/4 \(75\.0%\)/);
  });

  it('uses no escape sequences unless colour is asked for', () => {
    expect(render_terminal_summary(results)).not.toContain('\x1b');
    expect(render_terminal_summary(results, { color: false })).not.toContain('\x1b');
    expect(render_terminal_summary(results, { color: true })).toContain('\x1b[31mFAIL');
  });

  it('neutralises control characters coming from run data', () => {
    const hostile = { ...make_passing_fixture(), scenario: { name: 'evil\x1b[2Jname', file: 'x.yaml' } };
    const text = render_terminal_summary([hostile]);
    expect(text).not.toContain('\x1b');
    expect(text).toContain('evil\\u001b[2Jname');
  });

  it('never claims exactly-once for a run whose output property failed, and says when output was not judged', () => {
    const failed = { ...make_passing_fixture(), seed: 101 };
    failed.properties = failed.properties.map((p) => (p.property === 'exactly_once_output' ? { ...p, status: 'fail' as const } : p));
    failed.sink = { ...failed.sink, duplicates: 0, losses: 0 };
    const unjudged = { ...make_passing_fixture(), seed: 102 };
    unjudged.properties = unjudged.properties.map((p) => (p.property.endsWith('_output') ? { ...p, status: 'skipped' as const } : p));
    const text = render_terminal_summary([failed, unjudged, { ...make_passing_fixture(), seed: 103 }]);
    const row = text.split('\n').find((line) => /^two_phase_commit\s+aligned/.test(line));
    expect(row).toMatch(/two_phase_commit\s+aligned\s+3\s+1\/2 \(50\.0%\), 1 not judged/);
  });

  it('lists planned faults that never fired', () => {
    const run = { ...make_passing_fixture(), unfired_faults: ['crash tm-1 on checkpoint.completed #9 never fired: the engine logged checkpoint.completed 4 time(s) while faults were on'] };
    const text = render_terminal_summary([run]);
    expect(text).toContain('Planned faults that never fired (1;');
    expect(text).toContain(`  ${run.scenario.name} seed ${run.seed}: crash tm-1 on checkpoint.completed #9 never fired`);
  });

  it('shows one run without swarm aggregates', () => {
    const text = render_terminal_summary([make_passing_fixture()]);
    expect(text).not.toMatch(/Swarm:|Delivery by sink kind/);
  });

  it('says so when there are no runs', () => {
    expect(render_terminal_summary([])).toMatch(/^No runs\./);
  });
});

describe('render_terminal_summary on unvalidated input', () => {
  it('neutralises control characters smuggled into numeric fields', () => {
    const hostile = make_passing_fixture();
    (hostile as unknown as { seed: string }).seed = '7\x1b]0;owned\x07';
    const text = render_terminal_summary([hostile]);
    expect(text).not.toMatch(/[\x07\x1b]/);
  });
});
