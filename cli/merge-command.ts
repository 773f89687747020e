// `streamsim merge`: reads the report.json of every shard (size-limited, strict UTF-8), merges them (reports/merge.ts:
// schema-checked, every shard present), checks the merged report against its own schema and writes it to --out,
// which is checked before anything is read and may not hold one of the inputs.
import { join, resolve } from 'node:path';
import type { RunResult } from '../scenarios/result-format.js';
import { json_depth_exceeds, read_text_file } from '../scenarios/input-limits.js';
import { failure_reasons } from '../reports/aggregate.js';
import { to_json_report } from '../reports/json-report.js';
import { merge_run_reports, ReportMergeError, type MergeInput } from '../reports/merge.js';
import { check_run_report } from '../reports/schema-validation.js';
import { REPORT_FILE_NAMES, write_reports } from '../reports/write-reports.js';
import { UsageError } from './errors.js';
import { display_path } from './failure-output.js';
import { check_output_dir_later, prepare_output_dir } from './output-paths.js';
import { clean, run_failed } from './output.js';

/** A shard's report.json may be large (every run of the shard), but not unbounded. */
export const MAX_REPORT_FILE_BYTES = 512 * 1024 * 1024;
/** A report nests a dozen levels (runs, checkpoints, evidence); far deeper is not a report and would overflow the stack. */
export const MAX_REPORT_DEPTH = 64;

export interface MergeOutcome {
  results: RunResult[];
  dir: string;
  duplicate_runs: number;
  incomplete_shards: string[];
  /** One entry per failed run: what failed and its replay command. */
  failure_lines: string[];
  /** What `merge --json` prints. */
  summary: Record<string, unknown>;
}

export function merge_report_files(files: readonly string[], out: string, cwd: string, command: string): MergeOutcome {
  const dir = resolve(cwd, out);
  check_output_dir_later(dir, { flag: '--out', shown: out });
  const written = Object.values(REPORT_FILE_NAMES).map((name) => resolve(join(dir, name)));
  const inputs: MergeInput[] = files.map((file) => {
    const path = resolve(cwd, file);
    if (written.includes(path)) throw new UsageError(`--out ${out}: would overwrite ${file}, one of the reports being merged; choose another directory`);
    const read = read_text_file(path, MAX_REPORT_FILE_BYTES, 'a report.json');
    if (!read.ok) throw new UsageError(`${file}: ${read.message === 'file not found' ? 'no such report file' : read.message}`);
    let report: unknown;
    try {
      report = JSON.parse(read.text) as unknown;
    } catch (error) {
      throw new UsageError(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (json_depth_exceeds(report, MAX_REPORT_DEPTH)) throw new UsageError(`${file}: nested more than ${MAX_REPORT_DEPTH} levels deep; not a run report`);
    return { source: file, report };
  });
  let merged: ReturnType<typeof merge_run_reports>;
  try {
    merged = merge_run_reports(inputs);
  } catch (error) {
    if (error instanceof ReportMergeError) throw new UsageError(error.message);
    throw error;
  }
  const { results } = merged;
  const meta = {
    title: `${results.length} runs merged from ${files.length} report(s)`,
    command,
    ...(merged.known_probes !== undefined ? { known_probes: merged.known_probes } : {}),
    swarm: merged.swarm,
  };
  // Written only if it is what it claims to be: a report that fails its own schema is a bug here, not the user's.
  const check = check_run_report(to_json_report(results, meta));
  if (!check.valid) throw new Error(`the merged report does not match reports/run-report.schema.json: ${check.errors.slice(0, 5).join('; ')}`);
  prepare_output_dir(dir, { flag: '--out', shown: out });
  write_reports(results, { dir, meta });
  const failed = results.filter(run_failed);
  return {
    results,
    dir,
    duplicate_runs: merged.duplicate_runs,
    incomplete_shards: merged.incomplete_shards,
    failure_lines: failed.map(
      (result) => `FAILED ${clean(result.scenario.name)} seed ${result.seed}: ${clean(failure_reasons(result).join('; ')).slice(0, 300)}\n  replay: ${result.replay_command}\n`,
    ),
    summary: {
      format: 'streamsim-merge',
      version: 1,
      reports: files.length,
      runs: results.length,
      failed: failed.length,
      duplicate_runs: merged.duplicate_runs,
      complete: merged.swarm.complete,
      incomplete_shards: merged.incomplete_shards,
      out: display_path(dir, cwd),
      failures: failed.map((result) => ({ scenario: result.scenario.name, seed: result.seed, trace_hash: result.trace_hash, replay_command: result.replay_command })),
    },
  };
}
