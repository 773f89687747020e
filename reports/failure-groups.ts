// Failures grouped by signature, the way a reader triages a swarm: the broken property and what happened to the
// records (lost from an expired transaction, committed twice, …), with seeds, times and ids left out.
import type { RecordOrigin, RunResult, Violation } from '../scenarios/result-format.js';
import { run_failed } from './aggregate.js';

export interface FailureGroup {
  signature: string;
  /** Failing runs with this signature, in report order. */
  runs: RunResult[];
  scenarios: string[];
}

/** What happened to the records of the largest origin, without times, ids or counts. */
function origin_cause(origin: RecordOrigin | undefined): string {
  if (origin === undefined) return '';
  const what = origin.what;
  if (/^pre-committed/.test(what)) return `, prepared transaction expired before its commit${/was refused/.test(what) ? ' (the restored sink’s commit was refused)' : ''}`;
  if (/^open, then expired/.test(what)) return ', open transaction expired';
  if (/^skipped/.test(what)) return ', skipped (no transaction held them)';
  if (/^never delivered/.test(what)) return ', never delivered';
  if (/and again at/.test(what)) return origin.txn_id === null ? ', written again by a later attempt' : ', committed twice';
  return `, ${what.replace(/\d+(?:[.,]\d+)*/g, 'N')}`;
}

/** A message with numbers, quoted values and record ids blanked, so runs that broke the same way compare equal. */
function normalized_message(message: string): string {
  const text = message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\[[^\]]*\]/g, '[…]')
    .replace(/\b[A-Za-z]*\d[\w#.-]*/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

export function violation_signature(violation: Violation): string {
  const evidence = violation.evidence;
  if (evidence === undefined) return `${violation.property}: ${normalized_message(violation.message)}`;
  const parts: string[] = [];
  if (evidence.lost.count > 0) parts.push(`records lost${origin_cause(evidence.lost.origins[0])}`);
  if (evidence.duplicated.count > 0) parts.push(`records duplicated${origin_cause(evidence.duplicated.origins[0])}`);
  if (evidence.unexpected.count > 0) parts.push('unexpected records');
  return `${violation.property}: ${parts.length === 0 ? normalized_message(violation.message) : parts.join('; ')}`;
}

/** The signature of a failing run: its unexpected violations' signatures (or the missed expectation), sorted. */
export function failure_signature(result: RunResult): string {
  const parts = new Set(result.violations.filter((violation) => violation.property !== result.expected_violation).map(violation_signature));
  if (result.expected_violation !== undefined && !result.expectation_met) parts.add(`expected ${result.expected_violation} to be violated; it held`);
  if (parts.size === 0) parts.add('a violation outcome without a recorded violation');
  return [...parts].sort().join(' + ');
}

/** Failing runs grouped by signature, the largest group first (ties: first seen first). */
export function group_failures(results: readonly RunResult[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const result of results) {
    if (!run_failed(result)) continue;
    const signature = failure_signature(result);
    let group = groups.get(signature);
    if (group === undefined) {
      group = { signature, runs: [], scenarios: [] };
      groups.set(signature, group);
    }
    group.runs.push(result);
    if (!group.scenarios.includes(result.scenario.name)) group.scenarios.push(result.scenario.name);
  }
  return [...groups.values()].sort((a, b) => b.runs.length - a.runs.length);
}
