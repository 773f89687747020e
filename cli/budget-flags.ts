// Flags that bound work: a run's budget (--max-events, --max-run-time), a swarm's --time-budget, and --expect-hash.
// Durations use the scenario files' Flink syntax ("10min", "90 s", "500ms"); 0 means no limit.
import { parse_flink_duration } from '../scenarios/flink-config.js';
import type { RunBudget } from '../scenarios/runner.js';
import { UsageError } from './errors.js';

/** A run stops after this many world events unless --max-events says otherwise. */
export const DEFAULT_MAX_EVENTS = 100_000_000;
/** A run stops after this much wall time unless --max-run-time says otherwise. */
export const DEFAULT_MAX_RUN_TIME_MS = 10 * 60_000;
export const MAX_EVENTS_LIMIT = 1e15;

export interface BudgetFlags {
  maxEvents?: string;
  maxRunTime?: string;
}

function parse_duration_flag(text: string, flag: string): number {
  const parsed = parse_flink_duration(/^\s*[0-9]+\s*$/.test(text) ? Number(text.trim()) : text);
  if (!parsed.ok) throw new UsageError(`${flag}: ${parsed.message.replace(/; got .*$/, '')}; got ${JSON.stringify(text)}`);
  return parsed.value;
}

/** The run budget the flags give (with the defaults); 0 lifts a limit. */
export function parse_budget_flags(flags: BudgetFlags): RunBudget {
  let max_events = DEFAULT_MAX_EVENTS;
  if (flags.maxEvents !== undefined) {
    if (!/^\s*[0-9]+\s*$/.test(flags.maxEvents) || Number(flags.maxEvents) > MAX_EVENTS_LIMIT) {
      throw new UsageError(`--max-events: expected a whole number of world events (0 = no limit), got ${JSON.stringify(flags.maxEvents)}`);
    }
    max_events = Number(flags.maxEvents);
  }
  const max_wall_ms = flags.maxRunTime === undefined ? DEFAULT_MAX_RUN_TIME_MS : parse_duration_flag(flags.maxRunTime, '--max-run-time');
  return { ...(max_events > 0 ? { max_events } : {}), ...(max_wall_ms > 0 ? { max_wall_ms } : {}) };
}

/** --time-budget in ms (must be more than 0). */
export function parse_time_budget(text: string): number {
  const ms = parse_duration_flag(text, '--time-budget');
  if (ms <= 0) throw new UsageError(`--time-budget: must be more than 0, e.g. 30min; got ${JSON.stringify(text)}`);
  return ms;
}

/** A trace hash as printed by run, replay or a report: 12 to 64 hex digits (a prefix of the full hash is enough). */
export function parse_expected_hash(text: string): string {
  const hash = text.trim().toLowerCase();
  if (!/^[0-9a-f]{12,64}$/.test(hash)) {
    throw new UsageError(`--expect-hash: expected 12 to 64 hex digits (a trace hash as run, replay and the reports print it), got ${JSON.stringify(text)}`);
  }
  return hash;
}
