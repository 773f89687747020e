// The HTML report: one self-contained file (inline CSS and inline SVG, no scripts, fonts or network): failures
// grouped by signature with replay and explore commands, runs collapsed per scenario, property results, per-run
// evidence and plots with faults shaded, swarm aggregates and probe coverage. All run text is escaped.
import type { RunResult } from '../scenarios/result-format.js';
import { aggregate_swarm, run_failed, type SwarmAggregate } from './aggregate.js';
import { format_ms } from '../scenarios/units.js';
import { escape_html as h } from './escape.js';
import { violation_lines } from './evidence-text.js';
import { fault_intervals } from './fault-intervals.js';
import { group_failures, type FailureGroup } from './failure-groups.js';
import { derive_run_id } from './run-id.js';
import type { ReportMeta } from './json-report.js';
import { render_bar_chart, type Bar } from './svg/bar-chart.js';
import { format_number, palette_color } from './svg/common.js';
import { render_series_panel, type PanelBand } from './svg/series-panel.js';
import { render_stacked_bar_chart } from './svg/stacked-bar-chart.js';
import { render_timeline, type TimelineLane } from './svg/timeline.js';

export interface HtmlReportOptions {
  /** Runs shown with full plots; failures come first. Default 12. The tables always list every run. */
  max_run_details?: number;
  /** Failing runs listed with their commands per failure signature; the others are named by seed. Default 10. */
  max_runs_per_signature?: number;
}

export const RECOVERY_PARTS = ['detect', 'redeploy', 'load state', 'rewind sources', 'sink recovery'] as const;
export const CHECKPOINT_COST_PARTS = ['alignment', 'snapshot', 'persist', 'coordination'] as const;

const style = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1f2933; background: #f5f7fa; }
header { background: #1f2933; color: #f5f7fa; padding: 20px 24px; border-radius: 8px; margin-bottom: 20px; }
header h1 { margin: 0 0 6px; font-size: 22px; overflow-wrap: anywhere; }
header .facts { display: flex; flex-wrap: wrap; gap: 8px 24px; font-size: 13px; color: #cbd2d9; }
header .facts b { color: #ffffff; font-weight: 600; }
header nav { margin-top: 10px; font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
header nav a { color: #9fb3c8; }
section { background: #ffffff; border: 1px solid #e4e7eb; border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; min-width: 0; }
h2 { font-size: 17px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { color: #52606d; font-weight: 600; white-space: nowrap; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
header code { background: #323f4b; color: #f5f7fa; }
code.hash { white-space: nowrap; word-break: normal; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f4f8; padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f4f8; padding: 8px 10px; border-radius: 6px; overflow-x: auto; margin: 6px 0; }
pre.commands { background: #1f2933; color: #e4e7eb; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.pass { background: #e3f9e5; color: #1f7a33; }
.fail { background: #ffe3e3; color: #ab091e; }
.skipped, .none { background: #e4e7eb; color: #52606d; }
.expected { background: #fff3c4; color: #8d5b00; }
header .badge.pass { background: #1f7a33; color: #ffffff; }
header .badge.fail { background: #ab091e; color: #ffffff; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 560px), 1fr)); gap: 12px; }
.charts svg { max-width: 100%; height: auto; border: 1px solid #e4e7eb; border-radius: 6px; }
.charts .wide { grid-column: 1 / -1; }
.charts .wide svg { width: 100%; }
details > summary { cursor: pointer; }
details.run { border-top: 1px solid #e4e7eb; padding: 8px 0; }
details.run > summary { font-weight: 600; font-size: 15px; }
details.group { border: 1px solid #e4e7eb; border-radius: 6px; padding: 8px 12px; margin-bottom: 10px; }
details.group > summary { font-weight: 600; }
details.group > summary .signature { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
details.scenario-runs { margin: 6px 0 14px; }
.finding { color: #8d5b00; }
.meter { display: inline-block; height: 8px; background: #0072B2; border-radius: 4px; vertical-align: middle; }
.muted { color: #7b8794; }
@media (max-width: 900px) {
  body { padding: 12px 10px 32px; font-size: 13px; }
  header { padding: 14px 14px; }
  section { padding: 12px 10px; }
  th, td { padding: 4px 8px 4px 0; font-size: 12px; }
  .hide-narrow { display: none; }
}
`;

function badge(text: string, kind: 'pass' | 'fail' | 'skipped' | 'expected' | 'none'): string {
  return `<span class="badge ${kind}">${h(text)}</span>`;
}

/** A number from a run, as text; a non-number smuggled in through unvalidated JSON is escaped like any string. */
function n(value: number): string {
  return typeof value === 'number' ? String(value) : h(String(value));
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}


function format_rate(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(1)}%`;
}

function format_ratio(value: number | null): string {
  return value === null ? '–' : value.toFixed(2);
}

function table(head: string, rows: string[], empty: string, columns: number): string {
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${rows.join('') || `<tr><td colspan="${columns}" class="muted">${h(empty)}</td></tr>`}</tbody></table></div>`;
}

function outcome_badge(result: RunResult): string {
  if (run_failed(result)) return badge('FAIL', 'fail');
  if (result.expected_violation !== undefined) return badge('pass (expected violation)', 'expected');
  return badge('pass', 'pass');
}

function distinct_in_order<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'scenario';
}

/** Anchor ids of the runs' detail sections, unique even when a scenario and seed appear twice. */
function run_anchors(results: readonly RunResult[]): Map<RunResult, string> {
  const anchors = new Map<RunResult, string>();
  const used = new Set<string>();
  for (const result of results) {
    const base = `run-${slug(String(result.scenario.name))}-${slug(String(result.seed))}`;
    let id = base;
    for (let index = 2; used.has(id); index += 1) id = `${base}-${index}`;
    used.add(id);
    anchors.set(result, id);
  }
  return anchors;
}

/** The trace file name the explore command of a run uses. */
function trace_file_of(result: RunResult): string {
  return `${slug(String(result.scenario.name))}-seed-${slug(String(result.seed))}.jsonl`;
}

/** Commands that reproduce a run (writing its trace) and open the trace in the explorer, which opens at the violation. */
export function run_commands(result: RunResult): { replay: string; explore: string } {
  const trace = trace_file_of(result);
  return { replay: `${result.replay_command} --trace ${trace}`, explore: `npx streamsim explore ${trace}` };
}

/** Seeds as a short text: "1–400" when contiguous, otherwise the first few. */
function seeds_text(seeds: number[]): string {
  if (seeds.length === 0) return 'none';
  const sorted = [...seeds].sort((a, b) => a - b);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (sorted.length > 2 && sorted.every((seed, index) => seed === first + index)) return `${first}–${last} (${sorted.length})`;
  return sorted.length > 12 ? `${sorted.slice(0, 12).join(', ')} … (${sorted.length} seeds)` : sorted.join(', ');
}

function render_header(results: readonly RunResult[], meta: ReportMeta, aggregate: SwarmAggregate, run_id: string): string {
  const scenarios = distinct_in_order(results.map((r) => r.scenario.name));
  const seeds = distinct_in_order(results.map((r) => r.seed));
  const overall = aggregate.failed > 0 ? badge(`FAIL — ${aggregate.failed} of ${aggregate.runs} runs`, 'fail') : badge(`PASS — ${aggregate.runs} runs`, 'pass');
  const seed_text = seeds.length > 12 ? `${seeds.slice(0, 12).join(', ')} … (${seeds.length} seeds)` : seeds.join(', ');
  const title = meta.title ?? (scenarios.length === 1 ? `streamsim: ${scenarios[0] ?? ''}` : 'streamsim report');
  const scenario_text = scenarios.length > 6 ? `${scenarios.slice(0, 6).join(', ')} … (${scenarios.length} scenarios)` : scenarios.join(', ');
  const facts = [
    `<span>scenario${scenarios.length === 1 ? '' : 's'}: <b>${h(scenario_text || 'none')}</b></span>`,
    `<span>seeds: <b>${h(seed_text || 'none')}</b></span>`,
    `<span>outcome: ${overall}</span>`,
    `<span>run id: <b>${h(run_id)}</b></span>`,
  ];
  if (meta.command !== undefined) facts.push(`<span>command: <code>${h(meta.command)}</code></span>`);
  if (meta.generated_at !== undefined) facts.push(`<span>generated: <b>${h(meta.generated_at)}</b></span>`);
  if (meta.tool_version !== undefined) facts.push(`<span>version: <b>${h(meta.tool_version)}</b></span>`);
  const nav = [
    ['failures', 'Failures'],
    ['runs', 'Runs by scenario'],
    ['properties', 'Properties'],
    ['run-details', 'Run details'],
    ['swarm', 'Swarm and probes'],
  ]
    .map(([id, name]) => `<a href="#${id}">${name}</a>`)
    .join('');
  return `<header><h1>${h(title)}</h1><div class="facts">${facts.join('')}</div><nav>${nav}</nav></header>`;
}

function first_violation_ms(result: RunResult): number | undefined {
  const times = result.violations.filter((v) => v.property !== result.expected_violation).map((v) => v.time_ms);
  return times.length === 0 ? undefined : Math.min(...times);
}

function render_failure_group(group: FailureGroup, anchors: Map<RunResult, string>, with_details: ReadonlySet<RunResult>, open: boolean, limit: number): string {
  const shown = group.runs.slice(0, limit);
  const rows = shown.map((result) => {
    const commands = run_commands(result);
    const at = first_violation_ms(result);
    const anchor = anchors.get(result) ?? '';
    const detailed = with_details.has(result);
    return (
      `<tr><td>${h(result.scenario.name)}</td><td class="number">${detailed ? `<a href="#${h(anchor)}">${n(result.seed)}</a>` : n(result.seed)}</td>` +
      `<td class="number">${at === undefined ? '–' : h(format_ms(at))}</td><td class="number">${n(result.sink.losses)} / ${n(result.sink.duplicates)}</td>` +
      `<td class="hide-narrow"><code class="hash">${h(result.trace_hash)}</code></td>` +
      `<td><code>${h(commands.replay)}</code><br><code>${h(commands.explore)}</code>${detailed ? ` · <a href="#${h(anchor)}">evidence and plots</a>` : ''}</td></tr>`
    );
  });
  const more = group.runs.length - shown.length;
  const example = group.runs[0];
  const reasons = example === undefined ? '' : aggregate_reasons(example);
  return (
    `<details class="group"${open ? ' open' : ''}><summary>${badge(`${group.runs.length} run${group.runs.length === 1 ? '' : 's'}`, 'fail')} ` +
    `<span class="signature">${h(group.signature)}</span> <span class="muted">— ${h(group.scenarios.join(', '))}</span></summary>` +
    (reasons === '' ? '' : `<p class="muted">first: ${reasons}</p>`) +
    table(
      '<th>scenario</th><th class="number">seed</th><th class="number">at</th><th class="number">lost / duplicated</th><th class="hide-narrow">trace hash</th><th>reproduce: replay (writes the trace), then explore</th>',
      rows,
      'no runs',
      6,
    ) +
    (more > 0
      ? `<p class="muted">${more} more run(s) with this signature (the same commands with their seed): ` +
        `${group.runs.slice(limit, limit + 60).map((r) => (group.scenarios.length === 1 ? n(r.seed) : `${h(r.scenario.name)} ${n(r.seed)}`)).join(', ')}${more > 60 ? ', …' : ''}; every run is in report.json and junit.xml.</p>`
      : '') +
    `</details>`
  );
}

function aggregate_reasons(result: RunResult): string {
  const violation = result.violations.find((v) => v.property !== result.expected_violation);
  if (violation !== undefined) return `${h(result.scenario.name)} seed ${n(result.seed)}: ${h(violation.property)} — ${h(violation.message)}`;
  if (result.expected_violation !== undefined && !result.expectation_met) return `${h(result.scenario.name)} seed ${n(result.seed)}: expected ${h(result.expected_violation)} to be violated; it held`;
  return '';
}

function render_failures(results: readonly RunResult[], aggregate: SwarmAggregate, anchors: Map<RunResult, string>, with_details: ReadonlySet<RunResult>, limit: number): string {
  if (aggregate.failures.length === 0) {
    return `<section id="failures"><h2>Failures</h2><p>${badge('none', 'pass')} every run held its properties (or violated exactly the one it expected).</p></section>`;
  }
  const groups = group_failures(results);
  return (
    `<section id="failures"><h2>Failures: ${aggregate.failures.length} run(s), ${groups.length} signature(s)</h2>` +
    `<p class="muted">Runs that broke the same way share a signature: the property and what happened to the records, without seeds, times or ids. ` +
    `Each run links to its evidence; its replay command reproduces it byte for byte, and the explore command writes its trace and opens it at the violation.</p>` +
    groups.map((group, index) => render_failure_group(group, anchors, with_details, index < 3, limit)).join('') +
    `</section>`
  );
}

function run_row(result: RunResult, anchors: Map<RunResult, string>, with_details: ReadonlySet<RunResult>): string {
  const completed = result.checkpoints.filter((c) => c.status === 'completed').length;
  const aborted = result.checkpoints.filter((c) => c.status === 'aborted').length;
  const checked = result.properties.filter((p) => p.status !== 'skipped');
  const held = checked.filter((p) => p.status === 'pass').length;
  const expectation =
    result.expected_violation === undefined ? '<span class="muted">–</span>' : `${h(result.expected_violation)} ${result.expectation_met ? badge('met', 'pass') : badge('not met', 'fail')}`;
  const seed = with_details.has(result) ? `<a href="#${h(anchors.get(result) ?? '')}">${n(result.seed)}</a>` : n(result.seed);
  return (
    `<tr><td class="number">${seed}</td><td>${outcome_badge(result)}</td><td>${expectation}</td>` +
    `<td class="number">${held}/${checked.length}</td><td class="number">${completed} / ${aborted}</td><td class="number">${result.recoveries.length}</td>` +
    `<td class="number">${n(result.sink.duplicates)} / ${n(result.sink.losses)}</td><td class="number hide-narrow">${result.faults.length}</td>` +
    `<td class="hide-narrow"><code class="hash">${h(result.trace_hash)}</code></td></tr>`
  );
}

/** One row per scenario (runs collapsed), with each scenario's runs in a table that opens on request. */
function render_runs_by_scenario(results: readonly RunResult[], anchors: Map<RunResult, string>, with_details: ReadonlySet<RunResult>): string {
  const by_scenario = new Map<string, RunResult[]>();
  for (const result of results) {
    const list = by_scenario.get(result.scenario.name) ?? [];
    list.push(result);
    by_scenario.set(result.scenario.name, list);
  }
  const rows: string[] = [];
  const run_tables: string[] = [];
  for (const [name, runs] of by_scenario) {
    const failed = runs.filter(run_failed);
    const expected = runs.filter((r) => r.expected_violation !== undefined);
    const failing_links = failed
      .slice(0, 8)
      .map((r) => (with_details.has(r) ? `<a href="#${h(anchors.get(r) ?? '')}">${n(r.seed)}</a>` : n(r.seed)))
      .join(', ');
    const sinks = distinct_in_order(runs.map((r) => `${r.sink.kind} / ${r.checkpointing_mode}`));
    rows.push(
      `<tr><td>${h(name)}</td><td class="number">${runs.length}</td><td>${failed.length > 0 ? badge(`${failed.length} failed`, 'fail') : badge('all passed', 'pass')}</td>` +
        `<td>${h(seeds_text(runs.map((r) => r.seed)))}</td><td>${failed.length === 0 ? '<span class="muted">–</span>' : `${failing_links}${failed.length > 8 ? ` … (${failed.length})` : ''}`}</td>` +
        `<td>${expected.length === 0 ? '<span class="muted">–</span>' : `${expected.filter((r) => r.expectation_met).length} / ${expected.length} met`}</td>` +
        `<td class="hide-narrow">${h(sinks.join(', '))}</td><td class="number">${n(runs.reduce((sum, r) => sum + r.recoveries.length, 0))}</td>` +
        `<td class="number">${n(runs.reduce((sum, r) => sum + r.sink.duplicates, 0))} / ${n(runs.reduce((sum, r) => sum + r.sink.losses, 0))}</td>` +
        `<td class="number hide-narrow">${n(runs.reduce((sum, r) => sum + r.faults.length, 0))}</td></tr>`,
    );
    const ordered = [...runs.filter(run_failed), ...runs.filter((r) => !run_failed(r))];
    run_tables.push(
      `<details class="scenario-runs"${results.length <= 12 ? ' open' : ''}><summary>every run of ${h(name)} (${runs.length}), failures first</summary>` +
        table(
          '<th class="number">seed</th><th>outcome</th><th>expected violation</th><th class="number">properties held</th><th class="number">checkpoints ok / aborted</th>' +
            '<th class="number">recoveries</th><th class="number">duplicates / losses</th><th class="number hide-narrow">faults</th><th class="hide-narrow">trace hash</th>',
          ordered.map((r) => run_row(r, anchors, with_details)),
          'no runs',
          9,
        ) +
        `</details>`,
    );
  }
  return (
    `<section id="runs"><h2>Runs by scenario</h2>` +
    table(
      '<th>scenario</th><th class="number">runs</th><th>outcome</th><th>seeds</th><th>failing seeds</th><th>expected violation</th>' +
        '<th class="hide-narrow">sink / checkpointing</th><th class="number">recoveries</th><th class="number">duplicates / losses</th><th class="number hide-narrow">faults</th>',
      rows,
      'no runs',
      10,
    ) +
    run_tables.join('') +
    `</section>`
  );
}

function render_property_summary(results: readonly RunResult[]): string {
  const counts = new Map<string, { pass: number; fail: number; skipped: number; checks: number }>();
  for (const result of results) {
    for (const property of result.properties) {
      const entry = counts.get(property.property) ?? { pass: 0, fail: 0, skipped: 0, checks: 0 };
      entry[property.status] += 1;
      entry.checks += property.checks;
      counts.set(property.property, entry);
    }
  }
  const rows = [...counts.entries()].map(
    ([name, c]) =>
      `<tr><td>${h(name)}</td><td class="number">${c.pass > 0 ? badge(String(c.pass), 'pass') : '0'}</td>` +
      `<td class="number">${c.fail > 0 ? badge(String(c.fail), 'fail') : '0'}</td><td class="number">${c.skipped}</td><td class="number">${c.checks}</td></tr>`,
  );
  return (
    `<section id="properties"><h2>Property results</h2>` +
    table('<th>property</th><th class="number">runs held</th><th class="number">runs failed</th><th class="number">runs skipped</th><th class="number">checks</th>', rows, 'no properties', 5) +
    `</section>`
  );
}

/** Mean time of each recovery phase over every recovery of each scenario, in first-seen scenario order. */
export function mean_recovery_phases_by_scenario(results: readonly RunResult[]): { label: string; values: number[] }[] {
  const sums = new Map<string, { count: number; values: number[] }>();
  for (const result of results) {
    for (const r of result.recoveries) {
      const entry = sums.get(result.scenario.name) ?? { count: 0, values: [0, 0, 0, 0, 0] };
      const parts = [r.detect_ms, r.redeploy_ms, r.load_state_ms, r.reset_source_ms, r.reset_sink_ms];
      entry.values = entry.values.map((sum, index) => sum + (parts[index] ?? 0));
      entry.count += 1;
      sums.set(result.scenario.name, entry);
    }
  }
  return [...sums.entries()].map(([label, entry]) => ({ label, values: entry.values.map((sum) => sum / entry.count) }));
}

function render_probe_coverage(aggregate: SwarmAggregate, declared: number): string {
  const max_hits = Math.max(1, ...aggregate.coverage.probes.map((p) => p.total_hits));
  const never = aggregate.coverage.never_hit;
  const rows = [...aggregate.coverage.probes]
    .sort((a, b) => (a.total_hits === 0 ? 0 : 1) - (b.total_hits === 0 ? 0 : 1))
    .map(
      (p) =>
        `<tr><td><code>${h(p.name)}</code></td><td class="number">${n(p.total_hits)}</td><td class="number">${n(p.runs_hit)} / ${aggregate.runs}</td>` +
        `<td>${p.total_hits === 0 ? '<span class="finding">never hit: the faults are not reaching this code</span>' : `<span class="meter" style="width:${Math.max(2, Math.round((p.total_hits / max_hits) * 160))}px"></span>`}</td></tr>`,
    );
  let summary: string;
  if (aggregate.coverage.probes.length === 0) summary = '<p class="finding">No probes declared and none reported: coverage is unknown, not complete.</p>';
  else if (never.length === 0) summary = `<p>Every one of the ${aggregate.coverage.probes.length} probes${declared > 0 ? ` (${declared} declared by the engine)` : ''} was hit at least once.</p>`;
  else summary = `<p class="finding">Findings: ${never.length} of ${aggregate.coverage.probes.length} probe(s) never hit — ${never.map((name) => `<code>${h(name)}</code>`).join(', ')}</p>`;
  return (
    `<h3>Coverage of interesting states (probes${declared > 0 ? ` the engine declares: ${declared}` : ''})</h3>${summary}` +
    table('<th>probe</th><th class="number">hits</th><th class="number">runs hit</th><th></th>', rows, 'no probes declared or reported', 4)
  );
}

function render_swarm(aggregate: SwarmAggregate, results: readonly RunResult[], declared_probes: number): string {
  const fault_bars: Bar[] = Object.entries(aggregate.faults_by_kind).map(([kind, count]) => ({ label: kind, value: count }));
  const faults_chart = render_bar_chart({ title: 'Faults injected by kind', x_label: 'fault kind', y_label: 'faults (count)', bars: fault_bars });
  const delivery_rows = aggregate.delivery.map(
    (c) =>
      `<tr${c.runs === 0 ? ' class="muted"' : ''}><td>${h(c.sink_kind)}</td><td>${h(c.checkpointing_mode)}</td><td class="number">${n(c.runs)}</td>` +
      `<td class="number">${c.runs === 0 ? '–' : `${n(c.exactly_once_runs)} / ${n(c.runs)}`}</td><td class="number">${format_rate(c.exactly_once_rate)}</td>` +
      `<td class="number">${n(c.recoveries)}</td><td class="number">${n(c.duplicates)}</td><td class="number">${n(c.losses)}</td>` +
      `<td class="number">${format_ratio(c.duplicates_per_recovery)}</td><td class="number">${format_ratio(c.losses_per_recovery)}</td></tr>`,
  );
  return (
    `<section id="swarm"><h2>Swarm</h2>` +
    `<p>${aggregate.runs} runs over ${aggregate.seeds_run} seeds and ${aggregate.scenarios.length} scenario(s): ` +
    `${badge(`${aggregate.passed} passed`, 'pass')} ${badge(`${aggregate.failed} failed`, aggregate.failed > 0 ? 'fail' : 'none')} · ` +
    `expected violations met ${aggregate.expected_violations.met}, missed ${aggregate.expected_violations.missed}</p>` +
    `<div class="charts">${faults_chart}${render_stacked_bar_chart({
      title: 'Mean recovery time by phase, per scenario',
      x_label: 'scenario',
      y_label: 'time (ms)',
      unit: 'ms',
      parts: [...RECOVERY_PARTS],
      bars: mean_recovery_phases_by_scenario(results),
    })}</div>` +
    `<h3>Delivery guarantees measured, by sink kind × checkpointing mode</h3>` +
    table(
      '<th>sink</th><th>checkpointing</th><th class="number">runs</th><th class="number">exactly-once runs</th><th class="number">rate</th><th class="number">recoveries</th>' +
        '<th class="number">duplicates</th><th class="number">losses</th><th class="number">duplicates / recovery</th><th class="number">losses / recovery</th>',
      delivery_rows,
      'no runs',
      10,
    ) +
    render_probe_coverage(aggregate, declared_probes) +
    `</section>`
  );
}

/** Throughput in records per second of virtual time, from the per-bucket counts. */
export function throughput_points(result: RunResult): { x: number; y: number }[] {
  const series = result.throughput;
  return series.map((bucket, index) => {
    const next = series[index + 1];
    const previous = series[index - 1];
    const bucket_ms = next ? next.time_ms - bucket.time_ms : previous ? bucket.time_ms - previous.time_ms : 1000;
    return { x: seconds(bucket.time_ms), y: bucket_ms > 0 ? (bucket.records * 1000) / bucket_ms : bucket.records };
  });
}

/** The sink's output as it grew: records in the external system at the end of each throughput bucket. */
export function committed_output_points(result: RunResult): { x: number; y: number }[] {
  let total = 0;
  return result.throughput.map((bucket, index) => {
    total += bucket.records;
    const next = result.throughput[index + 1];
    return { x: seconds(next ? next.time_ms : bucket.time_ms + 1000), y: total };
  });
}

function checkpoint_duration_ms(checkpoint: RunResult['checkpoints'][number]): number {
  if (checkpoint.end_ms !== undefined) return checkpoint.end_ms - checkpoint.trigger_ms;
  return checkpoint.alignment_ms + checkpoint.snapshot_ms + checkpoint.persist_ms + checkpoint.coordination_ms;
}

function checkpoint_tone(checkpoint: RunResult['checkpoints'][number]): Bar['tone'] {
  return checkpoint.status === 'aborted' ? 'warning' : checkpoint.status === 'pending' ? 'muted' : 'normal';
}

function checkpoint_label(checkpoint: RunResult['checkpoints'][number]): string {
  const id = checkpoint.kind === 'savepoint' ? `sp${checkpoint.checkpoint_id}` : String(checkpoint.checkpoint_id);
  return checkpoint.submission !== undefined && checkpoint.submission > 1 ? `${id}/${checkpoint.submission}` : id;
}

/** Colours of the categories that are not fault kinds; fault kinds take the palette in a fixed order. */
const FIXED_COLORS: Record<string, string> = { recovery: '#9aa5b1', violation: '#ab091e', checkpoint: '#3e4c59', 'aborted checkpoint': '#E69F00' };
const FAULT_PALETTE_ORDER = [0, 4, 3, 2, 6, 5, 7, 1];

/** Fault kinds of a run in first-seen order, then recovery and violation: the categories its plots shade and mark. */
function shading_categories(result: RunResult): string[] {
  const intervals = fault_intervals(result.faults, result.virtual_duration_ms);
  return [...distinct_in_order(intervals.map((interval) => interval.kind)), 'recovery', 'violation'];
}

function category_colors(categories: string[]): string[] {
  let fault_index = 0;
  return categories.map((name) => FIXED_COLORS[name] ?? palette_color(FAULT_PALETTE_ORDER[fault_index++ % FAULT_PALETTE_ORDER.length] ?? 0));
}

function shading_bands(result: RunResult, categories: string[]): PanelBand[] {
  const bands: PanelBand[] = fault_intervals(result.faults, result.virtual_duration_ms).map((interval) => ({
    start: seconds(interval.start_ms),
    end: seconds(interval.end_ms),
    category: categories.indexOf(interval.kind),
    label: interval.label,
  }));
  for (const recovery of result.recoveries) {
    bands.push({
      start: seconds(recovery.start_ms),
      end: seconds(recovery.end_ms),
      category: categories.indexOf('recovery'),
      label: `recovery ${format_ms(recovery.end_ms - recovery.start_ms)}: ${recovery.reason}; restored checkpoint ${recovery.restored_checkpoint_id ?? 'none'}`,
    });
  }
  for (const violation of result.violations) {
    bands.push({ start: seconds(violation.time_ms), end: seconds(violation.time_ms), category: categories.indexOf('violation'), label: `${violation.property} violated at ${format_ms(violation.time_ms)}: ${violation.message}` });
  }
  return bands;
}

function render_series(result: RunResult): string {
  const categories = shading_categories(result);
  const latency = result.commit_latency ?? [];
  return render_series_panel({
    title: 'Throughput, commit latency, source lag and committed output, faults shaded by kind',
    x_label: 'virtual time (s)',
    start: 0,
    end: seconds(result.virtual_duration_ms),
    band_categories: categories,
    band_colors: category_colors(categories),
    bands: shading_bands(result, categories),
    plots: [
      { y_label: 'throughput into the sink (records/s)', points: throughput_points(result), style: 'line', empty_message: 'no output measured' },
      {
        y_label: 'commit latency: transaction begin → commit (ms)',
        points: latency.map((commit) => ({ x: seconds(commit.time_ms), y: commit.latency_ms, hint: `${commit.txn_id}: ${commit.records} records committed at ${format_ms(commit.time_ms)}, ${format_ms(commit.latency_ms)} after it began` })),
        style: 'points',
        empty_message: `no transactional commits (sink ${result.sink.kind})`,
      },
      {
        y_label: 'source lag: produced, not yet read (records)',
        points: (result.source_lag ?? []).map((sample) => ({ x: seconds(sample.time_ms), y: sample.records })),
        style: 'line',
        empty_message: 'no log source to measure',
      },
      { y_label: 'committed output (records)', points: committed_output_points(result), style: 'line', empty_message: 'no output measured' },
    ],
  });
}

function build_fault_timeline(result: RunResult): string {
  const categories = [...shading_categories(result), 'checkpoint', 'aborted checkpoint'];
  const lanes: TimelineLane[] = [];
  const lane_for = (name: string): TimelineLane => {
    let lane = lanes.find((candidate) => candidate.name === name);
    if (!lane) {
      lane = { name, events: [], spans: [] };
      lanes.push(lane);
    }
    return lane;
  };
  const job_lane = lane_for('job');
  const checkpoint_lane = lane_for('checkpoints');
  for (const interval of fault_intervals(result.faults, result.virtual_duration_ms)) {
    const lane = lane_for(interval.target);
    const category = categories.indexOf(interval.kind);
    if (interval.instant) lane.events.push({ time: seconds(interval.start_ms), label: interval.label, category });
    else lane.spans.push({ start: seconds(interval.start_ms), end: seconds(interval.end_ms), label: interval.label, category });
  }
  for (const recovery of result.recoveries) {
    job_lane.spans.push({
      start: seconds(recovery.start_ms),
      end: seconds(recovery.end_ms),
      label: `recovery ${format_ms(recovery.end_ms - recovery.start_ms)}: ${recovery.reason}; restored checkpoint ${recovery.restored_checkpoint_id ?? 'none'}`,
      category: categories.indexOf('recovery'),
    });
  }
  for (const violation of result.violations) {
    job_lane.events.push({ time: seconds(violation.time_ms), label: `${violation.property}: ${violation.message}`, category: categories.indexOf('violation') });
  }
  for (const checkpoint of result.checkpoints) {
    checkpoint_lane.events.push({
      time: seconds(checkpoint.trigger_ms),
      label: `${checkpoint.kind} ${checkpoint.checkpoint_id} ${checkpoint.status}${checkpoint.abort_reason ? ` (${checkpoint.abort_reason})` : ''}`,
      category: categories.indexOf(checkpoint.status === 'aborted' ? 'aborted checkpoint' : 'checkpoint'),
    });
  }
  return render_timeline({
    title: 'Fault timeline',
    x_label: 'virtual time (s)',
    lanes,
    categories,
    colors: category_colors(categories),
    start: 0,
    end: seconds(result.virtual_duration_ms),
    geometry: { width_px: 1300, height_px: 200, margin: { top_px: 50, right_px: 20, bottom_px: 52, left_px: 72 } },
  });
}

function render_run_detail(result: RunResult, anchor: string, open: boolean): string {
  const property_rows = result.properties.map(
    (p) =>
      `<tr><td>${h(p.property)}</td><td>${badge(p.status, p.status === 'pass' ? 'pass' : p.status === 'fail' ? (p.property === result.expected_violation ? 'expected' : 'fail') : 'skipped')}</td>` +
      `<td class="number">${n(p.checks)}</td><td>${p.message === undefined ? '' : h(p.message)}</td></tr>`,
  );
  const evidence = result.violations.map(
    (v) =>
      `<div class="violation">${v.property === result.expected_violation ? `${badge('expected', 'expected')} ` : ''}` +
      `<pre class="evidence">${h(violation_lines(v, '').join('\n'))}</pre>${v.detail === undefined ? '' : `<details><summary>detail</summary><code>${h(JSON.stringify(v.detail))}</code></details>`}</div>`,
  );
  const recovery_bars = result.recoveries.map((r, index) => ({
    label: `#${index + 1} @${format_number(seconds(r.start_ms))} s`,
    values: [r.detect_ms, r.redeploy_ms, r.load_state_ms, r.reset_source_ms, r.reset_sink_ms],
  }));
  const charts = [
    `<div class="wide">${render_series(result)}</div>`,
    `<div class="wide">${build_fault_timeline(result)}</div>`,
    render_bar_chart({
      title: 'Checkpoint duration',
      x_label: 'checkpoint id',
      y_label: 'duration (ms)',
      bars: result.checkpoints.map((c) => ({ label: checkpoint_label(c), value: checkpoint_duration_ms(c), tone: checkpoint_tone(c), hint: `${c.kind} ${c.checkpoint_id} ${c.status}: ${format_ms(checkpoint_duration_ms(c))}` })),
      tone_names: { normal: 'completed', warning: 'aborted', muted: 'pending' },
    }),
    render_bar_chart({
      title: 'Checkpoint size',
      x_label: 'checkpoint id',
      y_label: 'size (KiB)',
      bars: result.checkpoints.map((c) => ({ label: checkpoint_label(c), value: c.size_bytes / 1024, tone: checkpoint_tone(c), hint: `${c.kind} ${c.checkpoint_id}: ${c.size_bytes} bytes` })),
      tone_names: { normal: 'completed', warning: 'aborted', muted: 'pending' },
    }),
    render_stacked_bar_chart({
      title: 'Checkpoint cost split',
      x_label: 'checkpoint id',
      y_label: 'time (ms)',
      unit: 'ms',
      parts: [...CHECKPOINT_COST_PARTS],
      bars: result.checkpoints.map((c) => ({ label: checkpoint_label(c), values: [c.alignment_ms, c.snapshot_ms, c.persist_ms, c.coordination_ms] })),
    }),
    render_stacked_bar_chart({
      title: 'Recovery time = detect + redeploy + load + rewind + sink',
      x_label: 'recovery (start, virtual time)',
      y_label: 'time (ms)',
      unit: 'ms',
      parts: [...RECOVERY_PARTS],
      bars: recovery_bars,
    }),
  ];
  const commands = run_commands(result);
  const summary =
    `${h(result.scenario.name)} · seed ${n(result.seed)} · ${outcome_badge(result)} · ${h(result.sink.kind)} / ${h(result.checkpointing_mode)} · ` +
    `${result.recoveries.length} recoveries · ${n(result.sink.duplicates)} duplicates / ${n(result.sink.losses)} losses`;
  const unfired = result.unfired_faults ?? [];
  return (
    `<details class="run" id="${h(anchor)}"${open ? ' open' : ''}><summary>${summary}</summary>` +
    (result.scenario.description === undefined ? '' : `<p>${h(result.scenario.description)}</p>`) +
    `<p>job <b>${h(result.job.name)}</b> (parallelism ${n(result.job.parallelism)}) ended <b>${h(result.job.final_status)}</b>; ` +
    `${n(result.job.records_in)} records in, ${n(result.job.records_out)} out, ${n(result.sink.committed_records)} committed; ` +
    `${h(format_ms(result.virtual_duration_ms))} virtual in ${h(format_ms(result.wall_ms))} wall, ${n(result.events)} events. ` +
    `Trace hash <code>${h(result.trace_hash)}</code>.</p>` +
    `<pre class="commands">${h(`# replay it exactly and write its trace\n${commands.replay}\n# open the trace in the explorer (it opens at the violation)\n${commands.explore}`)}</pre>` +
    (evidence.length === 0 ? '' : `<h3>Violations and evidence</h3>${evidence.join('')}`) +
    (unfired.length === 0 ? '' : `<h3>Planned faults that never fired</h3><ul>${unfired.map((note) => `<li>${h(note)}</li>`).join('')}</ul>`) +
    `<h3>Properties</h3>${table('<th>property</th><th>status</th><th class="number">checks</th><th>message</th>', property_rows, 'no properties', 4)}` +
    `<h3>Plots</h3><div class="charts">${charts.join('')}</div></details>`
  );
}

function render_details(results: readonly RunResult[], shown: readonly RunResult[], anchors: Map<RunResult, string>): string {
  const omitted = results.length - shown.length;
  return (
    `<section id="run-details"><h2>Run details</h2>` +
    shown.map((result, index) => render_run_detail(result, anchors.get(result) ?? '', index === 0)).join('') +
    (omitted > 0 ? `<p class="muted">${omitted} more run(s) omitted here; every run is in the tables above and in report.json.</p>` : '') +
    (shown.length === 0 ? '<p class="muted">no runs</p>' : '') +
    `</section>`
  );
}

/** The whole HTML report as one string. Deterministic: the same inputs give the same bytes. */
export function to_html_report(results: readonly RunResult[], meta: ReportMeta = {}, options: HtmlReportOptions = {}): string {
  const aggregate = aggregate_swarm(results, meta.known_probes ? { known_probes: meta.known_probes } : {});
  const run_id = meta.run_id ?? derive_run_id(results);
  const title = meta.title ?? 'streamsim report';
  const anchors = run_anchors(results);
  const with_details = [...results.filter(run_failed), ...results.filter((r) => !run_failed(r))].slice(0, options.max_run_details ?? 12);
  const detailed = new Set(with_details);
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${h(title)} — ${h(run_id)}</title><style>${style}</style></head><body>` +
    render_header(results, meta, aggregate, run_id) +
    render_failures(results, aggregate, anchors, detailed, options.max_runs_per_signature ?? 10) +
    render_runs_by_scenario(results, anchors, detailed) +
    render_property_summary(results) +
    render_details(results, with_details, anchors) +
    render_swarm(aggregate, results, meta.known_probes?.length ?? 0) +
    `<footer class="muted">report format streamsim-run-report v1 · run results format streamsim-run-result v1</footer>` +
    `</body></html>\n`
  );
}
