// Specification of windows in the world against Flink's documented behaviour: session windows (fixed and dynamic
// gap, merging), global windows with a custom trigger, count windows (tumbling and sliding), evictors, windowAll,
// ProcessWindowFunction (with per-window and global state), reduce/aggregate with a window function, allowed
// lateness with late firings and late data to a side output. Each job also runs through the oracle.
import { describe, expect, it } from 'vitest';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { AggregateFunction, Collector, TimeWindow } from '../engine/api/functions.js';
import { TimeEvictor } from '../engine/api/evictors.js';
import { OutputTag } from '../engine/api/side-output.js';
import { ReducingStateDescriptor, ValueStateDescriptor } from '../engine/api/state-descriptors.js';
import type { Trigger, TriggerContext, TriggerResult } from '../engine/api/triggers.js';
import type { ProcessAllWindowFunction, ProcessWindowFunction } from '../engine/api/window-functions.js';
import {
  DynamicEventTimeSessionWindows,
  EventTimeSessionWindows,
  GlobalWindows,
  TumblingEventTimeWindows,
  type GlobalWindow,
  type Window,
} from '../engine/api/windows.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import { commonParams, sinkFor, sourceFor } from '../engine/examples/common.js';
import { WorkloadRandom } from '../engine/examples/workload.js';
import { evaluateOracle } from '../properties/oracle.js';
import { runJobInWorld } from './job-harness.js';

interface Event {
  id: number;
  key: string;
  value: number;
  ts: number;
}

const BOUND_MS = 20;

/**
 * Per partition, time advances by 2..10 ms and sometimes jumps 100..200 ms; every timestamp is even and no record is
 * behind its partition's watermark (jitter ≤ the bound), so no element is late. `by_key`: a key's records all in one
 * partition (its order is then the same in every run).
 */
function events(n: number, partitions: number, keys: number, seed: number, by_key = false): LogRecord[][] {
  const random = new WorkloadRandom(seed);
  const out: LogRecord[][] = Array.from({ length: partitions }, () => []);
  const clock = Array.from({ length: partitions }, () => 0);
  for (let id = 0; id < n; id++) {
    const key_index = random.int(0, keys - 1);
    const p = by_key ? key_index % partitions : id % partitions;
    clock[p]! += random.next() < 0.08 ? 2 * random.int(50, 100) : 2 * random.int(1, 5);
    const ts = clock[p]! + 2 * random.int(0, BOUND_MS / 2);
    out[p]!.push({ value: { id, key: `k${key_index}`, value: random.int(1, 50), ts } satisfies Event, timestamp_ms: ts });
  }
  return out;
}

const all = (input: LogRecord[][]): Event[] => input.flat().map((r) => r.value as Event);

function source(env: StreamExecutionEnvironment, raw: Record<string, unknown>) {
  return env.fromSource<Event>(sourceFor(commonParams(raw)) as never, {
    uid: 'source',
    watermarks: { out_of_orderness_ms: BOUND_MS, timestamp_assigner: (e) => e.ts },
  });
}

const canonical = (records: readonly unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

function run(build: (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => void, input: LogRecord[][], parallelism: number, uid = 'sink') {
  const c = runJobInWorld(build, {}, input, { parallelism, seed: parallelism });
  expect(c.jobStatus()).toBe('FINISHED');
  const oracle = evaluateOracle(build, { partitions: input.length }, new Map([['input', input]]));
  return { c, actual: c.collector().records(uid), expected: oracle.outputs.get(uid)!, oracle };
}

// ---- session windows ---------------------------------------------------------------------------------------------

interface Session {
  key: string;
  start: number;
  end: number;
  ids: number[];
  sum: number;
}

/** The sessions Flink's EventTimeSessionWindows form: [ts, ts + gap) windows merged while they overlap or touch. */
function referenceSessions(evs: readonly Event[], gap_of: (e: Event) => number): Session[] {
  const by_key = new Map<string, Event[]>();
  for (const e of evs) by_key.set(e.key, [...(by_key.get(e.key) ?? []), e]);
  const sessions: Session[] = [];
  for (const [key, list] of by_key) {
    list.sort((a, b) => a.ts - b.ts);
    let current: Session | undefined;
    for (const e of list) {
      if (current !== undefined && e.ts <= current.end) {
        current.end = Math.max(current.end, e.ts + gap_of(e));
        current.ids.push(e.id);
        current.sum += e.value;
      } else {
        if (current !== undefined) sessions.push(current);
        current = { key, start: e.ts, end: e.ts + gap_of(e), ids: [e.id], sum: e.value };
      }
    }
    if (current !== undefined) sessions.push(current);
  }
  return sessions.map((s) => ({ ...s, ids: [...s.ids].sort((a, b) => a - b) }));
}

const sessionFunction: ProcessWindowFunction<Event, Session, string, TimeWindow> = {
  process(key, ctx, elements, out) {
    const window = ctx.window();
    out.collect({ key, start: window.start, end: window.end, ids: elements.map((e) => e.id).sort((a, b) => a - b), sum: elements.reduce((s, e) => s + e.value, 0) });
  },
};

describe('session windows', () => {
  const input = events(900, 3, 12, 7);
  it.each([1, 2, 3])('parallelism %i: a ProcessWindowFunction sees each session Flink forms (gap 41 ms)', (parallelism) => {
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      source(env, raw).keyBy((e) => e.key).window(EventTimeSessionWindows.withGap(41)).process(sessionFunction).uid('sessions').sinkTo(sinkFor(commonParams(raw))).uid('sink');
    };
    const { actual, expected, c, oracle } = run(build, input, parallelism);
    const reference = referenceSessions(all(input), () => 41);
    expect(reference.length).toBeGreaterThan(40);
    expect(reference.some((s) => s.ids.length > 3)).toBe(true);
    expect(canonical(actual)).toEqual(canonical(reference));
    expect(canonical(expected)).toEqual(canonical(reference));
    // Every session fired and was purged: no window contents, merging sets or timers are left.
    expect(c.keyedState().get('sessions') ?? []).toEqual([]);
    expect(oracle.state.get('sessions')).toEqual([]);
  });

  it('dynamic gaps per element; reduce pre-aggregates with a ProcessWindowFunction on the result', () => {
    const gap = (e: Event) => 21 + 2 * (e.value % 10);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      source(env, raw)
        .keyBy((e) => e.key)
        .window(DynamicEventTimeSessionWindows.withDynamicGap<Event>(gap))
        .reduce(
          (a, b) => ({ id: Math.min(a.id, b.id), key: a.key, value: a.value + b.value, ts: Math.max(a.ts, b.ts) }),
          {
            process(key: string, ctx, [sum]: readonly Event[], out: Collector<{ key: string; start: number; end: number; sum: number }>) {
              out.collect({ key, start: (ctx.window() as TimeWindow).start, end: (ctx.window() as TimeWindow).end, sum: sum!.value });
            },
          },
        )
        .uid('sessions')
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    const { actual, expected } = run(build, input, 2);
    const reference = referenceSessions(all(input), gap).map(({ key, start, end, sum }) => ({ key, start, end, sum }));
    expect(canonical(actual)).toEqual(canonical(reference));
    expect(canonical(expected)).toEqual(canonical(reference));
  });

  it('refuses a trigger that cannot merge and aggregate() without merge()', () => {
    const never: Trigger<unknown, Window> = { onElement: () => 'CONTINUE', onEventTime: () => 'CONTINUE', onProcessingTime: () => 'CONTINUE', clear: () => {} };
    const noMerge: AggregateFunction<Event, number, number> = { createAccumulator: () => 0, add: (e, acc) => acc + e.value, getResult: (acc) => acc };
    const build = (variant: 'trigger' | 'aggregate') => (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const windowed = source(env, raw).keyBy((e) => e.key).window(EventTimeSessionWindows.withGap(10));
      if (variant === 'trigger') windowed.trigger(never);
      else windowed.aggregate(noMerge);
    };
    const input1 = events(5, 1, 1, 1);
    expect(() => evaluateOracle(build('trigger'), { partitions: 1 }, new Map([['input', input1]]))).toThrow(/does not support merging/);
    expect(() => evaluateOracle(build('aggregate'), { partitions: 1 }, new Map([['input', input1]]))).toThrow(/merge\(\)/);
  });
});

// ---- global windows, custom triggers, count windows, evictors ----------------------------------------------------

/** A custom trigger: fires and purges once a window's values add up to 100 or more (running sum in trigger state). */
const sumReaches100: Trigger<Event, GlobalWindow> = {
  onElement(element: Event, _ts: number, _window: GlobalWindow, ctx: TriggerContext): TriggerResult {
    const sum = ctx.getPartitionedState(new ReducingStateDescriptor<number>('running-sum', (a, b) => a + b));
    sum.add(element.value);
    if ((sum.get() ?? 0) < 100) return 'CONTINUE';
    sum.clear();
    return 'FIRE_AND_PURGE';
  },
  onEventTime: () => 'CONTINUE',
  onProcessingTime: () => 'CONTINUE',
  clear: (_window, ctx) => ctx.getPartitionedState(new ReducingStateDescriptor<number>('running-sum', (a, b) => a + b)).clear(),
};

const ids: ProcessWindowFunction<Event, { key: string; ids: number[] }, string, Window> = {
  process(key, _ctx, elements, out) {
    out.collect({ key, ids: elements.map((e) => e.id) });
  },
};

/** Per key, in input order (each key's records are in one partition). */
function perKey(evs: readonly Event[]): Map<string, Event[]> {
  const map = new Map<string, Event[]>();
  for (const e of [...evs].sort((a, b) => a.id - b.id)) map.set(e.key, [...(map.get(e.key) ?? []), e]);
  return map;
}

describe('global and count windows', () => {
  const input = events(600, 3, 9, 11, true);
  const per_key = perKey(all(input));

  it('global windows with a custom trigger fire exactly when a key’s running sum reaches 100', () => {
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      source(env, raw).keyBy((e) => e.key).window(GlobalWindows.create()).trigger(sumReaches100).process(ids).uid('global').sinkTo(sinkFor(commonParams(raw))).uid('sink');
    };
    const reference: { key: string; ids: number[] }[] = [];
    for (const [key, list] of per_key) {
      let batch: number[] = [];
      let sum = 0;
      for (const e of list) {
        batch.push(e.id);
        sum += e.value;
        if (sum >= 100) {
          reference.push({ key, ids: batch });
          batch = [];
          sum = 0;
        }
      }
    }
    const { actual, expected, c, oracle } = run(build, input, 2);
    expect(canonical(actual)).toEqual(canonical(reference));
    expect(canonical(expected)).toEqual(canonical(reference));
    // The unfired remainder stays in the global window (never cleaned up), in the engine as in the oracle.
    expect(c.keyedState().get('global')).toEqual(oracle.state.get('global'));
    expect(oracle.state.get('global')!.some((e) => e.state === 'running-sum')).toBe(true);
  });

  it.each([
    ['countWindow(5): every 5 elements, purged', 5, undefined],
    ['countWindow(5, 2): every 2 elements, the last 5', 5, 2],
  ] as const)('%s', (_name, size, slide) => {
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      source(env, raw).keyBy((e) => e.key).countWindow(size, slide).process(ids).uid('count').sinkTo(sinkFor(commonParams(raw))).uid('sink');
    };
    const reference: { key: string; ids: number[] }[] = [];
    for (const [key, list] of per_key) {
      const step = slide ?? size;
      for (let n = step; n <= list.length; n += step) reference.push({ key, ids: list.slice(Math.max(0, n - size), n).map((e) => e.id) });
    }
    const { actual, expected, c, oracle } = run(build, input, 3);
    expect(canonical(actual)).toEqual(canonical(reference));
    expect(canonical(expected)).toEqual(canonical(reference));
    expect(c.keyedState().get('count')).toEqual(oracle.state.get('count'));
  });

  it('a TimeEvictor keeps the last 30 ms of each tumbling 100 ms window before the function runs', () => {
    const input1 = events(400, 2, 5, 3);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      source(env, raw)
        .keyBy((e) => e.key)
        .window(TumblingEventTimeWindows.of(100))
        .evictor(TimeEvictor.of(30))
        .reduce((a, b) => ({ ...a, value: a.value + b.value, id: Math.min(a.id, b.id) }), (key: string, window: TimeWindow, r: Event) => ({ key, start: window.start, sum: r.value }))
        .uid('evicting')
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    const reference = new Map<string, { key: string; start: number; sum: number }>();
    const windows = new Map<string, Event[]>();
    for (const e of all(input1)) {
      const start = e.ts - (e.ts % 100);
      windows.set(`${e.key}/${start}`, [...(windows.get(`${e.key}/${start}`) ?? []), e]);
    }
    for (const [id, list] of windows) {
      const newest = Math.max(...list.map((e) => e.ts));
      const kept = list.filter((e) => e.ts > newest - 30);
      reference.set(id, { key: list[0]!.key, start: Number(id.split('/')[1]), sum: kept.reduce((s, e) => s + e.value, 0) });
    }
    const { actual, expected } = run(build, input1, 2);
    expect(canonical(actual)).toEqual(canonical([...reference.values()]));
    expect(canonical(expected)).toEqual(canonical([...reference.values()]));
  });
});

// ---- windowAll ---------------------------------------------------------------------------------------------------

describe('windowAll', () => {
  it('tumbling windows over the whole stream in one instance; per-window and global state in the function', () => {
    const input = events(700, 3, 10, 5);
    const totals: ProcessAllWindowFunction<Event, { start: number; count: number; sum: number; windows_so_far: number }, TimeWindow> = {
      process(ctx, elements, out) {
        const seen = ctx.globalState().getState(new ValueStateDescriptor<number>('windows-so-far'));
        const fired = ctx.windowState().getState(new ValueStateDescriptor<number>('fired'));
        seen.update((seen.value() ?? 0) + 1);
        fired.update((fired.value() ?? 0) + 1);
        out.collect({ start: ctx.window().start, count: elements.length, sum: elements.reduce((s, e) => s + e.value, 0), windows_so_far: fired.value()! });
      },
      clear(ctx) {
        ctx.windowState().getState(new ValueStateDescriptor<number>('fired')).clear();
      },
    };
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      source(env, raw).windowAll(TumblingEventTimeWindows.of(250)).process(totals).uid('all').sinkTo(sinkFor(commonParams(raw))).uid('sink');
    };
    const reference = new Map<number, { start: number; count: number; sum: number; windows_so_far: number }>();
    for (const e of all(input)) {
      const start = e.ts - (e.ts % 250);
      const r = reference.get(start) ?? { start, count: 0, sum: 0, windows_so_far: 1 };
      reference.set(start, { ...r, count: r.count + 1, sum: r.sum + e.value });
    }
    const { actual, expected, c, oracle } = run(build, input, 3);
    expect(canonical(actual)).toEqual(canonical([...reference.values()]));
    expect(canonical(expected)).toEqual(canonical([...reference.values()]));
    // One instance: the global counter saw every window; per-window state was cleared with each window.
    const state = c.keyedState().get('all')!;
    expect(state.map((e) => [e.state, e.namespace, e.value])).toEqual([['windows-so-far', '', reference.size]]);
    expect(oracle.state.get('all')).toEqual(state);
    const tasks = c.taskManagers().flatMap((tm) => tm.tasks).filter((t) => t.vertex.name.includes('AllWindow'));
    expect(tasks.map((t) => [t.vertex.parallelism, t.vertex.max_parallelism])).toEqual([[1, 1]]);
  });

  it('countWindowAll(4) over one partition fires every 4 elements in input order', () => {
    const input = events(103, 1, 3, 2);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      source(env, raw)
        .countWindowAll(4)
        .process({ process: (_ctx, elements: readonly Event[], out: Collector<number[]>) => out.collect(elements.map((e) => e.id)) })
        .uid('count-all')
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    const { actual, expected } = run(build, input, 2);
    const reference = Array.from({ length: 25 }, (_, i) => [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3]);
    expect(canonical(actual)).toEqual(canonical(reference)); // two sink instances interleave the windows
    expect(expected).toEqual(reference);
  });
});

// ---- allowed lateness and late data ------------------------------------------------------------------------------

describe('allowed lateness and late data', () => {
  /**
   * One partition in time order (ts = 4 · id), plus late elements: "near" ones 250 ms behind the record they follow
   * (their window has ended, but not its 300 ms of allowed lateness) and "far" ones 1000 ms behind (past it). The
   * watermark (max ts − 1, after each poll of at most 16 records) is then within 64 ms of the record before them.
   */
  function lateInput(): { input: LogRecord[][]; near: Event[]; far: Event[] } {
    const records: Event[] = Array.from({ length: 600 }, (_, id) => ({ id, key: `k${id % 3}`, value: 1, ts: id * 4 }));
    const near: Event[] = [];
    const far: Event[] = [];
    for (let i = 300; i < 600; i += 25) (i % 50 === 0 ? near : far).push({ id: 1000 + i, key: `k${i % 3}`, value: 100, ts: 4 * i - (i % 50 === 0 ? 250 : 1000) });
    const merged = [...records];
    for (const l of [...near, ...far]) merged.splice(merged.findIndex((r) => r.id === l.id - 1000) + 1, 0, l);
    return { input: [merged.map((e) => ({ value: e, timestamp_ms: e.ts }))], near, far };
  }

  it('elements past the allowed lateness go to the late-data side output; within it they fire the window again', () => {
    const LATE = new OutputTag<Event>('late');
    const { input, near, far } = lateInput();
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const sums = env
        .fromSource<Event>(sourceFor(commonParams(raw)) as never, { uid: 'source', watermarks: { out_of_orderness_ms: 0, timestamp_assigner: (e) => e.ts } })
        .keyBy((e) => e.key)
        .window(TumblingEventTimeWindows.of(100))
        .allowedLateness(300)
        .sideOutputLateData(LATE)
        .reduce((a, b) => ({ ...a, value: a.value + b.value }), (key: string, window: TimeWindow, r: Event) => ({ key, start: window.start, sum: r.value }))
        .uid('window');
      sums.sinkTo(sinkFor(commonParams(raw))).uid('sink');
      sums.getSideOutput(LATE).sinkTo(sinkFor(commonParams(raw))).uid('late');
    };
    const c = runJobInWorld(build, {}, input, { parallelism: 1 });
    expect(c.jobStatus()).toBe('FINISHED');
    const to_side = c.collector().records('late') as Event[];
    const results = c.collector().records('sink') as { key: string; start: number; sum: number }[];
    expect(to_side.map((e) => e.id).sort()).toEqual(far.map((e) => e.id).sort());
    for (const l of near) {
      const start = l.ts - (l.ts % 100);
      const fired = results.filter((r) => r.key === l.key && r.start === start);
      expect(fired.length).toBe(2); // on time, then again at once with the late element
      expect(fired[1]!.sum - fired[0]!.sum).toBe(100);
    }
    // Nothing is lost: every element is in its window's last result or in the side output.
    const last = new Map<string, number>();
    for (const r of results) last.set(`${r.key}/${r.start}`, r.sum);
    const counted = [...last.values()].reduce((a, b) => a + b, 0) + to_side.reduce((s, e) => s + e.value, 0);
    expect(counted).toBe(input[0]!.reduce((s, r) => s + (r.value as Event).value, 0));
  });
});
