// A whole-world property: under any nemesis plan (crashes, pauses, partitions, link breaks, clock and storage
// faults), every message sent ends exactly once, as a delivery or a drop with a reason, and each delivery reaches
// a live process while no partition cuts its link; runs stay deterministic.
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { apply_fault_plan } from './fault-plan.js';
import { generate_nemesis_plan, nemesis_kinds, type NemesisOptions } from './nemesis.js';
import { World } from './world.js';
import { property_runs } from './test-support.js';
import type { ProcessContext, SimProcess } from './types.js';
import type { TraceRecord } from './trace-format.js';

const ids = ['a', 'b', 'c', 'd', 'e'];

class Gossip implements SimProcess {
  constructor(
    private readonly context: ProcessContext,
    private readonly world: World,
    private readonly violations: string[],
  ) {}
  onStart(): void {
    this.context.setTimer(1, 'tick');
  }
  onMessage(from: string): void {
    if (this.world.is_cut(from, this.context.process_id)) this.violations.push(`crossed ${from}->${this.context.process_id}`);
    if (!this.world.is_alive(this.context.process_id)) this.violations.push('delivered to a dead process');
    if (this.context.rng.chance(0.3)) this.context.send(from, { type: 'reply' });
  }
  onTimer(): void {
    this.context.send(ids[this.context.rng.int_inclusive(0, ids.length - 1)] as string, { type: 'gossip' });
    if (this.context.rng.chance(0.2)) this.context.disk.put('k', new Uint8Array(16), () => {});
    this.context.setTimer(this.context.rng.int_inclusive(1, 10), 'tick');
  }
}

function run_world(seed: number, swarm: boolean): { records: TraceRecord[]; violations: string[]; hash: string } {
  const records: TraceRecord[] = [];
  const violations: string[] = [];
  const world = new World({
    seed,
    trace: { lines: (line) => records.push(JSON.parse(line) as TraceRecord) },
    network: { default_latency: { kind: 'long_tail', min_ms: 0.5, max_ms: 3, spike_ratio: 0.05, spike_min_ms: 20, spike_max_ms: 80 } },
  });
  for (const id of ids) world.add_process(id, (context) => new Gossip(context, world, violations));
  const rates = Object.fromEntries(nemesis_kinds.map((kind) => [kind, 5])) as NemesisOptions['rates_per_s'];
  const { plan } = generate_nemesis_plan(world.random('faults'), {
    start_ms: 0,
    end_ms: 1500,
    rates_per_s: rates,
    targets: ids,
    stores: world.store_names(),
    swarm,
    down_ms: [10, 300],
    pause_ms: [10, 300],
    partition_ms: [10, 300],
  });
  apply_fault_plan(world, plan);
  world.run({ until_ms: 2000 });
  // Liveness-style drain: stop new gossip by crashing everyone, then let the network empty.
  world.clear_faults();
  for (const id of ids) world.crash(id);
  world.run();
  return { records, violations, hash: world.finish().trace_hash };
}

describe('world conservation under a nemesis', () => {
  test.prop([fc.integer({ min: 0, max: 1_000_000 }), fc.boolean()], { numRuns: Math.max(4, Math.floor(property_runs() / 5)) })(
    'every send ends exactly once (deliver or drop with a reason); nothing reaches a dead or cut-off process',
    (seed, swarm) => {
      const { records, violations, hash } = run_world(seed, swarm);
      expect(violations).toEqual([]);
      const ends = new Map<number, string>();
      let sends = 0;
      for (const record of records) {
        const id = (record.msg as { id?: number } | undefined)?.id;
        if (record.kind === 'send') sends++;
        if (record.kind !== 'deliver' && record.kind !== 'drop') continue;
        expect(ends.has(id as number), `message ${id} ended twice`).toBe(false);
        ends.set(id as number, record.kind === 'drop' ? String(record.reason) : 'deliver');
      }
      expect(ends.size).toBe(sends);
      expect(sends).toBeGreaterThan(100);
      for (const reason of ends.values()) expect(['deliver', 'partition', 'link_break', 'dead', 'overflow']).toContain(reason);
      expect(run_world(seed, swarm).hash).toBe(hash);
    },
  );
});
