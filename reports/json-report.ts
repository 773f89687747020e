// The JSON report: a stable, versioned document (format streamsim-run-report, version 1) holding the run results
// and the swarm aggregates. reports/run-report.schema.json documents it.
import type { RunResult } from '../scenarios/result-format.js';
import { aggregate_swarm, type SwarmAggregate } from './aggregate.js';
import { derive_run_id } from './run-id.js';

export const RUN_REPORT_FORMAT = 'streamsim-run-report';
export const RUN_REPORT_FORMAT_VERSION = 1;

/** What the caller knows about the run beyond the results. Nothing here is invented from the clock. */
export interface ReportMeta {
  /** Defaults to a deterministic id derived from the results (see derive_run_id). */
  run_id?: string;
  title?: string;
  /** The command line that produced the runs. */
  command?: string;
  /** An ISO-8601 time, only when the caller chooses to stamp the report (it breaks byte-reproducibility). */
  generated_at?: string;
  tool_version?: string;
  /** Probes the engine declares, so never-hit ones show up as findings. */
  known_probes?: string[];
  /** What part of which swarm the runs are (written by `swarm`; `merge` checks the shards against it). */
  swarm?: SwarmMeta;
}

/** Why a swarm stopped before every run finished. */
export type SwarmStop = 'interrupted' | 'fail_fast' | 'time_budget';

export interface SwarmMeta {
  /** The swarm's whole seed range, before sharding: first_seed … first_seed + seed_count - 1. */
  first_seed: number;
  seed_count: number;
  /** 1-based shard index of shard_count; an unsharded or merged swarm is shard 1 of 1. */
  shard_index: number;
  shard_count: number;
  /** The seeds this shard runs: seeds_start … seeds_end - 1 (empty when equal). */
  seeds_start: number;
  seeds_end: number;
  /** The scenarios' names, in swarm order. */
  scenarios: string[];
  /** Runs the swarm set out to do, and runs that ended with a result. */
  runs_planned: number;
  runs_done: number;
  /** False when the swarm stopped early (the report then holds only the runs that finished). */
  complete: boolean;
  stopped?: SwarmStop;
}

export interface RunReport {
  format: typeof RUN_REPORT_FORMAT;
  version: typeof RUN_REPORT_FORMAT_VERSION;
  run_id: string;
  meta: Omit<ReportMeta, 'run_id'>;
  aggregates: SwarmAggregate;
  results: RunResult[];
}

export function to_json_report(results: readonly RunResult[], meta: ReportMeta = {}): RunReport {
  const { run_id, ...rest_of_meta } = meta;
  const aggregate_options = meta.known_probes ? { known_probes: meta.known_probes } : {};
  return {
    format: RUN_REPORT_FORMAT,
    version: RUN_REPORT_FORMAT_VERSION,
    run_id: run_id ?? derive_run_id(results),
    meta: rest_of_meta,
    aggregates: aggregate_swarm(results, aggregate_options),
    results: [...results],
  };
}

/** The JSON report as text: two-space indented, keys in a fixed order, ending with a newline. */
export function render_json_report(results: readonly RunResult[], meta: ReportMeta = {}): string {
  return JSON.stringify(to_json_report(results, meta), null, 2) + '\n';
}
