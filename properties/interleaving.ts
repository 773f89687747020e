// The checks that still hold when a job's result depends on how its two inputs interleave (a CoProcessFunction or
// CoFlatMap reading both inputs): the oracle runs both extreme interleavings (all of input 1 first, all of input 2
// first) over the same input prefixes, and the run must lie between them. Output, by record identity: nothing
// duplicated, nothing that appears in neither interleaving, nothing lost that appears in both. State: every entry
// equals its value under one of the two interleavings of exactly those prefixes (what a record beyond a prefix, or a
// lost one, changes shows as a value neither interleaving gives). Pure functions on data.
import type { JobFactory } from '../engine/api/environment.js';
import type { StateEntry } from '../engine/state/backend.js';
import { diff_state, type StateDifference } from './compare.js';
import { evaluateOracle, groupByKey, type OracleInput, type OracleOptions, type OracleResult } from './oracle.js';

/**
 * What the judge reports when the two extremes do not bracket the interleavings in between (a third, the inputs merged
 * by timestamp, produces records or state neither extreme does: e.g. broadcast rules that change while records flow).
 */
export const UNBRACKETED_INTERLEAVING_CHECKS =
  'the result depends on how the two inputs interleave, and the two extreme interleavings do not bracket the ones in ' +
  'between (the inputs merged by timestamp give records or state neither extreme gives), so output is judged for ' +
  'records delivered twice (by identity) and state entry by entry against the three interleavings';

/** What the judge reports for an interleaving-dependent job: the checks that applied and why. */
export const INTERLEAVING_CHECKS =
  'the result depends on how the two inputs interleave, so the run is judged between the two extreme interleavings the oracle computes ' +
  '(all of input 1 first, all of input 2 first): output by record identity (none duplicated, none outside both, none missing that both produce) ' +
  'and state entry by entry (each equal to one of the two interleavings over the same input prefixes)';

export interface InterleavingOracle {
  input1_first: OracleResult;
  input2_first: OracleResult;
}

/** The oracle under both extreme interleavings (same options otherwise). */
export function evaluateBothInterleavings(factory: JobFactory, params: Record<string, unknown>, input: OracleInput, options: OracleOptions = {}): InterleavingOracle {
  return {
    input1_first: evaluateOracle(factory, params, input, { ...options, two_input_order: 'input1_first' }),
    input2_first: evaluateOracle(factory, params, input, { ...options, two_input_order: 'input2_first' }),
  };
}

/**
 * The oracle with input 2 read first, when the job's result depends on how its two inputs interleave: the two
 * extreme interleavings give another output sequence for some key of `sink_uid` or another state. Undefined for a
 * job without a two-input operator, and for one whose result both interleavings agree on (it is compared exactly).
 */
export function interleaving_dependence(
  factory: JobFactory,
  params: Record<string, unknown>,
  input: OracleInput,
  options: OracleOptions,
  input1_first: OracleResult,
  sink_uid: string,
  output_key: (record: unknown) => string,
): OracleResult | undefined {
  if (input1_first.two_input !== true) return undefined;
  const input2_first = evaluateOracle(factory, params, input, { ...options, two_input_order: 'input2_first' });
  return oracle_results_differ(input1_first, input2_first, sink_uid, output_key) ? input2_first : undefined;
}

/** Whether two oracle evaluations give another output sequence for some key of `sink_uid`, or another state. */
export function oracle_results_differ(a: OracleResult, b: OracleResult, sink_uid: string, output_key: (record: unknown) => string): boolean {
  const by_key = (result: OracleResult): Map<string, string> =>
    new Map([...groupByKey(result.outputs.get(sink_uid) ?? [], output_key)].map(([key, records]) => [key, JSON.stringify(records)]));
  const first = by_key(a);
  const second = by_key(b);
  const output_differs = first.size !== second.size || [...first].some(([key, records]) => second.get(key) !== records);
  return output_differs || diff_state(a.state, b.state, 1).length > 0;
}

/**
 * The inputs merged by timestamp, when the two extremes do not bracket it: it delivers a record neither extreme does,
 * misses one both deliver, or holds a state entry equal to neither. Then no run can be judged between the extremes
 * (only duplicates, and state against all three). Undefined when the extremes bracket it.
 */
export function unbracketed_interleaving(
  factory: JobFactory,
  params: Record<string, unknown>,
  input: OracleInput,
  options: OracleOptions,
  input1_first: OracleResult,
  input2_first: OracleResult,
  sink_uid: string,
  identity: (record: unknown) => string,
): OracleResult | undefined {
  const merged = evaluateOracle(factory, params, input, { ...options, two_input_order: 'by_timestamp' });
  const verdict = checkInterleavedOutput(input1_first.outputs.get(sink_uid) ?? [], input2_first.outputs.get(sink_uid) ?? [], merged.outputs.get(sink_uid) ?? [], identity);
  const outside = verdict.unexpected.length > 0 || verdict.lost.length > 0 || checkInterleavedState(input1_first.state, input2_first.state, merged.state, 1).length > 0;
  return outside ? merged : undefined;
}

export interface InterleavedOutputVerdict {
  /** Identities the run delivered more than once. */
  duplicated: string[];
  /** Identities the run delivered that neither interleaving produces. */
  unexpected: string[];
  /** Identities both interleavings produce that the run never delivered. */
  lost: string[];
  /** Identities only one interleaving produces (delivered or not, both are right). */
  interleaving_dependent: number;
}

function identityCounts(records: readonly unknown[], identity: (record: unknown) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    const id = identity(record);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Output by record identity: `identity` names the input record an output record stands for (each at most once). */
export function checkInterleavedOutput(
  input1_first: readonly unknown[],
  input2_first: readonly unknown[],
  actual: readonly unknown[],
  identity: (record: unknown) => string,
): InterleavedOutputVerdict {
  const a = identityCounts(input1_first, identity);
  const b = identityCounts(input2_first, identity);
  const got = identityCounts(actual, identity);
  const duplicated = [...got].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...got.keys()].filter((id) => !a.has(id) && !b.has(id));
  const lost = [...a.keys()].filter((id) => b.has(id) && !got.has(id));
  const interleaving_dependent = [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.has(id) !== b.has(id)).length;
  return { duplicated: duplicated.sort(), unexpected: unexpected.sort(), lost: lost.sort(), interleaving_dependent };
}

/**
 * State entries equal to neither interleaving's value (with the first interleaving's as `expected`); `others`: more
 * interleavings whose values are right too.
 */
export function checkInterleavedState(
  input1_first: ReadonlyMap<string, readonly StateEntry[]>,
  input2_first: ReadonlyMap<string, readonly StateEntry[]>,
  actual: ReadonlyMap<string, readonly StateEntry[]>,
  max_differences = 5,
  others: readonly ReadonlyMap<string, readonly StateEntry[]>[] = [],
): StateDifference[] {
  const id = (difference: StateDifference): string => `${difference.operator_uid}\u0000${difference.state}\u0000${difference.key}\u0000${difference.namespace}`;
  const differing_from = [input2_first, ...others].map((state) => new Set(diff_state(state, actual, Number.MAX_SAFE_INTEGER).map(id)));
  const out: StateDifference[] = [];
  for (const difference of diff_state(input1_first, actual, Number.MAX_SAFE_INTEGER)) {
    if (differing_from.some((ids) => !ids.has(id(difference)))) continue;
    out.push(difference);
    if (out.length >= max_differences) break;
  }
  return out;
}

/** An output property judged between the two extreme interleavings (what the judge reports for it). */
export interface InterleavedOutputJudgement {
  status: 'pass' | 'fail' | 'skipped';
  checks: number;
  message: string;
  detail?: Record<string, unknown>;
}

/**
 * Exactly-once output: nothing duplicated, nothing neither interleaving produces and (once the job finished) nothing
 * lost that both produce. At-least-once: nothing lost that both produce. At-most-once: nothing duplicated or
 * invented. Per-key order is not judged: it is what the interleaving decides.
 */
export function judge_interleaved_output(
  property: 'exactly_once_output' | 'at_least_once_output' | 'at_most_once_output',
  input1_first: readonly unknown[],
  input2_first: readonly unknown[],
  actual: readonly unknown[],
  identity: (record: unknown) => string,
  ended: { finished: boolean; status: string },
  /**
   * What the two extremes are (default: the two extreme interleavings) and the checks that applied;
   * `only_duplicates`: the extremes do not bound what a run may deliver, so only records delivered twice are wrong.
   */
  extremes: { noun: string; how: string; only_duplicates?: boolean } = { noun: 'interleaving', how: INTERLEAVING_CHECKS },
): InterleavedOutputJudgement {
  const verdict = checkInterleavedOutput(input1_first, input2_first, actual, identity);
  const counts = { duplicated: verdict.duplicated.length, unexpected: verdict.unexpected.length, lost: verdict.lost.length };
  const judged_lost = ended.finished && property !== 'at_most_once_output';
  const bad = [
    ...(property !== 'at_least_once_output' && counts.duplicated > 0 ? [`${counts.duplicated} duplicated (${verdict.duplicated.slice(0, 5).join(', ')})`] : []),
    ...(property !== 'at_least_once_output' && extremes.only_duplicates !== true && counts.unexpected > 0 ? [`${counts.unexpected} that neither ${extremes.noun} produces (${verdict.unexpected.slice(0, 5).join(', ')})`] : []),
    ...(judged_lost && extremes.only_duplicates !== true && counts.lost > 0 ? [`${counts.lost} lost that both produce (${verdict.lost.slice(0, 5).join(', ')})`] : []),
  ];
  const how = extremes.how;
  if (bad.length > 0) return { status: 'fail', checks: 1, message: `output records by identity: ${bad.join('; ')} (${how})`, detail: { ...counts, first: verdict.duplicated[0] ?? verdict.unexpected[0] ?? verdict.lost[0] } };
  if (!ended.finished && property === 'at_least_once_output') return { status: 'skipped', checks: 0, message: `the job ended ${ended.status}, so its output is incomplete (${how})` };
  const so_far = ended.finished ? '' : `the job ended ${ended.status}: output so far; `;
  return { status: 'pass', checks: 1, message: `${so_far}${verdict.interleaving_dependent} record(s) only one ${extremes.noun} produces (${how})` };
}
