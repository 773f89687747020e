// The job a scenario runs, resolved from its `job` section: a job definition (built-in by name, or from a user's
// module), its checked parameters, where it came from, and the checks that need the job itself — its input can be
// generated, its graph builds, the output sink exists and writes with the scenario's sink kind, skew is supported.
import { StreamExecutionEnvironment } from '../engine/api/environment.js';
import { input_records_map, type AnyJobDefinition, type InputContext, type JobSinkKind } from '../engine/api/job.js';
import { job_factory, type JobIoConfig } from '../engine/connectors/job-io.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import type { JobGraph } from '../engine/graph/job-graph.js';
import { buildExecutionPlan } from '../engine/graph/execution-graph.js';
import { pipelinedRegions } from '../engine/graph/pipelined-regions.js';
import { BUILT_IN_JOBS } from '../engine/examples/index.js';
import { check_job_params, type ParamIssue } from './job-params.js';
import type { SinkKind } from './result-format.js';
import type { Scenario } from './schema/scenario.generated.js';

/** Where a module job came from: recorded in failure files so a replay loads it and notices when it changed. */
export interface JobSource {
  /** Absolute path of the module. */
  path: string;
  /** The path as the scenario wrote it (relative to the scenario file). */
  written: string;
  export: string;
  /** sha256 over the module's source and the local modules it imports (hex). */
  source_sha256: string;
}

export interface JobUnderTest {
  /** What the engine calls the job (JobSpec.name): the built-in's name, or `<module as written>#<export>`. */
  name: string;
  definition: AnyJobDefinition;
  /** The job's parameters as it receives them: defaults filled in, durations in ms. */
  params: Record<string, unknown>;
  /** A module job's origin (absent for built-in jobs). */
  source?: JobSource;
}

export type JobIssue = ParamIssue;

/** Which of the result format's sink kinds an engine sink object is. */
export function engine_sink_kind_of(kind: string): SinkKind | 'other' {
  if (kind.includes('collect')) return 'collect';
  if (kind.includes('two_phase') || kind.includes('2pc')) return 'two_phase_commit';
  if (kind.includes('idempotent')) return 'idempotent';
  if (kind.includes('at_least_once') || kind.includes('at-least-once')) return 'at_least_once';
  return 'other';
}

export const BUILT_IN_JOB_NAMES: readonly string[] = [...BUILT_IN_JOBS.keys()];

/** The built-in job a scenario names, with its parameters checked; issues name the field. */
export function built_in_job(scenario: Scenario): { ok: true; job: JobUnderTest } | { ok: false; issues: JobIssue[] } {
  const name = scenario.job.name;
  const definition = name === undefined ? undefined : BUILT_IN_JOBS.get(name);
  if (name === undefined || definition === undefined) {
    return { ok: false, issues: [{ segments: ['job', 'name'], message: `unknown job ${JSON.stringify(name)}; known jobs: ${BUILT_IN_JOB_NAMES.join(', ')}` }] };
  }
  const params = check_job_params(definition.params, scenario.job.params, name);
  if (!params.ok) return { ok: false, issues: params.issues };
  return { ok: true, job: { name, definition, params: params.values } };
}

/** The sizes a scenario gives the job's input generator (the scenario format's defaults filled in). */
export function workload_sizes(scenario: Scenario): InputContext<unknown>['workload'] {
  return {
    records: scenario.workload?.records ?? 5000,
    keys: scenario.workload?.keys ?? 100,
    partitions: scenario.workload?.source_partitions ?? 2,
  };
}

/** The job's input for one seed: topic → partitions → records (fixed input is copied, generated input made). */
export function job_input(job: JobUnderTest, seed: number, workload: InputContext<unknown>['workload']): Map<string, LogRecord[][]> {
  const input = job.definition.input;
  const records = 'records' in input ? input.records : input.generate({ seed, params: job.params, workload });
  return input_records_map(records);
}

/** Topic → partition count of an input. */
export function input_topics(input: ReadonlyMap<string, readonly (readonly LogRecord[])[]>): Map<string, number> {
  return new Map([...input].map(([topic, partitions]) => [topic, partitions.length]));
}

/** Builds the job's graph once, as every process will (parallelism 1 is enough to read its shape). */
export function build_job_graph(job: JobUnderTest, io: JobIoConfig, parallelism = 1, max_parallelism?: number): JobGraph {
  const env = new StreamExecutionEnvironment({ parallelism, ...(max_parallelism === undefined ? {} : { max_parallelism }) });
  job_factory(job.definition, io)(env, job.params);
  env.graph.validate();
  return env.graph;
}

/** The uid of the sink whose output is compared: the one the job names, else its only sink. */
export function output_sink_uid(job: JobUnderTest, graph: JobGraph): { ok: true; uid: string; kind: string } | { ok: false; message: string } {
  const sinks = graph.nodes.filter((node) => node.operator.kind === 'sink');
  const kind_of = (node: (typeof sinks)[number]): string => (node.operator.kind === 'sink' ? node.operator.sink.kind : '');
  const wanted = job.definition.output.sink;
  if (wanted !== undefined) {
    const node = sinks.find((sink) => sink.uid === wanted);
    if (node === undefined) return { ok: false, message: `output.sink names ${JSON.stringify(wanted)}, but the job's sinks are ${sinks.map((s) => JSON.stringify(s.uid)).join(', ') || '(none)'} (set them with .uid())` };
    return { ok: true, uid: node.uid, kind: kind_of(node) };
  }
  if (sinks.length === 1) return { ok: true, uid: sinks[0]!.uid, kind: kind_of(sinks[0]!) };
  if (sinks.length === 0) return { ok: false, message: 'the job has no sink: its output cannot be judged (add .sinkTo(io.sink()))' };
  return { ok: false, message: `the job has ${sinks.length} sinks (${sinks.map((s) => JSON.stringify(s.uid)).join(', ')}): name the compared one with output.sink in defineJob` };
}

function message_of(error: unknown): string {
  return error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
}

/** The run's I/O wiring for checks made before a world exists (the world uses the same process ids). */
export function probe_io(scenario: Scenario, topics: ReadonlyMap<string, number>): JobIoConfig {
  return {
    broker: 'broker',
    store: 'txstore',
    collector: 'collector',
    sink_kind: (scenario.sink?.kind ?? 'two_phase_commit') as JobSinkKind,
    bounded: scenario.workload?.bounded ?? true,
    topics,
  };
}

/**
 * What only the job itself can tell: its input generates, its graph builds, the compared sink exists and writes with
 * the kind the scenario asks for, and a skewed workload has the job's key-rewrite hook. `label` names the job.
 */
export function check_job_fits(job: JobUnderTest, scenario: Scenario, label: string): JobIssue[] {
  let input: Map<string, LogRecord[][]>;
  try {
    input = job_input(job, 1, workload_sizes(scenario));
  } catch (error) {
    return [{ segments: ['job'], message: `${label}: generating its input threw ${message_of(error)}` }];
  }
  if (input.size === 0) return [{ segments: ['job'], message: `${label}: its input has no topic (give records per topic and partition)` }];
  let graph: JobGraph;
  try {
    graph = build_job_graph(job, probe_io(scenario, input_topics(input)), scenario.job.parallelism ?? 2, scenario.job.max_parallelism);
  } catch (error) {
    return [{ segments: ['job'], message: `${label}: building the job threw ${message_of(error)}` }];
  }
  const issues: JobIssue[] = [];
  const sink = output_sink_uid(job, graph);
  if (!sink.ok) issues.push({ segments: ['job'], message: `${label}: ${sink.message}` });
  else {
    const asked = scenario.sink?.kind ?? 'two_phase_commit';
    const writes = engine_sink_kind_of(sink.kind);
    if (writes !== asked) {
      issues.push({
        segments: scenario.sink?.kind === undefined ? ['sink'] : ['sink', 'kind'],
        message: `${label} writes its output (sink ${JSON.stringify(sink.uid)}) through a ${sink.kind} sink, but the scenario asks for ${asked}${scenario.sink?.kind === undefined ? ' (the default)' : ''}: use io.sink() in the job, or set sink.kind: ${writes === 'other' ? sink.kind : writes}`,
      });
    }
  }
  issues.push(...failover_strategy_issues(graph, scenario, label));
  if (scenario.workload?.key_distribution === 'zipf' && job.definition.rekey === undefined) {
    issues.push({ segments: ['workload', 'key_distribution'], message: `${label} does not support zipf keys: it defines no rekey hook (see defineJob's rekey)` });
  }
  return issues;
}

const FAILOVER_STRATEGY_KEY = 'jobmanager.execution.failover-strategy';

/**
 * The engine restarts every task on a failure (Flink's `full` failover). For a job that is one pipelined region (any
 * keyBy, rebalance or broadcast joins all its subtasks) that is what Flink's `region` strategy does too; a job with
 * several independent regions (e.g. only forward edges) would restart just the failed one in Flink, which the engine
 * does not do: asking for `region` explicitly on such a job is refused (engine/README.md, "Failover").
 */
export function failover_strategy_issues(graph: JobGraph, scenario: Scenario, label: string): JobIssue[] {
  if (!asks_region_failover(scenario)) return [];
  const regions = pipelinedRegions(buildExecutionPlan(graph));
  if (regions.length <= 1) return [];
  const shown = regions.slice(0, 3).map((region) => `[${region.join(', ')}]`).join(', ');
  return [
    {
      segments: ['flink', FAILOVER_STRATEGY_KEY],
      message:
        `${label} has ${regions.length} independent pipelined regions at parallelism ${scenario.job.parallelism ?? 2} ` +
        `(tasks ${shown}${regions.length > 3 ? ', …' : ''}); Flink's region failover would restart only the failed one, ` +
        'but this engine restarts every task on a failure: set it to full (or leave it unset: the engine then restarts every task)',
    },
  ];
}

function asks_region_failover(scenario: Scenario): boolean {
  const asked = (scenario.flink as Record<string, unknown> | undefined)?.[FAILOVER_STRATEGY_KEY];
  return typeof asked === 'string' && asked.toLowerCase() === 'region';
}

/** failover_strategy_issues for a built-in job (whose other fits are ours to keep): builds its graph only when asked. */
export function built_in_failover_issues(job: JobUnderTest, scenario: Scenario): JobIssue[] {
  if (!asks_region_failover(scenario)) return [];
  const input = job_input(job, 1, workload_sizes(scenario));
  const graph = build_job_graph(job, probe_io(scenario, input_topics(input)), scenario.job.parallelism ?? 2, scenario.job.max_parallelism);
  return failover_strategy_issues(graph, scenario, job.name);
}
