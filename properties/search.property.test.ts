// The CI property search: whole-engine cases (every dimension the generators know, BUGGIFY-style) run and judged for
// a time budget — STREAMSIM_SEARCH_SECONDS, default 180 — from a seed rotated per commit (printed; STREAMSIM_PROPERTY_SEED
// fixes it), or for exactly STREAMSIM_PROPERTY_RUNS runs. A failure is shrunk to its minimal fault plan, written as
// a failure file, and fails the test with the replay command.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shrunk_failure_path, write_failure_file } from '../cli/failure-file.js';
import { arb_engine_case, BUILT_IN_JOBS, type CaseJob } from './generators/engine-case.js';
import { load_job } from '../scenarios/job-module.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { CI_SEARCH_DIMENSIONS, KNOWN_ENGINE_GAPS, search_case_filter } from './generators/known-gaps.js';
import { property_runs } from './harness.js';
import { run_scenario } from './run.js';
import { read_git_commit, rotated_seed, run_search, search_violation } from './search.js';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const reports_dir = (): string => process.env['STREAMSIM_REPORTS_DIR'] ?? join(ROOT, 'streamsim-reports');

function read_text(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function search_seed(): { seed: number; from: string } {
  const raw = process.env['STREAMSIM_PROPERTY_SEED'];
  if (raw !== undefined && raw !== '') return { seed: Number(raw), from: 'STREAMSIM_PROPERTY_SEED' };
  const commit = read_git_commit(ROOT, read_text);
  const day = new Date().toISOString().slice(0, 10);
  return { seed: rotated_seed(commit, day), from: commit !== undefined ? `commit ${commit.slice(0, 12)}` : `day ${day}` };
}

const budget_s = Number(process.env['STREAMSIM_SEARCH_SECONDS'] ?? 180);

/** Users' jobs through the public job contract: the Nexmark queries (examples/nexmark), loaded as a scenario loads them. */
const USER_JOBS: readonly CaseJob[] = ['q1', 'q5', 'q7', 'q8'].map((name) => ({ module: './examples/nexmark/queries.ts', export: name }));
const loaded_user_jobs = new Map<string, JobUnderTest>();
for (const job of USER_JOBS) {
  const loaded = await load_job({ name: 'user-job', description: 'a user job', job: { module: job.module!, export: job.export! } } as Scenario, ROOT, 'examples/nexmark');
  if (!loaded.ok) throw new Error(`examples/nexmark ${job.export}: ${JSON.stringify(loaded.errors)}`);
  loaded_user_jobs.set(`${job.module}#${job.export}`, loaded.job);
}
/** The loaded job a generated scenario names (module jobs; built-ins load themselves). */
const job_of = (scenario: Scenario): JobUnderTest | undefined => (scenario.job.module === undefined ? undefined : loaded_user_jobs.get(`${scenario.job.module}#${scenario.job.export}`));
const fixed_runs = process.env['STREAMSIM_PROPERTY_RUNS'] !== undefined && process.env['STREAMSIM_PROPERTY_RUNS'] !== '' ? property_runs() : undefined;

describe('property search over the whole engine', () => {
  it(
    `holds for every case drawn in ${fixed_runs !== undefined ? `${fixed_runs} runs` : `${budget_s} s`}`,
    () => {
      const { seed, from } = search_seed();
      const outcome = run_search({
        arbitrary: arb_engine_case({ horizon_ms: 2500, max_faults: 4, dimensions: CI_SEARCH_DIMENSIONS, jobs: [...BUILT_IN_JOBS, ...USER_JOBS] }).filter(search_case_filter),
        seed,
        ...(fixed_runs !== undefined ? { runs: fixed_runs } : { budget_ms: budget_s * 1000 }),
        run: (scenario, world_seed) => {
          const job = job_of(scenario);
          return run_scenario(scenario, { seed: world_seed, scenario_file: join(ROOT, `${scenario.name}.yaml`), ...(job !== undefined ? { job } : {}) });
        },
        check: search_violation,
      });
      const hit = Object.keys(outcome.probe_hits).length;
      console.log(
        `property search: seed ${seed} (${from}), ${outcome.runs} runs in ${Math.round(outcome.elapsed_ms / 1000)} s; ` +
          `${hit} probes hit; ${outcome.event_triggered_faults} event-triggered faults; known engine gaps left out: ${KNOWN_ENGINE_GAPS.map((g) => g.id).join(', ') || 'none'}\n` +
          `  runs per dimension: ${JSON.stringify(outcome.dimension_runs)}\n  faults per kind: ${JSON.stringify(outcome.fault_kinds)}\n  probe hits: ${JSON.stringify(outcome.probe_hits)}`,
      );
      expect(outcome.runs).toBeGreaterThan(0);
      const failure = outcome.failure;
      if (failure === undefined) return;
      const shown = failure.shrunk ?? { scenario: failure.case.scenario, result: failure.result, faults_before: (failure.case.scenario.faults ?? []).length, runs: 0, steps: [] as string[] };
      const path = write_failure_file(shrunk_failure_path(reports_dir(), shown.scenario.name, shown.result.seed), shown.scenario, join(ROOT, `${shown.scenario.name}.yaml`), shown.result, ROOT, job_of(shown.scenario), {
        property: failure.violation.property,
        faults_before: shown.faults_before,
        runs: shown.runs,
        steps: shown.steps,
        from_trace_hash: failure.result.trace_hash,
      });
      expect.fail(
        [
          `property search (seed ${seed}, ${from}) found a failure at run ${outcome.runs}: ${failure.violation.property}: ${failure.violation.message.slice(0, 500)}`,
          `  dimensions on: ${Object.entries(failure.case.dimensions).filter(([, on]) => on).map(([d]) => d).join(', ') || 'none'}`,
          `  shrunk: ${shown.faults_before} → ${(shown.scenario.faults ?? []).length} fault(s): ${JSON.stringify(shown.scenario.faults ?? [])}`,
          `  world seed ${shown.result.seed}, trace hash ${shown.result.trace_hash}`,
          `  failure file: ${path}`,
          `  replay: npx streamsim replay ${path}`,
          `  search again: STREAMSIM_PROPERTY_SEED=${seed} npx vitest run properties/search.property.test.ts`,
        ].join('\n'),
      );
    },
    (fixed_runs !== undefined ? 3_600 : budget_s + 240) * 1000,
  );
});
