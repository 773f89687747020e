// Shrinks a failing run to the fewest, earliest, shortest faults that still fail the same property: a nemesis is
// first written out as its explicit faults, then faults are dropped (delta debugging), moved earlier, shortened and
// softened, and the input is cut, each step kept only if the run still violates the property. Works on any failure —
// from the property search, `run`, `swarm` or the catalogue — because a candidate is just a scenario and a seed.
import type { PropertyName, RunResult } from '../scenarios/result-format.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { validate_scenario_data } from '../scenarios/load.js';
import { plan_run } from '../scenarios/run/plan.js';
import { scenario_without_nemesis } from '../scenarios/run/explicit-faults.js';
import { parse_flink_duration } from '../scenarios/flink-config.js';

type ScenarioFault = NonNullable<Scenario['faults']>[number];

export interface ShrinkOptions {
  run(scenario: Scenario, seed: number): RunResult;
  /** The property that must keep failing (default: the first one the failing run violates). */
  property?: PropertyName;
  /** Bound on candidate runs (default 400). */
  max_runs?: number;
  /** Bound on wall time in ms (default: none). */
  budget_ms?: number;
  /**
   * Keep a candidate only if its violation reads like the original (the same words before any number or detail), so the
   * shrunk run fails for the same reason, not merely the same property (default true).
   */
  same_reason?: boolean;
  /** Also cut the input (fewer records) when the failure survives it (default true). */
  shrink_workload?: boolean;
  /** Called after every kept step (progress). */
  on_step?(step: string, scenario: Scenario): void;
  /** Wall clock for the budget (injected so tests stay deterministic). */
  now_ms?(): number;
}

export interface ShrinkOutcome {
  scenario: Scenario;
  seed: number;
  /** The run of the shrunk scenario (violates `property`). */
  result: RunResult;
  property: PropertyName;
  /** Faults before and after (a nemesis counts as the faults it generated). */
  faults_before: number;
  faults_after: number;
  runs: number;
  steps: string[];
  /** Why shrinking stopped: no smaller failing case found, or a bound was reached. */
  stopped: 'fixpoint' | 'max_runs' | 'budget';
}

export class ShrinkError extends Error {
  override readonly name = 'ShrinkError';
}

const ms = (value: number): string => `${Math.max(0, Math.round(value))} ms`;

function duration_ms(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parse_flink_duration(value);
  return parsed.ok ? parsed.value : undefined;
}

/** The numeric knobs of a fault that shrink toward 0 ("earlier, shorter, smaller"), with how to set each. */
function knobs(fault: ScenarioFault): { name: string; value: number; set(value: number): ScenarioFault }[] {
  const out: { name: string; value: number; set(value: number): ScenarioFault }[] = [];
  const entry = fault as ScenarioFault & Record<string, unknown>;
  const duration_knob = (field: string): void => {
    const value = duration_ms(entry[field] as string | number | undefined);
    if (value !== undefined && value > 0) out.push({ name: field, value, set: (v) => ({ ...entry, [field]: ms(v) }) as ScenarioFault });
  };
  duration_knob('at');
  const on = entry['on'] as { event: string; occurrence?: number; delay?: string | number } | undefined;
  if (on !== undefined) {
    if ((on.occurrence ?? 1) > 1) out.push({ name: 'on.occurrence', value: (on.occurrence ?? 1) - 1, set: (v) => ({ ...entry, on: { ...on, occurrence: Math.round(v) + 1 } }) as ScenarioFault });
    const delay = duration_ms(on.delay);
    if (delay !== undefined && delay > 0) out.push({ name: 'on.delay', value: delay, set: (v) => ({ ...entry, on: { ...on, delay: ms(v) } }) as ScenarioFault });
  }
  for (const field of ['duration', 'restart_after', 'resume_after', 'extra_latency']) duration_knob(field);
  for (const field of ['offset_ms', 'drift_ppm']) {
    const value = entry[field];
    if (typeof value === 'number' && value !== 0) {
      const sign = Math.sign(value);
      out.push({ name: field, value: Math.abs(value), set: (v) => ({ ...entry, [field]: sign * Math.round(v) }) as ScenarioFault });
    }
  }
  return out;
}

/** Shrinks a failing scenario run. Throws a ShrinkError when the given run does not fail in the first place. */
export function shrink_failure(scenario: Scenario, seed: number, options: ShrinkOptions): ShrinkOutcome {
  const max_runs = options.max_runs ?? 400;
  const now = options.now_ms ?? ((): number => Date.now());
  const started_ms = now();
  let runs = 0;
  let stopped: ShrinkOutcome['stopped'] = 'fixpoint';
  const steps: string[] = [];

  const first = options.run(scenario, seed);
  runs++;
  const property = options.property ?? first.violations[0]?.property;
  if (property === undefined) throw new ShrinkError(`seed ${seed} of ${scenario.name} violates no property: nothing to shrink`);
  if (!first.violations.some((v) => v.property === property)) throw new ShrinkError(`seed ${seed} of ${scenario.name} does not violate ${property}`);

  const reason = (message: string): string => message.toLowerCase().replace(/[0-9][0-9.]*/g, '#').split(/[:(]/)[0]!.split(/\s+/).slice(0, 8).join(' ');
  const wanted_reason = reason(first.violations.find((v) => v.property === property)!.message);
  const fails_alike = (result: RunResult): boolean =>
    result.violations.some((v) => v.property === property && (options.same_reason === false || reason(v.message) === wanted_reason));
  let best = scenario;
  let best_result = first;
  const out_of_budget = (): boolean => {
    if (runs >= max_runs) {
      stopped = 'max_runs';
      return true;
    }
    if (options.budget_ms !== undefined && now() - started_ms >= options.budget_ms) {
      stopped = 'budget';
      return true;
    }
    return false;
  };
  /** Runs a candidate; keeps it when it is valid and still violates the property. */
  const attempt = (candidate: Scenario, step: string): boolean => {
    if (out_of_budget()) return false;
    const validated = validate_scenario_data(candidate, 'candidate', JSON.stringify(candidate));
    if (!validated.ok) return false;
    runs++;
    let result: RunResult;
    try {
      result = options.run(validated.scenario, seed);
    } catch {
      return false;
    }
    if (!fails_alike(result)) return false;
    best = validated.scenario;
    best_result = result;
    steps.push(step);
    options.on_step?.(step, best);
    return true;
  };
  const with_faults = (faults: ScenarioFault[]): Scenario => ({ ...best, faults });

  // 1. A nemesis becomes the explicit faults it generated (kept only if the run still fails without the nemesis).
  let faults_before = (scenario.faults ?? []).length;
  if (scenario.nemesis !== undefined) {
    const explicit = scenario_without_nemesis(plan_run(scenario), seed);
    if (explicit !== undefined) {
      faults_before = (explicit.scenario.faults ?? []).length;
      attempt(explicit.scenario, `nemesis written out as ${explicit.converted} explicit fault(s)`);
    }
  }

  let changed = true;
  while (changed && !out_of_budget()) {
    changed = false;
    // 2. Fewest: drop chunks of faults, halving the chunk size (ddmin's complement steps).
    let faults = [...(best.faults ?? [])];
    for (let chunk = Math.max(1, Math.ceil(faults.length / 2)); chunk >= 1 && faults.length > 0; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
      for (let start = 0; start < faults.length && !out_of_budget(); ) {
        const candidate = [...faults.slice(0, start), ...faults.slice(start + chunk)];
        if (attempt(with_faults(candidate), `dropped ${chunk === 1 ? `fault ${start + 1} (${faults[start]!.kind})` : `faults ${start + 1}..${Math.min(start + chunk, faults.length)}`}`)) {
          faults = candidate;
          changed = true;
        } else {
          start += chunk;
        }
      }
      if (chunk === 1) break;
    }
    // 3. Earliest and shortest: every knob of every fault toward 0, by bisection (0 first).
    for (let index = 0; index < faults.length && !out_of_budget(); index++) {
      for (const knob_name of knobs(faults[index]!).map((k) => k.name)) {
        const knob = knobs(faults[index]!).find((k) => k.name === knob_name);
        if (knob === undefined) continue;
        let low = 0;
        let high = knob.value;
        const try_value = (value: number): boolean => {
          const candidate = [...faults];
          candidate[index] = knob.set(value);
          if (!attempt(with_faults(candidate), `fault ${index + 1} (${faults[index]!.kind}): ${knob.name} ${Math.round(knob.value)} → ${Math.round(value)}`)) return false;
          faults = candidate;
          changed = true;
          return true;
        };
        if (try_value(0)) continue;
        // Bisection between a value that passes (low) and one that fails (high), to 1 unit or 2% of the value.
        while (high - low > Math.max(1, knob.value * 0.02) && !out_of_budget()) {
          const middle = Math.floor((low + high) / 2);
          if (middle <= low || middle >= high) break;
          if (try_value(middle)) high = middle;
          else low = middle;
        }
      }
      // A one-way partition is the smaller fault: only messages of the first group are lost.
      const fault = faults[index] as ScenarioFault & Record<string, unknown>;
      if (fault.kind === 'partition' && fault['one_way'] !== true && (fault['groups'] as unknown[]).length === 2) {
        const candidate = [...faults];
        candidate[index] = { ...fault, one_way: true } as ScenarioFault;
        if (attempt(with_faults(candidate), `fault ${index + 1} (partition) made one-way`)) {
          faults = candidate;
          changed = true;
        }
      }
    }
    // 4. Shorter input: fewer records, halving while the failure survives.
    if (options.shrink_workload !== false) {
      for (;;) {
        const records = best.workload?.records ?? 5000;
        if (records <= 1 || out_of_budget()) break;
        const fewer = Math.max(1, Math.floor(records / 2));
        if (!attempt({ ...best, workload: { ...best.workload, records: fewer } }, `input cut to ${fewer} records`)) break;
        changed = true;
      }
    }
  }
  // The plan is returned in the order it ran (reordering same-time faults would change the trace).
  return { scenario: best, seed, result: best_result, property, faults_before, faults_after: (best.faults ?? []).length, runs, steps, stopped };
}
