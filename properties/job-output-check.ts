// Judges the output of a job that brings its own output check (engine/api/job.ts OutputSpec.check: output that depends
// on event-time or processing-time progress, such as late data or state TTL): runs the check over the run's input and
// final output and turns its verdict into each output property's status, naming the checks that applied.
import type { AnyJobDefinition, OutputCheckVerdict } from '../engine/api/job.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';

export type JobOutputCheck = NonNullable<AnyJobDefinition['output']['check']>;

export interface JudgedOutputCheck {
  status: 'pass' | 'fail';
  checks: number;
  message: string;
  detail?: Record<string, unknown>;
}

function examples(what: string, items: readonly string[]): string {
  return `${items.length} ${what} (${items.slice(0, 3).join('; ')}${items.length > 3 ? '; …' : ''})`;
}

/** Runs the job's output check over the run's input and final output (a check that throws is a broken rule). */
export function run_output_check(
  check: JobOutputCheck,
  input: ReadonlyMap<string, readonly (readonly LogRecord[])[]>,
  output: readonly unknown[],
  complete: boolean,
  params: Readonly<Record<string, unknown>>,
): OutputCheckVerdict {
  try {
    return check({ input, output, complete, params });
  } catch (error) {
    return { checks: [{ name: 'the output check ran', count: 1 }], duplicates: [], losses: [], problems: [`the job's output check threw: ${(error as Error).message}`] };
  }
}

/**
 * Exactly-once output: no duplicate, no loss (when the job read its whole input), no broken rule. At-least-once: no
 * loss (duplicates, and rules a duplicate breaks, are expected). At-most-once: no duplicate.
 */
export function judge_output_check(
  property: 'exactly_once_output' | 'at_least_once_output' | 'at_most_once_output',
  verdict: OutputCheckVerdict,
  complete: boolean,
  upsert = false,
): JudgedOutputCheck {
  const applied = verdict.checks.map((c) => `${c.name} (${c.count})`).join(', ');
  const checks = verdict.checks.reduce((sum, c) => sum + c.count, 0);
  const failures: string[] = [];
  // An idempotent sink keeps what an attempt wrote before a recovery rolled its state back: where time's progress
  // decided a result differently after the recovery (an event late before a crash, on time after it), both stay.
  const duplicates_tolerated = property === 'at_least_once_output' || upsert;
  if (!duplicates_tolerated && verdict.duplicates.length > 0) failures.push(examples('input record(s) counted twice', verdict.duplicates));
  if (property !== 'at_most_once_output' && complete && verdict.losses.length > 0) failures.push(examples('input record(s) missing', verdict.losses));
  if (property === 'exactly_once_output' && verdict.problems.length > 0) failures.push(examples('rule(s) broken', verdict.problems));
  const judged =
    `judged by the job's output check (its output depends on time's progress), not the oracle: ${applied}` +
    (complete ? '' : '; the job did not read its whole input, so no loss is judged') +
    (upsert && property !== 'at_least_once_output'
      ? `; through an idempotent sink results of rolled-back attempts stay, so duplicates are not judged (${verdict.duplicates.length} seen): exactly-once output that depends on time needs a transactional sink`
      : '');
  if (failures.length === 0) return { status: 'pass', checks, message: judged };
  return {
    status: 'fail',
    checks,
    message: `${failures.join('; ')}; ${judged}`,
    detail: { duplicates: verdict.duplicates.slice(0, 10), losses: verdict.losses.slice(0, 10), problems: verdict.problems.slice(0, 10) },
  };
}
