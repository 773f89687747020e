// One measured figure of a benchmark module (bench/<area>.bench.ts exports run_bench(): Promise<BenchFigure[]>).
export interface BenchFigure { name: string; value: number; unit: string; target?: string; baseline_name?: string; baseline_value?: number; ratio?: number; pass?: boolean; note?: string }
