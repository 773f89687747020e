// Specification of the whole-engine generators: every case is a valid scenario whatever dimensions are on, each
// dimension shows in the scenario it draws, adversarial keys land on every subtask's first and last key group, and
// known engine gaps are left out of the search.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate_scenario_data } from '../../scenarios/load.js';
import { assignToKeyGroup, computeDefaultMaxParallelism, computeKeyGroupRangeForOperatorIndex, javaStringHashCode } from '../../engine/state/key-groups.js';
import { arb_engine_case, CRASH_WEIGHT, DIMENSIONS, type Dimension, type EngineCase } from './engine-case.js';
import { adversarial_keys, boundary_key_groups, colliding_keys, key_group_of, keys_in_key_groups, reference_key_group_range, UNICODE_KEYS } from './keys.js';
import { KNOWN_ENGINE_GAPS, search_case_filter } from './known-gaps.js';

const sample = (count: number, seed: number, dimensions: readonly Dimension[] = DIMENSIONS): EngineCase[] =>
  fc.sample(arb_engine_case({ horizon_ms: 2500, max_faults: 4, dimensions }), { numRuns: count, seed });

describe('adversarial keys', () => {
  it('put a key on the first and last key group of every subtask and their neighbours (p=3, max parallelism 128: groups 0, 42, 43, 85, 86, 127 and 1, 41, 44, 84, 87, 126)', () => {
    expect(boundary_key_groups(128, [3])).toEqual([0, 1, 41, 42, 43, 44, 84, 85, 86, 87, 126, 127]);
    // The generator's ranges are Flink's, written independently of the engine's (which they must agree with).
    for (const [max_parallelism, p] of [[128, 3], [1000, 7], [7, 7], [31, 4]] as const) {
      for (let subtask = 0; subtask < p; subtask++) expect(reference_key_group_range(max_parallelism, p, subtask)).toEqual(computeKeyGroupRangeForOperatorIndex(max_parallelism, p, subtask));
    }
    const keys = keys_in_key_groups([42, 85], 128);
    expect(keys.map((key) => key_group_of(key, 128))).toEqual([42, 85]);
    expect(keys.map((key) => assignToKeyGroup(javaStringHashCode(key), 128))).toEqual([42, 85]);
  });

  it('cover the boundaries of every parallelism a rescale passes through', () => {
    const keys = adversarial_keys(1000, [8, 5], { collisions: 0, unicode: 0, filler: 0 });
    const groups = new Set(keys.map((key) => key_group_of(key, 1000)));
    for (const p of [8, 5]) {
      for (let subtask = 0; subtask < p; subtask++) {
        const range = computeKeyGroupRangeForOperatorIndex(1000, p, subtask);
        expect(groups.has(range.start) && groups.has(range.end)).toBe(true);
      }
    }
  });

  it('include distinct keys with one Java hashCode, and unicode that only looks alike', () => {
    const colliding = colliding_keys(8);
    expect(new Set(colliding).size).toBe(8);
    expect(new Set(colliding.map(javaStringHashCode)).size).toBe(1);
    expect(UNICODE_KEYS).toContain('\u00e9');
    expect(UNICODE_KEYS).toContain('e\u0301');
  });
});

describe('whole-engine cases', () => {
  it('are valid scenarios, whatever dimensions are on', () => {
    for (const value of sample(300, 1)) {
      const validated = validate_scenario_data(value.scenario, 'generated', JSON.stringify(value.scenario));
      if (!validated.ok) throw new Error(JSON.stringify({ errors: validated.errors.slice(0, 3), scenario: value.scenario }));
    }
  });

  it('show each dimension in the scenario they draw', () => {
    const cases = sample(400, 2);
    const on = (dimension: (typeof DIMENSIONS)[number]): EngineCase[] => cases.filter((c) => c.dimensions[dimension]);
    for (const dimension of DIMENSIONS) expect(on(dimension).length, dimension).toBeGreaterThan(50);
    expect(on('lsm_backend').every((c) => c.scenario.flink?.['state.backend.type'] === 'rocksdb')).toBe(true);
    expect(on('split_source').every((c) => c.scenario.workload?.source === 'split')).toBe(true);
    expect(on('unaligned').every((c) => c.scenario.flink?.['execution.checkpointing.unaligned.enabled'] === true)).toBe(true);
    expect(on('job_manager_loss').every((c) => c.scenario.cluster?.job_manager_ha === true)).toBe(true);
    expect(on('high_parallelism').every((c) => (c.scenario.job.parallelism ?? 0) >= 4)).toBe(true);
    expect(on('event_faults').some((c) => (c.scenario.faults ?? []).some((f) => (f as { on?: unknown }).on !== undefined))).toBe(true);
    expect(on('rescale').some((c) => (c.scenario.faults ?? []).some((f) => f.kind === 'savepoint' && f.stop === true && f.resume_parallelism !== c.scenario.job.parallelism))).toBe(true);
    expect(on('restart_strategies').map((c) => c.scenario.flink?.['restart-strategy.type'])).toEqual(expect.arrayContaining(['fixed-delay', 'failure-rate', 'exponential-delay', 'none']));
    expect(cases.filter((c) => !c.dimensions.at_least_once || c.dimensions.unaligned).every((c) => c.scenario.flink?.['execution.checkpointing.mode'] === undefined)).toBe(true);
  });

  it('with adversarial keys, put keys on every boundary key group of the max parallelism the engine will use', () => {
    for (const value of sample(200, 3, ['adversarial_keys', 'max_parallelism', 'high_parallelism', 'rescale'])) {
      if (!value.dimensions.adversarial_keys) continue;
      const p = value.scenario.job.parallelism ?? 2;
      const resume = (value.scenario.faults ?? []).flatMap((f) => (f.kind === 'savepoint' && f.resume_parallelism !== undefined ? [f.resume_parallelism] : []));
      const max_parallelism = value.scenario.job.max_parallelism ?? computeDefaultMaxParallelism(Math.max(p, ...resume));
      const groups = new Set((value.scenario.workload?.key_names ?? []).map((key) => key_group_of(key, max_parallelism)));
      for (const group of boundary_key_groups(max_parallelism, [p])) expect(groups.has(group)).toBe(true);
    }
  });

  it('with storage faults, draw every disk fault kind: unsynced writes at a crash, ENOSPC, EIO and slow syncs, on the checkpoint store and on the external systems\' disks', () => {
    const seen = new Set<string>();
    for (const value of sample(300, 4, ['storage_faults', 'job_manager_loss'])) {
      for (const fault of value.scenario.faults ?? []) {
        if (fault.kind === 'crash') seen.add(`crash ${fault.unsynced_writes ?? 'random'}${['txstore', 'ha'].includes(fault.target) ? ` ${fault.target}` : ''}`);
        if (fault.kind === 'storage_fault') seen.add(`${fault.store ?? 'checkpoint_store'}${fault.target === undefined ? '' : ` ${fault.target}`} ${fault.mode}`);
      }
    }
    const kinds = [...seen];
    for (const outcome of ['random', 'dropped', 'torn', 'kept']) expect(kinds).toContain(`crash ${outcome}`);
    expect(kinds.some((k) => k.startsWith('crash') && k.endsWith('txstore'))).toBe(true);
    // With engine events: a store crashed a few ms after writes were sent its way, its unsynced write torn or lost.
    const mid_write = sample(300, 5, ['storage_faults', 'job_manager_loss', 'event_faults']).flatMap((value) => value.scenario.faults ?? []).filter(
      (f) => f.kind === 'crash' && ['txstore', 'ha'].includes(f.target) && (f as { on?: unknown }).on !== undefined && (f.unsynced_writes === 'torn' || f.unsynced_writes === 'dropped'),
    );
    expect(new Set(mid_write.map((f) => (f as { target: string }).target))).toEqual(new Set(['txstore', 'ha']));
    for (const mode of ['disk_full', 'io_error', 'slow_sync']) {
      expect(kinds).toContain(`checkpoint_store ${mode}`);
      expect(kinds).toContain(`disk txstore ${mode}`);
      expect(kinds).toContain(`disk ha ${mode}`);
    }
  });

  it('draw crashes CRASH_WEIGHT times as often as each other fault kind (a restore is what recovery bugs need)', () => {
    const kinds = new Map<string, number>();
    for (const c of sample(1500, 5)) for (const fault of c.scenario.faults ?? []) kinds.set(fault.kind, (kinds.get(fault.kind) ?? 0) + 1);
    const crashes = kinds.get('crash') ?? 0;
    const pauses = kinds.get('pause') ?? 0; // a base kind, drawn in every case as crashes are
    expect(CRASH_WEIGHT).toBeGreaterThan(1);
    expect(crashes / pauses).toBeGreaterThan(CRASH_WEIGHT * 0.7);
    expect(crashes / pauses).toBeLessThan(CRASH_WEIGHT * 1.4);
  });

  it('leave the known engine gaps out of the search, and each gap applies to some cases', () => {
    const cases = sample(1500, 4);
    for (const gap of KNOWN_ENGINE_GAPS) expect(cases.some((c) => gap.applies(c)), gap.id).toBe(true);
    expect(cases.filter(search_case_filter).every((c) => KNOWN_ENGINE_GAPS.every((gap) => !gap.applies(c)))).toBe(true);
    // With no open gap the search keeps every case.
    expect(cases.filter(search_case_filter).length).toBe(cases.filter((c) => KNOWN_ENGINE_GAPS.every((gap) => !gap.applies(c))).length);
  });
});
