// Benchmark runner: discovers bench/*.bench.ts (sorted), runs each module's run_bench(), prints a table and writes
// bench/results.json { generated_at, node, cpu, figures }. A module that throws is reported as failed; the others
// still run. Usage: tsx bench/run.ts [--only <area>] (area = file name without .bench.ts; replaces only that area's figures).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchFigure } from './figure.js';

export interface BenchModuleResult {
  area: string;
  ok: boolean;
  error?: string;
  figures: BenchFigure[];
}

export interface BenchResults {
  generated_at: string;
  node: string;
  cpu: string;
  figures: (BenchFigure & { area: string })[];
  failed: { area: string; error: string }[];
}

const bench_folder = dirname(fileURLToPath(import.meta.url));

/** Area names of bench/*.bench.ts, sorted. */
export function discover_bench_areas(folder = bench_folder): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.bench.ts'))
    .sort()
    .map((name) => name.slice(0, -'.bench.ts'.length));
}

export async function run_bench_module(folder: string, area: string): Promise<BenchModuleResult> {
  try {
    const module = (await import(pathToFileURL(join(folder, `${area}.bench.ts`)).href)) as {
      run_bench?: () => Promise<BenchFigure[]>;
    };
    if (typeof module.run_bench !== 'function') throw new Error('module does not export run_bench()');
    const figures = await module.run_bench();
    return { area, ok: true, figures };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { area, ok: false, error: message, figures: [] };
  }
}

function format_number(value: number | undefined): string {
  if (value === undefined) return '';
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 1000) / 1000);
}

export function format_table(results: readonly BenchModuleResult[]): string {
  const header = ['name', 'value', 'unit', 'target', 'baseline', 'ratio', 'pass'];
  const rows: string[][] = [];
  for (const result of results) {
    if (!result.ok) {
      rows.push([`${result.area} (module)`, '', '', '', '', '', `FAILED: ${(result.error ?? '').split('\n')[0] ?? ''}`]);
      continue;
    }
    for (const figure of result.figures) {
      rows.push([
        figure.name,
        format_number(figure.value),
        figure.unit,
        figure.target ?? '',
        figure.baseline_name === undefined ? '' : `${figure.baseline_name} = ${format_number(figure.baseline_value)}`,
        figure.ratio === undefined ? '' : String(figure.ratio),
        figure.pass === undefined ? '' : figure.pass ? 'yes' : 'NO',
      ]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export async function run_all(options: { only?: string; folder?: string; write?: boolean } = {}): Promise<BenchResults> {
  const folder = options.folder ?? bench_folder;
  let areas = discover_bench_areas(folder);
  if (options.only !== undefined) {
    areas = areas.filter((area) => area === options.only);
    if (areas.length === 0) throw new Error(`no bench/${options.only}.bench.ts`);
  }
  const results: BenchModuleResult[] = [];
  for (const area of areas) {
    process.stdout.write(`running ${area} ...\n`);
    results.push(await run_bench_module(folder, area));
  }
  process.stdout.write(format_table(results) + '\n');
  const summary: BenchResults = {
    generated_at: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    figures: results.flatMap((result) => result.figures.map((figure) => ({ area: result.area, ...figure }))),
    failed: results.filter((result) => !result.ok).map((result) => ({ area: result.area, error: result.error ?? '' })),
  };
  if (options.write !== false) {
    const path = join(folder, 'results.json');
    const written = options.only === undefined ? summary : merge_area_results(read_results(path), summary, options.only);
    writeFileSync(path, JSON.stringify(written, null, 2) + '\n');
  }
  return summary;
}

function read_results(path: string): BenchResults | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<BenchResults>;
    return Array.isArray(parsed.figures) ? { generated_at: '', node: '', cpu: '', failed: [], ...parsed, figures: parsed.figures } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run of one area (--only) replaces that area's figures in the existing results and keeps every other area's,
 * in area order, so a partial run never throws away the full table.
 */
export function merge_area_results(existing: BenchResults | undefined, fresh: BenchResults, area: string): BenchResults {
  if (existing === undefined) return fresh;
  const figures = [...existing.figures.filter((figure) => figure.area !== area), ...fresh.figures];
  const areas = [...new Set(figures.map((figure) => figure.area))].sort();
  return {
    ...fresh,
    figures: areas.flatMap((name) => figures.filter((figure) => figure.area === name)),
    failed: [...(existing.failed ?? []).filter((failure) => failure.area !== area), ...fresh.failed],
  };
}

function parse_arguments(argv: readonly string[]): { only?: string } {
  const index = argv.indexOf('--only');
  if (index === -1) return {};
  const only = argv[index + 1];
  if (only === undefined) throw new Error('--only needs an area name, e.g. --only sim');
  return { only };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const summary = await run_all(parse_arguments(process.argv.slice(2)));
  if (summary.failed.length > 0) process.exitCode = 1;
}
