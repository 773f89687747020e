// Memory flatness over a long swarm: runs seeds 1..N of one scenario in this process, as a swarm worker does, and
// samples heap used (after a full GC when node runs with --expose-gc) every `every` seeds. Prints one JSON line.
// Usage: node --expose-gc --import tsx bench/memory-flatness.ts <scenario.yaml> [seeds=1000] [every=100]
import { fileURLToPath } from 'node:url';
import { load_scenario } from '../scenarios/load.js';
import { run_scenario } from '../properties/run.js';

export interface HeapSample {
  /** Seeds run so far. */
  seeds: number;
  heap_used_bytes: number;
}

export interface FlatnessResult {
  scenario: string;
  seeds: number;
  gc_exposed: boolean;
  samples: HeapSample[];
  /** Slope of a least-squares line through the samples, in bytes per 1000 seeds. */
  growth_bytes_per_1000_seeds: number;
  /** Heap after the first sample (seed `every`) and after the last. */
  first_heap_bytes: number;
  last_heap_bytes: number;
  max_rss_bytes: number;
  failed_runs: number;
  cpu_ms: number;
}

/** Least-squares slope of y over x. */
export function linear_slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mean_x = points.reduce((sum, p) => sum + p.x, 0) / n;
  const mean_y = points.reduce((sum, p) => sum + p.y, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const p of points) {
    numerator += (p.x - mean_x) * (p.y - mean_y);
    denominator += (p.x - mean_x) ** 2;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

export function measure_flatness(scenario_file: string, seeds: number, every: number): FlatnessResult {
  const loaded = load_scenario(scenario_file);
  if (!loaded.ok) throw new Error(`${scenario_file} does not load`);
  const collect = (globalThis as { gc?: () => void }).gc;
  const samples: HeapSample[] = [];
  let failed_runs = 0;
  const cpu_start = process.cpuUsage();
  for (let seed = 1; seed <= seeds; seed++) {
    const result = run_scenario(loaded.scenario, { seed, scenario_file });
    if (result.outcome !== 'pass') failed_runs++;
    if (seed % every === 0) {
      collect?.();
      samples.push({ seeds: seed, heap_used_bytes: process.memoryUsage().heapUsed });
    }
  }
  const cpu = process.cpuUsage(cpu_start);
  const slope = linear_slope(samples.map((s) => ({ x: s.seeds, y: s.heap_used_bytes })));
  return {
    scenario: loaded.scenario.name,
    seeds,
    gc_exposed: collect !== undefined,
    samples,
    growth_bytes_per_1000_seeds: Math.round(slope * 1000),
    first_heap_bytes: samples[0]?.heap_used_bytes ?? 0,
    last_heap_bytes: samples[samples.length - 1]?.heap_used_bytes ?? 0,
    max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    failed_runs,
    cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, seeds = '1000', every = '100'] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: memory-flatness.ts <scenario.yaml> [seeds] [every]');
  process.stdout.write(JSON.stringify(measure_flatness(file, Number(seeds), Number(every))) + '\n');
}
