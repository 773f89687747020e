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
