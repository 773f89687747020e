// The HTML report: one self-contained file (inline CSS and inline SVG, no scripts, fonts or network) with the
// header, property results, per-run plots, swarm aggregates and failures with replay commands. All run text is escaped.
import type { RunResult } from '../scenarios/result-format.js';
import { aggregate_swarm, run_failed, type SwarmAggregate } from './aggregate.js';
import { escape_html as h } from './escape.js';
import { derive_run_id } from './run-id.js';
import type { ReportMeta } from './json-report.js';
import { render_bar_chart, type Bar } from './svg/bar-chart.js';
import { format_number } from './svg/common.js';
import { render_line_chart } from './svg/line-chart.js';
import { render_stacked_bar_chart } from './svg/stacked-bar-chart.js';
import { render_timeline, type TimelineLane } from './svg/timeline.js';

export interface HtmlReportOptions {
  /** Runs shown with full plots; failures come first. Default 12. The tables always list every run. */
  max_run_details?: number;
}

export const RECOVERY_PARTS = ['detect', 'redeploy', 'load state', 'rewind sources', 'sink recovery'] as const;
export const CHECKPOINT_COST_PARTS = ['alignment', 'snapshot', 'persist', 'coordination'] as const;

const style = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1f2933; background: #f5f7fa; }
header { background: #1f2933; color: #f5f7fa; padding: 20px 24px; border-radius: 8px; margin-bottom: 20px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header .facts { display: flex; flex-wrap: wrap; gap: 8px 24px; font-size: 13px; color: #cbd2d9; }
header .facts b { color: #ffffff; font-weight: 600; }
section { background: #ffffff; border: 1px solid #e4e7eb; border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; }
h2 { font-size: 17px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { color: #52606d; font-weight: 600; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
header code { background: #323f4b; color: #f5f7fa; }
code.hash { white-space: nowrap; word-break: normal; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f4f8; padding: 1px 5px; border-radius: 4px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.pass { background: #e3f9e5; color: #1f7a33; }
.fail { background: #ffe3e3; color: #ab091e; }
.skipped, .none { background: #e4e7eb; color: #52606d; }
.expected { background: #fff3c4; color: #8d5b00; }
header .badge.pass { background: #1f7a33; color: #ffffff; }
header .badge.fail { background: #ab091e; color: #ffffff; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 12px; }
.charts svg { max-width: 100%; height: auto; border: 1px solid #e4e7eb; border-radius: 6px; }
.charts .wide { grid-column: 1 / -1; }
.charts .wide svg { width: 100%; }
details.run { border-top: 1px solid #e4e7eb; padding: 8px 0; }
details.run > summary { cursor: pointer; font-weight: 600; font-size: 15px; }
.finding { color: #8d5b00; }
.meter { display: inline-block; height: 8px; background: #0072B2; border-radius: 4px; vertical-align: middle; }
.muted { color: #7b8794; }
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

function format_ms(ms: number): string {
  return ms >= 10_000 ? `${format_number(Math.round(ms / 100) / 10)} s` : `${format_number(Math.round(ms * 10) / 10)} ms`;
}

function format_rate(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(1)}%`;
}

function format_ratio(value: number | null): string {
  return value === null ? '–' : value.toFixed(2);
}

function outcome_badge(result: RunResult): string {
  if (run_failed(result)) return badge('FAIL', 'fail');
  if (result.expected_violation !== undefined) return badge('pass (expected violation)', 'expected');
  return badge('pass', 'pass');
}

function distinct_in_order<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function render_header(results: readonly RunResult[], meta: ReportMeta, aggregate: SwarmAggregate, run_id: string): string {
  const scenarios = distinct_in_order(results.map((r) => r.scenario.name));
  const seeds = distinct_in_order(results.map((r) => r.seed));
  const overall = aggregate.failed > 0 ? badge(`FAIL — ${aggregate.failed} of ${aggregate.runs} runs`, 'fail') : badge(`PASS — ${aggregate.runs} runs`, 'pass');
  const seed_text = seeds.length > 12 ? `${seeds.slice(0, 12).join(', ')} … (${seeds.length} seeds)` : seeds.join(', ');
  const title = meta.title ?? (scenarios.length === 1 ? `streamsim: ${scenarios[0] ?? ''}` : 'streamsim report');
  const facts = [
    `<span>scenario${scenarios.length === 1 ? '' : 's'}: <b>${h(scenarios.join(', ') || 'none')}</b></span>`,
    `<span>seeds: <b>${h(seed_text || 'none')}</b></span>`,
    `<span>outcome: ${overall}</span>`,
    `<span>run id: <b>${h(run_id)}</b></span>`,
  ];
  if (meta.command !== undefined) facts.push(`<span>command: <code>${h(meta.command)}</code></span>`);
  if (meta.generated_at !== undefined) facts.push(`<span>generated: <b>${h(meta.generated_at)}</b></span>`);
  if (meta.tool_version !== undefined) facts.push(`<span>version: <b>${h(meta.tool_version)}</b></span>`);
  return `<header><h1>${h(title)}</h1><div class="facts">${facts.join('')}</div></header>`;
}

function render_runs_table(results: readonly RunResult[]): string {
  const rows = results.map((r) => {
    const completed = r.checkpoints.filter((c) => c.status === 'completed').length;
    const aborted = r.checkpoints.filter((c) => c.status === 'aborted').length;
    const checked = r.properties.filter((p) => p.status !== 'skipped');
    const held = checked.filter((p) => p.status === 'pass').length;
    const expectation =
      r.expected_violation === undefined ? '<span class="muted">–</span>' : `${h(r.expected_violation)} ${r.expectation_met ? badge('met', 'pass') : badge('not met', 'fail')}`;
    return (
      `<tr><td>${h(r.scenario.name)}</td><td class="number">${n(r.seed)}</td><td>${outcome_badge(r)}</td><td>${expectation}</td>` +
      `<td class="number">${held}/${checked.length}</td><td>${h(r.sink.kind)} / ${h(r.checkpointing_mode)}</td>` +
      `<td class="number">${completed} / ${aborted}</td><td class="number">${r.recoveries.length}</td>` +
      `<td class="number">${n(r.sink.duplicates)} / ${n(r.sink.losses)}</td><td><code class="hash">${h(r.trace_hash)}</code></td></tr>`
    );
  });
  return (
    `<section id="runs"><h2>Runs</h2><table><thead><tr><th>scenario</th><th class="number">seed</th><th>outcome</th><th>expected violation</th>` +
    `<th class="number">properties held</th><th>sink / checkpointing</th><th class="number">checkpoints ok / aborted</th>` +
    `<th class="number">recoveries</th><th class="number">duplicates / losses</th><th>trace hash</th></tr></thead>` +
    `<tbody>${rows.join('') || '<tr><td colspan="10" class="muted">no runs</td></tr>'}</tbody></table></section>`
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
    `<section id="properties"><h2>Property results</h2><table><thead><tr><th>property</th><th class="number">runs held</th>` +
    `<th class="number">runs failed</th><th class="number">runs skipped</th><th class="number">checks</th></tr></thead>` +
    `<tbody>${rows.join('') || '<tr><td colspan="5" class="muted">no properties</td></tr>'}</tbody></table></section>`
  );
}

function render_failures(aggregate: SwarmAggregate): string {
  if (aggregate.failures.length === 0) {
    return `<section id="failures"><h2>Failures</h2><p>${badge('none', 'pass')} every run held its properties (or violated exactly the one it expected).</p></section>`;
  }
  const rows = aggregate.failures.map(
    (f) =>
      `<tr><td>${h(f.scenario)}</td><td class="number">${n(f.seed)}</td><td>${f.reasons.map((reason) => `<div>${h(reason)}</div>`).join('')}</td>` +
      `<td><code class="hash">${h(f.trace_hash)}</code></td><td><code>${h(f.replay_command)}</code></td></tr>`,
  );
  return (
    `<section id="failures"><h2>Failures (${aggregate.failures.length})</h2><table><thead><tr><th>scenario</th><th class="number">seed</th>` +
    `<th>why</th><th>trace hash</th><th>replay command</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
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

function render_swarm(aggregate: SwarmAggregate, results: readonly RunResult[]): string {
  const fault_bars: Bar[] = Object.entries(aggregate.faults_by_kind).map(([kind, count]) => ({ label: kind, value: count }));
  const faults_chart = render_bar_chart({ title: 'Faults injected by kind', x_label: 'fault kind', y_label: 'faults (count)', bars: fault_bars });
  const max_hits = Math.max(1, ...aggregate.coverage.probes.map((p) => p.total_hits));
  const probe_rows = aggregate.coverage.probes.map(
    (p) =>
      `<tr><td>${h(p.name)}</td><td class="number">${n(p.total_hits)}</td><td class="number">${n(p.runs_hit)} / ${aggregate.runs}</td>` +
      `<td>${p.total_hits === 0 ? '<span class="finding">never hit: the faults are not reaching this code</span>' : `<span class="meter" style="width:${Math.max(2, Math.round((p.total_hits / max_hits) * 160))}px"></span>`}</td></tr>`,
  );
  const delivery_rows = aggregate.delivery.map(
    (c) =>
      `<tr${c.runs === 0 ? ' class="muted"' : ''}><td>${h(c.sink_kind)}</td><td>${h(c.checkpointing_mode)}</td><td class="number">${n(c.runs)}</td>` +
      `<td class="number">${c.runs === 0 ? '–' : `${n(c.exactly_once_runs)} / ${n(c.runs)}`}</td><td class="number">${format_rate(c.exactly_once_rate)}</td>` +
      `<td class="number">${n(c.recoveries)}</td><td class="number">${n(c.duplicates)}</td><td class="number">${n(c.losses)}</td>` +
      `<td class="number">${format_ratio(c.duplicates_per_recovery)}</td><td class="number">${format_ratio(c.losses_per_recovery)}</td></tr>`,
  );
  const findings =
    aggregate.coverage.never_hit.length === 0
      ? '<p>Every probe was hit at least once.</p>'
      : `<p class="finding">Findings: ${aggregate.coverage.never_hit.length} probe(s) never hit — ${aggregate.coverage.never_hit.map((name) => `<code>${h(name)}</code>`).join(', ')}</p>`;
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
    `<table><thead><tr><th>sink</th><th>checkpointing</th><th class="number">runs</th><th class="number">exactly-once runs</th>` +
    `<th class="number">rate</th><th class="number">recoveries</th><th class="number">duplicates</th><th class="number">losses</th>` +
    `<th class="number">duplicates / recovery</th><th class="number">losses / recovery</th></tr></thead><tbody>${delivery_rows.join('')}</tbody></table>` +
    `<h3>Coverage of interesting states (probes)</h3>${findings}` +
    `<table><thead><tr><th>probe</th><th class="number">hits</th><th class="number">runs hit</th><th></th></tr></thead>` +
    `<tbody>${probe_rows.join('') || '<tr><td colspan="4" class="muted">no probes reported</td></tr>'}</tbody></table></section>`
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

function checkpoint_duration_ms(checkpoint: RunResult['checkpoints'][number]): number {
  if (checkpoint.end_ms !== undefined) return checkpoint.end_ms - checkpoint.trigger_ms;
  return checkpoint.alignment_ms + checkpoint.snapshot_ms + checkpoint.persist_ms + checkpoint.coordination_ms;
}

function checkpoint_tone(checkpoint: RunResult['checkpoints'][number]): Bar['tone'] {
  return checkpoint.status === 'aborted' ? 'warning' : checkpoint.status === 'pending' ? 'muted' : 'normal';
}

function checkpoint_label(checkpoint: RunResult['checkpoints'][number]): string {
  return checkpoint.kind === 'savepoint' ? `sp${checkpoint.checkpoint_id}` : String(checkpoint.checkpoint_id);
}

function build_fault_timeline(result: RunResult): string {
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
  for (const fault of result.faults) {
    lane_for(fault.target).events.push({
      time: seconds(fault.time_ms),
      label: `${fault.kind} on ${fault.target} at ${format_ms(fault.time_ms)}${fault.detail ? ` — ${fault.detail}` : ''}`,
      category: 0,
    });
  }
  for (const recovery of result.recoveries) {
    job_lane.spans.push({
      start: seconds(recovery.start_ms),
      end: seconds(recovery.end_ms),
      label: `recovery ${format_ms(recovery.end_ms - recovery.start_ms)}: ${recovery.reason}; restored checkpoint ${recovery.restored_checkpoint_id ?? 'none'}`,
      category: 3,
    });
  }
  for (const violation of result.violations) {
    job_lane.events.push({ time: seconds(violation.time_ms), label: `${violation.property}: ${violation.message}`, category: 4 });
  }
  for (const checkpoint of result.checkpoints) {
    checkpoint_lane.events.push({
      time: seconds(checkpoint.trigger_ms),
      label: `${checkpoint.kind} ${checkpoint.checkpoint_id} ${checkpoint.status}${checkpoint.abort_reason ? ` (${checkpoint.abort_reason})` : ''}`,
      category: checkpoint.status === 'aborted' ? 2 : 1,
    });
  }
  return render_timeline({
    title: 'Fault timeline',
    x_label: 'virtual time (s)',
    lanes,
    categories: ['fault', 'checkpoint', 'aborted checkpoint', 'recovery', 'violation'],
    start: 0,
    end: seconds(result.virtual_duration_ms),
    geometry: { width_px: 1300, height_px: 200, margin: { top_px: 50, right_px: 20, bottom_px: 52, left_px: 72 } },
  });
}

function render_run_detail(result: RunResult, open: boolean): string {
  const property_rows = result.properties.map(
    (p) =>
      `<tr><td>${h(p.property)}</td><td>${badge(p.status, p.status === 'pass' ? 'pass' : p.status === 'fail' ? (p.property === result.expected_violation ? 'expected' : 'fail') : 'skipped')}</td>` +
      `<td class="number">${n(p.checks)}</td><td>${p.message === undefined ? '' : h(p.message)}</td></tr>`,
  );
  const violation_rows = result.violations.map(
    (v) =>
      `<tr><td>${h(v.property)}${v.property === result.expected_violation ? ` ${badge('expected', 'expected')}` : ''}</td><td class="number">${h(format_ms(v.time_ms))}</td>` +
      `<td>${h(v.message)}</td><td>${v.detail === undefined ? '' : `<code>${h(JSON.stringify(v.detail))}</code>`}</td></tr>`,
  );
  const recovery_bars = result.recoveries.map((r, index) => ({
    label: `#${index + 1} @${format_number(seconds(r.start_ms))} s`,
    values: [r.detect_ms, r.redeploy_ms, r.load_state_ms, r.reset_source_ms, r.reset_sink_ms],
  }));
  const charts = [
    `<div class="wide">${render_line_chart({
      title: 'Throughput over virtual time',
      x_label: 'virtual time (s)',
      y_label: 'throughput (records/s)',
      series: [{ name: 'records processed', points: throughput_points(result) }],
      geometry: { width_px: 1300, height_px: 280, margin: { top_px: 50, right_px: 20, bottom_px: 52, left_px: 72 } },
    })}</div>`,
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
    `<div class="wide">${build_fault_timeline(result)}</div>`,
  ];
  const summary =
    `${h(result.scenario.name)} · seed ${n(result.seed)} · ${outcome_badge(result)} · ${h(result.sink.kind)} / ${h(result.checkpointing_mode)} · ` +
    `${result.recoveries.length} recoveries · ${n(result.sink.duplicates)} duplicates / ${n(result.sink.losses)} losses`;
  return (
    `<details class="run"${open ? ' open' : ''}><summary>${summary}</summary>` +
    (result.scenario.description === undefined ? '' : `<p>${h(result.scenario.description)}</p>`) +
    `<p>job <b>${h(result.job.name)}</b> (parallelism ${n(result.job.parallelism)}) ended <b>${h(result.job.final_status)}</b>; ` +
    `${n(result.job.records_in)} records in, ${n(result.job.records_out)} out, ${n(result.sink.committed_records)} committed; ` +
    `${h(format_ms(result.virtual_duration_ms))} virtual in ${h(format_ms(result.wall_ms))} wall, ${n(result.events)} events. ` +
    `Trace hash <code>${h(result.trace_hash)}</code>. Replay: <code>${h(result.replay_command)}</code></p>` +
    `<h3>Properties</h3><table><thead><tr><th>property</th><th>status</th><th class="number">checks</th><th>message</th></tr></thead><tbody>${property_rows.join('')}</tbody></table>` +
    (violation_rows.length === 0
      ? ''
      : `<h3>Violations</h3><table><thead><tr><th>property</th><th class="number">at</th><th>message</th><th>detail</th></tr></thead><tbody>${violation_rows.join('')}</tbody></table>`) +
    `<h3>Plots</h3><div class="charts">${charts.join('')}</div></details>`
  );
}

function render_details(results: readonly RunResult[], max_run_details: number): string {
  const ordered = [...results.filter(run_failed), ...results.filter((r) => !run_failed(r))];
  const shown = ordered.slice(0, max_run_details);
  const omitted = ordered.length - shown.length;
  return (
    `<section id="run-details"><h2>Run details</h2>` +
    shown.map((result, index) => render_run_detail(result, index === 0)).join('') +
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
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${h(title)} — ${h(run_id)}</title><style>${style}</style></head><body>` +
    render_header(results, meta, aggregate, run_id) +
    render_failures(aggregate) +
    render_runs_table(results) +
    render_property_summary(results) +
    render_details(results, options.max_run_details ?? 12) +
    render_swarm(aggregate, results) +
    `<footer class="muted">report format streamsim-run-report v1 · run results format streamsim-run-result v1</footer>` +
    `</body></html>\n`
  );
}
