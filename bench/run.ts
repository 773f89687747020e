// Benchmark runner: discovers bench/*.bench.ts (sorted) and runs each module's run_bench(part) (every part a module
// lists in `bench_parts`) in fresh processes, several times (--runs, STREAMSIM_BENCH_RUNS; default 3), so a figure never
// depends on what ran before it in a process and shows its spread. Prints a table and writes bench/results.json
// { generated_at, node, cpu, runs_per_figure, figures (median run's value, every run's value, min, max), failed }.
// A run that fails is reported as failed; the others still run. Usage: tsx bench/run.ts [--only <area>] [--runs <n>]
// (area = file name without .bench.ts; --only replaces only that area's figures).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FIGURES_MARKER, type BenchFigure, type BenchRange } from './figure.js';

export interface BenchModuleResult {
  area: string;
  ok: boolean;
  error?: string;
  figures: (BenchFigure | BenchRange)[];
}

export interface BenchResults {
  generated_at: string;
  node: string;
  cpu: string;
  /** How many fresh processes measured each figure. */
  runs_per_figure: number;
  figures: (BenchRange & { area: string })[];
  failed: { area: string; error: string }[];
}

export const DEFAULT_BENCH_RUNS = 3;
const RUN_ONE = fileURLToPath(new URL('./run-one.ts', import.meta.url));

const bench_folder = dirname(fileURLToPath(import.meta.url));

/** Area names of bench/*.bench.ts, sorted. */
export function discover_bench_areas(folder = bench_folder): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.bench.ts'))
    .sort()
    .map((name) => name.slice(0, -'.bench.ts'.length));
}

/** The parts a module measures each in its own process (`export const bench_parts`), or one run of the whole. */
export async function bench_parts(folder: string, area: string): Promise<(string | undefined)[]> {
  const module = (await import(pathToFileURL(join(folder, `${area}.bench.ts`)).href)) as { bench_parts?: readonly string[] };
  return Array.isArray(module.bench_parts) && module.bench_parts.length > 0 ? [...module.bench_parts] : [undefined];
}

/** One run of one part in a fresh process (bench/run-one.ts): its figures, or why there are none. */
export function run_in_fresh_process(folder: string, area: string, part: string | undefined): { ok: true; figures: BenchFigure[] } | { ok: false; error: string } {
  const tsx = import.meta.resolve('tsx');
  const child = spawnSync(process.execPath, ['--import', tsx, RUN_ONE, folder, area, ...(part === undefined ? [] : [part])], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = (child.stdout ?? '').split('\n');
  const marked = lines.find((line) => line.startsWith(FIGURES_MARKER));
  for (const line of lines) if (line !== '' && line !== marked) process.stdout.write(`  ${line}\n`);
  if (child.status !== 0 || marked === undefined) {
    const why = child.error?.message ?? `exited with ${child.status ?? child.signal}`;
    const stderr = child.stderr ?? '';
    const thrown = stderr.split('\n').find((line) => /^[A-Za-z]*Error\b/.test(line));
    return { ok: false, error: `${thrown ?? why} (${why})\n${stderr.slice(-4000)}` };
  }
  return { ok: true, figures: JSON.parse(marked.slice(FIGURES_MARKER.length)) as BenchFigure[] };
}

/**
 * The figures of several runs as ranges: for each figure (in first-seen order) the run with the median value (the lower
 * middle one for an even count) gives value, note, baseline and ratio; runs lists every value; pass needs every run.
 */
export function combine_runs(runs: readonly (readonly BenchFigure[])[]): BenchRange[] {
  const by_name = new Map<string, BenchFigure[]>();
  for (const figures of runs) {
    for (const figure of figures) {
      const list = by_name.get(figure.name) ?? [];
      list.push(figure);
      by_name.set(figure.name, list);
    }
  }
  return [...by_name.values()].map((list) => {
    const sorted = [...list].sort((a, b) => a.value - b.value);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const values = list.map((figure) => figure.value);
    const range: BenchRange = { ...median, runs: values, min: sorted[0]!.value, max: sorted[sorted.length - 1]!.value };
    if (list.some((figure) => figure.pass !== undefined)) range.pass = list.every((figure) => figure.pass === true);
    return range;
  });
}

/** Every part of one area, `runs` times each, each run in a fresh process. */
export async function run_bench_module(folder: string, area: string, runs = DEFAULT_BENCH_RUNS): Promise<BenchModuleResult> {
  let parts: (string | undefined)[];
  try {
    parts = await bench_parts(folder, area);
  } catch (error) {
    return { area, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error), figures: [] };
  }
  const figures: BenchRange[] = [];
  const errors: string[] = [];
  for (const part of parts) {
    const done: BenchFigure[][] = [];
    for (let run = 1; run <= runs; run++) {
      process.stdout.write(`running ${area}${part === undefined ? '' : ` ${part}`} (run ${run} of ${runs}, fresh process) ...\n`);
      const outcome = run_in_fresh_process(folder, area, part);
      if (outcome.ok) done.push(outcome.figures);
      else errors.push(`${part === undefined ? '' : `${part}: `}${outcome.error}`);
    }
    figures.push(...combine_runs(done));
  }
  return errors.length === 0 ? { area, ok: true, figures } : { area, ok: false, error: errors.join('\n'), figures };
}

function format_number(value: number | undefined): string {
  if (value === undefined) return '';
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 1000) / 1000);
}

/** "min – max (n runs)" for a figure measured in several processes; empty for one run. */
function format_range(figure: BenchFigure | BenchRange): string {
  if (!('runs' in figure) || figure.runs.length < 2) return '';
  return `${format_number(figure.min)} – ${format_number(figure.max)} (${figure.runs.length} runs)`;
}

export function format_table(results: readonly BenchModuleResult[]): string {
  const header = ['name', 'value', 'unit', 'range', 'target', 'baseline', 'ratio', 'pass'];
  const rows: string[][] = [];
  for (const result of results) {
    for (const figure of result.figures) {
      rows.push([
        figure.name,
        format_number(figure.value),
        figure.unit,
        format_range(figure),
        figure.target ?? '',
        figure.baseline_name === undefined ? '' : `${figure.baseline_name} = ${format_number(figure.baseline_value)}`,
        figure.ratio === undefined ? '' : String(figure.ratio),
        figure.pass === undefined ? '' : figure.pass ? 'yes' : 'NO',
      ]);
    }
    if (!result.ok) rows.push([`${result.area} (module)`, '', '', '', '', '', '', `FAILED: ${(result.error ?? '').split('\n')[0] ?? ''}`]);
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export async function run_all(options: { only?: string; folder?: string; write?: boolean; runs?: number } = {}): Promise<BenchResults> {
  const folder = options.folder ?? bench_folder;
  const runs = options.runs ?? DEFAULT_BENCH_RUNS;
  let areas = discover_bench_areas(folder);
  if (options.only !== undefined) {
    areas = areas.filter((area) => area === options.only);
    if (areas.length === 0) {
      throw new BenchInputError(`no bench/${options.only}.bench.ts; areas: ${discover_bench_areas(folder).join(', ')}`);
    }
  }
  const results: BenchModuleResult[] = [];
  for (const area of areas) results.push(await run_bench_module(folder, area, runs));
  process.stdout.write(format_table(results) + '\n');
  const summary: BenchResults = {
    generated_at: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    runs_per_figure: runs,
    figures: results.flatMap((result) => result.figures.map((figure) => ({ area: result.area, ...as_range(figure) }))),
    failed: results.filter((result) => !result.ok).map((result) => ({ area: result.area, error: result.error ?? '' })),
  };
  if (options.write !== false) {
    const path = join(folder, 'results.json');
    const written = options.only === undefined ? summary : merge_area_results(read_results(path), summary, options.only);
    writeFileSync(path, JSON.stringify(written, null, 2) + '\n');
  }
  return summary;
}

function as_range(figure: BenchFigure | BenchRange): BenchRange {
  return 'runs' in figure ? figure : { ...figure, runs: [figure.value], min: figure.value, max: figure.value };
}

function read_results(path: string): BenchResults | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<BenchResults>;
    return Array.isArray(parsed.figures) ? { generated_at: '', node: '', cpu: '', runs_per_figure: 1, failed: [], ...parsed, figures: parsed.figures.map((figure) => ({ ...figure, ...as_range(figure) })) } : undefined;
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

/** Bad bench arguments (an unknown area, a missing value): the command line prints the message and exits 2. */
export class BenchInputError extends Error {}

function parse_arguments(argv: readonly string[]): { only?: string; runs: number } {
  const value_of = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    if (index === -1) return undefined;
    const value = argv[index + 1];
    if (value === undefined) throw new BenchInputError(`${flag} needs a value`);
    return value;
  };
  const only = value_of('--only');
  const runs_text = value_of('--runs') ?? process.env['STREAMSIM_BENCH_RUNS'] ?? String(DEFAULT_BENCH_RUNS);
  if (!/^[1-9][0-9]?$/.test(runs_text)) throw new BenchInputError(`--runs: expected a whole number from 1 to 99, got ${JSON.stringify(runs_text)}`);
  return { ...(only === undefined ? {} : { only }), runs: Number(runs_text) };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const summary = await run_all(parse_arguments(process.argv.slice(2)));
    if (summary.failed.length > 0) process.exitCode = 1;
  } catch (error) {
    if (!(error instanceof BenchInputError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    process.exitCode = 2;
  }
}
