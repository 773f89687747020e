// Proof that the CI property search (not a hand-made case) finds bugs of the kinds an outside tester plants: each bug
// below is planted into the engine, the search draws the CI search's cases from the regression seed over the jobs the
// hunts were measured with (search-setup.ts planted_bug_hunt_jobs) within the CI time budget, and its first failure is
// shrunk to at most three faults, written as a failure file, replayed to the same trace hash, and holds without the
// bug. Key-group ranges, the restart strategy and heartbeats are edited in their own modules (vi.mock); sources, sinks
// and alignment through the test-only seams.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { read_failure_file, shrunk_failure_path, write_failure_file } from '../../cli/failure-file.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import { CI_SEARCH_BUDGET_S, CI_SEARCH_SEED, ci_search_arbitrary, load_user_jobs, planted_bug_hunt_jobs, run_search_case, SEARCH_ROOT, search_job_of } from '../search-setup.js';
import { run_search, search_violation } from '../search.js';
import { align_one_input_seams } from './align-one-input.js';
import { off_by_one_key_group_range } from './key-group-range-off-by-one.js';
import { restore_one_record_late_seams } from './restore-one-record-late.js';
import { commit_on_precommit_seams } from './commit-on-precommit.js';

const planted = vi.hoisted(() => ({ key_group_off_by_one: false, restart_one_attempt_too_many: false, heartbeat_two_intervals_late: false }));

vi.mock('../../engine/state/key-groups.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../engine/state/key-groups.js')>();
  return {
    ...real,
    computeKeyGroupRangeForOperatorIndex: (max_parallelism: number, parallelism: number, operator_index: number) =>
      planted.key_group_off_by_one ? off_by_one_key_group_range(max_parallelism, parallelism, operator_index) : real.computeKeyGroupRangeForOperatorIndex(max_parallelism, parallelism, operator_index),
  };
});

vi.mock('../../engine/recovery/restart-strategy.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../engine/recovery/restart-strategy.js')>();
  return {
    ...real,
    create_restart_strategy: (config: Parameters<typeof real.create_restart_strategy>[0], random: Parameters<typeof real.create_restart_strategy>[1]) =>
      planted.restart_one_attempt_too_many && config.type === 'fixed-delay'
        ? new real.FixedDelayRestartStrategy((config.attempts ?? 1) + 1, config.delay_ms ?? 1000)
        : real.create_restart_strategy(config, random),
  };
});

vi.mock('../../engine/cluster/heartbeat-manager.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../engine/cluster/heartbeat-manager.js')>();
  class LateHeartbeatManager extends real.HeartbeatManager {
    constructor(...[runtime, config, listener]: ConstructorParameters<typeof real.HeartbeatManager>) {
      super(runtime, planted.heartbeat_two_intervals_late ? { ...config, timeout_ms: config.timeout_ms + 2 * config.interval_ms } : config, listener);
    }
  }
  return { ...real, HeartbeatManager: LateHeartbeatManager };
});

await load_user_jobs();

interface SearchPlantedBug {
  name: string;
  seams: EngineSeams;
  plant?: (on: boolean) => void;
}

const BUGS: readonly SearchPlantedBug[] = [
  { name: 'an off-by-one in key-group ranges (each range but the last ends one group early)', seams: {}, plant: (on) => (planted.key_group_off_by_one = on) },
  { name: 'a source restoring each partition one record late', seams: restore_one_record_late_seams },
  { name: 'alignment skipped on the second input of tasks with two input edges', seams: align_one_input_seams },
  {
    name: 'a fixed-delay restart strategy that allows one restart more than configured',
    seams: {},
    plant: (on) => (planted.restart_one_attempt_too_many = on),
  },
  { name: 'a two-phase-commit sink that commits at pre-commit', seams: commit_on_precommit_seams },
  {
    name: 'a JobManager that declares a silent TaskManager lost two heartbeat intervals after its timeout',
    seams: {},
    plant: (on) => (planted.heartbeat_two_intervals_late = on),
  },
];

describe('the CI property search finds planted bugs within its budget, shrinks and replays them', () => {
  for (const bug of BUGS) {
    it(bug.name, () => {
      bug.plant?.(true);
      try {
        const outcome = run_search({
          arbitrary: ci_search_arbitrary({ jobs: planted_bug_hunt_jobs() }),
          seed: CI_SEARCH_SEED,
          budget_ms: CI_SEARCH_BUDGET_S * 1000,
          run: (scenario, world_seed) => run_search_case(scenario, world_seed, bug.seams),
          check: search_violation,
          shrink_budget_ms: 120_000,
        });
        const failure = outcome.failure;
        expect(failure, `not found in ${outcome.runs} runs (${Math.round(outcome.elapsed_ms / 1000)} s)`).toBeDefined();
        if (failure === undefined) return;
        const shrunk = failure.shrunk;
        expect(shrunk, 'the failure did not recur when re-run for shrinking').toBeDefined();
        if (shrunk === undefined) return;
        const faults = shrunk.scenario.faults ?? [];
        console.log(
          `${bug.name}: found at run ${outcome.runs} (${Math.round(outcome.elapsed_ms / 1000)} s with shrinking): ${failure.violation.property}: ${failure.violation.message.slice(0, 300)}\n` +
            `  dimensions on: ${Object.entries(failure.case.dimensions).filter(([, on]) => on).map(([d]) => d).join(', ')}\n` +
            `  shrunk ${shrunk.faults_before} → ${faults.length} fault(s) in ${shrunk.runs} runs: ${JSON.stringify(faults)}`,
        );
        expect(faults.length).toBeLessThanOrEqual(3);
        const reports_dir = mkdtempSync(join(tmpdir(), 'streamsim-search-finds-'));
        const path = write_failure_file(shrunk_failure_path(reports_dir, shrunk.scenario.name, shrunk.result.seed), shrunk.scenario, join(SEARCH_ROOT, `${shrunk.scenario.name}.yaml`), shrunk.result, SEARCH_ROOT, search_job_of(shrunk.scenario), {
          property: failure.violation.property,
          faults_before: shrunk.faults_before,
          runs: shrunk.runs,
          steps: shrunk.steps,
          from_trace_hash: failure.result.trace_hash,
        });
        const file = read_failure_file(path);
        const replayed = run_search_case(file.scenario, file.seed, bug.seams);
        expect(replayed.trace_hash).toBe(file.trace_hash);
        expect(replayed.violations.map((v) => v.property)).toContain(failure.violation.property);
        bug.plant?.(false);
        const healthy = run_search_case(file.scenario, file.seed);
        expect(healthy.violations.filter((v) => v.property === failure.violation.property)).toEqual([]);
      } finally {
        bug.plant?.(false);
      }
    }, (CI_SEARCH_BUDGET_S + 240) * 1000);
  }
});
