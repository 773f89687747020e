// The terminal summary: one table row per scenario/seed, the swarm aggregates, and failures with their replay
// commands. Plain text unless `color` is asked for; run strings are stripped of control characters.
import type { RunResult } from '../scenarios/result-format.js';
import { aggregate_swarm, run_failed, type AggregateOptions, type SwarmAggregate } from './aggregate.js';

export interface TerminalSummaryOptions extends AggregateOptions {
  /** ANSI colours; pass `process.stdout.isTTY` from the CLI. Default false. */
  color?: boolean;
}

/** Never-hit probes listed one per line, at most; more are listed on one line. */
const MAX_NEVER_HIT_LINES = 5;

/** Unfired planned faults listed, at most. */
const MAX_UNFIRED_LINES = 10;

const ansi = { red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };
type Tone = 'red' | 'green' | 'yellow' | 'bold' | 'dim';

/** Replaces control characters (escape sequences included) so run data cannot drive the terminal. */
export function sanitize_terminal_text(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface Cell {
  text: string;
  tone?: Tone;
}

function render_table(header: string[], raw_rows: Cell[][], color: boolean): string[] {
  const rows = raw_rows.map((row) => row.map((cell) => ({ ...cell, text: sanitize_terminal_text(String(cell.text)) })));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.text.length ?? 0)));
  const paint = (cell: Cell, width: number): string => {
    const padded = cell.text.padEnd(width);
    return color && cell.tone ? `${ansi[cell.tone]}${padded}${ansi.reset}` : padded;
  };
  const lines = [
    header.map((title, column) => title.padEnd(widths[column] ?? 0)).join('  ').trimEnd(),
    widths.map((width) => '-'.repeat(width)).join('  '),
  ];
  for (const row of rows) lines.push(row.map((cell, column) => paint(cell, widths[column] ?? 0)).join('  ').trimEnd());
  return lines;
}

function properties_cell(result: RunResult): Cell {
  const checked = result.properties.filter((p) => p.status !== 'skipped');
  const failed = checked.filter((p) => p.status === 'fail').map((p) => p.property);
  const text = `${checked.length - failed.length}/${checked.length} held` + (failed.length > 0 ? ` (failed: ${failed.join(', ')})` : '');
  return failed.length > 0 ? { text, tone: 'yellow' } : { text };
}

function expectation_cell(result: RunResult): Cell {
  if (result.expected_violation === undefined) return { text: '-' };
  return result.expectation_met
    ? { text: `${result.expected_violation}: met`, tone: 'green' }
    : { text: `${result.expected_violation}: NOT met`, tone: 'red' };
}

function run_row(result: RunResult): Cell[] {
  const completed = result.checkpoints.filter((c) => c.status === 'completed').length;
  const aborted = result.checkpoints.filter((c) => c.status === 'aborted').length;
  const failed = run_failed(result);
  return [
    { text: sanitize_terminal_text(result.scenario.name) },
    { text: String(result.seed) },
    failed ? { text: 'FAIL', tone: 'red' } : { text: 'pass', tone: 'green' },
    expectation_cell(result),
    properties_cell(result),
    { text: `${completed}/${aborted}` },
    { text: String(result.recoveries.length) },
    { text: `${result.sink.duplicates}/${result.sink.losses}`, ...(result.sink.duplicates + result.sink.losses > 0 ? { tone: 'yellow' as const } : {}) },
    { text: sanitize_terminal_text(result.trace_hash) },
  ];
}

function format_rate(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

function format_per_recovery(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}

function render_aggregate(aggregate: SwarmAggregate, color: boolean): string[] {
  const paint = (text: string, tone: Tone): string => (color ? `${ansi[tone]}${text}${ansi.reset}` : text);
  const lines: string[] = [];
  lines.push(
    paint('Swarm', 'bold') +
      `: ${aggregate.runs} runs, ${aggregate.seeds_run} seeds, ${aggregate.scenarios.length} scenarios — ` +
      `${aggregate.passed} passed, ${aggregate.failed} failed; expected violations met ${aggregate.expected_violations.met}, ` +
      `missed ${aggregate.expected_violations.missed}`,
  );
  const fault_entries = Object.entries(aggregate.faults_by_kind);
  lines.push(
    'Faults injected: ' +
      (fault_entries.length === 0 ? 'none' : fault_entries.map(([kind, count]) => `${sanitize_terminal_text(kind)} ${count}`).join(', ')),
  );
  const hit = aggregate.coverage.probes.filter((p) => p.total_hits > 0);
  lines.push(
    aggregate.coverage.probes.length === 0
      ? 'Coverage: no probes declared or reported'
      : `Coverage: ${hit.length}/${aggregate.coverage.probes.length} probes hit` +
          (hit.length > 0 ? ` (${hit.map((p) => `${sanitize_terminal_text(p.name)} ${p.total_hits} in ${p.runs_hit} runs`).join(', ')})` : ''),
  );
  const never = aggregate.coverage.never_hit.map(sanitize_terminal_text);
  if (never.length <= MAX_NEVER_HIT_LINES) for (const name of never) lines.push(paint(`  finding: probe ${name} was never hit`, 'yellow'));
  else {
    const first = never.slice(0, MAX_NEVER_HIT_LINES).join(', ');
    lines.push(paint(`  findings: ${never.length} of ${aggregate.coverage.probes.length} probes were never hit (${first}, …; the JSON and HTML reports list every one)`, 'yellow'));
  }
  // The JSON report keeps the whole grid; the terminal shows the combinations that ran.
  lines.push('', 'Delivery by sink kind × checkpointing mode (exactly-once: output judged and equal to the oracle\'s):');
  const delivery_rows = aggregate.delivery.filter((cell) => cell.runs > 0).map((cell): Cell[] => [
    { text: cell.sink_kind },
    { text: cell.checkpointing_mode },
    { text: String(cell.runs) },
    {
      text:
        cell.runs === cell.not_judged_runs
          ? 'not judged'
          : `${cell.exactly_once_runs}/${cell.runs - cell.not_judged_runs} (${format_rate(cell.exactly_once_rate)})` +
            (cell.not_judged_runs > 0 ? `, ${cell.not_judged_runs} not judged` : ''),
      ...(cell.exactly_once_rate !== null && cell.exactly_once_rate < 1 ? { tone: 'yellow' as const } : {}),
    },
    { text: String(cell.recoveries) },
    { text: `${cell.duplicates}/${cell.losses}` },
    { text: format_per_recovery(cell.duplicates_per_recovery) },
    { text: format_per_recovery(cell.losses_per_recovery) },
  ]);
  lines.push(
    ...render_table(['sink', 'mode', 'runs', 'exactly-once', 'recoveries', 'dup/loss', 'dup/recovery', 'loss/recovery'], delivery_rows, color),
  );
  return lines;
}

/** A compact, deterministic text summary of the runs for a terminal or a CI log. */
export function render_terminal_summary(results: readonly RunResult[], options: TerminalSummaryOptions = {}): string {
  const color = options.color ?? false;
  const aggregate = aggregate_swarm(results, options);
  const lines: string[] = [];
  if (results.length === 0) {
    lines.push('No runs.');
  } else {
    lines.push(
      ...render_table(
        ['scenario', 'seed', 'outcome', 'expected violation', 'properties', 'ckpt ok/aborted', 'recoveries', 'dup/loss', 'trace hash'],
        results.map(run_row),
        color,
      ),
    );
  }
  const unfired = results.flatMap((result) => (result.unfired_faults ?? []).map((note) => `${sanitize_terminal_text(result.scenario.name)} seed ${result.seed}: ${sanitize_terminal_text(note)}`));
  if (unfired.length > 0) {
    lines.push('', (color ? ansi.yellow : '') + `Planned faults that never fired (${unfired.length}; the run did not test what its fault plan meant to):` + (color ? ansi.reset : ''));
    for (const line of unfired.slice(0, MAX_UNFIRED_LINES)) lines.push(`  ${line}`);
    if (unfired.length > MAX_UNFIRED_LINES) lines.push(`  … and ${unfired.length - MAX_UNFIRED_LINES} more`);
  }
  // One run needs no swarm aggregates: its row says it all (the failures follow).
  if (results.length > 1) lines.push('', ...render_aggregate(aggregate, color));
  if (aggregate.failures.length > 0) {
    lines.push('', (color ? `${ansi.red}${ansi.bold}` : '') + `Failures (${aggregate.failures.length}):` + (color ? ansi.reset : ''));
    for (const failure of aggregate.failures) {
      lines.push(`  ${sanitize_terminal_text(failure.scenario)} seed ${failure.seed} (trace ${sanitize_terminal_text(failure.trace_hash)})`);
      for (const reason of failure.reasons) lines.push(`    - ${sanitize_terminal_text(reason)}`);
      lines.push(`    replay: ${sanitize_terminal_text(failure.replay_command)}`);
    }
  }
  return lines.join('\n') + '\n';
}
