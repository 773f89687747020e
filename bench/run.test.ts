// Specification of the benchmark runner: discovery (sorted), every run in a fresh process, figures as ranges over
// runs (median run's value, every value, pass only when every run passed), --only, a throwing module reported as
// failed without stopping the others, the printed table and results.json.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BenchInputError, combine_runs, discover_bench_areas, format_table, run_all, type BenchResults } from './run.js';

function fixture_folder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'streamsim-bench-'));
  writeFileSync(
    join(folder, 'b-good.bench.ts'),
    "export async function run_bench() { return [{ name: 'good.speed', value: 5000, unit: 'ops/s', target: '>= 1000', baseline_name: 'base', baseline_value: 10000, ratio: 2, pass: true }]; }\n",
  );
  writeFileSync(join(folder, 'a-broken.bench.ts'), "export async function run_bench() { throw new Error('bench exploded'); }\n");
  writeFileSync(join(folder, 'c-other.bench.ts'), "export async function run_bench() { return [{ name: 'other.size', value: 12, unit: 'bytes' }]; }\n");
  writeFileSync(join(folder, 'not-a-bench.ts'), 'export const x = 1;\n');
  return folder;
}

describe('bench runner', () => {
  it('discovers *.bench.ts sorted by name', () => {
    expect(discover_bench_areas(fixture_folder())).toEqual(['a-broken', 'b-good', 'c-other']);
  });

  it('runs every module, reports a throwing one as failed, prints a table and writes results.json', async () => {
    const folder = fixture_folder();
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      const summary = await run_all({ folder, runs: 2 });
      expect(summary.figures.map((figure) => `${figure.area}:${figure.name}`)).toEqual(['b-good:good.speed', 'c-other:other.size']);
      expect(summary.failed).toHaveLength(1);
      expect(summary.failed[0]?.area).toBe('a-broken');
      expect(summary.failed[0]?.error).toContain('bench exploded');
      const written = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as BenchResults;
      expect(Object.keys(written)).toEqual(['generated_at', 'node', 'cpu', 'runs_per_figure', 'figures', 'failed']);
      expect(written.runs_per_figure).toBe(2);
      expect(written.figures[0]).toMatchObject({ name: 'good.speed', value: 5000, ratio: 2, pass: true, runs: [5000, 5000], min: 5000, max: 5000 });
      const table = printed.join('');
      expect(table).toMatch(/name\s+value\s+unit\s+range\s+target\s+baseline\s+ratio\s+pass/);
      expect(table).toMatch(/good\.speed\s+5,000\s+ops\/s\s+5,000 – 5,000 \(2 runs\)\s+>= 1000\s+base = 10,000\s+2\s+yes/);
      expect(table).toMatch(/a-broken \(module\).*FAILED: Error: bench exploded/);
    } finally {
      spy.mockRestore();
    }
  });

  it('--only runs one area and rejects an unknown one', async () => {
    const folder = fixture_folder();
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const summary = await run_all({ folder, only: 'c-other', write: false, runs: 1 });
      expect(summary.figures.map((figure) => figure.name)).toEqual(['other.size']);
      await expect(run_all({ folder, only: 'nope', write: false })).rejects.toThrow(/no bench\/nope\.bench\.ts; areas: /);
      await expect(run_all({ folder, only: 'nope', write: false })).rejects.toBeInstanceOf(BenchInputError);
    } finally {
      spy.mockRestore();
    }
  });

  it('--only replaces that area\'s figures in results.json and keeps every other area\'s', async () => {
    const folder = fixture_folder();
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      writeFileSync(join(folder, 'c-other.bench.ts'), "export async function run_bench() { return [{ name: 'other.size', value: Number(process.env.OTHER_SIZE), unit: 'bytes' }]; }\n");
      vi.stubEnv('OTHER_SIZE', '12');
      await run_all({ folder, runs: 1 });
      vi.stubEnv('OTHER_SIZE', '99');
      await run_all({ folder, only: 'c-other', runs: 1 });
      const written = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as BenchResults;
      expect(written.figures.map((figure) => `${figure.area}:${figure.name}=${figure.value}`)).toEqual(['b-good:good.speed=5000', 'c-other:other.size=99']);
      expect(written.failed.map((failure) => failure.area)).toEqual(['a-broken']);
    } finally {
      vi.unstubAllEnvs();
      spy.mockRestore();
    }
  });

  it('runs every part of a module in a fresh process each time and gives each figure its range over the runs', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'streamsim-bench-fresh-'));
    // calls_in_process is 1 in a fresh process; the run number comes from a file, so it counts across processes.
    writeFileSync(
      join(folder, 'fresh.bench.ts'),
      [
        "import { existsSync, readFileSync, writeFileSync } from 'node:fs';",
        "import { join } from 'node:path';",
        "export const bench_parts = ['one', 'two'];",
        'const state = globalThis as { calls?: number };',
        'export async function run_bench(part?: string) {',
        '  state.calls = (state.calls ?? 0) + 1;',
        `  const file = join(${JSON.stringify(folder)}, \`\${part}.count\`);`,
        "  const run = (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0) + 1;",
        '  writeFileSync(file, String(run));',
        "  return [{ name: `${part}.calls_in_process`, value: state.calls, unit: 'calls' }, { name: `${part}.run`, value: run, unit: 'n', pass: run < 3 }];",
        '}',
      ].join('\n'),
    );
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const summary = await run_all({ folder, runs: 3, write: false });
      expect(summary.failed).toEqual([]);
      expect(summary.figures.map((figure) => [figure.name, figure.value, figure.runs, figure.min, figure.max, figure.pass])).toEqual([
        ['one.calls_in_process', 1, [1, 1, 1], 1, 1, undefined],
        ['one.run', 2, [1, 2, 3], 1, 3, false],
        ['two.calls_in_process', 1, [1, 1, 1], 1, 1, undefined],
        ['two.run', 2, [1, 2, 3], 1, 3, false],
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes value, note and baseline from the median run', () => {
    const run = (value: number) => [{ name: 'x.speed', value, unit: 'ops/s', note: `run at ${value}`, baseline_value: value * 2, pass: value > 1 }];
    expect(combine_runs([run(3), run(1), run(2), run(4)])).toEqual([
      { name: 'x.speed', value: 2, unit: 'ops/s', note: 'run at 2', baseline_value: 4, pass: false, runs: [3, 1, 2, 4], min: 1, max: 4 },
    ]);
  });

  it('formats a NO for a missed target', () => {
    const table = format_table([{ area: 'x', ok: true, figures: [{ name: 'x.speed', value: 1, unit: 'ops/s', pass: false }] }]);
    expect(table).toMatch(/x\.speed\s+1\s+ops\/s\s+NO/);
  });
});
