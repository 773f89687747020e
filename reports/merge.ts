// Merges the JSON reports (report.json, format streamsim-run-report v1) written by the shards of one swarm into one
// list of runs in the order an unsharded swarm gives (scenario file, scenario, seed), so the merged report — and its
// run id — equals the report of the same swarm run in one piece. Every input must pass the report schema and carry
// its shard's metadata; the shards must be of one swarm and all present; a run present in two reports must agree.
import type { RunResult } from '../scenarios/result-format.js';
import { RUN_REPORT_FORMAT, RUN_REPORT_FORMAT_VERSION, type RunReport, type SwarmMeta } from './json-report.js';
import { check_run_report } from './schema-validation.js';

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
  /** The swarm the shards make up (shard 1 of 1, its whole seed range); complete only if every shard was. */
  swarm: SwarmMeta;
  /** Shards that stopped before every run finished, e.g. "shard 2/4 (interrupted): 37 of 50 runs". */
  incomplete_shards: string[];
}

/** Errors listed per report, at most. */
const MAX_SCHEMA_ERRORS = 5;
/** Missing shards named in a message, at most. */
const MAX_MISSING_LISTED = 10;

/** Seeds first … last of a shard, as people read them. */
function seed_span(start: number, end: number): string {
  return end <= start ? 'no seeds' : end - start === 1 ? `seed ${start}` : `seeds ${start}..${end - 1}`;
}

/** The seeds shard i of n runs (the same arithmetic as the CLI's --shard). */
function shard_seeds(first_seed: number, seed_count: number, index: number, count: number): { start: number; end: number } {
  return { start: first_seed + Math.floor(((index - 1) * seed_count) / count), end: first_seed + Math.floor((index * seed_count) / count) };
}

function compare_text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Checks a parsed report.json: its envelope, then the whole document against reports/run-report.schema.json. */
export function as_run_report(input: MergeInput): RunReport {
  const report = input.report as Partial<RunReport> | null;
  if (typeof report !== 'object' || report === null || Array.isArray(report) || report.format !== RUN_REPORT_FORMAT) {
    throw new ReportMergeError(`${input.source}: not a streamsim run report (expected "format": "${RUN_REPORT_FORMAT}", as in report.json)`);
  }
  if (report.version !== RUN_REPORT_FORMAT_VERSION) {
    throw new ReportMergeError(`${input.source}: run report version ${String(report.version)}, this tool reads version ${RUN_REPORT_FORMAT_VERSION}`);
  }
  if (!Array.isArray(report.results)) throw new ReportMergeError(`${input.source}: the report has no results array`);
  const check = check_run_report(report);
  if (!check.valid) {
    const more = check.errors.length > MAX_SCHEMA_ERRORS ? `\n  … and ${check.errors.length - MAX_SCHEMA_ERRORS} more` : '';
    throw new ReportMergeError(
      `${input.source}: not a valid run report (reports/run-report.schema.json):\n` +
        check.errors.slice(0, MAX_SCHEMA_ERRORS).map((error) => `  ${error}`).join('\n') +
        more,
    );
  }
  return report as RunReport;
}

/** The shards are of one swarm and all there: returns the merged swarm's metadata, or names what is wrong. */
function check_shards(reports: readonly { source: string; report: RunReport }[]): { swarm: SwarmMeta; incomplete_shards: string[] } {
  const first = reports[0];
  if (first === undefined) throw new ReportMergeError('no reports to merge');
  const metas = reports.map(({ source, report }) => {
    const meta = report.meta.swarm;
    if (meta === undefined) {
      throw new ReportMergeError(`${source}: has no swarm metadata (shard and seed range); merge joins the report.json files written by \`swarm --reports DIR\``);
    }
    const expected = shard_seeds(meta.first_seed, meta.seed_count, meta.shard_index, meta.shard_count);
    if (meta.shard_index > meta.shard_count || meta.seeds_start !== expected.start || meta.seeds_end !== expected.end) {
      throw new ReportMergeError(`${source}: shard ${meta.shard_index}/${meta.shard_count} says it ran seeds [${meta.seeds_start}, ${meta.seeds_end}), but that shard of ${meta.seed_count} seeds from ${meta.first_seed} is [${expected.start}, ${expected.end})`);
    }
    const stray = report.results.find((result) => result.seed < meta.seeds_start || result.seed >= meta.seeds_end);
    if (stray !== undefined) throw new ReportMergeError(`${source}: seed ${stray.seed} of ${stray.scenario.name} is outside its shard's ${seed_span(meta.seeds_start, meta.seeds_end)}`);
    return { source, meta };
  });
  const base = metas[0]!;
  for (const { source, meta } of metas.slice(1)) {
    const differs: string[] = [];
    if (meta.first_seed !== base.meta.first_seed || meta.seed_count !== base.meta.seed_count) {
      differs.push(`seed range ${meta.seed_count} seeds from ${meta.first_seed} vs ${base.meta.seed_count} from ${base.meta.first_seed}`);
    }
    if (meta.shard_count !== base.meta.shard_count) differs.push(`${meta.shard_count} shards vs ${base.meta.shard_count}`);
    if (meta.scenarios.join('\u0000') !== base.meta.scenarios.join('\u0000')) {
      differs.push(`scenarios [${meta.scenarios.join(', ')}] vs [${base.meta.scenarios.join(', ')}]`);
    }
    if (differs.length > 0) throw new ReportMergeError(`${source} and ${base.source} are shards of different swarms: ${differs.join('; ')}`);
  }
  const { first_seed, seed_count, shard_count, scenarios } = base.meta;
  const present = new Set(metas.map(({ meta }) => meta.shard_index));
  const missing: string[] = [];
  for (let index = 1; index <= shard_count; index++) {
    if (present.has(index)) continue;
    const seeds = shard_seeds(first_seed, seed_count, index, shard_count);
    missing.push(`shard ${index}/${shard_count} (${seed_span(seeds.start, seeds.end)})`);
  }
  if (missing.length > 0) {
    const listed = missing.slice(0, MAX_MISSING_LISTED).join(', ') + (missing.length > MAX_MISSING_LISTED ? `, … ${missing.length} in all` : '');
    throw new ReportMergeError(`missing ${missing.length === 1 ? 'shard' : 'shards'}: ${listed}; merge needs the report.json of every shard of the swarm`);
  }
  const incomplete_shards: string[] = [];
  const seen = new Set<number>();
  for (const { meta } of metas) {
    if (meta.complete || seen.has(meta.shard_index)) continue;
    seen.add(meta.shard_index);
    incomplete_shards.push(`shard ${meta.shard_index}/${meta.shard_count}${meta.stopped !== undefined ? ` (${meta.stopped.replace('_', ' ')})` : ''}: ${meta.runs_done} of ${meta.runs_planned} runs`);
  }
  const by_shard = new Map(metas.map(({ meta }) => [meta.shard_index, meta] as const));
  const shard_metas = [...by_shard.values()];
  return {
    swarm: {
      first_seed,
      seed_count,
      shard_index: 1,
      shard_count: 1,
      seeds_start: first_seed,
      seeds_end: first_seed + seed_count,
      scenarios: [...scenarios],
      runs_planned: shard_metas.reduce((sum, meta) => sum + meta.runs_planned, 0),
      runs_done: shard_metas.reduce((sum, meta) => sum + meta.runs_done, 0),
      complete: incomplete_shards.length === 0,
      ...(incomplete_shards.length > 0 ? { stopped: shard_metas.find((meta) => meta.stopped !== undefined)?.stopped ?? 'interrupted' } : {}),
    },
    incomplete_shards,
  };
}

/** The merged runs of several shard reports, in unsharded swarm order; throws ReportMergeError on a conflict. */
export function merge_run_reports(inputs: readonly MergeInput[]): MergedReports {
  const by_run = new Map<string, { result: RunResult; source: string }>();
  let duplicate_runs = 0;
  let probes: Set<string> | undefined;
  const reports = inputs.map((input) => ({ source: input.source, report: as_run_report(input) }));
  const { swarm, incomplete_shards } = check_shards(reports);
  for (const { source, report } of reports) {
    if (report.meta?.known_probes !== undefined) {
      probes ??= new Set();
      for (const name of report.meta.known_probes) probes.add(name);
    }
    for (const result of report.results) {
      const id = `${result.scenario.file}\u0000${result.scenario.name}\u0000${result.seed}`;
      const earlier = by_run.get(id);
      if (earlier === undefined) {
        by_run.set(id, { result, source });
        continue;
      }
      if (earlier.result.trace_hash !== result.trace_hash || earlier.result.outcome !== result.outcome) {
        throw new ReportMergeError(
          `seed ${result.seed} of ${result.scenario.name} is in ${earlier.source} (trace hash ${earlier.result.trace_hash}, ${earlier.result.outcome}) ` +
            `and in ${source} (trace hash ${result.trace_hash}, ${result.outcome}): the shards ran different code or scenarios, or the run is not deterministic`,
        );
      }
      duplicate_runs++;
    }
  }
  const results = [...by_run.values()]
    .map((entry) => entry.result)
    .sort((a, b) => compare_text(a.scenario.file, b.scenario.file) || compare_text(a.scenario.name, b.scenario.name) || a.seed - b.seed);
  return { results, known_probes: probes === undefined ? undefined : [...probes].sort(compare_text), duplicate_runs, swarm, incomplete_shards };
}
