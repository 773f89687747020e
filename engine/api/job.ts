// The job contract: what a job brings so the harness can run, judge and replay it — how it builds its dataflow, the
// parameters it takes, its deterministic input, how its output is compared, and (optionally) how its keys are skewed.
// `defineJob` checks a definition and brands it, so a definition is recognised whichever copy of the package made it.
import type { LogRecord } from '../connectors/log-broker.js';
import type { StreamExecutionEnvironment } from './environment.js';
import type { Sink, Source } from './functions.js';

// ---- parameters ------------------------------------------------------------------------------------------------

interface ParamCommon {
  description?: string;
  /**
   * The range generated runs draw values from (property tests, streamsim/testing), in the parameter's unit (ms for a
   * duration). Default: the default value alone, or the declared range when there is no default.
   */
  explore?: readonly [low: number, high: number];
}

/**
 * One declared parameter. A scenario's `job.params` is validated against the declarations (unknown names, wrong types
 * and out-of-range values are errors with the scenario's line numbers); missing values take the default, and a
 * parameter without a default is required. `duration` takes Flink's duration syntax ("250 ms", "1 min", or a number
 * of ms) and reaches the job as milliseconds.
 */
export type ParamSpec =
  | (ParamCommon & { type: 'integer'; default?: number; minimum?: number; maximum?: number })
  | (ParamCommon & { type: 'number'; default?: number; minimum?: number; maximum?: number })
  | (ParamCommon & { type: 'boolean'; default?: boolean })
  | (ParamCommon & { type: 'string'; default?: string; enum?: readonly string[] })
  | (ParamCommon & { type: 'duration'; default?: string | number; minimum_ms?: number; maximum_ms?: number });

export type ParamDeclarations = Readonly<Record<string, ParamSpec>>;

/** The values a job's build and input generator receive for its declarations (durations as milliseconds). */
export type ParamValues<D extends ParamDeclarations> = {
  -readonly [K in keyof D]: D[K] extends { type: 'boolean' }
    ? boolean
    : D[K] extends { type: 'string'; enum: readonly (infer E)[] }
      ? E
      : D[K] extends { type: 'string' }
        ? string
        : number;
};

// ---- input -----------------------------------------------------------------------------------------------------

/** Records per topic, then per partition, in offset order. A record is `{ value, timestamp_ms }`. */
export type InputRecords = ReadonlyMap<string, readonly (readonly LogRecord[])[]> | Readonly<Record<string, readonly (readonly LogRecord[])[]>>;

/** What an input generator may depend on: nothing but these (so one seed decides the data). */
export interface InputContext<P> {
  /** Drawn from the run's seed: the same seed gives the same input. */
  seed: number;
  params: P;
  /**
   * The scenario's `workload` section: sizes a generator may follow, and `key_names` when the scenario names its keys
   * (key i is key_names[i]: unicode, colliding hash codes, key-group boundaries); see workload.ts keyNamer.
   */
  workload: { records: number; keys: number; partitions: number; key_names?: readonly string[] };
}

export type JobInput<P> =
  /** Generated input: a pure function of the context (use a seeded generator such as WorkloadRandom). */
  | { generate(context: InputContext<P>): InputRecords }
  /** Fixed input, the same in every run. */
  | { records: InputRecords };

// ---- output ----------------------------------------------------------------------------------------------------

/**
 * How the job's output is compared with the sequential oracle's. Outputs are compared per output key: within a key
 * order matters, across keys it does not (parallel subtasks interleave freely).
 */
export interface OutputSpec<OUT = unknown> {
  /** Uid of the sink whose output is compared. Default: the job's only sink. */
  sink?: string;
  /** The key an output record belongs to. Default: the record itself (its canonical JSON): a multiset comparison. */
  key?: (record: OUT) => string;
  /** The id an idempotent sink upserts a record under. Default: the output key. */
  id?: (record: OUT) => string;
  /**
   * For output that legitimately depends on event-time or processing-time progress (late data behind a watermark,
   * state TTL): no sequential oracle can predict it, so the job judges its committed output itself, by record
   * identity and the rules the output must follow. When given, exactly-once output is this check's verdict (not a
   * comparison with the oracle), restored state is not compared at recoveries, and TTL state (`_ttl/`) is left out of
   * the final-state comparison; the report names the checks that applied.
   */
  check?: (context: OutputCheckContext<OUT>) => OutputCheckVerdict;
}

/** What a job's own output check gets. */
export interface OutputCheckContext<OUT> {
  /** The run's input: topic → partitions → records in offset order. */
  input: ReadonlyMap<string, readonly (readonly LogRecord[])[]>;
  /** The compared sink's output at the end of the run (for a transactional sink: what was committed). */
  output: readonly OUT[];
  /** Whether the job read its whole input (it finished): only then is a record missing from the output lost. */
  complete: boolean;
  /** The job's parameter values, as `build` and the input generator received them. */
  params: Readonly<Record<string, unknown>>;
}

/** A job's verdict on its output. Each list holds a few examples in words (empty: that check held). */
export interface OutputCheckVerdict {
  /** The checks applied and how many times each (a check applied 0 times says so). */
  checks: readonly { name: string; count: number }[];
  /** Input records counted more than once in the output (by identity). */
  duplicates: readonly string[];
  /** Input records the output misses (by identity; only judged when `complete`). */
  losses: readonly string[];
  /** Output that breaks a rule it must follow (a wrong aggregate, a record late that no watermark could pass, …). */
  problems: readonly string[];
}

// ---- connectors ------------------------------------------------------------------------------------------------

/** The sink kinds a scenario can ask for (`sink.kind`); `discard` only counts (engine tests). */
export type JobSinkKind = 'two_phase_commit' | 'idempotent' | 'at_least_once' | 'collect' | 'discard';

/**
 * Connectors wired to the run's world: the replayable log the input is in, and the external system the output goes
 * to, with the sink kind the scenario asks for. A job never needs the simulator's process ids.
 */
export interface JobIo {
  /** A replayable source over one input topic (default: the input's only topic). */
  source<T>(topic?: string): Source<T>;
  /** A sink of the scenario's kind (`sink.kind`); an idempotent sink upserts by `id` (default: the output id). */
  sink<T>(options?: { id?: (record: T) => string }): Sink<T>;
  /** The scenario's sink kind. */
  readonly sink_kind: JobSinkKind;
  /** Whether the input is bounded (the job finishes) or unbounded. */
  readonly bounded: boolean;
  /** Topic → partition count of the input. */
  readonly topics: ReadonlyMap<string, number>;
}

// ---- the definition --------------------------------------------------------------------------------------------

/**
 * Rewrites the keys of generated input for a skewed key distribution (`workload.key_distribution: zipf`).
 * `next_key()` draws a key index in [0, workload.keys) from the skewed distribution; the hook keeps whatever the job
 * needs (per-key order, partitioning, timestamps). A job without one refuses zipf at validation.
 */
export type RekeyHook<P> = (input: ReadonlyMap<string, readonly (readonly LogRecord[])[]>, next_key: () => number, context: InputContext<P>) => InputRecords;

export interface JobSpecification<D extends ParamDeclarations, OUT> {
  /** One line: what the job computes. */
  description?: string;
  /** Declared parameters (default: none; then `job.params` must be empty). */
  params?: D;
  /** Builds the dataflow on `env` (the same graph on every process, so it must depend only on its arguments). */
  build(env: StreamExecutionEnvironment, params: ParamValues<D>, io: JobIo): void;
  input: JobInput<ParamValues<D>>;
  output?: OutputSpec<OUT>;
  rekey?: RekeyHook<ParamValues<D>>;
}

/** Brand of a job definition: a global symbol, so definitions made by another copy of the package are recognised. */
export const JOB_DEFINITION_BRAND: unique symbol = Symbol.for('streamsim.job-definition') as never;

/** A checked job definition (from defineJob). Output functions are always present (defaults filled in). */
export interface JobDefinition<P = Record<string, unknown>, OUT = unknown> {
  readonly [JOB_DEFINITION_BRAND]: 1;
  readonly description: string;
  readonly params: ParamDeclarations;
  build(env: StreamExecutionEnvironment, params: P, io: JobIo): void;
  readonly input: JobInput<P>;
  readonly output: { sink: string | undefined; key: (record: OUT) => string; id: (record: OUT) => string; check: ((context: OutputCheckContext<OUT>) => OutputCheckVerdict) | undefined };
  readonly rekey: RekeyHook<P> | undefined;
}

/** Any job definition, whatever its parameter and output types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<any, any>;

export class JobDefinitionError extends Error {
  override readonly name = 'JobDefinitionError';
}

const PARAM_TYPES = new Set(['integer', 'number', 'boolean', 'string', 'duration']);
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function check_params(params: unknown): ParamDeclarations {
  if (params === undefined) return {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new JobDefinitionError('params must be an object of declarations');
  for (const [name, spec] of Object.entries(params)) {
    if (!PARAM_NAME.test(name)) throw new JobDefinitionError(`param ${JSON.stringify(name)}: a name is letters, digits and _`);
    const type = (spec as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !PARAM_TYPES.has(type)) {
      throw new JobDefinitionError(`param ${name}: type must be one of ${[...PARAM_TYPES].join(', ')}; got ${JSON.stringify(type)}`);
    }
    const explore = (spec as ParamCommon).explore;
    if (explore !== undefined && (!Array.isArray(explore) || explore.length !== 2 || !(explore[0] <= explore[1]))) {
      throw new JobDefinitionError(`param ${name}: explore must be [low, high] with low ≤ high`);
    }
    if (explore !== undefined && (type === 'boolean' || type === 'string')) throw new JobDefinitionError(`param ${name}: explore applies to numbers and durations`);
  }
  return params as ParamDeclarations;
}

/** The canonical JSON of a value: the default output key. */
export function canonical_json(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * Checks a job specification and returns the branded definition with defaults filled in. Throws a JobDefinitionError
 * naming what is wrong (the CLI reports it as bad input, naming the module and export).
 */
export function defineJob<const D extends ParamDeclarations = Record<never, never>, OUT = unknown>(
  specification: JobSpecification<D, OUT>,
): JobDefinition<ParamValues<D>, OUT> {
  const spec = specification as Partial<JobSpecification<D, OUT>> | null;
  if (spec === null || typeof spec !== 'object') throw new JobDefinitionError('defineJob needs an object');
  if (typeof spec.build !== 'function') throw new JobDefinitionError('build must be a function (env, params, io) => void');
  const input = spec.input as Partial<{ generate: unknown; records: unknown }> | undefined;
  if (input === undefined || input === null || typeof input !== 'object') {
    throw new JobDefinitionError('input must be { generate(context) } or { records: { topic: [[...partition 0], ...] } }');
  }
  if ((typeof input.generate === 'function') === (input.records !== undefined)) {
    throw new JobDefinitionError('input needs exactly one of generate (a function of seed and params) or records (fixed input)');
  }
  const output = spec.output ?? {};
  for (const field of ['key', 'id', 'check'] as const) {
    if (output[field] !== undefined && typeof output[field] !== 'function') throw new JobDefinitionError(`output.${field} must be a function of an output record`);
  }
  if (output.sink !== undefined && (typeof output.sink !== 'string' || output.sink.length === 0)) throw new JobDefinitionError('output.sink must be a sink uid');
  if (spec.rekey !== undefined && typeof spec.rekey !== 'function') throw new JobDefinitionError('rekey must be a function');
  const key = output.key ?? (canonical_json as (record: OUT) => string);
  const definition: JobDefinition<ParamValues<D>, OUT> = {
    [JOB_DEFINITION_BRAND]: 1,
    description: typeof spec.description === 'string' ? spec.description : '',
    params: check_params(spec.params),
    build: spec.build,
    input: spec.input as JobInput<ParamValues<D>>,
    output: { sink: output.sink, key, id: output.id ?? key, check: output.check },
    rekey: spec.rekey,
  };
  return Object.freeze(definition);
}

/** Whether a value is a job definition made by defineJob (by this or another copy of the package). */
export function isJobDefinition(value: unknown): value is AnyJobDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB_DEFINITION_BRAND] === 1;
}

/** The input as a map (topic → partitions), from either form a job may give. */
export function input_records_map(records: InputRecords): Map<string, LogRecord[][]> {
  const entries = records instanceof Map ? [...(records as ReadonlyMap<string, readonly (readonly LogRecord[])[]>)] : Object.entries(records);
  return new Map(entries.map(([topic, partitions]) => [topic, (partitions as readonly (readonly LogRecord[])[]).map((records) => [...records])]));
}
