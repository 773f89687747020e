// Turns a scenario's fault plan (`at` or `on` an engine event) and nemesis rates into sim fault-plan entries, and
// injects them while the fault window is open: every injection checks the gate, so the liveness phase sees none.
// Scenario faults that the world has no direct primitive for are mapped here, each mapping stated in its comment.
import { apply_fault, generate_nemesis_plan, type Fault, type FaultPlan, type NemesisKind, type Rng, type World } from '../../sim/index.js';
import type { Scenario } from '../schema/scenario.generated.js';
import type { JobManager } from '../../engine/cluster/job-manager.js';
import { engineNodeOf } from '../host.js';
import type { RunObserver } from './observer.js';
import { duration_field_ms, type RunPlan } from './plan.js';
import { format_ms } from '../units.js';

type ScenarioFault = NonNullable<Scenario['faults']>[number];

/** Whether faults may still be injected (closed by the liveness phase). */
export interface FaultGate {
  open: boolean;
}

export interface FaultContext {
  world: World;
  plan: RunPlan;
  observer: RunObserver;
  gate: FaultGate;
  /** The process standing in for the external sink system. */
  sink_system_id: string;
  /** Notes on faults the engine or world cannot express (reported in the result). */
  notes: string[];
  /** Per event-triggered fault: a note when it never fired (asked at the end of the run). */
  unfired: (() => string | undefined)[];
}

/** Length of one slice when a storage fault with probability < 1 is approximated by switching it on per slice. */
const STORAGE_PROBABILITY_SLICE_MS = 100;
/** Bound on faults one scenario fault may expand to. */
const MAX_EXPANDED_FAULTS = 10_000;

function storage_fault_kind(mode: string): Fault['kind'] {
  switch (mode) {
    case 'io_error':
      return 'storage_io_error';
    case 'slow':
      return 'storage_slow_io';
    case 'lost_write':
      return 'storage_lost_write';
    case 'bit_flip':
      return 'storage_bit_flip_write';
    case 'bit_flip_read':
      return 'storage_bit_flip_read';
    case 'unavailable':
      return 'storage_unavailable';
    case 'disk_full':
      return 'storage_disk_full';
    case 'slow_sync':
      return 'storage_slow_sync';
    default:
      return 'storage_torn_write';
  }
}

/** The newest (or oldest retained) completed checkpoint's metadata key, from the engine's 'checkpoint.completed' log. */
function completed_metadata_path(context: FaultContext, which: 'latest' | 'oldest_retained'): string | undefined {
  const completed = context.observer.completed_metadata_paths;
  if (completed.length === 0) return undefined;
  if (which === 'latest') return completed[completed.length - 1];
  const retained = context.plan.flink.checkpointing.num_retained;
  return completed[Math.max(0, completed.length - retained)];
}

/**
 * Expands one scenario fault, due now, into world faults (all at the current time unless they carry a duration that
 * the world needs as a second entry).
 */
export function expand_scenario_fault(fault: ScenarioFault, context: FaultContext, rng: Rng): FaultPlan {
  const at_ms = context.world.now_ms;
  const entry = fault as ScenarioFault & Record<string, unknown>;
  switch (fault.kind) {
    case 'crash': {
      const target = String(entry['target']);
      const unsynced = entry['unsynced_writes'];
      const out: FaultPlan = [
        unsynced === 'dropped' || unsynced === 'torn' || unsynced === 'kept' ? { at_ms, kind: 'crash', target, unsynced } : { at_ms, kind: 'crash', target },
      ];
      if (entry['restart_after'] !== undefined) {
        const after_ms = duration_field_ms(entry['restart_after'] as string | number, 0, 'faults[].restart_after');
        out.push({ at_ms: at_ms + after_ms, kind: 'restart', target });
      }
      return out;
    }
    case 'restart':
      return [{ at_ms, kind: 'restart', target: String(entry['target']) }];
    case 'pause':
      return [
        {
          at_ms,
          kind: 'pause',
          target: String(entry['target']),
          duration_ms: duration_field_ms(entry['duration'] as string | number, 0, 'faults[].duration'),
        },
      ];
    case 'partition': {
      const groups = (entry['groups'] as string[][]).map((group) => [...group]);
      const duration_ms = entry['duration'] === undefined ? undefined : duration_field_ms(entry['duration'] as string | number, 0, 'faults[].duration');
      if (entry['one_way'] === true) {
        const [first, ...rest] = groups;
        const out: FaultPlan = [];
        for (const from of first ?? []) {
          for (const group of rest) {
            for (const to of group) {
              const one: Fault = { at_ms, kind: 'partition_one_way', from, to };
              if (duration_ms !== undefined) one.duration_ms = duration_ms;
              out.push(one);
            }
          }
        }
        return out;
      }
      const split: Fault = { at_ms, kind: 'partition_split', groups };
      if (duration_ms !== undefined) split.duration_ms = duration_ms;
      return [split];
    }
    case 'link_break': {
      const [a, b] = entry['between'] as string[];
      return [{ at_ms, kind: 'link_break', a: String(a), b: String(b) }];
    }
    case 'corrupt_checkpoint': {
      // Damage at rest: reads of the chosen checkpoint's metadata come back flipped (bit_flip, torn_write) or the
      // object is gone (missing). The engine must notice by checksum and refuse to restore it (or an older one).
      const which = (entry['which'] as 'latest' | 'oldest_retained' | undefined) ?? 'latest';
      const path = completed_metadata_path(context, which);
      if (path === undefined) {
        context.notes.push(`corrupt_checkpoint at ${at_ms} ms: no completed checkpoint to damage yet`);
        return [];
      }
      if (entry['damage'] === 'missing') return [{ at_ms, kind: 'storage_missing_object', store: 'checkpoint', key_prefix: path }];
      // Every object of the checkpoint's directory (metadata and private state files) reads back damaged.
      const directory = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : path;
      return [{ at_ms, kind: 'storage_bit_flip_read', store: 'checkpoint', key_prefix: directory }];
    }
    case 'storage_fault': {
      const store = entry['store'] === 'disk' ? `disk/${String(entry['target'] ?? 'jm')}` : 'checkpoint';
      if (entry['mode'] === 'missing_object') return [{ at_ms, kind: 'storage_missing_object', store, key_prefix: '' }];
      const duration_ms = duration_field_ms(entry['duration'] as string | number, 0, 'faults[].duration');
      const probability = typeof entry['probability'] === 'number' ? entry['probability'] : 1;
      const kind = storage_fault_kind(String(entry['mode']));
      const extra_latency_ms = duration_field_ms(entry['extra_latency'] as string | number | undefined, 100, 'faults[].extra_latency');
      const make = (start_ms: number, length_ms: number): Fault =>
        kind === 'storage_slow_io' || kind === 'storage_slow_sync'
          ? { at_ms: start_ms, kind, store, key_prefix: '', duration_ms: length_ms, extra_latency_ms }
          : ({ at_ms: start_ms, kind, store, key_prefix: '', duration_ms: length_ms } as Fault);
      if (probability >= 1) return [make(at_ms, duration_ms)];
      // The world's storage faults hit every matching operation; a probability is approximated by switching the
      // fault on for each slice of the duration with that probability (drawn from the faults stream).
      const out: FaultPlan = [];
      for (let start_ms = 0; start_ms < duration_ms && out.length < MAX_EXPANDED_FAULTS; start_ms += STORAGE_PROBABILITY_SLICE_MS) {
        if (rng.chance(probability)) out.push(make(at_ms + start_ms, Math.min(STORAGE_PROBABILITY_SLICE_MS, duration_ms - start_ms)));
      }
      return out;
    }
    case 'clock': {
      const target = String(entry['target']);
      const out: FaultPlan = [];
      if (typeof entry['offset_ms'] === 'number') out.push({ at_ms, kind: 'clock_offset', target, offset_ms: entry['offset_ms'] });
      if (typeof entry['drift_ppm'] === 'number') out.push({ at_ms, kind: 'clock_drift', target, drift_ppm: entry['drift_ppm'] });
      return out;
    }
    case 'sink_outage':
    case 'source_outage': {
      // An outage of the external system is modelled as a stall: the process runs no handler for the duration and
      // answers afterwards (requests are held, not rejected).
      const target = fault.kind === 'sink_outage' ? context.sink_system_id : 'broker';
      return [{ at_ms, kind: 'pause', target, duration_ms: duration_field_ms(entry['duration'] as string | number, 0, 'faults[].duration') }];
    }
    case 'savepoint': {
      // An operator action on the leading JobManager: an intermediate savepoint, or stop-with-savepoint and a resume
      // (at resume_parallelism, else the same parallelism) from the canonical savepoint file after resume_after.
      // The operator asks the JobManager that leads now: of the live, running ones that think they lead, the one with
      // the newest fencing token (a paused old leader still believes it leads, but it runs nothing until it resumes).
      const leader = ['jm', 'jm-standby']
        .filter((id) => context.world.has_process(id) && context.world.is_alive(id) && !context.world.is_paused(id))
        .flatMap((id) => engineNodeOf<JobManager>(context.world.process_object(id)) ?? [])
        .filter((jm) => jm.is_leader)
        .sort((a, b) => b.leader_fencing_token - a.leader_fencing_token)[0];
      const report = (outcome: { ok: boolean; error?: string }): void => {
        if (!outcome.ok) context.notes.push(`savepoint at ${at_ms} ms failed: ${outcome.error ?? 'unknown'}`);
      };
      if (leader === undefined) {
        context.notes.push(`savepoint at ${at_ms} ms not taken: no JobManager leads the job`);
      } else if (entry['stop'] === true) {
        const parallelism = typeof entry['resume_parallelism'] === 'number' ? entry['resume_parallelism'] : context.plan.parallelism;
        const after_ms = duration_field_ms(entry['resume_after'] as string | number | undefined, 1_000, 'faults[].resume_after');
        leader.stop_with_savepoint({ resume: { parallelism, after_ms } }, report);
      } else {
        leader.trigger_savepoint(report);
      }
      return [];
    }
    default:
      context.notes.push(`${(fault as { kind: string }).kind} at ${at_ms} ms not injected: no mapping for this fault kind`);
      return [];
  }
}

/** The processes a world fault names (store faults name none). */
export function fault_processes(fault: Fault): string[] {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'partition_isolate':
    case 'clock_offset':
    case 'clock_drift':
      return [fault.target];
    case 'partition_split':
      return fault.groups.flat();
    case 'partition_one_way':
    case 'link_latency':
      return [fault.from, fault.to];
    case 'link_break':
      return [fault.a, fault.b];
    case 'latency_spike':
      return [fault.a, fault.b].filter((id): id is string => id !== undefined);
    default:
      return [];
  }
}

/** Injects world faults, each at its time, while the gate is open; a fault naming a process not hosted is noted. */
export function inject(context: FaultContext, faults: FaultPlan): void {
  const hosted = new Set(context.world.process_ids());
  // Entries due at one instant apply in plan order, as one event: a crash with restart_after 0 is followed by its
  // restart even when the world shuffles equal-time events (a restart applied first would find the process alive).
  const due = new Map<number, Fault[]>();
  for (const fault of faults) {
    const missing = fault_processes(fault).filter((id) => !hosted.has(id));
    if (missing.length > 0) {
      context.notes.push(`${fault.kind} at ${fault.at_ms} ms not injected: ${missing.join(', ')} not hosted in this run`);
      continue;
    }
    const at_ms = Math.max(fault.at_ms, context.world.now_ms);
    const group = due.get(at_ms);
    if (group !== undefined) {
      group.push(fault);
      continue;
    }
    const faults_at: Fault[] = [fault];
    due.set(at_ms, faults_at);
    context.world.schedule(at_ms, () => {
      for (const each of faults_at) if (context.gate.open) apply_fault(context.world, each);
    });
  }
}

/** Schedules the scenario's explicit faults: `at` a virtual time, or `on` the n-th occurrence of an engine event. */
export function schedule_scenario_faults(context: FaultContext): void {
  const rng = context.world.random('faults/plan');
  for (const fault of context.plan.scenario.faults ?? []) {
    const entry = fault as ScenarioFault & { at?: string | number; on?: { event: string; occurrence?: number; delay?: string | number } };
    const state = { fired: false };
    const fire = (): void => {
      if (!context.gate.open) return;
      state.fired = true;
      inject(context, expand_scenario_fault(fault, context, rng));
    };
    if (entry.on !== undefined) {
      const on = entry.on;
      const occurrence = on.occurrence ?? 1;
      const delay_ms = duration_field_ms(on.delay, 0, 'faults[].on.delay');
      // Only occurrences while faults may still be injected count (the liveness phase injects none).
      let seen = 0;
      context.observer.on(on.event, () => {
        if (!context.gate.open) return;
        seen++;
        if (seen === occurrence) context.world.after(delay_ms, fire);
      });
      const target = 'target' in fault && typeof fault.target === 'string' ? ` ${fault.target}` : '';
      context.unfired.push(() =>
        state.fired
          ? undefined
          : `${fault.kind}${target} on ${on.event} #${occurrence} never fired: the engine logged ${on.event} ${seen} time(s) while faults were on` +
            (seen >= occurrence ? ` (the ${format_ms(delay_ms)} delay ran past the fault window)` : ''),
      );
    } else {
      context.world.schedule(duration_field_ms(entry.at, 0, 'faults[].at'), fire);
    }
  }
}

/** Per-minute scenario rates → per-second nemesis rates over the world's kinds. */
export function nemesis_rates_per_s(rates: NonNullable<NonNullable<Scenario['nemesis']>['rates']>): Partial<Record<NemesisKind, number>> {
  const per_s = (per_minute: number | undefined, split: number): number => (per_minute ?? 0) / 60 / split;
  const storage_kinds: NemesisKind[] = [
    'storage_io_error',
    'storage_slow_io',
    'storage_lost_write',
    'storage_bit_flip_write',
    'storage_bit_flip_read',
    'storage_torn_write',
    'storage_missing_object',
  ];
  const out: Partial<Record<NemesisKind, number>> = {
    crash: per_s(rates.crash, 1),
    pause: per_s(rates.pause, 1),
    partition_isolate: per_s(rates.partition, 3),
    partition_split: per_s(rates.partition, 3),
    partition_one_way: per_s(rates.partition, 3),
    link_break: per_s(rates.link_break, 1),
    clock_offset: per_s(rates.clock, 2),
    clock_drift: per_s(rates.clock, 2),
  };
  for (const kind of storage_kinds) out[kind] = per_s(rates.storage, storage_kinds.length);
  out.storage_disk_full = per_s(rates.disk_full, 1);
  out.disk_io_error = per_s(rates.disk_error, 1);
  out.storage_slow_sync = per_s(rates.slow_sync, 1);
  return out;
}

/** The nemesis's plan for this run (empty without a nemesis section): crashes, pauses, partitions, storage, clocks, outages. */
export function nemesis_plan(context: FaultContext, targets_default: readonly string[]): { plan: FaultPlan; enabled: string[] } {
  const nemesis = context.plan.scenario.nemesis;
  if (nemesis === undefined) return { plan: [], enabled: [] };
  const horizon_ms = context.plan.phases.fault_horizon_ms;
  const targets = nemesis.targets ?? targets_default;
  const restart_after_ms = duration_field_ms(nemesis.restart_after, 1_000, 'nemesis.restart_after');
  const max_pause_ms = duration_field_ms(nemesis.max_pause, 2_000, 'nemesis.max_pause');
  const max_partition_ms = duration_field_ms(nemesis.max_partition, 5_000, 'nemesis.max_partition');
  const rng = context.world.random('faults');
  const generated = generate_nemesis_plan(rng, {
    start_ms: 0,
    end_ms: horizon_ms,
    rates_per_s: nemesis_rates_per_s(nemesis.rates ?? {}),
    targets,
    protected: ['broker', 'collector', 'txstore', 'ha'],
    // Local disks the engine's external systems keep their logs on (the broker's log is the reference input: none).
    disk_stores: ['ha', 'txstore'].filter((id) => context.world.has_process(id)).map((id) => `disk/${id}`),
    swarm: nemesis.swarm === true,
    down_ms: [restart_after_ms, restart_after_ms],
    pause_ms: [Math.min(100, max_pause_ms), max_pause_ms],
    partition_ms: [Math.min(200, max_partition_ms), max_partition_ms],
    max_faults: 10_000,
  });
  const plan = [...generated.plan];
  const enabled: string[] = [...generated.enabled];
  // Outages of the external systems are not world kinds: Poisson arrivals from their own streams, as stalls.
  const outages: [string, number | undefined, string][] = [
    ['sink_outage', nemesis.rates?.sink_outage, context.sink_system_id],
    ['source_outage', nemesis.rates?.source_outage, 'broker'],
  ];
  for (const [kind, per_minute, target] of outages) {
    const rate_per_s = (per_minute ?? 0) / 60;
    const stream = rng.fork(`nemesis/${kind}`);
    const keep = nemesis.swarm === true ? stream.chance(0.5) : true;
    if (!(rate_per_s > 0) || !keep) continue;
    enabled.push(kind);
    let at_ms = 0;
    for (;;) {
      at_ms += Math.max(1, Math.round(stream.exponential(1000 / rate_per_s)));
      if (at_ms >= horizon_ms || plan.length >= MAX_EXPANDED_FAULTS) break;
      plan.push({ at_ms, kind: 'pause', target, duration_ms: Math.round(stream.float_between(100, max_pause_ms)) });
    }
  }
  plan.sort((x, y) => x.at_ms - y.at_ms);
  return { plan, enabled };
}
