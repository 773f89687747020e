// late_data_and_ttl: the parts of the DataStream API whose results depend on time's progress, and the job's own check
// of its output: timestamps and watermarks assigned after the source (withIdleness), tumbling event-time windows with
// late data to a side output (sideOutputLateData), a keyed counter in TTL state that builds on its own value, and an
// interval join with late data of each side to side outputs.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { Collector, KeyedProcessContext, KeyedProcessFunction, RuntimeContext, Sink, Source } from '../api/functions.js';
import { WatermarkStrategy } from '../api/functions.js';
import { defineJob, type OutputCheckContext, type OutputCheckVerdict } from '../api/job.js';
import { OutputTag } from '../api/side-output.js';
import { StateTtlConfig, ValueStateDescriptor } from '../api/state-descriptors.js';
import type { ProcessWindowFunction } from '../api/window-functions.js';
import { TumblingEventTimeWindows, type Window } from '../api/windows.js';
import type { ValueState } from '../state/keyed-state.js';
import { emptyPartitions, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';

export interface Event {
  id: number;
  key: string;
  value: number;
  ts: number;
  /** A read-only access: the counter is read, not incremented. */
  peek: boolean;
}

/** A window's firing: the ids of the events in it (ascending) and their sum. */
export interface WindowFiring {
  kind: 'window';
  key: string;
  start: number;
  end: number;
  ids: number[];
  sum: number;
}

/** An event the window operator found late (all its windows past cleanup): the sideOutputLateData tag. */
export interface LateEvent {
  kind: 'late';
  key: string;
  id: number;
  ts: number;
}

/**
 * One access of the TTL counter: `n` counts the key's events (plain state, exact), `before` is what the TTL state read
 * (null: nothing, or expired), `after` what it holds after the access, `now_ms` the processing time of the access.
 */
export interface CounterAccess {
  kind: 'access';
  key: string;
  id: number;
  n: number;
  before: number | null;
  after: number | null;
  now_ms: number;
}

/** An interval-join pair: a counting event (left) and a peek (right) of one key, the peek within a window size of it. */
export interface JoinedPair {
  kind: 'pair';
  key: string;
  left: number;
  right: number;
}

/** An event the interval join found late (behind its watermark): sideOutputLeftLateData / sideOutputRightLateData. */
export interface JoinLateEvent {
  kind: 'join_late';
  side: 'left' | 'right';
  key: string;
  id: number;
  ts: number;
}

export type Output = WindowFiring | LateEvent | CounterAccess | JoinedPair | JoinLateEvent;

export type TtlUpdate = 'create_and_write' | 'read_and_write';

export interface LateDataAndTtlParams {
  window_size_ms: number;
  out_of_orderness_ms: number;
  /** withIdleness timeout; undefined: no idleness. */
  idle_timeout_ms: number | undefined;
  ttl_ms: number;
  ttl_update: TtlUpdate;
  /** Counting events interval-joined with the peeks of their key (within a window size), late data to side outputs. */
  interval_join: boolean;
}

export const LATE = new OutputTag<Event>('late-events');
export const LEFT_LATE = new OutputTag<Event>('join-left-late');
export const RIGHT_LATE = new OutputTag<Event>('join-right-late');
export const ACCESSES = new OutputTag<CounterAccess>('counter-accesses');

/**
 * Counts each key's events in value state with a TTL (processing time, NeverReturnExpired): an event increments the
 * counter (a peek only reads it), so an expired counter starts again at 1. Every access is reported with its time.
 */
export class TtlCounter implements KeyedProcessFunction<string, Event, Event> {
  private count: ValueState<number> | undefined;
  private seen: ValueState<number> | undefined;
  constructor(
    private readonly ttl_ms: number,
    private readonly update: TtlUpdate,
  ) {}
  open(ctx: RuntimeContext): void {
    const ttl = StateTtlConfig.newBuilder(this.ttl_ms).neverReturnExpired();
    const descriptor = new ValueStateDescriptor<number>('count');
    descriptor.enableTimeToLive((this.update === 'read_and_write' ? ttl.updateTtlOnReadAndWrite() : ttl.updateTtlOnCreateAndWrite()).build());
    this.count = ctx.getState(descriptor);
    this.seen = ctx.getState(new ValueStateDescriptor<number>('seen'));
  }
  processElement(event: Event, ctx: KeyedProcessContext<string>, out: Collector<Event>): void {
    const n = (this.seen!.value() ?? 0) + 1;
    this.seen!.update(n);
    const now_ms = ctx.timerService().currentProcessingTime();
    const before = this.count!.value() ?? null;
    let after = before;
    if (!event.peek) {
      after = (before ?? 0) + 1;
      this.count!.update(after);
    }
    ctx.output(ACCESSES, { kind: 'access', key: event.key, id: event.id, n, before, after, now_ms });
    out.collect(event);
  }
}

const fire: ProcessWindowFunction<Event, WindowFiring, string, Window> = {
  process(key, ctx, elements, out) {
    const window = ctx.window() as { start: number; end: number };
    const ids = elements.map((e) => e.id).sort((a, b) => a - b);
    out.collect({ kind: 'window', key, start: window.start, end: window.end, ids, sum: elements.reduce((s, e) => s + e.value, 0) });
  },
};

export function lateDataAndTtlGraph(env: StreamExecutionEnvironment, params: LateDataAndTtlParams, source: Source<Event>, sink: Sink<Output>): void {
  let strategy = WatermarkStrategy.forBoundedOutOfOrderness<Event>(params.out_of_orderness_ms).withTimestampAssigner((e) => e.ts);
  if (params.idle_timeout_ms !== undefined) strategy = strategy.withIdleness(params.idle_timeout_ms);
  // No watermarks at the source: Flink's assignTimestampsAndWatermarks after it (chained to each source subtask).
  const events = env.fromSource<Event>(source, { uid: 'source', name: 'Events' }).assignTimestampsAndWatermarks(strategy).uid('timestamps');
  const counted = events
    .keyBy((e) => e.key)
    .process(() => new TtlCounter(params.ttl_ms, params.ttl_update))
    .uid('ttl-counter');
  const windows = counted
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(params.window_size_ms))
    .sideOutputLateData(LATE)
    .process(fire as never)
    .uid('windows');
  const late = windows.getSideOutput(LATE).map((e): Output => ({ kind: 'late', key: e.key, id: e.id, ts: e.ts })).uid('late');
  const accesses = counted.getSideOutput(ACCESSES).map((a): Output => a).uid('accesses');
  const outputs = [late, accesses];
  if (params.interval_join) {
    const size = params.window_size_ms;
    const joined = counted
      .filter((e) => !e.peek)
      .uid('counting')
      .keyBy((e) => e.key)
      .intervalJoin(
        counted
          .filter((e) => e.peek)
          .uid('peeks')
          .keyBy((e) => e.key),
      )
      .between(-size, size)
      .sideOutputLeftLateData(LEFT_LATE)
      .sideOutputRightLateData(RIGHT_LATE)
      .process({ processElement: (l: Event, r: Event, _ctx, out) => out.collect({ kind: 'pair', key: l.key, left: l.id, right: r.id } satisfies Output) })
      .uid('interval-join');
    const joinLate = (tag: OutputTag<Event>, side: 'left' | 'right') =>
      joined
        .getSideOutput(tag)
        .map((e): Output => ({ kind: 'join_late', side, key: e.key, id: e.id, ts: e.ts }))
        .uid(`join-${side}-late`);
    outputs.push(joined as typeof late, joinLate(LEFT_LATE, 'left'), joinLate(RIGHT_LATE, 'right'));
  }
  (windows as unknown as typeof late).union(...outputs).sinkTo(sink).uid('sink');
}

/**
 * Events whose key decides their partition (per-key order holds), event time per partition advancing 2–10 ms; one in
 * ten events lags its partition's time by more than the out-of-orderness bound, up to 3 s (late once a watermark
 * passed its window); with two or more partitions the last one is sparse (one event in 400 kept), so it falls silent for long
 * stretches: idle under withIdleness, holding the watermark back without it. A fifth of the events only read the counter.
 */
export function lateDataAndTtlInput(options: { seed: number; records: number; keys: number; partitions: number; window_size_ms: number; out_of_orderness_ms: number }): TopicInput {
  const random = new WorkloadRandom(options.seed);
  const partitions = emptyPartitions(options.partitions);
  const clock = Array.from({ length: options.partitions }, () => 0);
  const sparse = options.partitions >= 2 ? options.partitions - 1 : -1;
  for (let id = 0; id < options.records; id++) {
    const key = `k${random.int(0, options.keys - 1)}`;
    const p = partitionForKey(key, options.partitions);
    clock[p]! += random.int(2, 10);
    const lag = random.next() < 0.1 ? options.out_of_orderness_ms + 1 + random.int(0, 3000) : random.int(0, options.out_of_orderness_ms);
    const ts = Math.max(0, clock[p]! - lag);
    const value = random.int(1, 50);
    const keep = p !== sparse || random.next() < 0.0025;
    if (keep) partitions[p]!.push({ value: { id, key, value, ts, peek: value % 5 === 0 } satisfies Event, timestamp_ms: ts });
  }
  return new Map([['input', partitions]]);
}

// ---- the job's output check -------------------------------------------------------------------------------------

function inputEvents(input: OutputCheckContext<Output>['input']): Event[] {
  const events: Event[] = [];
  for (const partitions of input.values()) for (const partition of partitions) for (const record of partition) events.push(record.value as Event);
  return events;
}

/**
 * What the output must show whatever the interleaving, the faults and the watermarks after restores (Flink does not
 * checkpoint watermarks: a restored window operator starts at Long.MIN_VALUE and the watermark generator starts over,
 * so an event late before a crash may be on time after it and reopen a window that already fired):
 * - every event exactly once across the window firings and the late side output, and exactly one counter access;
 * - a firing holds events of its key and window, and its sum is theirs;
 * - without withIdleness, a late event's window could have been behind a watermark: its cleanup time (end − 1) is at
 *   most the largest watermark that can precede the event (the greatest timestamp before it in its partition or in any
 *   other partition, − bound − 1), since the channel bringing the event is active and holds the window operator's
 *   watermark at most at its own; with idleness no such bound holds (an assigner that ended lets the end-of-input
 *   watermark pass while the others are idle);
 * - per key, the accesses are numbered 1..N in the key's input order, and the TTL counter follows Flink's rule at the
 *   times observed (expired when last access + ttl ≤ now, then read as nothing and cleared; OnReadAndWrite refreshes the
 *   access time on a read; a restored value keeps the access time of the checkpoint).
 */
export function checkLateDataAndTtl(params: LateDataAndTtlParams, context: OutputCheckContext<Output>): OutputCheckVerdict {
  const events = inputEvents(context.input);
  const by_id = new Map(events.map((e) => [e.id, e]));
  const duplicates: string[] = [];
  const losses: string[] = [];
  const problems: string[] = [];
  const placed = new Map<number, string>();
  const accessed = new Map<number, CounterAccess>();
  const accesses_by_key = new Map<string, CounterAccess[]>();
  let firings = 0;
  let late = 0;
  let late_checked = 0;
  let pairs = 0;
  let join_late = 0;
  let join_late_checked = 0;
  const joined_pairs = new Set<string>();
  const joined_events = new Set<number>();
  const join_late_ids = new Set<number>();
  // The largest watermark that can have passed each event: its channel is active when it brings the event, so the
  // window operator's watermark is at most that channel's, which comes from events its assigner read before: at most
  // the greatest timestamp before the event in its own partition or anywhere in the partitions it may share a reader with.
  const max_watermark_before = new Map<number, number>();
  const partition_max: number[] = [];
  for (const partitions of context.input.values()) {
    for (const partition of partitions) {
      let max = Number.MIN_SAFE_INTEGER;
      for (const record of partition) max = Math.max(max, (record.value as Event).ts);
      partition_max.push(max);
    }
  }
  let index = 0;
  for (const partitions of context.input.values()) {
    for (const partition of partitions) {
      const others = Math.max(Number.MIN_SAFE_INTEGER, ...partition_max.filter((_, i) => i !== index));
      let prefix = Number.MIN_SAFE_INTEGER;
      for (const record of partition) {
        const e = record.value as Event;
        max_watermark_before.set(e.id, Math.max(prefix, others) - params.out_of_orderness_ms - 1);
        prefix = Math.max(prefix, e.ts);
      }
      index++;
    }
  }
  const place = (id: number, where: string): void => {
    const before = placed.get(id);
    if (before !== undefined) duplicates.push(`event ${id} in ${before} and in ${where}`);
    else placed.set(id, where);
  };
  for (const record of context.output) {
    if (record.kind === 'window') {
      firings++;
      const where = `window ${record.key} [${record.start}, ${record.end})`;
      let sum = 0;
      for (const id of record.ids) {
        const event = by_id.get(id);
        if (event === undefined) {
          problems.push(`${where} holds event ${id}, which is not in the input`);
          continue;
        }
        sum += event.value;
        if (event.key !== record.key || event.ts < record.start || event.ts >= record.end) problems.push(`${where} holds event ${id} (key ${event.key}, ts ${event.ts})`);
        place(id, where);
      }
      if (sum !== record.sum) problems.push(`${where} sums to ${record.sum}, its events to ${sum}`);
    } else if (record.kind === 'late') {
      late++;
      const event = by_id.get(record.id);
      if (event === undefined || event.ts !== record.ts || event.key !== record.key) {
        problems.push(`late event ${record.id} is not the input's (${JSON.stringify(event ?? null)})`);
        continue;
      }
      place(record.id, 'the late side output');
      // With withIdleness no bound holds: an assigner that ended sends the end-of-input watermark, which passes
      // alone while the others are idle (an idle partition's next events are then late, in Flink too).
      if (params.idle_timeout_ms !== undefined) continue;
      late_checked++;
      const start = event.ts - (((event.ts % params.window_size_ms) + params.window_size_ms) % params.window_size_ms);
      const cleanup_ms = start + params.window_size_ms - 1;
      const max_watermark_ms = max_watermark_before.get(event.id)!;
      if (cleanup_ms > max_watermark_ms) problems.push(`event ${event.id} (ts ${event.ts}) reported late, but no watermark before it reaches its window's cleanup time ${cleanup_ms} (at most ${max_watermark_ms})`);
    } else if (record.kind === 'pair') {
      pairs++;
      const l = by_id.get(record.left);
      const r = by_id.get(record.right);
      const what = `pair ${record.left}/${record.right}`;
      if (l === undefined || r === undefined || l.peek || !r.peek || l.key !== record.key || r.key !== record.key) problems.push(`${what} does not join a counting event with a peek of its key`);
      else if (r.ts < l.ts - params.window_size_ms || r.ts > l.ts + params.window_size_ms) problems.push(`${what}: ${r.ts} is not within ${params.window_size_ms} ms of ${l.ts}`);
      if (joined_pairs.has(what)) duplicates.push(`${what} emitted twice`);
      joined_pairs.add(what);
      joined_events.add(record.left);
      joined_events.add(record.right);
    } else if (record.kind === 'join_late') {
      join_late++;
      const event = by_id.get(record.id);
      if (event === undefined || event.ts !== record.ts || event.peek !== (record.side === 'right')) {
        problems.push(`join-late event ${record.id} (${record.side}) is not the input's (${JSON.stringify(event ?? null)})`);
        continue;
      }
      if (join_late_ids.has(record.id)) duplicates.push(`event ${record.id} late at the interval join twice`);
      join_late_ids.add(record.id);
      if (params.idle_timeout_ms === undefined) {
        join_late_checked++;
        // Late at the join: its timestamp is behind the join's watermark, which no watermark before it exceeds.
        const max_watermark_ms = max_watermark_before.get(event.id)!;
        if (!(event.ts < max_watermark_ms)) problems.push(`event ${event.id} (ts ${event.ts}) late at the interval join, but no watermark before it passes ${event.ts} (at most ${max_watermark_ms})`);
      }
    } else {
      if (accessed.has(record.id)) {
        duplicates.push(`event ${record.id} accessed the counter twice`);
        continue;
      }
      accessed.set(record.id, record);
      const list = accesses_by_key.get(record.key) ?? [];
      list.push(record);
      accesses_by_key.set(record.key, list);
    }
  }
  for (const id of join_late_ids) if (joined_events.has(id)) duplicates.push(`event ${id} late at the interval join and joined`);
  if (context.complete) {
    for (const e of events) {
      if (!placed.has(e.id)) losses.push(`event ${e.id} in no window and not late`);
      if (!accessed.has(e.id)) losses.push(`event ${e.id} never reached the counter`);
    }
  }
  // Per key: the input order (a key's events share a partition), the accesses by n, the TTL rule.
  const input_order = new Map<string, number[]>();
  for (const partitions of context.input.values()) {
    for (const partition of partitions) {
      for (const record of partition) {
        const e = record.value as Event;
        const list = input_order.get(e.key) ?? [];
        list.push(e.id);
        input_order.set(e.key, list);
      }
    }
  }
  let ttl_steps = 0;
  for (const [key, list] of accesses_by_key) {
    list.sort((a, b) => a.n - b.n);
    const order = input_order.get(key) ?? [];
    let value: number | undefined;
    let last_access_ms = 0;
    for (let i = 0; i < list.length; i++) {
      const access = list[i]!;
      if (access.n !== i + 1 || order[i] !== access.id) {
        problems.push(`key ${key}: access #${i + 1} is event ${access.id} numbered ${access.n}, but the key's event #${i + 1} is ${order[i]}`);
        break;
      }
      const event = by_id.get(access.id)!;
      ttl_steps++;
      const stored = value;
      const expired = value !== undefined && last_access_ms + params.ttl_ms <= access.now_ms;
      if (expired) value = undefined;
      if ((value ?? null) !== access.before) {
        problems.push(
          `key ${key}: event ${access.id} at ${ms(access.now_ms)} read ${access.before}, but a counter of ${stored ?? 'nothing'}` +
            (stored === undefined ? '' : ` last accessed at ${ms(last_access_ms)} with a ${params.ttl_ms} ms TTL (${expired ? 'expired' : 'live'})`) +
            ` reads ${value ?? null}`,
        );
        break;
      }
      if (value !== undefined && params.ttl_update === 'read_and_write') last_access_ms = access.now_ms;
      if (!event.peek) {
        value = (value ?? 0) + 1;
        last_access_ms = access.now_ms;
      }
      if ((value ?? null) !== access.after) {
        problems.push(`key ${key}: event ${access.id} left the counter at ${access.after}, expected ${value ?? null}`);
        break;
      }
    }
  }
  return {
    checks: [
      { name: 'each event once across window firings and the late side output', count: events.length },
      { name: 'firings hold their key and window and sum their events', count: firings },
      { name: 'late events', count: late },
      { name: 'late events behind a possible watermark (not with withIdleness)', count: late_checked },
      { name: 'TTL counter accesses follow the TTL rule at their observed times', count: ttl_steps },
      { name: 'interval-join pairs of a key within the bounds, once each, never with a late event', count: pairs },
      { name: 'interval-join late events, once each', count: join_late },
      { name: 'interval-join late events behind a possible watermark (not with withIdleness)', count: join_late_checked },
    ],
    duplicates,
    losses,
    problems,
  };
}

const ms = (time_ms: number): string => `${Math.round(time_ms * 1000) / 1000} ms`;

function paramsOf(params: { window_size: number; out_of_orderness: number; idleness: boolean; idle_timeout: number; ttl: number; ttl_update: string; interval_join: boolean }): LateDataAndTtlParams {
  return {
    interval_join: params.interval_join,
    window_size_ms: params.window_size,
    out_of_orderness_ms: params.out_of_orderness,
    idle_timeout_ms: params.idleness ? params.idle_timeout : undefined,
    ttl_ms: params.ttl,
    ttl_update: params.ttl_update as TtlUpdate,
  };
}

/** Firings by key and window start; late events and accesses by id (their per-key order is not compared). */
export const outputId = (o: Output): string => {
  switch (o.kind) {
    case 'window':
      return `w/${o.key}/${o.start}/${o.ids[0] ?? ''}`;
    case 'late':
      return `l/${o.id}`;
    case 'access':
      return `a/${o.id}`;
    case 'pair':
      return `p/${o.left}/${o.right}`;
    case 'join_late':
      return `j/${o.id}`;
  }
};

export const lateDataAndTtlJob = defineJob({
  description:
    'events through assignTimestampsAndWatermarks (withIdleness), a keyed counter in TTL state that builds on its own value, tumbling event-time windows with late data to a side output and an interval join with late data of each side to side outputs; judged by its own output check',
  params: {
    window_size: { type: 'duration', default: '50 ms', minimum_ms: 5, maximum_ms: 10_000, explore: [20, 200], description: 'Tumbling window size.' },
    out_of_orderness: { type: 'duration', default: '10 ms', minimum_ms: 0, maximum_ms: 1_000, explore: [0, 30], description: 'The watermark strategy\'s bound (one event in ten lags by more).' },
    idleness: { type: 'boolean', description: 'withIdleness on the watermark strategy.' },
    idle_timeout: { type: 'duration', default: '100 ms', minimum_ms: 1, maximum_ms: 10_000, explore: [10, 300], description: 'Its idle timeout.' },
    ttl: { type: 'duration', default: '100 ms', minimum_ms: 1, maximum_ms: 60_000, explore: [5, 400], description: 'Time-to-live of the counter (processing time).' },
    ttl_update: { type: 'string', enum: ['create_and_write', 'read_and_write'], description: 'StateTtlConfig update type: OnCreateAndWrite or OnReadAndWrite.' },
    interval_join: { type: 'boolean', description: 'Counting events interval-joined with the peeks of their key (within a window size), late events of each side to a side output.' },
  },
  build: (env, params, io) => lateDataAndTtlGraph(env, paramsOf(params), io.source<Event>(), io.sink<Output>()),
  input: {
    generate: ({ seed, params, workload }) =>
      lateDataAndTtlInput({ seed, records: workload.records, keys: workload.keys, partitions: workload.partitions, window_size_ms: params.window_size, out_of_orderness_ms: params.out_of_orderness }),
  },
  output: {
    key: outputId,
    id: outputId,
    check: (context) => checkLateDataAndTtl(paramsOf(context.params as Parameters<typeof paramsOf>[0]), context),
  },
});
