// windows_and_state: the single-input DataStream API in one job, its parts chosen by parameters so generated runs
// search them under faults: operator state in a CheckpointedFunction (even-split or union), keyed state with a TTL,
// a ProcessFunction with a side output, keyed windows (tumbling, session, count, sliding count, global with a custom
// trigger) or windowAll, a ProcessWindowFunction / reduce / aggregate, an evictor. Every output is a deterministic
// function of the input.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { AggregateFunction, Collector, Sink, Source } from '../api/functions.js';
import { WatermarkStrategy } from '../api/functions.js';
import { CountEvictor, TimeEvictor } from '../api/evictors.js';
import { defineJob } from '../api/job.js';
import type { CheckpointedFunction, FunctionInitializationContext, ProcessFunction, RichFlatMapFunction } from '../api/rich-functions.js';
import { OutputTag } from '../api/side-output.js';
import { ListStateDescriptor, ReducingStateDescriptor, StateTtlConfig, ValueStateDescriptor } from '../api/state-descriptors.js';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../api/triggers.js';
import type { ProcessAllWindowFunction, ProcessWindowContext, ProcessWindowFunction } from '../api/window-functions.js';
import { EventTimeSessionWindows, GlobalWindows, TumblingEventTimeWindows, isGlobalWindow, type Window } from '../api/windows.js';
import type { KeyedProcessFunction, RuntimeContext } from '../api/functions.js';
import type { ListState, ValueState } from '../state/keyed-state.js';
import { emptyPartitions, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';

export interface Reading {
  id: number;
  key: string;
  partition: number;
  value: number;
  ts: number;
  /** Running count of this record's (partition, key) pair, from the operator-state stage (0 without it). */
  pk_n: number;
}

export type WindowKind = 'tumbling' | 'session' | 'count' | 'sliding_count' | 'global_trigger' | 'window_all';
export type WindowFunctionKind = 'process' | 'reduce' | 'aggregate';
export type OperatorStateKind = 'none' | 'split' | 'union';

/** What a window fired with. `start`/`end`: -1 for the global window. */
export interface WindowResult {
  kind: 'window';
  key: string;
  start: number;
  end: number;
  count: number;
  sum: number;
  min_id: number;
  max_id: number;
  pk_max: number;
}

export interface FlaggedResult {
  kind: 'flagged';
  key: string;
  id: number;
  pk_n: number;
}

export type Result = WindowResult | FlaggedResult;

/** Out-of-orderness of the input (and of the watermark strategy). */
export const BOUND_MS = 20;

/** Counts records per (partition, key) in operator list state and stamps each record with its running count. */
export class PartitionKeyCounter implements RichFlatMapFunction<Reading, Reading>, CheckpointedFunction {
  private counts = new Map<string, number>();
  private state: ListState<[string, number]> | undefined;

  constructor(private readonly mode: 'split' | 'union') {}

  initializeState(ctx: FunctionInitializationContext): void {
    const descriptor = new ListStateDescriptor<[string, number]>('partition-key-counts');
    const store = ctx.getOperatorStateStore();
    this.state = this.mode === 'split' ? store.getListState(descriptor) : store.getUnionListState(descriptor);
    // Union state holds every subtask's counts (possibly stale copies): the largest count of a pair is its own.
    this.counts = new Map();
    for (const [pk, n] of this.state.get()) this.counts.set(pk, Math.max(this.counts.get(pk) ?? 0, n));
  }

  snapshotState(): void {
    this.state!.update([...this.counts]);
  }

  flatMap(reading: Reading, out: Collector<Reading>): void {
    const pk = `${reading.partition}/${reading.key}`;
    const n = (this.counts.get(pk) ?? 0) + 1;
    this.counts.set(pk, n);
    out.collect({ ...reading, pk_n: n });
  }
}

/**
 * Drops a reading that repeats its key's last id, remembered in keyed value state with a TTL (processing time,
 * full-snapshot cleanup): Flink's deduplication with TTL. Ids are unique, so nothing is dropped whether or not the
 * last id expired; the state is written from the input alone, never from itself, so what a restore brings back
 * equals the oracle's or has expired.
 */
export class DropRepeats implements KeyedProcessFunction<string, Reading, Reading> {
  private last: ValueState<number> | undefined;
  constructor(private readonly ttl_ms: number) {}
  open(ctx: RuntimeContext): void {
    const descriptor = new ValueStateDescriptor<number>('last-id');
    descriptor.enableTimeToLive(StateTtlConfig.newBuilder(this.ttl_ms).updateTtlOnReadAndWrite().cleanupFullSnapshot().build());
    this.last = ctx.getState(descriptor);
  }
  processElement(reading: Reading, _ctx: unknown, out: Collector<Reading>): void {
    if (this.last!.value() === reading.id) return;
    this.last!.update(reading.id);
    out.collect(reading);
  }
}

export const FLAGGED = new OutputTag<Reading>('flagged');

/** Readings whose value is a multiple of 7 leave through the side output "flagged". */
const split: ProcessFunction<Reading, Reading> = {
  processElement(reading, ctx, out) {
    if (reading.value % 7 === 0) ctx.output(FLAGGED, reading);
    else out.collect(reading);
  },
};

interface Accumulator {
  count: number;
  sum: number;
  min_id: number;
  max_id: number;
  pk_max: number;
}

const EMPTY: Accumulator = { count: 0, sum: 0, min_id: Number.MAX_SAFE_INTEGER, max_id: -1, pk_max: 0 };

function addTo(acc: Accumulator, r: Reading): Accumulator {
  return { count: acc.count + 1, sum: acc.sum + r.value, min_id: Math.min(acc.min_id, r.id), max_id: Math.max(acc.max_id, r.id), pk_max: Math.max(acc.pk_max, r.pk_n) };
}

function mergeAccumulators(a: Accumulator, b: Accumulator): Accumulator {
  return { count: a.count + b.count, sum: a.sum + b.sum, min_id: Math.min(a.min_id, b.min_id), max_id: Math.max(a.max_id, b.max_id), pk_max: Math.max(a.pk_max, b.pk_max) };
}

const summarize: AggregateFunction<Reading, Accumulator, Accumulator> = {
  createAccumulator: () => EMPTY,
  add: (r, acc) => addTo(acc, r),
  getResult: (acc) => acc,
  merge: mergeAccumulators,
};

/**
 * reduce(): a reading standing for a group of readings (value: the sum; id, key, partition: of the earliest; pk_n and
 * ts: the largest); the same whatever order the readings come in.
 */
function reduceReadings(a: Reading, b: Reading): Reading {
  const first = a.id <= b.id ? a : b;
  return { ...first, value: a.value + b.value, pk_n: Math.max(a.pk_n, b.pk_n), ts: Math.max(a.ts, b.ts) };
}

function result(key: string, window: Window, acc: Accumulator): WindowResult {
  const start = isGlobalWindow(window) ? -1 : window.start;
  const end = isGlobalWindow(window) ? -1 : window.end;
  return { kind: 'window', key, start, end, ...acc };
}

function windowResult(key: string, ctx: ProcessWindowContext<Window>, elements: readonly Reading[], pre: WindowFunctionKind): WindowResult {
  if (pre === 'aggregate') return result(key, ctx.window(), elements[0] as unknown as Accumulator);
  if (pre === 'reduce') {
    // One reading standing for the window: count and max id are not known after reduce (reported as 0 and min id).
    const r = elements[0]!;
    return result(key, ctx.window(), { count: 0, sum: r.value, min_id: r.id, max_id: r.id, pk_max: r.pk_n });
  }
  return result(key, ctx.window(), elements.reduce(addTo, EMPTY));
}

/** Global windows: fire and purge once a key's values add up to 100 (running sum in trigger state). */
export class SumReaches<W extends Window> implements Trigger<Reading, W> {
  private readonly running = new ReducingStateDescriptor<number>('running-sum', (a, b) => a + b);
  constructor(private readonly threshold: number) {}
  onElement(reading: Reading, _ts: number, _window: W, ctx: TriggerContext): TriggerResult {
    const sum = ctx.getPartitionedState(this.running);
    sum.add(reading.value);
    if ((sum.get() ?? 0) < this.threshold) return 'CONTINUE';
    sum.clear();
    return 'FIRE_AND_PURGE';
  }
  onEventTime(): TriggerResult {
    return 'CONTINUE';
  }
  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_window: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.running as ReducingStateDescriptor<unknown>);
  }
  clear(_window: W, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.running).clear();
  }
}

export interface WindowsAndStateParams {
  window: WindowKind;
  function: WindowFunctionKind;
  operator_state: OperatorStateKind;
  side_output: boolean;
  evictor: boolean;
  /** Tumbling window size / session gap (odd, so no reading lands exactly on a session's end). */
  window_size_ms: number;
  /** Elements per count window (and its slide: half of it). */
  count: number;
  /** Time-to-live of the deduplication stage's keyed state (processing time); undefined: no such stage. */
  ttl_ms?: number;
}

/** The result's upsert id: a window by key, bounds and last element; a flagged reading by id. */
export const resultId = (r: Result): string => (r.kind === 'flagged' ? `f/${r.id}` : `w/${r.key}/${r.start}/${r.end}/${r.max_id}`);
/**
 * Results compare per key: a key's windows fire in a deterministic order and reach the sink in it (forward edge);
 * windowAll's results go to the sinks round-robin, so each of its windows is a key of its own; flagged readings too.
 */
export const resultKey = (r: Result): string => (r.kind === 'flagged' ? `f/${r.id}` : r.key === '*' ? `w/*/${r.start}` : `w/${r.key}`);

export function windowsAndStateGraph(env: StreamExecutionEnvironment, params: WindowsAndStateParams, source: Source<Reading>, sink: Sink<Result>): void {
  // Even-split state is dealt round-robin when the parallelism changes, not along the partitions the counts belong to
  // (Flink's rule): with it, the operators before the first keyBy keep a parallelism of their own (forward edges, so
  // each key's readings keep one path and their order) when the job is rescaled.
  const pinned = params.operator_state === 'split' ? Math.min(2, env.graph.configured_max_parallelism ?? 2) : undefined;
  let readings = env.fromSource<Reading>(source, {
    uid: 'source',
    name: 'Readings',
    watermarks: WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND_MS).withTimestampAssigner((r) => r.ts),
    ...(pinned !== undefined ? { parallelism: pinned } : {}),
  });
  if (params.operator_state !== 'none') {
    const counted = readings.flatMap(new PartitionKeyCounter(params.operator_state)).uid('partition-counter');
    readings = pinned !== undefined ? counted.setParallelism(pinned) : counted;
  }
  if (params.ttl_ms !== undefined) {
    const ttl_ms = params.ttl_ms;
    readings = readings
      .keyBy((r) => r.key)
      .process(() => new DropRepeats(ttl_ms))
      .uid('drop-repeats');
  }
  let flagged: ReturnType<typeof readings.getSideOutput<Reading>> | undefined;
  if (params.side_output) {
    const main = readings.process(split).uid('split');
    if (pinned !== undefined && params.ttl_ms === undefined) main.setParallelism(pinned);
    flagged = main.getSideOutput(FLAGGED);
    readings = main;
  }
  const pre = params.function;
  const size = params.window_size_ms;
  let windows;
  if (params.window === 'window_all') {
    const all = readings.windowAll(TumblingEventTimeWindows.of(size));
    if (params.evictor) all.evictor(TimeEvictor.of(Math.floor(size / 2)));
    const fn: ProcessAllWindowFunction<unknown, WindowResult, Window> = { process: (ctx, elements, out) => out.collect(windowResult('*', ctx, elements as Reading[], pre)) };
    windows = pre === 'aggregate' ? all.aggregate(summarize, fn as never) : pre === 'reduce' ? all.reduce(reduceReadings, fn as never) : all.process(fn as never);
  } else {
    const keyed = readings.keyBy((r) => r.key);
    const windowed =
      params.window === 'tumbling'
        ? keyed.window(TumblingEventTimeWindows.of(size))
        : params.window === 'session'
          ? keyed.window(EventTimeSessionWindows.withGap(size))
          : params.window === 'count'
            ? keyed.countWindow(params.count)
            : params.window === 'sliding_count'
              ? keyed.countWindow(params.count, Math.max(1, Math.floor(params.count / 2)))
              : keyed.window(GlobalWindows.create()).trigger(new SumReaches(100));
    if (params.evictor) {
      if (params.window === 'tumbling' || params.window === 'session') windowed.evictor(TimeEvictor.of(Math.floor(size / 2)));
      else if (params.window === 'global_trigger') windowed.evictor(CountEvictor.of(3));
    }
    const fn: ProcessWindowFunction<unknown, WindowResult, string, Window> = { process: (key, ctx, elements, out) => out.collect(windowResult(key, ctx, elements as Reading[], pre)) };
    windows = pre === 'aggregate' ? windowed.aggregate(summarize, fn as never) : pre === 'reduce' ? windowed.reduce(reduceReadings, fn as never) : windowed.process(fn as never);
  }
  let results = windows.uid('windows') as ReturnType<typeof readings.map<Result>>;
  if (flagged !== undefined) results = results.union(flagged.map((r): Result => ({ kind: 'flagged', key: r.key, id: r.id, pk_n: r.pk_n })).uid('flagged'));
  results.sinkTo(sink).uid('sink');
}

/**
 * Readings whose key decides their partition (a key's readings keep their order: count windows are deterministic),
 * time per partition advancing 2–10 ms with a 120–240 ms gap now and then (sessions end), every timestamp even and
 * at most BOUND_MS behind its partition's newest: no reading is late.
 */
export function windowsAndStateInput(options: { seed: number; records: number; keys: number; partitions: number }): TopicInput {
  const random = new WorkloadRandom(options.seed);
  const partitions = emptyPartitions(options.partitions);
  const clock = Array.from({ length: options.partitions }, () => 0);
  for (let id = 0; id < options.records; id++) {
    const key = `k${random.int(0, options.keys - 1)}`;
    const p = partitionForKey(key, options.partitions);
    clock[p]! += random.next() < 0.04 ? 2 * random.int(60, 120) : 2 * random.int(1, 5);
    const ts = clock[p]! + 2 * random.int(0, BOUND_MS / 2);
    const reading: Reading = { id, key, partition: p, value: random.int(1, 50), ts, pk_n: 0 };
    partitions[p]!.push({ value: reading, timestamp_ms: ts });
  }
  return new Map([['input', partitions]]);
}

export const windowsAndStateJob = defineJob({
  description:
    'readings through operator state (CheckpointedFunction), keyed state with a TTL, a side output, keyed or all windows (tumbling, session, count, sliding count, global + custom trigger) with a process/reduce/aggregate window function and evictors',
  params: {
    window: { type: 'string', enum: ['tumbling', 'session', 'count', 'sliding_count', 'global_trigger', 'window_all'], description: 'Which windows.' },
    function: { type: 'string', enum: ['process', 'reduce', 'aggregate'], description: 'ProcessWindowFunction over the elements, or reduce / aggregate with one on the result.' },
    operator_state: { type: 'string', enum: ['none', 'split', 'union'], description: 'A CheckpointedFunction counting per partition and key in even-split or union list state.' },
    side_output: { type: 'boolean', description: 'Readings with a value divisible by 7 leave through a side output, unioned into the output.' },
    evictor: { type: 'boolean', description: 'A TimeEvictor (time windows) or CountEvictor (global windows) before the function.' },
    window_size: { type: 'duration', default: '101 ms', minimum_ms: 11, maximum_ms: 10_000, description: 'Tumbling size / session gap (odd, so no reading lands on a session end).' },
    count: { type: 'integer', default: 4, minimum: 2, maximum: 64, description: 'Elements per count window (slide: half).' },
    ttl: { type: 'boolean', description: 'A deduplication stage keeps each key\'s last id in keyed state with a TTL (processing time).' },
    ttl_duration: { type: 'duration', default: '50 ms', minimum_ms: 1, explore: [5, 400], description: 'Time-to-live of that state.' },
  },
  build: (env, params, io) =>
    windowsAndStateGraph(
      env,
      {
        window: params.window as WindowKind,
        function: params.function as WindowFunctionKind,
        operator_state: params.operator_state as OperatorStateKind,
        side_output: params.side_output,
        evictor: params.evictor,
        window_size_ms: params.window_size,
        count: params.count,
        ...(params.ttl ? { ttl_ms: params.ttl_duration } : {}),
      },
      io.source<Reading>(),
      io.sink<Result>(),
    ),
  input: { generate: ({ seed, workload }) => windowsAndStateInput({ seed, records: workload.records, keys: workload.keys, partitions: workload.partitions }) },
  output: { key: resultKey, id: resultId },
});
