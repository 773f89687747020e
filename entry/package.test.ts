// The package as an installed user sees it: `import 'streamsim'` from outside the repository resolves, without the
// source condition, to the compiled entry in dist/ (built by `npm run build`, which `npm ci` runs as `prepare`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  scripts: Record<string, string>;
};

describe('package.json exports', () => {
  it('map every entry to its source (streamsim-source), its types and its compiled JS, in that order', () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === './package.json') continue;
      expect(typeof target, subpath).toBe('object');
      const conditions = target as Record<string, string>;
      expect(Object.keys(conditions), subpath).toEqual(['streamsim-source', 'types', 'default']);
      expect(existsSync(join(ROOT, conditions['streamsim-source']!)), `${subpath} source`).toBe(true);
      const stem = conditions['streamsim-source']!.replace(/^\.\//, '').replace(/\.ts$/, '');
      expect(conditions['default']).toBe(`./dist/${stem}.js`);
      expect(conditions['types']).toBe(`./dist/${stem}.d.ts`);
    }
  });

  it('build on prepare, so a clean install has dist/', () => {
    // prepare also links node_modules/.bin/streamsim, so `npx streamsim` runs a clone (tools/link-bin.mjs).
    expect(manifest.scripts['prepare']).toBe('npm run build && node tools/link-bin.mjs');
    expect(manifest.scripts['build']).toBe('tsc -p tsconfig.build.json');
  });
});

describe('an installed package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamsim-user-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("resolves 'streamsim' to dist/ and a job defined with it is recognised", () => {
    expect(existsSync(join(ROOT, 'dist', 'entry', 'index.js')), 'dist/ is missing: run npm run build (npm ci runs it)').toBe(true);
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'streamsim'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'job.mjs'),
      [
        "import { defineJob, isJobDefinition, StreamExecutionEnvironment } from 'streamsim';",
        "const job = defineJob({ build: () => {}, input: { records: { input: [[]] } } });",
        "console.log(JSON.stringify({ url: import.meta.resolve('streamsim'), job: isJobDefinition(job), env: typeof StreamExecutionEnvironment }));",
      ].join('\n'),
    );
    const child = spawnSync(process.execPath, ['job.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const printed = JSON.parse(child.stdout) as { url: string; job: boolean; env: string };
    expect(printed.url.endsWith('/dist/entry/index.js')).toBe(true);
    expect(printed.job).toBe(true);
    expect(printed.env).toBe('function');
  });
});

describe('a job built against the compiled package, judged by the harness built from the sources', () => {
  it('runs and is judged like any job: definitions, sources, windows and side-output tags are recognised across copies', async () => {
    expect(existsSync(join(ROOT, 'dist', 'entry', 'index.js')), 'dist/ is missing: run npm run build (npm ci runs it)').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'streamsim-other-copy-'));
    const dist_entry = JSON.stringify(join(ROOT, 'dist', 'entry', 'index.js'));
    writeFileSync(
      join(dir, 'job.mjs'),
      [
        `import { defineJob, OutputTag, TumblingEventTimeWindows } from ${dist_entry};`,
        "const odd = new OutputTag('odd');",
        'export default defineJob({',
        '  build(env, _params, io) {',
        "    const numbers = env.fromSource(io.source(), { uid: 'source', watermarks: { out_of_orderness_ms: 0 } })",
        "      .process({ processElement(n, ctx, out) { if (n % 2 === 1) ctx.output(odd, n); else out.collect(n); } }).uid('split');",
        "    numbers.getSideOutput(odd).keyBy((n) => n % 3).window(TumblingEventTimeWindows.of(10))",
        "      .reduce((a, b) => a + b, (key, window, sum) => ({ key, start: window.start, sum })).uid('sums').sinkTo(io.sink()).uid('sink');",
        '  },',
        '  input: { generate: ({ workload }) => ({ numbers: [Array.from({ length: workload.records }, (_, i) => ({ value: i, timestamp_ms: i }))] }) },',
        '  output: { key: (r) => `${r.key}/${r.start}` },',
        '});',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'scenario.yaml'),
      [
        'name: other-copy',
        'description: a job built against dist/, a TaskManager crash',
        'job: { module: ./job.mjs }',
        'flink: { execution.checkpointing.interval: 100 ms, restart-strategy.type: fixed-delay, restart-strategy.fixed-delay.delay: 100 ms, heartbeat.interval: 200 ms, heartbeat.timeout: 1s }',
        'workload: { records: 600, rate_per_second: 1000 }',
        'faults: [{ kind: crash, target: tm-1, at: 300 ms, restart_after: 200 ms }]',
        'phases: { safety_duration: 2s, liveness_bound: 20s }',
      ].join('\n'),
    );
    const { load_scenario_with_job } = await import('../scenarios/job-module.js');
    const { run_scenario } = await import('../properties/run.js');
    const loaded = await load_scenario_with_job(join(dir, 'scenario.yaml'));
    expect(loaded.ok ? [] : loaded.errors, 'the job did not load (is dist/ older than the sources? npm run build)').toEqual([]);
    if (!loaded.ok) return;
    const result = run_scenario(loaded.scenario, { seed: 1, scenario_file: 'scenario.yaml', job: loaded.job });
    expect(result.violations).toEqual([]);
    expect(result.properties.find((p) => p.property === 'exactly_once_output')?.status).toBe('pass');
    expect(result.recoveries.length).toBeGreaterThan(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
