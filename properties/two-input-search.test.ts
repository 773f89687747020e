// The property search on jobs with two inputs: the run-case generators (properties/arbitraries.ts: faults, network,
// sinks, checkpoint settings) drawing the built-in jobs whose graph has a two-input operator, each case in aligned,
// unaligned or at-least-once mode and sometimes rescaled through a stop-with-savepoint. It reaches the two-input code
// paths (alignment, barrier counting and channel state across both inputs; broadcast state restored, and restored
// at another parallelism), and every safety property holds there.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { arb_run_case, scenario_of, without_unaligned, type RunCase } from './arbitraries.js';
import { built_in_jobs_where } from './planted-bugs/catalogue.js';
import { property_seed } from './harness.js';
import { run_scenario } from './run.js';

/** Runs per two-input job (each job searched on its own, so each reaches its paths). */
const RUNS_PER_JOB = 15;
const HORIZON_MS = 2_000;

/** The probes the two-input paths declare in engine/task/task.ts. */
const TWO_INPUT_PROBES = [
  'checkpoint.aligned_across_inputs',
  'checkpoint.at_least_once_across_inputs',
  'checkpoint.unaligned_across_inputs',
  'restore.broadcast_state',
  'restore.broadcast_state_rescaled',
];

type Mode = 'aligned' | 'unaligned' | 'at_least_once';

function arb_two_input_case(jobs: readonly string[]): fc.Arbitrary<{ run_case: RunCase; mode: Mode }> {
  return fc
    .record({
      run_case: arb_run_case({ max_faults: 3, horizon_ms: HORIZON_MS }).map((c) => ({ ...c, faults: c.faults.filter((f) => f.kind !== 'link_break') })),
      job: fc.constantFrom(...jobs),
      parallelism: fc.integer({ min: 1, max: 3 }),
      mode: fc.constantFrom<Mode>('aligned', 'unaligned', 'at_least_once'),
      rescale: fc.option(fc.record({ at_ms: fc.integer({ min: 300, max: HORIZON_MS - 1 }), resume_parallelism: fc.integer({ min: 1, max: 4 }) }), { nil: undefined, freq: 2 }),
    })
    .map(({ run_case, job, parallelism, mode, rescale }) => {
      const flink: RunCase['flink'] = mode === 'unaligned' ? { ...run_case.flink } : without_unaligned(run_case.flink);
      if (mode === 'unaligned') {
        flink['execution.checkpointing.unaligned.enabled'] = true;
        flink['execution.checkpointing.max-concurrent-checkpoints'] = 1;
      }
      if (mode === 'at_least_once') flink['execution.checkpointing.mode'] = 'AT_LEAST_ONCE';
      const faults = [...run_case.faults];
      // Known engine gap, left out here: the LSM backend cannot yet resume from a canonical savepoint (heap handles).
      if (rescale !== undefined && flink['state.backend.type'] !== 'rocksdb') faults.push({ kind: 'savepoint', stop: true, at: `${rescale.at_ms} ms`, resume_parallelism: rescale.resume_parallelism, resume_after: '100 ms' });
      return {
        mode,
        run_case: {
          ...run_case,
          job: { name: job, parallelism, max_parallelism: 128 },
          flink,
          sink: mode === 'at_least_once' ? { kind: 'at_least_once' as const } : run_case.sink,
          cluster: { ...run_case.cluster, slots_per_task_manager: 4 },
          faults,
        },
      };
    });
}

describe('property search over two-input jobs', () => {
  it(`reaches alignment, barrier counting and channel state across inputs and broadcast state restored and rescaled in ${RUNS_PER_JOB} runs per job, and holds`, () => {
    const jobs = built_in_jobs_where((node) => node.operator.kind === 'two_input');
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    const hits: Record<string, number> = Object.fromEntries(TWO_INPUT_PROBES.map((name) => [name, 0]));
    const failures: string[] = [];
    for (const job of jobs) {
      const details = fc.check(
        fc.property(arb_two_input_case([job]), ({ run_case, mode }) => {
          const properties: NonNullable<Scenario['properties']> =
            mode === 'at_least_once' ? ['at_least_once_output', 'checkpoint_invariants'] : ['exactly_once_state', 'exactly_once_output', 'checkpoint_invariants'];
          const scenario = scenario_of(run_case, 'two-input-search', properties, HORIZON_MS);
          const result = run_scenario(scenario, { seed: run_case.seed, scenario_file: 'two-input-search.yaml' });
          for (const name of TWO_INPUT_PROBES) hits[name]! += result.probes[name] ?? 0;
          const violation = result.violations.find((v) => v.property !== 'liveness');
          if (violation !== undefined) failures.push(`${violation.property}: ${violation.message.slice(0, 300)} (seed ${run_case.seed}: ${JSON.stringify(scenario)})`);
          return violation === undefined;
        }),
        // A fixed seed: the probe counts below are asserted, not explored (set STREAMSIM_PROPERTY_SEED to search further).
        { numRuns: RUNS_PER_JOB, seed: property_seed(process.env, 20_251_121), endOnFailure: true },
      );
      // A run that threw (a scenario the planner refused, an engine error) fails the search too.
      expect(details.failed ? (failures[0] ?? `${String(details.errorInstance)} (${JSON.stringify(details.counterexample)})`) : undefined, job).toBeUndefined();
    }
    console.log(`two-input search over ${jobs.join(', ')}: probe hits ${JSON.stringify(hits)}`);
    expect(failures).toEqual([]);
    expect(Object.entries(hits).filter(([, count]) => count === 0).map(([name]) => name)).toEqual([]);
  }, 600_000);
});
