// Specification of the benchmark runner: discovery (sorted), --only, a throwing module reported as failed without
// stopping the others, the printed table and results.json.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { discover_bench_areas, format_table, run_all, type BenchResults } from './run.js';

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
      const summary = await run_all({ folder });
      expect(summary.figures.map((figure) => `${figure.area}:${figure.name}`)).toEqual(['b-good:good.speed', 'c-other:other.size']);
      expect(summary.failed).toHaveLength(1);
      expect(summary.failed[0]?.area).toBe('a-broken');
      expect(summary.failed[0]?.error).toContain('bench exploded');
      const written = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as BenchResults;
      expect(Object.keys(written)).toEqual(['generated_at', 'node', 'cpu', 'figures', 'failed']);
      expect(written.figures[0]).toMatchObject({ name: 'good.speed', value: 5000, ratio: 2, pass: true });
      const table = printed.join('');
      expect(table).toMatch(/name\s+value\s+unit\s+target\s+baseline\s+ratio\s+pass/);
      expect(table).toMatch(/good\.speed\s+5,000\s+ops\/s\s+>= 1000\s+base = 10,000\s+2\s+yes/);
      expect(table).toMatch(/a-broken \(module\).*FAILED: Error: bench exploded/);
    } finally {
      spy.mockRestore();
    }
  });

  it('--only runs one area and rejects an unknown one', async () => {
    const folder = fixture_folder();
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const summary = await run_all({ folder, only: 'c-other', write: false });
      expect(summary.figures.map((figure) => figure.name)).toEqual(['other.size']);
      await expect(run_all({ folder, only: 'nope', write: false })).rejects.toThrow(/no bench\/nope\.bench\.ts/);
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
      await run_all({ folder });
      vi.stubEnv('OTHER_SIZE', '99');
      await run_all({ folder, only: 'c-other' });
      const written = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as BenchResults;
      expect(written.figures.map((figure) => `${figure.area}:${figure.name}=${figure.value}`)).toEqual(['b-good:good.speed=5000', 'c-other:other.size=99']);
      expect(written.failed.map((failure) => failure.area)).toEqual(['a-broken']);
    } finally {
      vi.unstubAllEnvs();
      spy.mockRestore();
    }
  });

  it('formats a NO for a missed target', () => {
    const table = format_table([{ area: 'x', ok: true, figures: [{ name: 'x.speed', value: 1, unit: 'ops/s', pass: false }] }]);
    expect(table).toMatch(/x\.speed\s+1\s+ops\/s\s+NO/);
  });
});
