// Whether a scenario's event-triggered faults can fire at all: `on.event` names an engine event (engine/events.ts)
// that this scenario's configuration lets the engine log. A trigger that cannot fire is bad input at `validate`; one
// that merely did not fire in a run is reported in the run's result.
import { ENGINE_EVENT_NAMES, ENGINE_EVENT_REGISTRY, is_engine_event, type EngineEventCondition, type EngineEventSpec } from '../engine/events.js';
import type { FlinkConfig } from './flink-config.js';
import type { Scenario } from './schema/scenario.generated.js';

/** What each condition means, in the words of a scenario file. */
const CONDITION_TEXT: Readonly<Record<EngineEventCondition, string>> = {
  checkpointing: 'checkpointing (execution.checkpointing.interval)',
  transactional_store: 'a sink writing to the transactional store (sink.kind two_phase_commit, idempotent or at_least_once)',
  two_phase_commit_sink: 'a two-phase-commit sink (sink.kind: two_phase_commit)',
  idempotent_sink: 'an idempotent sink (sink.kind: idempotent)',
  job_manager_ha: 'JobManager HA (cluster.job_manager_ha: true)',
  savepoint: 'a savepoint fault in the plan',
  unaligned_checkpoints: 'unaligned checkpoints (execution.checkpointing.unaligned.enabled: true)',
};

/** The conditions a scenario meets; `flink` undefined when its Flink section did not parse (nothing is refused then). */
export function scenario_conditions(scenario: Scenario, flink: FlinkConfig | undefined): Set<EngineEventCondition> | undefined {
  if (flink === undefined) return undefined;
  const met = new Set<EngineEventCondition>();
  const sink_kind = scenario.sink?.kind ?? 'two_phase_commit';
  if (flink.checkpointing.enabled) met.add('checkpointing');
  if (flink.checkpointing.enabled && flink.checkpointing.unaligned_enabled) met.add('unaligned_checkpoints');
  if (sink_kind !== 'collect') met.add('transactional_store');
  if (sink_kind === 'two_phase_commit') met.add('two_phase_commit_sink');
  if (sink_kind === 'idempotent') met.add('idempotent_sink');
  if (scenario.cluster?.job_manager_ha === true) met.add('job_manager_ha');
  if ((scenario.faults ?? []).some((fault) => fault.kind === 'savepoint')) met.add('savepoint');
  return met;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The registered event name closest to `name`, when one is close enough to be a likely typo. */
export function closest_event_name(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of ENGINE_EVENT_NAMES) {
    const d = distance(name, candidate);
    if (best === undefined || d < best.distance) best = { name: candidate, distance: d };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(name.length / 4)) ? best.name : undefined;
}

/** Why `event` cannot fire in a scenario meeting `met`, or undefined when it can. */
export function why_event_cannot_fire(event: string, met: ReadonlySet<EngineEventCondition>): string | undefined {
  if (!is_engine_event(event)) {
    const guess = closest_event_name(event);
    return `the engine never logs ${JSON.stringify(event)}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`} (docs/scenario-format.md lists the engine events)`;
  }
  const missing = ((ENGINE_EVENT_REGISTRY[event] as EngineEventSpec).requires ?? []).filter((condition) => !met.has(condition));
  if (missing.length === 0) return undefined;
  return `${event} never happens in this scenario: it needs ${missing.map((condition) => CONDITION_TEXT[condition]).join(' and ')}`;
}
