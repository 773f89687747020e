// The oracle: a plain, sequential evaluation of a job's own functions over the same input, without tasks,
// channels, parallelism or network. It yields the expected sink output (compare per key) and the expected keyed
// state per operator uid, for the whole input or for a prefix given per-partition offsets.
//
// Semantics (documented deviations from a timed run):
// - Each source partition is read in offset order; partitions one after another. Per key, order is preserved when a
//   key's records come from one partition (or when the job's functions are insensitive to cross-partition order).
// - Event time: all elements are processed first, then the watermark jumps to `final_watermark_ms` (default +∞, the
//   end of bounded input) — or, for the state at a checkpoint, to the watermark each key group's subtask had when it
//   snapshotted (`watermarks`) — and due timers fire in (timestamp, key, namespace) order. This equals the engine's
//   result when no element is late (windows) and functions do not read the current watermark mid-stream. A process
//   function's timer that fires after a later record of its key was read may have fired before that record in the
//   engine: such keys are reported (`ambiguous_keys`) rather than guessed.
// - Processing time is a model, not a clock: `frozen` (the default) stands still at 0, so processing-time timers never
//   fire; `eternal` lets an eternity pass before every record and after the last one, so every processing-time timer
//   fires before the next record is read. A real run lies between the two (properties/processing-time.ts).
import type { JobFactory } from '../engine/api/environment.js';
import { StreamExecutionEnvironment } from '../engine/api/environment.js';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, type Collector, type KeySelector, type OnTimerContext, type TimerService } from '../engine/api/functions.js';
import { is_log_source, splitId } from '../engine/connectors/log-source.js';
import { is_split_log_source } from '../engine/connectors/split-source/index.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import type { GraphNode, NodeOperator } from '../engine/graph/job-graph.js';
import type { StateEntry } from '../engine/state/backend.js';
import { decodeKey, encodeKey } from '../engine/state/key-codec.js';
import { assignToKeyGroup, keyHashCode } from '../engine/state/key-groups.js';
import { InternalTimerService, KeyContext, KeyedStateStore, type InternalTimer } from '../engine/state/keyed-state.js';
import { MemoryKeyedStateBackend } from '../engine/state/memory-backend.js';
import { HeapKeyedStateBackend } from '../engine/state/heap-backend.js';
import { LsmKeyedStateBackend } from '../engine/state/lsm/lsm-backend.js';
import type { CheckpointMetadata } from '../engine/checkpoint/metadata.js';
import type { PartitionOffset } from '../engine/connectors/log-source.js';
import { UserFunction } from '../engine/task/operators/user-function.js';
import { WindowLogic, type WindowHost } from '../engine/task/operators/window/window-logic.js';
import { ElementStream, OperatorOutputs, OracleOperatorState, OracleStreams, oracleSubtaskInfo } from './oracle-streams.js';
import { evaluateUdfNode } from './oracle-udf.js';
import { evaluateTwoInput, type TwoInputOrder } from './oracle-two-input.js';

export type OracleInput = ReadonlyMap<string, readonly (readonly LogRecord[])[]>;

export interface OracleOptions {
  /** Per split id (engine/connectors/log-source.ts splitId(topic, partition)): records to read. Default: all. */
  offsets?: ReadonlyMap<string, number>;
  /** The watermark the evaluation ends at. Default: +∞ (end of bounded input). */
  final_watermark_ms?: number;
  /** Job parallelism is irrelevant to the result; max parallelism decides key groups in the state entries. */
  max_parallelism?: number;
  /**
   * Only the keyed state is wanted (e.g. the state at a restored checkpoint): what keyed operators emit towards sinks
   * only is not kept, and `outputs` stays empty. Every function still runs on every record.
   */
  state_only?: boolean;
  /**
   * Per keyed operator uid: the watermark the subtask owning a key group had (e.g. when a checkpoint was taken).
   * Event-time timers of that key group fire up to it instead of `final_watermark_ms`.
   */
  watermarks?: ReadonlyMap<string, (key_group: number) => number>;
  /** Two-input operators: which input is read first (the whole of it, then the other). Default input 1. */
  two_input_order?: TwoInputOrder;
  /** How processing time passes in keyed process functions and windows (see the header). Default frozen. */
  processing_time?: ProcessingTimeModel;
}

export type ProcessingTimeModel = 'frozen' | 'eternal';

export interface OracleResult {
  /** Sink uid → records in oracle order (none with `state_only`). */
  outputs: Map<string, unknown[]>;
  /** Keyed operator uid → state entries in canonical order (same form as KeyedStateBackend.export_entries). */
  state: Map<string, StateEntry[]>;
  /** Broadcast operator uid → broadcast state name → entries: the copy every subtask must hold. */
  broadcast_state: Map<string, Map<string, [unknown, unknown][]>>;
  /** User-function operator uid → list state name → entries after a final snapshotState (one parallel instance). */
  operator_state: Map<string, Map<string, unknown[]>>;
  records_read: number;
  /**
   * Keyed process operator uid → encoded keys whose event-time timer fired after a later record of the key was read:
   * the engine may have fired it before that record, so the oracle's state for these keys is one possible order.
   */
  ambiguous_keys: Map<string, Set<string>>;
  /** Set when the job has a two-input operator: its result may depend on how the two inputs interleave. */
  two_input?: true;
  /** Keyed operator uids whose functions read processing time or set processing-time timers (or windows by it). */
  processing_time_operators?: string[];
  /** Window operator uids whose assigner windows by processing time: a record's window depends on the clock alone. */
  processing_time_windows?: string[];
}

export function evaluateOracle(
  factory: JobFactory,
  params: Record<string, unknown>,
  input: OracleInput,
  options: OracleOptions = {},
): OracleResult {
  const env = new StreamExecutionEnvironment({ parallelism: 1, max_parallelism: options.max_parallelism });
  factory(env, params);
  const graph = env.graph;
  graph.validate();
  const final_watermark_ms = options.final_watermark_ms ?? MAX_WATERMARK;
  const state_only = options.state_only === true;
  const streams = new OracleStreams();
  const outputs = new Map<string, unknown[]>();
  const state = new Map<string, StateEntry[]>();
  const operator_state = new Map<string, Map<string, unknown[]>>();
  const ambiguous_keys = new Map<string, Set<string>>();
  const broadcast_state = new Map<string, Map<string, [unknown, unknown][]>>();
  let records_read = 0;
  let two_input = false;
  const processing_time_operators: string[] = [];
  const processing_time_windows: string[] = [];

  /** The stream of one input (2: a two-input operator's second): one edge's as it is; several (union): in turn. */
  const inputOf = (node: GraphNode, input: 1 | 2): ElementStream => {
    const edges = node.inputs.filter((edge) => (edge.input ?? 1) === input);
    if (edges.length === 1) return streams.read(edges[0]!);
    const joined = new ElementStream();
    for (const edge of edges) {
      const stream = streams.read(edge);
      for (let i = 0; i < stream.values.length; i++) joined.push(stream.values[i], stream.timestamps_ms[i]!);
    }
    return joined;
  };
  for (const node of graph.nodes) {
    const inputs = inputOf(node, 1);
    const op = node.operator;
    const out = new OperatorOutputs();
    switch (op.kind) {
      case 'source': {
        out.main = readSource(op, input, options.offsets);
        records_read += out.main.values.length;
        break;
      }
      case 'map':
      case 'filter':
      case 'flat_map':
      case 'process': {
        if (op.kind !== 'process' && op.key_selector !== undefined) {
          // After keyBy: the function may use keyed state, so it runs over the whole key space like keyed operators.
          const keyed = new KeyedEvaluation(node, op, final_watermark_ms, true, out);
          keyed.runUdf(op, inputs);
          state.set(node.uid, keyed.exportState());
          const lists = keyed.operator_state.entries();
          if (lists.size > 0) operator_state.set(node.uid, lists);
          break;
        }
        const lists = evaluateUdfNode(node, op, inputs, out).entries();
        if (lists.size > 0) operator_state.set(node.uid, lists);
        break;
      }
      case 'keyed_process':
      case 'keyed_reduce':
      case 'window': {
        const keep_output = !state_only || graph.consumers(node.id).some((consumer) => consumer.operator.kind !== 'sink');
        const keyed = new KeyedEvaluation(node, op, final_watermark_ms, keep_output, out, options.watermarks?.get(node.uid), options.processing_time);
        keyed.run(inputs);
        if (keyed.reads_processing_time) processing_time_operators.push(node.uid);
        if (keyed.windows_by_processing_time) processing_time_windows.push(node.uid);
        state.set(node.uid, keyed.exportState());
        if (keyed.ambiguous_keys.size > 0) ambiguous_keys.set(node.uid, keyed.ambiguous_keys);
        const lists = keyed.operator_state.entries();
        if (lists.size > 0) operator_state.set(node.uid, lists);
        break;
      }
      case 'timestamps_watermarks': {
        // Timestamps from the strategy's assigner; its watermarks do not matter here (timers fire at the end).
        const assigner = op.strategy.timestamp_assigner;
        for (let i = 0; i < inputs.values.length; i++) {
          const value = inputs.values[i];
          out.main.push(value, assigner === undefined ? inputs.timestamps_ms[i]! : assigner(value, inputs.timestamps_ms[i]!));
        }
        break;
      }
      case 'sink':
        if (!state_only) outputs.set(node.uid, inputs.values.slice());
        break;
      case 'two_input': {
        two_input = true;
        const keep_output = !state_only || graph.consumers(node.id).some((consumer) => consumer.operator.kind !== 'sink');
        const watermark_of = options.watermarks?.get(node.uid);
        const result = evaluateTwoInput(node, op.spec, inputs, inputOf(node, 2), {
          final_watermark_ms,
          ...(watermark_of !== undefined ? { watermark_of } : {}),
          order: options.two_input_order ?? 'input1_first',
          outputs: keep_output ? out : undefined,
        });
        if (result.state !== undefined) state.set(node.uid, result.state);
        if (result.ambiguous_keys.size > 0) ambiguous_keys.set(node.uid, result.ambiguous_keys);
        if (result.broadcast_state !== undefined) broadcast_state.set(node.uid, result.broadcast_state);
        const lists = result.operator_state.entries();
        if (lists.size > 0) operator_state.set(node.uid, lists);
        break;
      }
      default: {
        const unknown: never = op;
        throw new Error(`oracle: no evaluation for operator kind ${(unknown as NodeOperator).kind}`);
      }
    }
    streams.set(node.id, out);
  }
  return {
    outputs,
    state,
    operator_state,
    broadcast_state,
    records_read,
    ambiguous_keys,
    ...(two_input ? { two_input: true as const } : {}),
    ...(processing_time_operators.length > 0 ? { processing_time_operators } : {}),
    ...(processing_time_windows.length > 0 ? { processing_time_windows } : {}),
  };
}

function readSource(op: Extract<NodeOperator, { kind: 'source' }>, input: OracleInput, offsets?: ReadonlyMap<string, number>): ElementStream {
  if (!is_log_source(op.source) && !is_split_log_source(op.source)) throw new Error(`the oracle reads only log sources (io.source()); the job has a ${op.source.kind} source`);
  const config = op.source.config;
  const partitions = input.get(config.topic) ?? [];
  const out = new ElementStream();
  const assigner = op.watermarks?.timestamp_assigner;
  // The log source names its partitions in its config; the split source reads every partition the topic has.
  const partition_count = is_log_source(op.source) ? op.source.config.partitions : partitions.length;
  for (let p = 0; p < partition_count; p++) {
    const records = partitions[p] ?? [];
    const limit = Math.min(records.length, offsets?.get(splitId(config.topic, p)) ?? records.length);
    if (assigner === undefined) {
      for (let i = 0; i < limit; i++) out.push(records[i]!.value, records[i]!.timestamp_ms);
    } else {
      for (let i = 0; i < limit; i++) out.push(records[i]!.value, assigner(records[i]!.value, records[i]!.timestamp_ms));
    }
  }
  return out;
}

/** One keyed operator over the whole key space, with the engine's state primitives so state compares 1:1. */
class KeyedEvaluation {
  private readonly backend: MemoryKeyedStateBackend;
  private readonly context = new KeyContext();
  private readonly store: KeyedStateStore;
  private readonly timers: InternalTimerService;
  private readonly out: ElementStream;
  /** Key group per encoded key, worked out at the key's first record. */
  private readonly key_groups = new Map<string, number>();
  private watermark_ms = MIN_WATERMARK;
  private udf: UserFunction | undefined;
  readonly operator_state = new OracleOperatorState();
  /** Process functions: encoded keys whose timer fired after a later record of the key (see OracleResult). */
  readonly ambiguous_keys = new Set<string>();
  /** Whether the operator's functions read processing time or set processing-time timers (see OracleResult). */
  reads_processing_time = false;
  /** Window operators: whether the assigner windows by processing time. */
  windows_by_processing_time = false;
  /** The processing time the functions see: 0 when frozen; in the eternal model it grows by an eternity per record. */
  private processing_time_ms = 0;

  constructor(
    private readonly node: GraphNode,
    private readonly op: NodeOperator & { key_selector?: KeySelector<unknown, unknown> },
    private readonly final_watermark_ms: number,
    /** Whether emitted records are kept (false: only sinks read them and they are not wanted). */
    private readonly keep_output: boolean,
    private readonly outputs: OperatorOutputs,
    /** The watermark per key group (a checkpoint's); absent: final_watermark_ms for every key group. */
    private readonly watermark_of?: (key_group: number) => number,
    private readonly processing_time: ProcessingTimeModel = 'frozen',
  ) {
    this.out = outputs.main;
    this.backend = new MemoryKeyedStateBackend({ start: 0, end: node.max_parallelism - 1 }, node.max_parallelism);
    this.store = new KeyedStateStore(this.backend, this.context);
    this.timers = new InternalTimerService(this.backend);
  }

  private setKey(key: unknown, namespace = ''): void {
    const encoded = encodeKey(key);
    // The encoding is reversible, so one encoded key always hashes to the same key group.
    let key_group = this.key_groups.get(encoded);
    if (key_group === undefined) {
      key_group = assignToKeyGroup(keyHashCode(key, encoded), this.node.max_parallelism);
      this.key_groups.set(encoded, key_group);
    }
    this.context.set(key, encoded, key_group);
    this.context.current_namespace = namespace;
  }

  private setTimerKey(timer: InternalTimer): void {
    this.context.set(decodeKey(timer.key_encoded), timer.key_encoded, timer.key_group);
    this.context.current_namespace = timer.namespace;
  }

  private emit(value: unknown, timestamp_ms: number): void {
    if (this.keep_output) this.out.push(value, timestamp_ms);
  }

  private emitSide(tag_id: string, value: unknown, timestamp_ms: number): void {
    if (this.keep_output) this.outputs.sideStream(tag_id).push(value, timestamp_ms);
  }

  /** map/filter/flatMap after keyBy: the key set from each record, keyed state for the function. */
  runUdf(op: Extract<NodeOperator, { kind: 'map' | 'filter' | 'flat_map' }>, inputs: ElementStream): void {
    const key_selector = op.key_selector!;
    const lists = evaluateUdfNode(this.node, op, inputs, this.outputs, { store: this.store, setKeyFrom: (value) => this.setKey(key_selector(value)) });
    for (const [name, entries] of lists.lists) this.operator_state.list(name, entries.mode).update(entries.get());
  }

  run(inputs: ElementStream): ElementStream {
    const op = this.op;
    if (op.kind === 'keyed_reduce') {
      const reduced = this.store.getReducingState<unknown>('_reduce', op.reduce, true);
      for (let i = 0; i < inputs.values.length; i++) {
        const value = inputs.values[i];
        this.setKey(op.key_selector(value));
        reduced.add(value);
        this.emit(reduced.get(), inputs.timestamps_ms[i]!);
      }
      return this.out;
    }
    if (op.kind === 'keyed_process') return this.runProcess(op, inputs);
    if (op.kind !== 'window') throw new Error(`oracle: ${op.kind} is not a keyed operator`);
    return this.runWindows(op, inputs);
  }

  private runProcess(op: Extract<NodeOperator, { kind: 'keyed_process' }>, inputs: ElementStream): ElementStream {
    const fn = op.create_function();
    let current_ts: number | undefined;
    let out_ts = NO_TIMESTAMP;
    const collector: Collector<unknown> = { collect: (value) => this.emit(value, out_ts) };
    let time_domain: 'event' | 'processing' = 'event';
    const register = (domain: 'event' | 'processing', ts: number): void =>
      this.timers.register(domain, ts, this.context.current_key_encoded, this.context.current_key_group, '');
    const remove = (domain: 'event' | 'processing', ts: number): void =>
      this.timers.delete(domain, ts, this.context.current_key_encoded, this.context.current_key_group, '');
    const timer_service: TimerService = {
      currentWatermark: () => this.watermark_ms,
      currentProcessingTime: () => this.readProcessingTime(),
      registerEventTimeTimer: (ts) => register('event', ts),
      registerProcessingTimeTimer: (ts) => {
        this.reads_processing_time = true;
        register('processing', ts);
      },
      deleteEventTimeTimer: (ts) => remove('event', ts),
      deleteProcessingTimeTimer: (ts) => {
        this.reads_processing_time = true;
        remove('processing', ts);
      },
    };
    const ctx: OnTimerContext<unknown> = {
      getCurrentKey: () => this.context.current_key,
      timestamp: () => current_ts,
      timerService: () => timer_service,
      timeDomain: () => time_domain,
      output: (tag, value) => this.emitSide(tag.id, value, out_ts),
    };
    this.udf = new UserFunction(fn, oracleSubtaskInfo(this.node), this.operator_state, this.store);
    this.udf.open();
    /** Per encoded key: the greatest timestamp of its records read (a timer before it fired in some order). */
    const latest_record_ms = new Map<string, number>();
    const fire_processing = (t: InternalTimer): void => {
      current_ts = t.timestamp_ms;
      out_ts = NO_TIMESTAMP;
      time_domain = 'processing';
      fn.onTimer?.(t.timestamp_ms, ctx, collector);
      time_domain = 'event';
    };
    const eternity_ms = this.eternity_ms(inputs.values.length);
    for (let i = 0; i < inputs.values.length; i++) {
      const value = inputs.values[i];
      const timestamp_ms = inputs.timestamps_ms[i]!;
      this.passEternity(i, eternity_ms, fire_processing);
      this.setKey(op.key_selector(value));
      current_ts = timestamp_ms === NO_TIMESTAMP ? undefined : timestamp_ms;
      out_ts = timestamp_ms;
      fn.processElement(value, ctx, collector);
      const key = this.context.current_key_encoded;
      if (timestamp_ms > (latest_record_ms.get(key) ?? MIN_WATERMARK)) latest_record_ms.set(key, timestamp_ms);
    }
    this.passEternity(inputs.values.length, eternity_ms, fire_processing);
    this.fireEventTimers((t) => {
      this.context.current_namespace = '';
      if ((latest_record_ms.get(t.key_encoded) ?? MIN_WATERMARK) > t.timestamp_ms) this.ambiguous_keys.add(t.key_encoded);
      current_ts = t.timestamp_ms;
      out_ts = t.timestamp_ms;
      fn.onTimer?.(t.timestamp_ms, ctx, collector);
    });
    this.udf.snapshotState(0, 0);
    this.udf.close();
    return this.out;
  }

  /** The engine's window logic over this evaluation's state and timers; event-time timers fire at the final watermark. */
  private runWindows(op: Extract<NodeOperator, { kind: 'window' }>, inputs: ElementStream): ElementStream {
    let out_ts = NO_TIMESTAMP;
    const c = this.context;
    const host: WindowHost = {
      key_context: c,
      store: this.store,
      backend: this.backend,
      currentWatermark: () => this.watermark_ms,
      currentProcessingTime: () => this.readProcessingTime(),
      registerTimer: (domain, ts, namespace) => {
        if (domain === 'processing') this.reads_processing_time = true;
        this.timers.register(domain, ts, c.current_key_encoded, c.current_key_group, namespace);
      },
      deleteTimer: (domain, ts, namespace) => this.timers.delete(domain, ts, c.current_key_encoded, c.current_key_group, namespace),
      resetOutput: (ts) => {
        out_ts = ts;
      },
      collect: (value) => this.emit(value, out_ts),
      collectSide: (tag_id, value) => this.emitSide(tag_id, value, out_ts),
    };
    const logic = new WindowLogic(op, host);
    if (!logic.isEventTime()) this.windows_by_processing_time = this.reads_processing_time = true;
    const udf = new UserFunction(logic.user_function, oracleSubtaskInfo(this.node), this.operator_state, this.store);
    udf.open();
    const fire_processing = (t: InternalTimer): void => logic.onTimer('processing', t.timestamp_ms, t.namespace);
    const eternity_ms = this.eternity_ms(inputs.values.length);
    for (let i = 0; i < inputs.values.length; i++) {
      const value = inputs.values[i];
      this.passEternity(i, eternity_ms, fire_processing);
      this.setKey(op.key_selector(value));
      logic.processElement(value, inputs.timestamps_ms[i]!);
    }
    this.passEternity(inputs.values.length, eternity_ms, fire_processing);
    this.fireEventTimers((t) => {
      c.current_namespace = '';
      logic.onTimer('event', t.timestamp_ms, t.namespace);
    });
    udf.snapshotState(0, 0);
    udf.close();
    return this.out;
  }

  private readProcessingTime(): number {
    this.reads_processing_time = true;
    return this.processing_time_ms;
  }

  /**
   * The eternal model's step between two records: longer than any timer delay a job sets (2^31 ms, about 25 days),
   * shrunk for very long inputs so that the last record's processing time stays an exact integer.
   */
  private eternity_ms(records: number): number {
    return Math.min(2 ** 31, Math.floor(Number.MAX_SAFE_INTEGER / (records + 2)));
  }

  /**
   * The eternal model only: before record `index` (and after the last one), an eternity passes and every
   * processing-time timer set so far fires, in (timestamp, key, namespace) order; timers set while they fire wait for
   * the next eternity.
   */
  private passEternity(index: number, eternity_ms: number, fire: (timer: InternalTimer) => void): void {
    if (this.processing_time !== 'eternal') return;
    this.processing_time_ms = (index + 1) * eternity_ms;
    const due: InternalTimer[] = [];
    for (let t = this.timers.pollDue('processing', this.processing_time_ms); t !== undefined; t = this.timers.pollDue('processing', this.processing_time_ms)) due.push(t);
    for (const t of due) {
      this.setTimerKey(t);
      fire(t);
    }
  }

  /**
   * Fires due event-time timers in (timestamp, key, namespace) order: up to final_watermark_ms, or up to each key
   * group's own watermark. Timers beyond their key group's watermark stay registered (they are part of the state).
   */
  private fireEventTimers(fire: (timer: InternalTimer) => void): void {
    const watermark_of = this.watermark_of;
    let ceiling = this.final_watermark_ms;
    if (watermark_of !== undefined) {
      ceiling = MIN_WATERMARK;
      for (const key_group of new Set(this.key_groups.values())) ceiling = Math.max(ceiling, watermark_of(key_group));
    }
    this.watermark_ms = ceiling;
    const not_yet: InternalTimer[] = [];
    for (let t = this.timers.pollDue('event', ceiling); t !== undefined; t = this.timers.pollDue('event', ceiling)) {
      if (watermark_of !== undefined && t.timestamp_ms > watermark_of(t.key_group)) {
        not_yet.push(t);
        continue;
      }
      this.setTimerKey(t);
      fire(t);
    }
    for (const t of not_yet) this.timers.register('event', t.timestamp_ms, t.key_encoded, t.key_group, t.namespace);
  }

  exportState(): StateEntry[] {
    return [...this.backend.export_entries()];
  }
}

/** Groups records by a key function, keeping order within each key. */
export function groupByKey(records: readonly unknown[], key_of: (record: unknown) => string): Map<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  for (const record of records) {
    const key = key_of(record);
    let list = groups.get(key);
    if (list === undefined) {
      list = [];
      groups.set(key, list);
    }
    list.push(record);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface PerKeyDifference {
  key: string;
  expected: unknown[];
  actual: unknown[];
}

/** Compares outputs per key (order within a key matters, across keys it does not); returns the first differences. */
export function diffPerKey(
  expected: readonly unknown[],
  actual: readonly unknown[],
  key_of: (record: unknown) => string,
  max_differences = 5,
): PerKeyDifference[] {
  const e = groupByKey(expected, key_of);
  const a = groupByKey(actual, key_of);
  const keys = [...new Set([...e.keys(), ...a.keys()])].sort();
  const differences: PerKeyDifference[] = [];
  for (const key of keys) {
    const ev = e.get(key) ?? [];
    const av = a.get(key) ?? [];
    if (JSON.stringify(ev) !== JSON.stringify(av)) {
      differences.push({ key, expected: ev, actual: av });
      if (differences.length >= max_differences) break;
    }
  }
  return differences;
}

// ---- checkpoints: what the checker compares ------------------------------------------------------------------

/**
 * The source offsets a checkpoint recorded (log sources keep union list state "offsets" of {topic, partition,
 * offset}), as the `offsets` option of evaluateOracle: "the oracle at these offsets".
 */
export function checkpointOffsets(metadata: CheckpointMetadata, source_uid = 'source'): Map<string, number> {
  const offsets = new Map<string, number>();
  const operator = metadata.operators.find((op) => op.operator_id === source_uid);
  if (operator === undefined) throw new Error(`checkpoint ${metadata.checkpoint_id} has no operator ${source_uid}`);
  for (const subtask of operator.subtasks) {
    for (const list of subtask.operator_state) {
      if (list.name !== 'offsets') continue;
      for (const entry of list.entries as PartitionOffset[]) {
        const id = splitId(entry.topic, entry.partition);
        offsets.set(id, Math.max(offsets.get(id) ?? 0, entry.offset));
      }
    }
  }
  return offsets;
}

/**
 * The keyed state a checkpoint holds for one operator, in canonical order (heap handles restored into one backend
 * over all key groups). `files` holds referenced files when state was not inlined in the metadata.
 */
export function checkpointKeyedState(
  metadata: CheckpointMetadata,
  operator_uid: string,
  files: ReadonlyMap<string, Uint8Array> = new Map(),
): StateEntry[] {
  const operator = metadata.operators.find((op) => op.operator_id === operator_uid);
  if (operator === undefined) return [];
  const handles = operator.subtasks.flatMap((s) => s.keyed);
  const options = { key_group_range: { start: 0, end: operator.max_parallelism - 1 }, max_parallelism: operator.max_parallelism };
  const backend = handles.some((h) => h.backend === 'lsm') ? new LsmKeyedStateBackend(options) : new HeapKeyedStateBackend(options);
  backend.restore(handles, files);
  return [...backend.export_entries()];
}
