// The checks that still hold when a job reads processing time (Flink's fraud-detection timer, a timeout, processing-
// time windows): the oracle runs the job under two processing-time models — time frozen (no processing-time timer
// ever fires) and eternal (an eternity passes before every record, so each timer fires before the next record) — and
// a real run, whose clock lies between them, is judged by what both models agree on. Pure functions on data.
import type { JobFactory } from '../engine/api/environment.js';
import type { StateEntry } from '../engine/state/backend.js';
import { diff_state, same_json, type StateDifference } from './compare.js';
import { oracle_results_differ } from './interleaving.js';
import { evaluateOracle, type OracleInput, type OracleOptions, type OracleResult } from './oracle.js';

/** What the judge reports for a job whose result depends on processing time: the checks that applied and why. */
export const PROCESSING_TIME_CHECKS =
  'the result depends on processing time, so the run is judged between two processing-time models the oracle computes ' +
  '(time frozen: no processing-time timer fires; eternal: every timer fires before the next record): output by record ' +
  'identity (none duplicated, none that neither model produces, none missing that both produce) and state wherever ' +
  'both models agree (a state of a key whose value depends on the clock is not compared)';

/** The same for windows assigned by processing time, whose results neither model can name. */
export const PROCESSING_TIME_WINDOW_CHECKS =
  'windows are assigned by processing time, so a window holds whatever records arrived while it was open and no model ' +
  'names its results: output is judged for records delivered twice (by identity) and for results both processing-time ' +
  'models produce, and state wherever both models agree (a state of a key whose value depends on the clock is not compared)';

/**
 * The oracle under the eternal processing-time model, when the job's result depends on processing time: some keyed
 * operator reads it and the two models give another output sequence for some key of `sink_uid` or another state.
 * Undefined when no function reads processing time, or when both models agree (the job is then compared exactly).
 */
export function processing_time_dependence(
  factory: JobFactory,
  params: Record<string, unknown>,
  input: OracleInput,
  options: OracleOptions,
  frozen: OracleResult,
  sink_uid: string,
  output_key: (record: unknown) => string,
): OracleResult | undefined {
  if (frozen.processing_time_operators === undefined) return undefined;
  const eternal = evaluateOracle(factory, params, input, { ...options, processing_time: 'eternal' });
  return oracle_results_differ(frozen, eternal, sink_uid, output_key) ? eternal : undefined;
}

/** One keyed state of one key in one operator: `uid \0 state \0 key`. */
function state_of_key(uid: string, entry: StateEntry): string {
  return `${uid}\u0000${entry.state}\u0000${entry.key}`;
}

function grouped(state: ReadonlyMap<string, readonly StateEntry[]>): Map<string, StateEntry[]> {
  const out = new Map<string, StateEntry[]>();
  for (const [uid, entries] of state) {
    for (const entry of entries) {
      const id = state_of_key(uid, entry);
      const list = out.get(id);
      if (list === undefined) out.set(id, [entry]);
      else list.push(entry);
    }
  }
  return out;
}

/**
 * The states (operator, state name, key) the two models disagree on: every namespace and value of them (timers of a
 * clock-dependent state, a stored timestamp, a flag a timer clears) depends on when the clock moved.
 */
export function clock_dependent_states(frozen: ReadonlyMap<string, readonly StateEntry[]>, eternal: ReadonlyMap<string, readonly StateEntry[]>): Set<string> {
  const a = grouped(frozen);
  const b = grouped(eternal);
  const out = new Set<string>();
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    const left = a.get(id);
    const right = b.get(id);
    if (left === undefined || right === undefined || !same_json(left, right)) out.add(id);
  }
  return out;
}

function without(state: ReadonlyMap<string, readonly StateEntry[]>, leave_out: ReadonlySet<string>): Map<string, StateEntry[]> {
  return new Map([...state].map(([uid, entries]) => [uid, entries.filter((entry) => !leave_out.has(state_of_key(uid, entry)))] as const));
}

export interface ClockFreeStateVerdict {
  differences: StateDifference[];
  /** States (operator, state name, key) left out because the two models disagree on them. */
  uncompared_states: number;
}

/** The run's state against the frozen model's, leaving out the states the two models disagree on. */
export function check_state_between_clocks(
  frozen: ReadonlyMap<string, readonly StateEntry[]>,
  eternal: ReadonlyMap<string, readonly StateEntry[]>,
  actual: ReadonlyMap<string, readonly StateEntry[]>,
  max_differences = 5,
): ClockFreeStateVerdict {
  const leave_out = clock_dependent_states(frozen, eternal);
  return { differences: diff_state(without(frozen, leave_out), without(actual, leave_out), max_differences), uncompared_states: leave_out.size };
}
