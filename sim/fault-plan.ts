// Explicit timed faults as data (a FaultPlan), and how the world applies them. The nemesis produces the same
// entries, so a run can record its plan and a shrinker can replay any subset of it.
import type { LatencyModel } from './network.js';
import type { StorageFaultKind, UnsyncedOutcome } from './storage.js';
import type { ProcessId } from './types.js';
import type { World } from './world.js';

/** Store fault entries: `store` is a store name ('checkpoint', 'disk/<id>') or '*' for every store. */
interface StorageFaultFields {
  store: string;
  /** Keys starting with this prefix ('' = all). Ignored by storage_unavailable. */
  key_prefix: string;
  /** How long the fault stays on (absent: until cleared or count runs out). */
  duration_ms?: number;
  /** How many operations it may hit (absent: unlimited within its duration). */
  count?: number;
}

export type Fault =
  /** `unsynced`: what becomes of the target's unsynced writes (absent: each one at random). */
  | { at_ms: number; kind: 'crash'; target: ProcessId; unsynced?: UnsyncedOutcome }
  /** Starts a new incarnation after after_ms (default 0) if the target is down; a live target is left alone. */
  | { at_ms: number; kind: 'restart'; target: ProcessId; after_ms?: number }
  | { at_ms: number; kind: 'pause'; target: ProcessId; duration_ms: number }
  | { at_ms: number; kind: 'partition_isolate'; target: ProcessId; duration_ms?: number }
  | { at_ms: number; kind: 'partition_split'; groups: ProcessId[][]; duration_ms?: number }
  | { at_ms: number; kind: 'partition_one_way'; from: ProcessId; to: ProcessId; duration_ms?: number }
  /** Ends every partition. */
  | { at_ms: number; kind: 'heal' }
  | { at_ms: number; kind: 'link_break'; a: ProcessId; b: ProcessId }
  /** Extra latency on every link (no a), links touching a, or a↔b. */
  | { at_ms: number; kind: 'latency_spike'; a?: ProcessId; b?: ProcessId; extra_ms: number; duration_ms: number }
  | { at_ms: number; kind: 'link_latency'; from: ProcessId; to: ProcessId; latency: LatencyModel }
  | { at_ms: number; kind: 'clock_offset'; target: ProcessId; offset_ms: number }
  | { at_ms: number; kind: 'clock_drift'; target: ProcessId; drift_ppm: number }
  | ({ at_ms: number; kind: 'storage_bit_flip_write' } & StorageFaultFields)
  | ({ at_ms: number; kind: 'storage_bit_flip_read' } & StorageFaultFields)
  | ({ at_ms: number; kind: 'storage_torn_write' } & StorageFaultFields)
  | ({ at_ms: number; kind: 'storage_lost_write' } & StorageFaultFields)
  | ({ at_ms: number; kind: 'storage_io_error' } & StorageFaultFields)
  | ({ at_ms: number; kind: 'storage_slow_io'; extra_latency_ms: number } & StorageFaultFields)
  | ({ at_ms: number; kind: 'storage_unavailable' } & StorageFaultFields)
  /** Puts fail with no_space (ENOSPC). */
  | ({ at_ms: number; kind: 'storage_disk_full' } & StorageFaultFields)
  /** Syncs take extra_latency_ms longer. */
  | ({ at_ms: number; kind: 'storage_slow_sync'; extra_latency_ms: number } & StorageFaultFields)
  /** Deletes one existing object under key_prefix (picked by the storage stream) at at_ms. */
  | { at_ms: number; kind: 'storage_missing_object'; store: string; key_prefix: string };

export type FaultKind = Fault['kind'];
export type FaultPlan = Fault[];

const storage_kind_of: Partial<Record<FaultKind, StorageFaultKind>> = {
  storage_bit_flip_write: 'bit_flip_write',
  storage_bit_flip_read: 'bit_flip_read',
  storage_torn_write: 'torn_write',
  storage_lost_write: 'lost_write',
  storage_io_error: 'io_error',
  storage_slow_io: 'slow_io',
  storage_unavailable: 'unavailable',
  storage_disk_full: 'disk_full',
  storage_slow_sync: 'slow_sync',
};

/** A short human-readable target for the trace and the run result. */
export function fault_target(fault: Fault): string {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'partition_isolate':
    case 'clock_offset':
    case 'clock_drift':
      return fault.target;
    case 'partition_split':
      return fault.groups.map((group) => group.join(',')).join('|');
    case 'partition_one_way':
    case 'link_latency':
      return `${fault.from}->${fault.to}`;
    case 'heal':
      return '*';
    case 'link_break':
      return `${fault.a}<->${fault.b}`;
    case 'latency_spike':
      return fault.a === undefined ? '*' : fault.b === undefined ? fault.a : `${fault.a}<->${fault.b}`;
    default:
      return `${fault.store}:${fault.key_prefix}`;
  }
}

/** Applies one fault now: a 'fault' trace record, then the effect. */
export function apply_fault(world: World, fault: Fault): void {
  const { at_ms: _at_ms, kind: _kind, ...rest } = fault;
  if (fault.kind === 'storage_missing_object') {
    // The object is picked when the fault fires, so its record names the key that is gone (null: none to remove).
    const removed_key = world.remove_random_object(fault.store, fault.key_prefix) ?? null;
    world.note_fault(fault.kind, fault_target(fault), JSON.stringify({ ...rest, removed_key }));
    return;
  }
  world.note_fault(fault.kind, fault_target(fault), JSON.stringify(rest));
  switch (fault.kind) {
    case 'crash':
      world.crash(fault.target, fault.unsynced === undefined ? {} : { unsynced: fault.unsynced });
      return;
    case 'restart':
      // The recovery half of a crash: a no-op for a live process, so dropping the crash from a plan (shrinking)
      // leaves a harmless restart rather than a new crash.
      if (!world.is_alive(fault.target)) world.restart(fault.target, fault.after_ms ?? 0);
      return;
    case 'pause':
      world.pause(fault.target, fault.duration_ms);
      return;
    case 'partition_isolate':
      world.partition_isolate(fault.target, fault.duration_ms);
      return;
    case 'partition_split':
      world.partition_split(fault.groups, fault.duration_ms);
      return;
    case 'partition_one_way':
      world.partition_one_way(fault.from, fault.to, fault.duration_ms);
      return;
    case 'heal':
      world.heal();
      return;
    case 'link_break':
      world.break_link(fault.a, fault.b);
      return;
    case 'latency_spike':
      world.latency_spike(fault.extra_ms, fault.duration_ms, fault.a, fault.b);
      return;
    case 'link_latency':
      world.set_link_latency(fault.from, fault.to, fault.latency);
      return;
    case 'clock_offset':
      world.set_clock_offset(fault.target, fault.offset_ms);
      return;
    case 'clock_drift':
      world.set_clock_drift(fault.target, fault.drift_ppm);
      return;
    default: {
      const storage_kind = storage_kind_of[fault.kind] as StorageFaultKind;
      const options: { key_prefix: string; duration_ms?: number; count?: number; extra_latency_ms?: number } = {
        key_prefix: fault.key_prefix,
      };
      if (fault.duration_ms !== undefined) options.duration_ms = fault.duration_ms;
      if (fault.count !== undefined) options.count = fault.count;
      if (fault.kind === 'storage_slow_io' || fault.kind === 'storage_slow_sync') options.extra_latency_ms = fault.extra_latency_ms;
      world.storage_fault(fault.store, storage_kind, options);
      return;
    }
  }
}

/** Control over a scheduled plan: cancel() stops entries that have not fired yet (e.g. at the liveness phase). */
export interface FaultPlanHandle {
  cancel(): void;
  /** Entries applied so far. */
  applied(): number;
}

/** Schedules every entry at its at_ms (entries at the same time apply in plan order; past times apply now). */
export function apply_fault_plan(world: World, plan: readonly Fault[]): FaultPlanHandle {
  const ordered = plan.map((fault, index) => ({ fault, index }));
  ordered.sort((x, y) => x.fault.at_ms - y.fault.at_ms || x.index - y.index);
  let cancelled = false;
  let applied = 0;
  for (const { fault } of ordered) {
    world.schedule(Math.max(fault.at_ms, world.now_ms), () => {
      if (cancelled) return;
      applied++;
      apply_fault(world, fault);
    });
  }
  return {
    cancel: () => {
      cancelled = true;
    },
    applied: () => applied,
  };
}
