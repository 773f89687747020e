// Specification of loading a job from a user's module: the export is found and checked, its parameters are validated
// with the scenario's line numbers, its fit with the scenario is checked, and every problem names the file, the field
// and what was expected (bad input), including a module that does not load or a job that throws while building.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run_scenario } from '../properties/run.js';
import { job_source_sha256, load_scenario_with_job } from './job-module.js';

const JOBS_DIR = fileURLToPath(new URL('./test-support/jobs/', import.meta.url));

function scenario_file(dir: string, job: string, extra = '', workload = '{ records: 300, keys: 7, rate_per_second: 1000 }'): string {
  const path = join(dir, 'scenario.yaml');
  writeFileSync(
    path,
    [
      'name: user-job',
      'description: a job from a module',
      `job: ${job}`,
      `workload: ${workload}`,
      "flink: { execution.checkpointing.interval: 200 ms }",
      'phases: { safety_duration: 2s, liveness_bound: 10s }',
      extra,
    ].join('\n'),
  );
  return path;
}

/** A folder outside the repository whose modules can import 'streamsim' (installed as a link to this package). */
function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamsim-job-module-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(fileURLToPath(new URL('..', import.meta.url)), join(dir, 'node_modules', 'streamsim'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

describe('a job from a module', () => {
  it('loads the named export, with its declared parameters defaulted, and runs like a built-in job', async () => {
    const loaded = await load_scenario_with_job(scenario_file(fresh(), `{ module: ${join(JOBS_DIR, 'counter.ts')}, export: counter, params: { step: 2 } }`));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.job.params).toEqual({ step: 2 });
    expect(loaded.job.source?.export).toBe('counter');
    const result = run_scenario(loaded.scenario, { seed: 3, scenario_file: 'scenario.yaml', job: loaded.job });
    expect(result.violations).toEqual([]);
    expect(result.job.final_status).toBe('FINISHED');
    expect(result.job.records_out).toBe(300);
  });

  it('resolves the module relative to the scenario file', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'job.mjs'), `export { counter as default } from ${JSON.stringify(join(JOBS_DIR, 'counter.ts'))};\n`);
    const loaded = await load_scenario_with_job(scenario_file(dir, '{ module: ./job.mjs }'));
    expect(loaded.ok && loaded.job.name).toBe('./job.mjs#default');
  });

  const cases: [string, string, string, RegExp][] = [
    ['a missing module', '{ module: ./nowhere.ts }', 'job.module', /nowhere\.ts: no such module/],
    ['a missing export', `{ module: ${join(JOBS_DIR, 'counter.ts')}, export: q9 }`, 'job.export', /has no export "q9"; its jobs: counter, forgetful, throws_while_building/],
    ['an export that is not a job', `{ module: ${join(JOBS_DIR, 'counter.ts')}, export: not_a_job }`, 'job.export', /export "not_a_job" is not a job \(a object; make it with defineJob/],
    ['no export named when several jobs are exported', `{ module: ${join(JOBS_DIR, 'counter.ts')} }`, 'job.module', /name the job with job\.export; its jobs: counter, forgetful/],
    ['a job that throws while building', `{ module: ${join(JOBS_DIR, 'counter.ts')}, export: throws_while_building }`, 'job', /building the job threw no such table/],
    ['an unknown parameter', `{ module: ${join(JOBS_DIR, 'counter.ts')}, export: counter, params: { stride: 2 } }`, 'job.params.stride', /unknown parameter "stride"; .*counter's parameters: step/],
    ['a parameter out of range', `{ module: ${join(JOBS_DIR, 'counter.ts')}, export: counter, params: { step: 11 } }`, 'job.params.step', /expected a whole number from 1 to 10; got 11/],
  ];
  for (const [what, job, path, message] of cases) {
    it(`refuses ${what}, naming the field and its line`, async () => {
      const loaded = await load_scenario_with_job(scenario_file(fresh(), job));
      expect(loaded.ok).toBe(false);
      if (loaded.ok) return;
      expect(loaded.errors[0]).toMatchObject({ path, line: 3, message: expect.stringMatching(message) });
    });
  }

  it('refuses a module that does not load (syntax error, or throws on import)', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'broken.ts'), 'export const x: number = ;\n');
    writeFileSync(join(dir, 'throws.mjs'), 'throw new Error("module side effect failed");\n');
    for (const [file, message] of [['broken.ts', /broken\.ts: loading the module threw/], ['throws.mjs', /loading the module threw module side effect failed/]] as const) {
      const loaded = await load_scenario_with_job(scenario_file(dir, `{ module: ./${file} }`));
      expect(loaded.ok).toBe(false);
      if (!loaded.ok) expect(loaded.errors[0]).toMatchObject({ path: 'job.module', line: 3, message: expect.stringMatching(message) });
    }
  });

  it("refuses a scenario whose sink kind differs from the one the job writes with, and zipf for a job without rekey", async () => {
    const dir = fresh();
    writeFileSync(
      join(dir, 'own-sink.ts'),
      [
        "import { defineJob, CollectSink } from 'streamsim';",
        'export default defineJob({',
        "  build: (env, _p, io) => { env.fromSource(io.source()).sinkTo(new CollectSink({ collector: 'collector' })).uid('out'); },",
        '  input: { records: { input: [[{ value: 1, timestamp_ms: 0 }]] } },',
        '});',
      ].join('\n'),
    );
    const loaded = await load_scenario_with_job(scenario_file(dir, '{ module: ./own-sink.ts }', 'sink: { kind: idempotent }', '{ records: 3, key_distribution: zipf }'));
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.errors).toEqual([
      expect.objectContaining({ path: 'sink.kind', line: 7, message: expect.stringMatching(/writes its output \(sink "out"\) through a collect sink, but the scenario asks for idempotent/) }),
      expect.objectContaining({ path: 'workload.key_distribution', message: expect.stringMatching(/does not support zipf keys/) }),
    ]);
  });
});

describe('a job whose own code throws while it runs', () => {
  it("is the user's finding: the run stops with the job's error and its seed, it does not crash the tool", async () => {
    const dir = fresh();
    writeFileSync(
      join(dir, 'throws.ts'),
      [
        "import { defineJob } from 'streamsim';",
        'export default defineJob({',
        '  build(env, _params, io) {',
        "    env.fromSource(io.source<number>(), { uid: 'source' }).map((n: number) => { if (n === 150) throw new RangeError(`no room for ${n}`); return n; }).uid('map').sinkTo(io.sink()).uid('sink');",
        '  },',
        '  input: { generate: ({ workload }) => ({ numbers: [Array.from({ length: workload.records }, (_, i) => ({ value: i, timestamp_ms: i }))] }) },',
        '});',
      ].join('\n'),
    );
    const loaded = await load_scenario_with_job(scenario_file(dir, '{ module: ./throws.ts }'));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const result = run_scenario(loaded.scenario, { seed: 1, scenario_file: 'scenario.yaml', job: loaded.job });
    expect(result.violations[0]).toMatchObject({ property: 'engine_invariants', message: "the job's code (./throws.ts#default) threw RangeError: no room for 150" });
    expect(run_scenario(loaded.scenario, { seed: 1, scenario_file: 'scenario.yaml', job: loaded.job }).trace_hash).toBe(result.trace_hash);
  });
});

describe('the source hash of a job', () => {
  it('covers the module and the local modules it imports, and changes when either does', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'job.ts'), "import { helper } from './helper.js';\nexport const x = helper;\n");
    writeFileSync(join(dir, 'helper.ts'), 'export const helper = 1;\n');
    const before = job_source_sha256(join(dir, 'job.ts'));
    expect(job_source_sha256(join(dir, 'job.ts'))).toBe(before);
    writeFileSync(join(dir, 'helper.ts'), 'export const helper = 2;\n');
    expect(job_source_sha256(join(dir, 'job.ts'))).not.toBe(before);
  });
});
