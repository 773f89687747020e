// What the CLI prints: the per-run summary (reports/terminal.ts when present, a plain table otherwise), failure
// lines with their replay commands, the catalogue table, and whether to use colour.
import type { RunResult } from '../scenarios/result-format.js';
import { violation_lines } from '../reports/evidence-text.js';

export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A run that needs attention: a property failed unexpectedly, or an expected violation did not happen. */
export function run_failed(result: RunResult): boolean {
  return result.outcome === 'violation' || !result.expectation_met;
}

export function short_hash(hash: string): string {
  return hash.slice(0, 12);
}

/** Removes control characters so run data cannot drive the terminal. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ');
}

export function render_table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** A plain table of runs, used when reports/terminal.ts is not available. */
export function plain_run_table(results: readonly RunResult[]): string {
  return render_table(
    ['scenario', 'seed', 'outcome', 'expected', 'met', 'checkpoints', 'recoveries', 'trace hash', 'wall ms'],
    results.map((r) => [
      clean(r.scenario.name),
      String(r.seed),
      r.outcome,
      r.expected_violation ?? '-',
      r.expectation_met ? 'yes' : 'NO',
      String(r.checkpoints.filter((c) => c.status === 'completed').length),
      String(r.recoveries.length),
      short_hash(r.trace_hash),
      String(Math.round(r.wall_ms)),
    ]),
  );
}

/** The lines explaining one failed run: what broke, the seed, and the one command that replays it. */
export function failure_lines(result: RunResult, replay_command: string, failure_file?: string, options: { evidence?: boolean } = {}): string[] {
  const lines: string[] = [];
  const expected = result.expected_violation;
  const unexpected = result.violations.filter((violation) => violation.property !== expected);
  // The evidence (record ids, transactions, each key's first difference) by default; a swarm lists one line each.
  for (const violation of unexpected.slice(0, 5)) {
    const shown = options.evidence === false ? violation_lines({ ...violation, evidence: undefined }) : violation_lines(violation);
    lines.push(...shown.map(clean));
  }
  if (!result.expectation_met && expected !== undefined && !result.violations.some((v) => v.property === expected)) {
    const checked = result.properties.find((property) => property.property === expected);
    const how = checked === undefined ? 'it was not checked' : checked.status === 'skipped' ? `it was not judged: ${checked.message ?? 'skipped'}` : `it held (checked ${checked.checks} time(s))`;
    lines.push(`  expected ${expected} to be violated, but ${clean(how)}`);
  } else if (!result.expectation_met && unexpected.length === 0) {
    lines.push('  the run did not meet its expectation');
  }
  lines.push(`  seed: ${result.seed}`, `  replay: ${replay_command}`);
  if (failure_file !== undefined) lines.push(`  failure file: ${failure_file}`);
  return lines;
}

/**
 * Whether to colour output: --no-color or NO_COLOR (any value, https://no-color.org) turn it off; FORCE_COLOR (any
 * value but 0 or false) turns it on without a terminal; otherwise colour only on a terminal.
 */
export function use_color(flag: boolean | undefined, env: Readonly<Record<string, string | undefined>>, is_tty: boolean): boolean {
  if (flag === false) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  return is_tty;
}
