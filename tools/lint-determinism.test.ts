// Specification of the lint walls (eslint.config.js): engine/ and sim/ may not touch host time, randomness, timers,
// crypto or I/O, and may not import each other; scenarios/ and properties/ keep ARCHITECTURE.md's arrows; tests and
// clean code pass.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const project_root = join(dirname(fileURLToPath(import.meta.url)), '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: project_root });
});

async function errors_for(code: string, file_path: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(project_root, file_path) });
  return (result?.messages ?? []).filter((message) => message.severity === 2).map((message) => ({ rule: message.ruleId, message: message.message }));
}

const banned: { name: string; code: string; rule: string }[] = [
  { name: 'Math.random', code: 'export const x = Math.random();', rule: 'no-restricted-properties' },
  { name: 'Date.now', code: 'export const x = Date.now();', rule: 'no-restricted-globals' },
  { name: 'new Date', code: 'export const x = new Date();', rule: 'no-restricted-globals' },
  { name: 'performance.now', code: 'export const x = performance.now();', rule: 'no-restricted-globals' },
  { name: 'setTimeout', code: 'setTimeout(() => {}, 1);', rule: 'no-restricted-globals' },
  { name: 'setInterval', code: 'setInterval(() => {}, 1);', rule: 'no-restricted-globals' },
  { name: 'setImmediate', code: 'setImmediate(() => {});', rule: 'no-restricted-globals' },
  { name: 'process.hrtime', code: 'export const x = process.hrtime();', rule: 'no-restricted-properties' },
  { name: 'crypto.randomUUID', code: 'export const x = crypto.randomUUID();', rule: 'no-restricted-globals' },
  { name: "import from 'node:crypto'", code: "import { randomBytes } from 'node:crypto';\nexport const x = randomBytes;", rule: 'no-restricted-imports' },
  { name: "import from 'node:fs'", code: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", rule: 'no-restricted-imports' },
  { name: "import from 'node:net'", code: "import { connect } from 'node:net';\nexport const x = connect;", rule: 'no-restricted-imports' },
];

describe('determinism lint rule', () => {
  for (const folder of ['engine', 'sim']) {
    for (const { name, code, rule } of banned) {
      it(`${folder}/ may not use ${name}`, async () => {
        const errors = await errors_for(code, `${folder}/bad.ts`);
        expect(errors.map((error) => error.rule)).toContain(rule);
      });
    }
  }

  it('engine/ may not import sim/', async () => {
    const errors = await errors_for("import { World } from '../sim/world.js';\nexport const x = World;", 'engine/bad.ts');
    expect(errors).toContainEqual(expect.objectContaining({ rule: 'no-restricted-imports', message: expect.stringMatching(/must not import sim/) }));
  });

  it('sim/ may not import engine/', async () => {
    const errors = await errors_for("import { x as y } from '../engine/x.js';\nexport const x = y;", 'sim/bad.ts');
    expect(errors).toContainEqual(expect.objectContaining({ rule: 'no-restricted-imports', message: expect.stringMatching(/must not import engine/) }));
  });

  it('clean deterministic code passes in engine/ and sim/', async () => {
    const clean = [
      '// A clean module.',
      "import type { Runtime } from './runtime.js';",
      'export function tick(runtime: Runtime): number {',
      '  return runtime.now_ms() + runtime.rng.int_inclusive(0, 3) + Math.floor(1.5);',
      '}',
    ].join('\n');
    expect(await errors_for(clean, 'engine/clean.ts')).toEqual([]);
    expect(await errors_for(clean, 'sim/clean.ts')).toEqual([]);
  });

  it('test files are exempt', async () => {
    const code = "import { readFileSync } from 'node:fs';\nexport const x = [Math.random(), Date.now(), readFileSync];";
    expect(await errors_for(code, 'engine/thing.test.ts')).toEqual([]);
    expect(await errors_for(code, 'sim/thing.test.ts')).toEqual([]);
  });

  it('scenarios/ may not import properties/, reports/ or cli/; properties/ may not import reports/ or cli/', async () => {
    const importing = (path: string): string => `import { x as y } from '${path}';\nexport const x = y;`;
    for (const [file, path, folder] of [
      ['scenarios/bad.ts', '../properties/judge.js', 'properties'],
      ['scenarios/run/bad.ts', '../../reports/terminal.js', 'reports'],
      ['scenarios/bad.ts', '../cli/program.js', 'cli'],
      ['properties/bad.ts', '../reports/terminal.js', 'reports'],
      ['properties/bad.ts', '../cli/program.js', 'cli'],
    ] as const) {
      const errors = await errors_for(importing(path), file);
      expect(errors, `${file} importing ${path}`).toContainEqual(
        expect.objectContaining({ rule: 'no-restricted-imports', message: expect.stringMatching(new RegExp(`must not import ${folder}/`)) }),
      );
    }
    expect(await errors_for(importing('../scenarios/runner.js'), 'properties/fine.ts')).toEqual([]);
    expect(await errors_for(importing('../properties/run.js'), 'scenarios/fine.test.ts')).toEqual([]);
  });

  it('other folders (scenarios/, bench/) are not under the rule', async () => {
    expect(await errors_for('export const x = Date.now();', 'scenarios/anything.ts')).toEqual([]);
  });
});
