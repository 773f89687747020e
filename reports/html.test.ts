// Specification of the HTML report: self-contained, has every section and plot, escapes all run-provided text.
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../scenarios/result-format.js';
import { FIXTURE_PROBE_NAMES, make_fixture_results, make_passing_fixture } from './fixtures/run-results.js';
import { mean_recovery_phases_by_scenario, throughput_points, to_html_report } from './html.js';

const xss = '<script>alert(1)</script>';
const escaped_xss = '&lt;script&gt;alert(1)&lt;/script&gt;';

function hostile_result(): RunResult {
  const result = make_passing_fixture();
  result.scenario = { name: xss, file: `${xss}.yaml`, description: xss };
  result.outcome = 'violation';
  result.violations = [{ property: 'exactly_once_state', message: xss, time_ms: 1_000, detail: { [xss]: xss } }];
  result.properties[0]!.message = xss;
  result.faults.push({ time_ms: 2_000, kind: xss, target: xss, detail: xss });
  result.probes[xss] = 0;
  result.trace_hash = xss;
  result.replay_command = `streamsim replay '${xss}' --seed 1`;
  result.job.name = xss;
  result.recoveries[0]!.reason = xss;
  result.checkpoints[0]!.abort_reason = xss;
  result.checkpoints[0]!.status = 'aborted';
  return result;
}

describe('to_html_report', () => {
  const html = to_html_report(make_fixture_results(), { title: 'nightly', known_probes: [...FIXTURE_PROBE_NAMES] });

  it('is one self-contained document: inline style and SVG, no scripts, links, fonts or remote URLs', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|@font-face|url\(/i);
    const urls = [...html.matchAll(/(?:src|href)\s*=\s*"([^#"][^"]*)"|https?:\/\/[^\s"'<)]+/gi)].map((m) => m[0]);
    expect(urls.every((url) => url === 'http://www.w3.org/2000/svg')).toBe(true);
    // The only links are to places in the page, and each one has its target.
    const targets = [...html.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) expect(html, target).toContain(`id="${target}"`);
  });

  it('has the header, runs, property results, failures, swarm and per-run sections', () => {
    for (const id of ['runs', 'properties', 'failures', 'swarm', 'run-details']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toMatch(/<header><h1>nightly<\/h1>/);
    expect(html).toContain('FAIL — 1 of 6 runs');
    expect(html).toContain('seeds: <b>1, 2, 3, 11, 7, 42</b>');
  });

  it('draws the plots, each with axis labels that carry units', () => {
    for (const title of [
      'Throughput, commit latency, source lag and committed output, faults shaded by kind',
      'Checkpoint duration',
      'Checkpoint size',
      'Checkpoint cost split',
      'Recovery time = detect + redeploy + load + rewind + sink',
      'Fault timeline',
      'Faults injected by kind',
    ]) {
      expect(html, title).toContain(`<title>${title}</title>`);
    }
    for (const axis of ['virtual time (s)', 'throughput into the sink (records/s)', 'commit latency: transaction begin → commit (ms)', 'source lag: produced, not yet read (records)', 'committed output (records)', 'duration (ms)', 'size (KiB)', 'time (ms)', 'faults (count)']) {
      expect(html, axis).toContain(`>${axis}</text>`);
    }
    for (const part of ['detect', 'redeploy', 'load state', 'rewind sources', 'sink recovery', 'alignment', 'snapshot', 'persist', 'coordination']) {
      expect(html, part).toContain(`>${part}</text>`);
    }
  });

  it('lists failures with their replay commands, probe findings and the delivery grid', () => {
    const failures = html.slice(html.indexOf('<section id="failures">'), html.indexOf('</section>', html.indexOf('<section id="failures">')));
    expect(failures).toContain('npx streamsim replay scenarios/catalogue/two-phase-commit-tx-timeout.yaml --seed 42');
    expect(failures).toContain('1,288 records lost');
    expect(html).toContain('never hit: the faults are not reaching this code');
    expect(html).toMatch(/<td>two_phase_commit<\/td><td>aligned<\/td><td class="number">4<\/td><td class="number">3 \/ 4<\/td><td class="number">75\.0%<\/td>/);
  });

  it('shows failing runs first in the details and limits how many runs get plots', () => {
    const details = html.slice(html.indexOf('<section id="run-details">'));
    expect(details.indexOf('two-phase-commit-tx-timeout')).toBeLessThan(details.indexOf('word-count-2pc-crash'));
    const limited = to_html_report(make_fixture_results(), {}, { max_run_details: 2 });
    expect(limited.match(/<details class="run"/g)).toHaveLength(2);
    expect(limited).toContain('4 more run(s) omitted here');
  });

  it('is byte-identical for the same input', () => {
    expect(to_html_report(make_fixture_results(), { title: 'nightly', known_probes: [...FIXTURE_PROBE_NAMES] })).toBe(html);
  });

  it('escapes every run-provided string: a script tag in any field appears as text only', () => {
    const hostile_html = to_html_report([hostile_result()], { title: xss, command: xss });
    expect(hostile_html).not.toMatch(/<script/i);
    expect(hostile_html).toContain(escaped_xss);
    // scenario name, description, violation message and detail, fault kind/target, probe, hash, replay, job, reason
    expect(hostile_html.split(escaped_xss).length - 1).toBeGreaterThanOrEqual(15);
    expect(hostile_html).toContain(`<td>${escaped_xss}</td>`);
  });

  it('renders a report for no runs', () => {
    const empty = to_html_report([]);
    expect(empty).toContain('no runs');
    expect(empty).toContain('PASS — 0 runs');
  });
});

describe('throughput_points', () => {
  it('converts per-bucket counts to records per second of virtual time', () => {
    const result = make_passing_fixture();
    result.throughput = [
      { time_ms: 0, records: 500 },
      { time_ms: 500, records: 1_000 },
      { time_ms: 1_000, records: 250 },
    ];
    expect(throughput_points(result)).toEqual([
      { x: 0, y: 1_000 },
      { x: 0.5, y: 2_000 },
      { x: 1, y: 500 },
    ]);
  });
});

describe('to_html_report on unvalidated input', () => {
  it('escapes markup smuggled into numeric fields', () => {
    const result = make_passing_fixture();
    (result as unknown as { seed: string }).seed = xss;
    (result.sink as unknown as { duplicates: string }).duplicates = xss;
    const html = to_html_report([result]);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(escaped_xss);
  });
});

describe('mean_recovery_phases_by_scenario', () => {
  it('averages each recovery phase over the recoveries of each scenario', () => {
    const first = make_passing_fixture();
    const second = make_passing_fixture();
    const phases = (detect_ms: number, reset_sink_ms: number) => ({
      ...first.recoveries[0]!,
      detect_ms,
      redeploy_ms: 10,
      load_state_ms: 20,
      reset_source_ms: 30,
      reset_sink_ms,
    });
    first.recoveries = [phases(100, 0), phases(300, 40)];
    second.recoveries = [phases(200, 80)];
    expect(mean_recovery_phases_by_scenario([first, second])).toEqual([{ label: first.scenario.name, values: [200, 10, 20, 30, 40] }]);
    expect(to_html_report([first, second])).toContain('<title>Mean recovery time by phase, per scenario</title>');
  });
});
