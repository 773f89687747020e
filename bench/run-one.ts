// One benchmark measurement in a fresh process: imports bench/<area>.bench.ts, runs run_bench(part) and prints its
// figures as one marked line on stdout, so that no figure depends on what ran before it in the same process.
// Usage (bench/run.ts spawns it): node --import tsx bench/run-one.ts <folder> <area> [part]
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIGURES_MARKER, type BenchFigure } from './figure.js';

const [folder, area, part] = process.argv.slice(2);
if (folder === undefined || area === undefined) {
  process.stderr.write('usage: run-one.ts <folder> <area> [part]\n');
  process.exit(2);
}
const module = (await import(pathToFileURL(join(folder, `${area}.bench.ts`)).href)) as { run_bench?: (part?: string) => Promise<BenchFigure[]> };
if (typeof module.run_bench !== 'function') throw new Error(`bench/${area}.bench.ts does not export run_bench()`);
const figures = await module.run_bench(part);
process.stdout.write(`${FIGURES_MARKER}${JSON.stringify(figures)}\n`);
