// The HTML report's structure at swarm scale: failures grouped by signature with replay and explore commands, runs
// collapsed per scenario, faults shaded as intervals per kind over the four series, every bar labelled, tables that
// scroll inside their section at 800 px, and the probe table built from the declared probes.
import { describe, expect, it } from 'vitest';
import type { OutputEvidence, RunResult, Violation } from '../scenarios/result-format.js';
import { failure_signature, group_failures } from './failure-groups.js';
import { fault_intervals } from './fault-intervals.js';
import { make_fixture_results, make_passing_fixture } from './fixtures/run-results.js';
import { run_commands, to_html_report } from './html.js';

function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

function lost_evidence(what: string, txn_id: string | null): OutputEvidence {
  const origin = { txn_id, checkpoint_id: 4, attempt: 1, what, time_ms: 4_870, records: { count: 2_462, ids: ['w0#135-181'] }, fault_before: { time_ms: 4_149, kind: 'crash', target: 'tm-1' } };
  return {
    expected_records: 20_000,
    delivered_records: 17_538,
    keys_differing: 48,
    lost: { count: 2_462, ids: ['w0#135-181'], origins: [origin] },
    duplicated: { count: 0, ids: [], origins: [] },
    unexpected: { count: 0, ids: [] },
    divergences: [],
  };
}

/** A failing run of `scenario` at `seed` that lost records the way `what` says. */
function failing_run(scenario: string, seed: number, what: string, txn_id: string | null = `input-sink-0-${seed}`): RunResult {
  const result = make_passing_fixture();
  result.scenario = { name: scenario, file: `${scenario}.yaml` };
  result.seed = seed;
  result.run_id = `${scenario}-${seed}`;
  result.replay_command = `npx streamsim replay ${seed} ${scenario}.yaml`;
  const violation: Violation = {
    property: 'exactly_once_output',
    message: `${seed * 7} lost, 0 duplicated and 0 unexpected of the oracle's 20,000 records; lost ones (w${seed}#1-9, …) were in transaction ${txn_id ?? 'none'}`,
    time_ms: 4_000 + seed,
    evidence: lost_evidence(what, txn_id),
  };
  result.violations = [violation];
  result.outcome = 'violation';
  result.properties = result.properties.map((p) => (p.property === 'exactly_once_output' ? { ...p, status: 'fail' } : p));
  result.sink = { ...result.sink, losses: seed * 7 };
  return result;
}

const EXPIRED = 'pre-committed for checkpoint 4, then expired by the store at 4.87 s (its 2 s timeout ran out 2 s after it began at 2.87 s)';
const NEVER = 'never delivered, and no expired or failed transaction held them';

/** 400 runs of 4 scenarios: 30 failures of one kind, 10 of another. */
function swarm_of_400(): RunResult[] {
  const runs: RunResult[] = [];
  for (let seed = 1; seed <= 100; seed += 1) {
    for (const scenario of ['alpha', 'beta', 'gamma', 'delta']) {
      if (scenario === 'alpha' && seed % 10 < 3) runs.push(failing_run(scenario, seed, EXPIRED));
      else if (scenario === 'gamma' && seed % 10 === 5) runs.push(failing_run(scenario, seed, NEVER, null));
      else {
        const pass = make_passing_fixture();
        pass.scenario = { name: scenario, file: `${scenario}.yaml` };
        pass.seed = seed;
        pass.run_id = `${scenario}-${seed}`;
        runs.push(pass);
      }
    }
  }
  return runs;
}

describe('failures grouped by signature', () => {
  it('gives runs that broke the same way one signature, whatever their seeds, times, counts and ids', () => {
    expect(failure_signature(failing_run('a', 3, EXPIRED))).toBe(failure_signature(failing_run('b', 18, EXPIRED.replace('4.87', '5.5'))));
    expect(failure_signature(failing_run('a', 3, EXPIRED))).toContain('records lost, prepared transaction expired before its commit');
    expect(failure_signature(failing_run('a', 3, EXPIRED))).not.toBe(failure_signature(failing_run('a', 3, NEVER, null)));
    const missed = make_passing_fixture();
    missed.expected_violation = 'exactly_once_output';
    missed.expectation_met = false;
    expect(failure_signature(missed)).toBe('expected exactly_once_output to be violated; it held');
  });

  it('orders groups largest first and lists each run with its replay and explore commands', () => {
    const runs = swarm_of_400();
    const groups = group_failures(runs);
    expect(groups.map((g) => g.runs.length)).toEqual([30, 10]);
    expect(groups[0]!.scenarios).toEqual(['alpha']);
    const html = to_html_report(runs);
    const failures = section(html, 'failures');
    expect(failures).toContain('Failures: 40 run(s), 2 signature(s)');
    expect(failures.match(/<details class="group"/g)).toHaveLength(2);
    // At most 10 runs per signature with their commands; the rest are named by seed.
    const first = run_commands(groups[0]!.runs[0]!);
    expect(first.replay).toBe('npx streamsim replay 1 alpha.yaml --trace alpha-seed-1.jsonl');
    expect(first.explore).toBe('npx streamsim explore alpha-seed-1.jsonl');
    expect(failures).toContain(`<code>${first.replay}</code><br><code>${first.explore}</code>`);
    expect(failures.match(/npx streamsim explore /g)).toHaveLength(20);
    expect(failures).toContain('20 more run(s) with this signature');
  });
});

describe('a 400-run swarm', () => {
  const runs = swarm_of_400();
  const html = to_html_report(runs, { known_probes: ['job.failover', 'never.reached'] });

  it('collapses runs to one row per scenario, with every run in a closed table under it', () => {
    const by_scenario = section(html, 'runs');
    const summary_table = by_scenario.slice(0, by_scenario.indexOf('<details'));
    expect(summary_table.match(/<tr>/g)).toHaveLength(1 + 4);
    expect(summary_table).toContain('<td>alpha</td><td class="number">100</td><td><span class="badge fail">30 failed</span></td><td>1–100 (100)</td>');
    expect(by_scenario.match(/<details class="scenario-runs">/g)).toHaveLength(4);
    expect(by_scenario.match(/<details class="scenario-runs" open>/g)).toBeNull();
    expect(html.length).toBeLessThan(1_500_000);
  });

  it('shows plots for at most max_run_details runs, failures first, and links failing seeds to them', () => {
    expect(html.match(/<details class="run"/g)).toHaveLength(12);
    expect(section(html, 'run-details').indexOf('alpha · seed 1 ')).toBeGreaterThan(0);
    expect(section(html, 'failures')).toContain('<a href="#run-alpha-1">1</a>');
  });

  it('lists the declared probes and names the ones never hit', () => {
    const swarm = section(html, 'swarm');
    expect(swarm).toContain('Coverage of interesting states (probes the engine declares: 2)');
    expect(swarm).toContain('<code>never.reached</code>');
    expect(swarm).toContain('never hit: the faults are not reaching this code');
  });
});

describe('probe coverage without declared probes', () => {
  it('says coverage is unknown instead of claiming every probe was hit', () => {
    const run = make_passing_fixture();
    run.probes = {};
    const html = to_html_report([run]);
    expect(html).toContain('No probes declared and none reported: coverage is unknown, not complete.');
    expect(html).not.toContain('was hit at least once');
  });
});

describe('faults as shaded intervals over the series', () => {
  it('turns crash → restart, partitions → heal and faults with a duration into intervals; the rest are instants', () => {
    const intervals = fault_intervals(
      [
        { time_ms: 1_000, kind: 'crash', target: 'tm-1' },
        { time_ms: 2_000, kind: 'pause', target: 'tm-2', detail: '{"target":"tm-2","duration_ms":2700}' },
        { time_ms: 3_000, kind: 'partition_isolate', target: 'jm' },
        { time_ms: 4_000, kind: 'restart', target: 'tm-1' },
        { time_ms: 5_500, kind: 'heal', target: '*' },
        { time_ms: 6_000, kind: 'storage_bit_flip_read', target: 'checkpoint-store' },
        { time_ms: 7_000, kind: 'crash', target: 'tm-2' },
      ],
      9_000,
    );
    expect(intervals.map((i) => [i.kind, i.target, i.start_ms, i.end_ms, i.instant, i.open_ended])).toEqual([
      ['crash', 'tm-1', 1_000, 4_000, false, false],
      ['pause', 'tm-2', 2_000, 4_700, false, false],
      ['partition_isolate', 'jm', 3_000, 5_500, false, false],
      ['storage_bit_flip_read', 'checkpoint-store', 6_000, 6_000, true, false],
      ['crash', 'tm-2', 7_000, 9_000, false, true],
    ]);
  });

  it('shades each interval across all four plots, a 2.7 s pause as wide as 2.7 s, with a legend entry per kind', () => {
    const run = make_passing_fixture();
    run.virtual_duration_ms = 10_000;
    run.throughput = Array.from({ length: 10 }, (_, index) => ({ time_ms: index * 1_000, records: 100 }));
    run.source_lag = Array.from({ length: 10 }, (_, index) => ({ time_ms: (index + 1) * 1_000, records: index * 5 }));
    run.commit_latency = [{ time_ms: 1_500, latency_ms: 900, txn_id: 't-1', records: 10 }];
    run.faults = [{ time_ms: 2_000, kind: 'pause', target: 'tm-2', detail: '{"duration_ms":2700}' }];
    run.recoveries = [];
    run.violations = [];
    const html = to_html_report([run]);
    const panel = html.slice(html.indexOf('<svg xmlns="http://www.w3.org/2000/svg" class="chart series-panel"'));
    const svg = panel.slice(0, panel.indexOf('</svg>'));
    expect(svg.match(/<g class="plot">/g)).toHaveLength(4);
    const bands = [...svg.matchAll(/<rect class="band" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[2]));
    expect(bands).toHaveLength(4);
    // 10 s over 1300 − 78 − 20 px of plot: 2.7 s is 2.7 × 120.2 px.
    for (const width of bands) expect(width).toBeCloseTo(2.7 * ((1300 - 78 - 20) / 10), 0);
    expect(svg).toContain('<title>pause tm-2 from 2 s for 2.7 s — {&quot;duration_ms&quot;:2700}</title>');
    expect(svg.match(/<g class="legend-entry">/g)).toHaveLength(3); // pause, recovery, violation
    expect(svg.match(/<circle class="point"/g)).toHaveLength(1);
  });
});

describe('bars and tables at any width', () => {
  it('labels every checkpoint bar, even with 60 checkpoints', () => {
    const run = make_passing_fixture();
    const template = run.checkpoints[0]!;
    run.checkpoints = Array.from({ length: 60 }, (_, index) => ({ ...template, checkpoint_id: index + 1, trigger_ms: index * 1_000, end_ms: index * 1_000 + 200 }));
    const html = to_html_report([run]);
    const start = html.indexOf('<title>Checkpoint duration</title>');
    const chart = html.slice(start, html.indexOf('</svg>', start));
    const labels = [...chart.matchAll(/<text class="bar-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(Array.from({ length: 60 }, (_, index) => String(index + 1)));
  });

  it('puts every table in a horizontally scrolling wrapper and narrows padding below 900 px', () => {
    const html = to_html_report(make_fixture_results());
    const tables = html.match(/<table>/g)?.length ?? 0;
    expect(tables).toBeGreaterThan(5);
    expect(html.match(/<div class="table-wrap"><table>/g)).toHaveLength(tables);
    expect(html).toContain('.table-wrap { overflow-x: auto; max-width: 100%; }');
    expect(html).toMatch(/@media \(max-width: 900px\) \{[^}]*body \{ padding: 12px 10px 32px;/);
    expect(html).toContain('grid-template-columns: repeat(auto-fill, minmax(min(100%, 560px), 1fr))');
  });
});
