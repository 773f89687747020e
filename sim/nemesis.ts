// The seeded nemesis: turns per-kind rates (faults per virtual second) over a time window into a concrete FaultPlan.
// Each kind draws from its own forked stream, so enabling or disabling one kind never reshuffles the others.
// Swarm mode: each seed switches on a random subset of kinds (drawn from its own stream).
import type { Fault, FaultPlan } from './fault-plan.js';
import type { Rng } from './random.js';
import type { ProcessId } from './types.js';

export type NemesisKind =
  | 'crash' // crash, then restart after down_ms
  | 'pause'
  | 'partition_isolate'
  | 'partition_split'
  | 'partition_one_way'
  | 'link_break'
  | 'latency_spike'
  | 'clock_offset'
  | 'clock_drift'
  | 'storage_bit_flip_write'
  | 'storage_bit_flip_read'
  | 'storage_torn_write'
  | 'storage_lost_write'
  | 'storage_missing_object'
  | 'storage_io_error'
  | 'storage_slow_io'
  | 'storage_unavailable'
  | 'storage_disk_full' // ENOSPC on a store from stores + disk_stores
  | 'storage_slow_sync' // slow syncs on a store from stores + disk_stores
  | 'disk_io_error'; // EIO on a local disk from disk_stores

export const nemesis_kinds: readonly NemesisKind[] = [
  'clock_drift',
  'clock_offset',
  'crash',
  'latency_spike',
  'link_break',
  'partition_isolate',
  'partition_one_way',
  'partition_split',
  'pause',
  'storage_bit_flip_read',
  'storage_bit_flip_write',
  'storage_io_error',
  'storage_lost_write',
  'storage_missing_object',
  'storage_slow_io',
  'storage_torn_write',
  'storage_unavailable',
  // Appended, not sorted in: swarm mode draws one decision per kind in this order, so older kinds keep theirs.
  'storage_disk_full',
  'storage_slow_sync',
  'disk_io_error',
];

/** [min, max] inclusive ranges in milliseconds (or ppm for drift). */
export type Range = readonly [number, number];

export interface NemesisOptions {
  start_ms: number;
  end_ms: number;
  /** Faults per virtual second, per kind; absent or 0 = off. */
  rates_per_s: Partial<Record<NemesisKind, number>>;
  /** Processes the nemesis may touch (crash, pause, partition, clocks, links). */
  targets: readonly ProcessId[];
  /** Never picked as a target, never isolated, never on a broken link (e.g. the broker). */
  protected?: readonly ProcessId[];
  /** Stores for storage faults (default ['checkpoint']). */
  stores?: readonly string[];
  /** Local disks for disk_io_error, and besides `stores` for storage_disk_full and storage_slow_sync (default none). */
  disk_stores?: readonly string[];
  /** Key prefixes for storage faults (default ['']). */
  key_prefixes?: readonly string[];
  /** Swarm testing: each kind with a positive rate stays on with probability swarm_ratio (default 0.5). */
  swarm?: boolean;
  swarm_ratio?: number;
  down_ms?: Range;
  pause_ms?: Range;
  partition_ms?: Range;
  spike_extra_ms?: Range;
  spike_ms?: Range;
  clock_offset_ms?: Range;
  drift_ppm?: Range;
  storage_fault_ms?: Range;
  slow_io_extra_ms?: Range;
  /** Upper bound on generated entries (default 10,000): an explicit bound, exceeding it throws. */
  max_faults?: number;
}

export interface NemesisPlan {
  plan: FaultPlan;
  /** Kinds that were on for this seed (all with a positive rate unless swarm mode switched some off). */
  enabled: NemesisKind[];
}

/**
 * Generates the nemesis's fault plan from `rng` (use world.random('faults')). Arrivals per kind are a Poisson
 * process at the kind's rate. The plan is sorted by time (ties in kind order).
 */
export function generate_nemesis_plan(rng: Rng, options: NemesisOptions): NemesisPlan {
  const protected_ids = new Set(options.protected ?? []);
  const targets = [...options.targets].filter((id) => !protected_ids.has(id)).sort();
  const stores = options.stores ?? ['checkpoint'];
  const key_prefixes = options.key_prefixes ?? [''];
  const max_faults = options.max_faults ?? 10_000;
  const swarm_rng = rng.fork('nemesis/swarm');
  const swarm_ratio = options.swarm_ratio ?? 0.5;
  const enabled: NemesisKind[] = [];
  for (const kind of nemesis_kinds) {
    const rate = options.rates_per_s[kind] ?? 0;
    // Always draw in swarm mode so each kind's decision does not depend on the others' rates.
    const keep = options.swarm === true ? swarm_rng.chance(swarm_ratio) : true;
    if (rate > 0 && keep) enabled.push(kind);
  }
  const entries: { fault: Fault; order: number }[] = [];
  const range = (stream: Rng, r: Range | undefined, fallback: Range): number => {
    const [min, max] = r ?? fallback;
    return Math.round(stream.float_between(min, max));
  };
  for (const kind of enabled) {
    const stream = rng.fork(`nemesis/${kind}`);
    const rate = options.rates_per_s[kind] as number;
    const mean_gap_ms = 1000 / rate;
    const order = nemesis_kinds.indexOf(kind);
    let at_ms = options.start_ms;
    for (;;) {
      at_ms += Math.max(1, Math.round(stream.exponential(mean_gap_ms)));
      if (at_ms >= options.end_ms) break;
      const made = make_faults(kind, at_ms, stream, targets, stores, key_prefixes, options, range);
      for (const fault of made) {
        entries.push({ fault, order });
        if (entries.length > max_faults) {
          throw new Error(`nemesis plan exceeds max_faults=${max_faults}; lower the rates or raise the bound`);
        }
      }
    }
  }
  entries.sort((x, y) => x.fault.at_ms - y.fault.at_ms || x.order - y.order);
  return { plan: entries.map((entry) => entry.fault), enabled };
}

function make_faults(
  kind: NemesisKind,
  at_ms: number,
  stream: Rng,
  targets: readonly ProcessId[],
  stores: readonly string[],
  key_prefixes: readonly string[],
  options: NemesisOptions,
  range: (stream: Rng, r: Range | undefined, fallback: Range) => number,
): Fault[] {
  const needs_target = !kind.startsWith('storage_') && kind !== 'disk_io_error' && kind !== 'latency_spike';
  const all_stores = [...stores, ...(options.disk_stores ?? [])];
  if (needs_target && targets.length === 0) return [];
  switch (kind) {
    case 'crash': {
      const target = stream.pick(targets);
      const down_ms = range(stream, options.down_ms, [100, 3000]);
      return [
        { at_ms, kind: 'crash', target },
        { at_ms: at_ms + down_ms, kind: 'restart', target },
      ];
    }
    case 'pause':
      return [{ at_ms, kind: 'pause', target: stream.pick(targets), duration_ms: range(stream, options.pause_ms, [100, 2000]) }];
    case 'partition_isolate':
      return [
        {
          at_ms,
          kind: 'partition_isolate',
          target: stream.pick(targets),
          duration_ms: range(stream, options.partition_ms, [200, 5000]),
        },
      ];
    case 'partition_split': {
      if (targets.length < 2) return [];
      const shuffled = stream.shuffle_in_place([...targets]);
      const cut = stream.int_inclusive(1, shuffled.length - 1);
      return [
        {
          at_ms,
          kind: 'partition_split',
          groups: [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()],
          duration_ms: range(stream, options.partition_ms, [200, 5000]),
        },
      ];
    }
    case 'partition_one_way':
    case 'link_break': {
      if (targets.length < 2) return [];
      const from = stream.pick(targets);
      const others = targets.filter((id) => id !== from);
      const to = stream.pick(others);
      if (kind === 'link_break') return [{ at_ms, kind: 'link_break', a: from, b: to }];
      return [{ at_ms, kind: 'partition_one_way', from, to, duration_ms: range(stream, options.partition_ms, [200, 5000]) }];
    }
    case 'latency_spike': {
      const extra_ms = range(stream, options.spike_extra_ms, [20, 500]);
      const duration_ms = range(stream, options.spike_ms, [100, 2000]);
      if (targets.length === 0 || stream.chance(0.5)) return [{ at_ms, kind: 'latency_spike', extra_ms, duration_ms }];
      return [{ at_ms, kind: 'latency_spike', a: stream.pick(targets), extra_ms, duration_ms }];
    }
    case 'clock_offset':
      return [{ at_ms, kind: 'clock_offset', target: stream.pick(targets), offset_ms: range(stream, options.clock_offset_ms, [-5000, 5000]) }];
    case 'clock_drift':
      return [{ at_ms, kind: 'clock_drift', target: stream.pick(targets), drift_ppm: range(stream, options.drift_ppm, [-500, 500]) }];
    case 'storage_disk_full':
      return [{ at_ms, kind, store: stream.pick(all_stores), key_prefix: '', duration_ms: range(stream, options.storage_fault_ms, [100, 3000]) }];
    case 'storage_slow_sync':
      return [
        {
          at_ms,
          kind,
          store: stream.pick(all_stores),
          key_prefix: '',
          duration_ms: range(stream, options.storage_fault_ms, [100, 3000]),
          extra_latency_ms: range(stream, options.slow_io_extra_ms, [50, 1000]),
        },
      ];
    case 'disk_io_error': {
      const disks = options.disk_stores ?? [];
      if (disks.length === 0) return [];
      return [{ at_ms, kind: 'storage_io_error', store: stream.pick(disks), key_prefix: '', duration_ms: range(stream, options.storage_fault_ms, [100, 3000]) }];
    }
    case 'storage_missing_object':
      return [{ at_ms, kind: 'storage_missing_object', store: stream.pick(stores), key_prefix: stream.pick(key_prefixes) }];
    case 'storage_slow_io':
      return [
        {
          at_ms,
          kind: 'storage_slow_io',
          store: stream.pick(stores),
          key_prefix: stream.pick(key_prefixes),
          duration_ms: range(stream, options.storage_fault_ms, [100, 3000]),
          extra_latency_ms: range(stream, options.slow_io_extra_ms, [50, 1000]),
        },
      ];
    default:
      return [
        {
          at_ms,
          kind,
          store: stream.pick(stores),
          key_prefix: stream.pick(key_prefixes),
          duration_ms: range(stream, options.storage_fault_ms, [100, 3000]),
        },
      ];
  }
}
