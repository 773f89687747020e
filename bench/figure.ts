// One measured figure of a benchmark module (bench/<area>.bench.ts exports run_bench(part?): Promise<BenchFigure[]>),
// and the same figure over several runs, each in a fresh process (what bench/results.json holds).
export interface BenchFigure { name: string; value: number; unit: string; target?: string; baseline_name?: string; baseline_value?: number; ratio?: number; pass?: boolean; note?: string }

/**
 * A figure over runs in fresh processes: `value` (and the note, baseline and ratio) are the median run's, `runs` every
 * run's value in run order, `min`/`max` their range; `pass` only when every run met the target.
 */
export interface BenchRange extends BenchFigure { runs: number[]; min: number; max: number }

/** Starts the stdout line on which bench/run-one.ts hands a run's figures (JSON) to bench/run.ts. */
export const FIGURES_MARKER = 'bench-figures: ';
