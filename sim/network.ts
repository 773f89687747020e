// The simulated network's data: latency models, directed links (FIFO, bounded in-flight, epoch for breaks) and
// partition/latency-spike rules. The world (sim/world.ts) drives it; this file decides "is a→b cut" and "how long".
import type { Rng } from './random.js';
import { InternCache } from './trace.js';

/** How long a message takes on a link. All values in milliseconds of virtual time. */
export type LatencyModel =
  | { kind: 'fixed'; delay_ms: number }
  | { kind: 'uniform'; min_ms: number; max_ms: number }
  /** Uniform [min_ms, max_ms], except with probability spike_ratio a spike uniform in [spike_min_ms, spike_max_ms]. */
  | { kind: 'long_tail'; min_ms: number; max_ms: number; spike_ratio: number; spike_min_ms: number; spike_max_ms: number };

export function validate_latency_model(model: LatencyModel): void {
  const ok =
    model.kind === 'fixed'
      ? model.delay_ms >= 0
      : model.kind === 'uniform'
        ? model.min_ms >= 0 && model.max_ms >= model.min_ms
        : model.min_ms >= 0 &&
          model.max_ms >= model.min_ms &&
          model.spike_ratio >= 0 &&
          model.spike_ratio <= 1 &&
          model.spike_min_ms >= 0 &&
          model.spike_max_ms >= model.spike_min_ms;
  if (!ok) throw new Error(`invalid latency model ${JSON.stringify(model)}`);
}

/** Draws one latency, rounded to whole microseconds (keeps virtual times short and readable). */
export function sample_latency_ms(model: LatencyModel, rng: Rng): number {
  let latency_ms: number;
  switch (model.kind) {
    case 'fixed':
      return model.delay_ms;
    case 'uniform':
      latency_ms = model.min_ms + rng.next() * (model.max_ms - model.min_ms);
      break;
    case 'long_tail':
      latency_ms =
        rng.next() < model.spike_ratio
          ? model.spike_min_ms + rng.next() * (model.spike_max_ms - model.spike_min_ms)
          : model.min_ms + rng.next() * (model.max_ms - model.min_ms);
      break;
  }
  return Math.round(latency_ms * 1000) / 1000;
}

/** One direction between two processes. Created on first use; lives as long as the world. */
export class Link {
  /** Bumped when the link breaks: deliveries scheduled under an older epoch are dropped. */
  epoch = 0;
  /** Messages scheduled for delivery and not yet delivered or dropped (current epoch only). */
  in_flight = 0;
  /** Latest scheduled delivery time: a later message is never delivered before it (FIFO). */
  last_delivery_ms = 0;
  /** An active partition rule cuts this direction. */
  cut = false;
  /** Per-link latency model; undefined means the network default. */
  latency: LatencyModel | undefined = undefined;
  /** Added by active latency spikes. */
  extra_latency_ms = 0;
  /** The hash of the last message type traced on this link. */
  readonly type_cache = new InternCache();
  constructor(
    readonly index: number,
    readonly from_index: number,
    readonly to_index: number,
    readonly from_id: string,
    readonly to_id: string,
    readonly from_hash: number,
    readonly to_hash: number,
  ) {}
}

/** An active partition. `split`: nodes in different groups cannot talk; nodes listed in no group are unaffected. */
export type PartitionRule =
  | { id: number; kind: 'isolate'; node: string }
  | { id: number; kind: 'split'; groups: string[][] }
  | { id: number; kind: 'one_way'; from: string; to: string };

/** Extra latency on links: both unset = every link; only `a` = links touching a; both = a↔b. */
export interface LatencySpikeRule {
  id: number;
  a?: string;
  b?: string;
  extra_ms: number;
}

export function rule_cuts(rule: PartitionRule, from: string, to: string): boolean {
  switch (rule.kind) {
    case 'isolate':
      return from !== to && (from === rule.node || to === rule.node);
    case 'one_way':
      return from === rule.from && to === rule.to;
    case 'split': {
      let from_group = -1;
      let to_group = -1;
      for (let index = 0; index < rule.groups.length; index++) {
        const group = rule.groups[index] as string[];
        if (group.includes(from)) from_group = index;
        if (group.includes(to)) to_group = index;
      }
      return from_group !== -1 && to_group !== -1 && from_group !== to_group;
    }
  }
}

function spike_applies(rule: LatencySpikeRule, from: string, to: string): boolean {
  if (rule.a === undefined) return true;
  if (rule.b === undefined) return from === rule.a || to === rule.a;
  return (from === rule.a && to === rule.b) || (from === rule.b && to === rule.a);
}

export class NetworkRules {
  readonly partitions: PartitionRule[] = [];
  readonly spikes: LatencySpikeRule[] = [];
  private next_rule_id = 1;

  new_rule_id(): number {
    return this.next_rule_id++;
  }

  is_cut(from: string, to: string): boolean {
    for (const rule of this.partitions) if (rule_cuts(rule, from, to)) return true;
    return false;
  }

  extra_latency_ms(from: string, to: string): number {
    let extra_ms = 0;
    for (const rule of this.spikes) if (spike_applies(rule, from, to)) extra_ms += rule.extra_ms;
    return extra_ms;
  }

  /** Recomputes the cached cut flag and spike latency of every link (rules change rarely). */
  refresh(links: readonly Link[]): void {
    for (const link of links) {
      link.cut = this.is_cut(link.from_id, link.to_id);
      link.extra_latency_ms = this.extra_latency_ms(link.from_id, link.to_id);
    }
  }
}
