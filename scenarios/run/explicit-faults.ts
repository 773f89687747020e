// The nemesis of a scenario as an explicit fault plan: the world faults its seed generates, written back as scenario
// `faults:` entries (a crash and its restart become one crash with restart_after). A failure found by a nemesis can
// then be shrunk fault by fault, and the shrunk plan is a scenario anyone can read and replay.
import type { Fault } from '../../sim/index.js';
import type { Scenario } from '../schema/scenario.generated.js';
import { assemble } from './assemble.js';
import { nemesis_plan, type FaultContext } from './faults.js';
import { RunObserver } from './observer.js';
import type { RunPlan } from './plan.js';

type ScenarioFault = NonNullable<Scenario['faults']>[number];
type Groups = Extract<ScenarioFault, { kind: 'partition' }>['groups'];

const ms = (value: number): string => `${Math.max(0, Math.round(value))} ms`;

const STORAGE_MODES: Partial<Record<Fault['kind'], string>> = {
  storage_io_error: 'io_error',
  storage_slow_io: 'slow',
  storage_lost_write: 'lost_write',
  storage_bit_flip_write: 'bit_flip',
  storage_torn_write: 'torn_write',
  storage_bit_flip_read: 'bit_flip_read',
  storage_unavailable: 'unavailable',
};

/**
 * One world fault as a scenario fault at its time, or undefined when no scenario fault says the same (a latency
 * spike; a store fault limited to a key prefix or an operation count; a restart, which belongs to its crash).
 * `process_ids`: every process of the run (an isolated process is partitioned from all of them).
 */
export function scenario_fault_of(fault: Fault, process_ids: readonly string[]): ScenarioFault | undefined {
  const at = ms(fault.at_ms);
  switch (fault.kind) {
    case 'crash':
      return { kind: 'crash', target: fault.target, at };
    case 'pause':
      return { kind: 'pause', target: fault.target, at, duration: ms(fault.duration_ms) };
    case 'partition_isolate': {
      const others = process_ids.filter((id) => id !== fault.target);
      if (others.length === 0) return undefined;
      return { kind: 'partition', groups: [[fault.target], others] as unknown as Groups, at, ...(fault.duration_ms !== undefined ? { duration: ms(fault.duration_ms) } : {}) };
    }
    case 'partition_split':
      return { kind: 'partition', groups: fault.groups.map((group) => [...group]) as Groups, at, ...(fault.duration_ms !== undefined ? { duration: ms(fault.duration_ms) } : {}) };
    case 'partition_one_way':
      return { kind: 'partition', groups: [[fault.from], [fault.to]], one_way: true, at, ...(fault.duration_ms !== undefined ? { duration: ms(fault.duration_ms) } : {}) };
    case 'link_break':
      return { kind: 'link_break', between: [fault.a, fault.b], at };
    case 'clock_offset':
      return { kind: 'clock', target: fault.target, offset_ms: Math.round(fault.offset_ms), at };
    case 'clock_drift':
      return { kind: 'clock', target: fault.target, drift_ppm: fault.drift_ppm, at };
    case 'storage_missing_object':
      if (fault.store !== 'checkpoint' || fault.key_prefix !== '') return undefined;
      return { kind: 'storage_fault', store: 'checkpoint_store', mode: 'missing_object', at };
    default: {
      const mode = STORAGE_MODES[fault.kind];
      if (mode === undefined || !('store' in fault) || fault.store !== 'checkpoint' || fault.key_prefix !== '' || fault.count !== undefined || fault.duration_ms === undefined) {
        return undefined;
      }
      const out = { kind: 'storage_fault', store: 'checkpoint_store', mode, at, duration: ms(fault.duration_ms) } as ScenarioFault & Record<string, unknown>;
      if (fault.kind === 'storage_slow_io') out['extra_latency'] = ms(fault.extra_latency_ms);
      return out;
    }
  }
}

/**
 * A world fault plan as scenario faults: crash + later restart of the same process → crash with restart_after.
 * `unconverted` lists the faults no scenario fault expresses (the caller decides whether the plan is still faithful).
 */
export function scenario_faults_of(plan: readonly Fault[], process_ids: readonly string[]): { faults: ScenarioFault[]; unconverted: Fault[] } {
  const faults: ScenarioFault[] = [];
  const unconverted: Fault[] = [];
  const open_crash = new Map<string, ScenarioFault & { restart_after?: string | number }>();
  const crash_at = new Map<string, number>();
  for (const fault of plan) {
    if (fault.kind === 'restart') {
      const crash = open_crash.get(fault.target);
      if (crash === undefined) {
        faults.push({ kind: 'restart', target: fault.target, at: ms(fault.at_ms) });
        continue;
      }
      crash.restart_after = ms(fault.at_ms + (fault.after_ms ?? 0) - (crash_at.get(fault.target) ?? fault.at_ms));
      open_crash.delete(fault.target);
      continue;
    }
    const converted = scenario_fault_of(fault, process_ids);
    if (converted === undefined) {
      unconverted.push(fault);
      continue;
    }
    if (converted.kind === 'crash') {
      open_crash.set(converted.target, converted);
      crash_at.set(converted.target, fault.at_ms);
    }
    faults.push(converted);
  }
  return { faults, unconverted };
}

/** The world faults a scenario's nemesis generates at `seed` (the same entries the runner injects). */
export function nemesis_world_faults(plan: RunPlan, seed: number): Fault[] {
  if (plan.scenario.nemesis === undefined) return [];
  const assembled = assemble(plan, seed, 'none');
  const world = assembled.world;
  const context: FaultContext = {
    world,
    plan,
    observer: new RunObserver(world),
    gate: { open: true },
    sink_system_id: world.process_ids().includes('txstore') ? 'txstore' : 'collector',
    notes: [],
    unfired: [],
  };
  const targets = ['jm', ...(plan.job_manager_ha ? ['jm-standby'] : []), ...assembled.task_manager_ids].filter((id) => world.process_ids().includes(id));
  return [...nemesis_plan(context, targets).plan];
}

/**
 * The scenario with its nemesis replaced by the explicit faults it generates at `seed` (after the scenario's own
 * faults), or undefined when some generated fault has no scenario form.
 */
export function scenario_without_nemesis(plan: RunPlan, seed: number): { scenario: Scenario; converted: number } | undefined {
  const scenario = plan.scenario;
  if (scenario.nemesis === undefined) return { scenario, converted: 0 };
  const world_faults = nemesis_world_faults(plan, seed);
  const { faults, unconverted } = scenario_faults_of(world_faults, plan.process_ids);
  if (unconverted.length > 0) return undefined;
  const { nemesis: _nemesis, ...rest } = scenario;
  return { scenario: { ...rest, faults: [...(scenario.faults ?? []), ...faults] }, converted: faults.length };
}
