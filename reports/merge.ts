// Merges the JSON reports (report.json, format streamsim-run-report v1) written by the shards of one swarm into one
// list of runs in the order an unsharded swarm gives (scenario file, scenario, seed), so the merged report — and its
// run id — equals the report of the same swarm run in one piece. A run present in two reports must agree.
import type { RunResult } from '../scenarios/result-format.js';
import { RUN_REPORT_FORMAT, RUN_REPORT_FORMAT_VERSION, type RunReport } from './json-report.js';

export class ReportMergeError extends Error {
  override readonly name = 'ReportMergeError';
}

export interface MergeInput {
  /** Where the report came from (for messages). */
  source: string;
  report: unknown;
}

export interface MergedReports {
  results: RunResult[];
  /** Union of the inputs' declared probes, sorted; undefined when no input declares any. */
  known_probes: string[] | undefined;
  /** Runs found in more than one report with the same trace hash (kept once). */
  duplicate_runs: number;
}

function compare_text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Checks the envelope of a parsed report.json; the results inside are trusted as the writer's RunResults. */
export function as_run_report(input: MergeInput): RunReport {
  const report = input.report as Partial<RunReport> | null;
  if (typeof report !== 'object' || report === null || report.format !== RUN_REPORT_FORMAT) {
    throw new ReportMergeError(`${input.source}: not a streamsim run report (expected "format": "${RUN_REPORT_FORMAT}", as in report.json)`);
  }
  if (report.version !== RUN_REPORT_FORMAT_VERSION) {
    throw new ReportMergeError(`${input.source}: run report version ${String(report.version)}, this tool reads version ${RUN_REPORT_FORMAT_VERSION}`);
  }
  if (!Array.isArray(report.results)) throw new ReportMergeError(`${input.source}: the report has no results array`);
  return report as RunReport;
}

/** The merged runs of several shard reports, in unsharded swarm order; throws ReportMergeError on a conflict. */
export function merge_run_reports(inputs: readonly MergeInput[]): MergedReports {
  const by_run = new Map<string, { result: RunResult; source: string }>();
  let duplicate_runs = 0;
  let probes: Set<string> | undefined;
  for (const input of inputs) {
    const report = as_run_report(input);
    if (report.meta?.known_probes !== undefined) {
      probes ??= new Set();
      for (const name of report.meta.known_probes) probes.add(name);
    }
    for (const result of report.results) {
      const id = `${result.scenario.file}\u0000${result.scenario.name}\u0000${result.seed}`;
      const earlier = by_run.get(id);
      if (earlier === undefined) {
        by_run.set(id, { result, source: input.source });
        continue;
      }
      if (earlier.result.trace_hash !== result.trace_hash || earlier.result.outcome !== result.outcome) {
        throw new ReportMergeError(
          `seed ${result.seed} of ${result.scenario.name} is in ${earlier.source} (trace hash ${earlier.result.trace_hash}, ${earlier.result.outcome}) ` +
            `and in ${input.source} (trace hash ${result.trace_hash}, ${result.outcome}): the shards ran different code or scenarios, or the run is not deterministic`,
        );
      }
      duplicate_runs++;
    }
  }
  const results = [...by_run.values()]
    .map((entry) => entry.result)
    .sort((a, b) => compare_text(a.scenario.file, b.scenario.file) || compare_text(a.scenario.name, b.scenario.name) || a.seed - b.seed);
  return { results, known_probes: probes === undefined ? undefined : [...probes].sort(compare_text), duplicate_runs };
}
