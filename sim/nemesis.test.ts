// Specification of fault plans and the nemesis: plans are data applied at their times; the nemesis is seeded,
// per-kind independent, respects protected targets, and swarm mode switches kinds per seed.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { apply_fault_plan, type FaultPlan } from './fault-plan.js';
import { generate_nemesis_plan, nemesis_kinds, type NemesisOptions } from './nemesis.js';
import { Rng } from './random.js';
import { World } from './world.js';
import { property_runs } from './test-support.js';

const targets = ['broker', 'jm', 'tm-1', 'tm-2', 'tm-3'];
const all_rates = Object.fromEntries(nemesis_kinds.map((kind) => [kind, 2])) as NemesisOptions['rates_per_s'];

function idle_world(seed: number): World {
  const world = new World({ seed });
  for (const id of targets) world.add_process(id, () => ({ onStart: () => {}, onMessage: () => {}, onTimer: () => {} }));
  return world;
}

describe('fault plans', () => {
  it('apply at their times and are counted by kind in the summary', () => {
    const world = idle_world(1);
    const plan: FaultPlan = [
      { at_ms: 100, kind: 'crash', target: 'tm-1' },
      { at_ms: 300, kind: 'restart', target: 'tm-1' },
      { at_ms: 200, kind: 'partition_isolate', target: 'jm', duration_ms: 50 },
      { at_ms: 200, kind: 'pause', target: 'tm-2', duration_ms: 500 },
    ];
    apply_fault_plan(world, plan);
    world.run({ until_ms: 150 });
    expect(world.is_alive('tm-1')).toBe(false);
    world.run({ until_ms: 220 });
    expect(world.is_cut('jm', 'tm-1')).toBe(true);
    expect(world.is_paused('tm-2')).toBe(true);
    world.run({ until_ms: 400 });
    expect(world.is_cut('jm', 'tm-1')).toBe(false); // the partition ended after its duration
    expect(world.is_alive('tm-1') && world.incarnation('tm-1') === 1).toBe(true);
    expect(world.summary().faults_by_kind).toEqual({ crash: 1, partition_isolate: 1, pause: 1, restart: 1 });
    expect(world.faults().map((fault) => `${fault.time_ms} ${fault.kind} ${fault.target}`)).toEqual([
      '100 crash tm-1',
      '200 partition_isolate jm',
      '200 pause tm-2',
      '300 restart tm-1',
    ]);
    world.clear_faults();
    expect(world.is_paused('tm-2')).toBe(false);
  });
});

describe('nemesis', () => {
  const options: NemesisOptions = {
    start_ms: 1000,
    end_ms: 20_000,
    rates_per_s: all_rates,
    targets,
    protected: ['broker'],
    stores: ['checkpoint', 'disk/jm'],
    key_prefixes: ['chk-', ''],
  };

  it('is a pure function of its stream: same seed same plan, different seed different plan', () => {
    const plan = generate_nemesis_plan(new Rng(5), options).plan;
    expect(generate_nemesis_plan(new Rng(5), options).plan).toEqual(plan);
    expect(generate_nemesis_plan(new Rng(6), options).plan).not.toEqual(plan);
    expect(plan.length).toBeGreaterThan(100);
    for (let index = 1; index < plan.length; index++) {
      expect((plan[index] as { at_ms: number }).at_ms).toBeGreaterThanOrEqual((plan[index - 1] as { at_ms: number }).at_ms);
    }
  });

  test.prop([fc.integer(), fc.boolean()], { numRuns: property_runs() })(
    'never touches a protected target and stays in its window (restarts may follow after it)',
    (seed, swarm) => {
      const { plan } = generate_nemesis_plan(new Rng(seed), { ...options, end_ms: 8000, swarm });
      for (const fault of plan) {
        expect(JSON.stringify(fault)).not.toContain('broker');
        if (fault.kind !== 'restart') expect(fault.at_ms >= 1000 && fault.at_ms < 8000).toBe(true);
      }
      // Every crash is followed by a restart of the same target.
      const crashes = plan.filter((fault) => fault.kind === 'crash').length;
      expect(plan.filter((fault) => fault.kind === 'restart').length).toBe(crashes);
    },
  );

  it('kinds are independent: switching one kind off leaves the others exactly as they were', () => {
    const with_all = generate_nemesis_plan(new Rng(9), options).plan;
    const without_crash = generate_nemesis_plan(new Rng(9), { ...options, rates_per_s: { ...all_rates, crash: 0 } }).plan;
    expect(without_crash).toEqual(with_all.filter((fault) => fault.kind !== 'crash' && fault.kind !== 'restart'));
  });

  it('swarm mode enables a seed-dependent subset of kinds and only those appear', () => {
    const subsets = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const { plan, enabled } = generate_nemesis_plan(new Rng(seed), { ...options, swarm: true });
      subsets.add(enabled.join(','));
      expect(enabled.length).toBeLessThan(nemesis_kinds.length + 1);
      const appearing = new Set(plan.map((fault) => (fault.kind === 'restart' ? 'crash' : fault.kind)));
      for (const kind of appearing) expect(enabled).toContain(kind);
    }
    expect(subsets.size).toBeGreaterThan(10);
    const { enabled } = generate_nemesis_plan(new Rng(0), options);
    expect(enabled).toEqual([...nemesis_kinds]);
  });

  it('a nemesis plan runs in a world without errors and every entry is recorded', () => {
    const world = idle_world(4);
    const { plan } = generate_nemesis_plan(world.random('faults'), { ...options, end_ms: 5000 });
    apply_fault_plan(world, plan);
    world.run({ until_ms: 60_000 });
    const counted = Object.values(world.summary().faults_by_kind).reduce((sum, count) => sum + count, 0);
    expect(counted).toBe(plan.length);
    expect(world.faults()).toHaveLength(plan.length);
  });

  it('disk kinds hit only the disks they are given: EIO on a disk, a full or slow-syncing store of either list', () => {
    const disk_kinds = { storage_disk_full: 5, storage_slow_sync: 5, disk_io_error: 5 };
    const { plan } = generate_nemesis_plan(new Rng(3), { ...options, rates_per_s: disk_kinds, disk_stores: ['disk/txstore'] });
    const stores = (kind: string): Set<string> => new Set(plan.filter((f) => f.kind === kind).map((f) => (f as { store: string }).store));
    expect([...stores('storage_io_error')]).toEqual(['disk/txstore']);
    expect([...stores('storage_disk_full')].sort()).toEqual(['checkpoint', 'disk/jm', 'disk/txstore']);
    expect([...stores('storage_slow_sync')].sort()).toEqual(['checkpoint', 'disk/jm', 'disk/txstore']);
    expect(plan.every((f) => f.kind !== 'storage_slow_sync' || (f as { extra_latency_ms: number }).extra_latency_ms >= 50)).toBe(true);
    expect(generate_nemesis_plan(new Rng(3), { ...options, rates_per_s: { disk_io_error: 5 } }).plan).toEqual([]); // no disks given
  });

  it('kinds added later keep every older kind as it was, in swarm mode too (their decisions are drawn after)', () => {
    const older = Object.fromEntries(nemesis_kinds.filter((k) => !['storage_disk_full', 'storage_slow_sync', 'disk_io_error'].includes(k)).map((k) => [k, 2]));
    for (let seed = 0; seed < 10; seed++) {
      const before = generate_nemesis_plan(new Rng(seed), { ...options, rates_per_s: older, swarm: true });
      const after = generate_nemesis_plan(new Rng(seed), { ...options, rates_per_s: all_rates, disk_stores: ['disk/ha'], swarm: true });
      const old_kinds = new Set(Object.keys(older));
      expect(after.enabled.filter((k) => old_kinds.has(k))).toEqual(before.enabled);
      const from_older = (plan: FaultPlan): FaultPlan => plan.filter((f) => !['storage_disk_full', 'storage_slow_sync'].includes(f.kind) && !(f.kind === 'storage_io_error' && (f as { store: string }).store === 'disk/ha'));
      expect(from_older(after.plan)).toEqual(before.plan);
    }
  });

  it('enforces its explicit bound on generated entries', () => {
    expect(() => generate_nemesis_plan(new Rng(1), { ...options, rates_per_s: { crash: 1000 }, max_faults: 50 })).toThrow(/max_faults=50/);
  });
});

describe('restart entries', () => {
  it('bring a crashed process back and leave a live one alone', () => {
    const world = idle_world(2);
    apply_fault_plan(world, [
      { at_ms: 10, kind: 'restart', target: 'jm' },
      { at_ms: 20, kind: 'crash', target: 'jm' },
      { at_ms: 30, kind: 'restart', target: 'jm', after_ms: 5 },
    ]);
    world.run({ until_ms: 15 });
    expect(world.incarnation('jm')).toBe(0); // a live process is not restarted
    world.run({ until_ms: 32 });
    expect(world.is_alive('jm')).toBe(false);
    world.run({ until_ms: 40 });
    expect(world.is_alive('jm') && world.incarnation('jm') === 1).toBe(true);
  });
});

describe('fault plan handle', () => {
  it('cancel() stops entries that have not fired yet; clear_faults ends the active ones', () => {
    const world = idle_world(3);
    const handle = apply_fault_plan(world, [
      { at_ms: 10, kind: 'partition_split', groups: [['jm'], ['tm-1', 'tm-2']] },
      { at_ms: 20, kind: 'storage_io_error', store: 'checkpoint', key_prefix: '' },
      { at_ms: 100, kind: 'crash', target: 'tm-1' },
    ]);
    world.run({ until_ms: 50 });
    expect(handle.applied()).toBe(2);
    expect(world.is_cut('jm', 'tm-1')).toBe(true);
    expect(world.checkpoint_store.active_faults()).toHaveLength(1);
    world.phase('liveness');
    handle.cancel();
    world.clear_faults();
    world.run({ until_ms: 200 });
    expect(world.is_cut('jm', 'tm-1')).toBe(false);
    expect(world.checkpoint_store.active_faults()).toHaveLength(0);
    expect(world.is_alive('tm-1')).toBe(true);
    expect(handle.applied()).toBe(2);
  });
});
