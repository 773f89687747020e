// Specification of the two-input API in the world against Flink's documented behaviour ("Joining" and "Broadcast
// State" pages): tumbling and sliding window joins emit exactly the pairs of a key inside a common window, stamped
// with the window's max timestamp; coGroup sees both sides of every window, one of them possibly empty; the interval
// join emits the pairs with orange.ts + lower ≤ green.ts ≤ orange.ts + upper; connect/CoMap sees both inputs; a
// broadcast rule reaches every parallel instance. Each job runs at parallelism 2 and through the oracle.
import { describe, expect, it } from 'vitest';
import type { DataStream, StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { KeyedBroadcastProcessFunction } from '../engine/api/co-functions.js';
import type { Collector } from '../engine/api/functions.js';
import { ListStateDescriptor, MapStateDescriptor } from '../engine/api/state-descriptors.js';
import { OutputTag } from '../engine/api/side-output.js';
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from '../engine/api/windows.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import { LogSource } from '../engine/connectors/log-source.js';
import { commonParams, sinkFor } from '../engine/examples/common.js';
import { evaluateOracle } from '../properties/oracle.js';
import type { ListState } from '../engine/state/keyed-state.js';
import { runTopicsInWorld } from './job-harness.js';
import { Cluster } from './cluster.js';

interface Elem {
  color: 'orange' | 'green';
  key: string;
  ts: number;
}

const elems = (color: Elem['color'], key: string, timestamps: number[]): LogRecord[] => timestamps.map((ts) => ({ value: { color, key, ts } satisfies Elem, timestamp_ms: ts }));

function sources(env: StreamExecutionEnvironment) {
  const source = (topic: string) =>
    env.fromSource<Elem>(new LogSource({ broker: 'broker', topic, partitions: 1, bounded: true }) as never, {
      uid: topic,
      watermarks: { out_of_orderness_ms: 0, timestamp_assigner: (e) => e.ts },
    });
  return { orange: source('orange'), green: source('green') };
}

const canonical = (records: readonly unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

/** Runs at parallelism 2 in the world and through the oracle; both must give `reference`. */
function check(build: (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => void, input: Map<string, LogRecord[][]>, reference: unknown[]): void {
  const c = runTopicsInWorld(build, {}, input, { parallelism: 2 });
  expect(c.jobStatus()).toBe('FINISHED');
  expect(canonical(c.collector().records('sink'))).toEqual(canonical(reference));
  expect(canonical(evaluateOracle(build, {}, input).outputs.get('sink')!)).toEqual(canonical(reference));
}

const pair = (o: Elem, g: Elem) => `${o.key}:${o.ts},${g.ts}`;

describe('window join (Flink: JoinedStreams)', () => {
  const input = new Map([
    ['orange', [[...elems('orange', 'a', [0, 1, 2, 3, 4, 5, 6, 7]), ...elems('orange', 'b', [1])]]],
    ['green', [[...elems('green', 'a', [0, 1, 3, 4]), ...elems('green', 'b', [6])]]],
  ]);

  it('tumbling 2 ms: pairwise combinations of a key inside each window; lone elements emit nothing (inner join)', () => {
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      orange
        .join(green)
        .where((o) => o.key)
        .equalTo((g) => g.key)
        .window(TumblingEventTimeWindows.of(2))
        .apply(pair)
        .uid('join')
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    // [0,2): o0,o1 × g0,g1; [2,4): o2,o3 × g3; [4,6): o4,o5 × g4; [6,8): no green for a; b's 1 and 6 never meet.
    check(build, input, ['a:0,0', 'a:0,1', 'a:1,0', 'a:1,1', 'a:2,3', 'a:3,3', 'a:4,4', 'a:5,4']);
  });

  it('sliding 2 ms / 1 ms: a pair joins once per common window (orange 2 meets green 3 in [2,4) only)', () => {
    const sliding = new Map([
      ['orange', [elems('orange', 'a', [0, 1, 2, 3])]],
      ['green', [elems('green', 'a', [0, 3])]],
    ]);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      orange
        .join(green)
        .where((o) => o.key)
        .equalTo((g) => g.key)
        .window(SlidingEventTimeWindows.of(2, 1))
        .apply({ join: (o: Elem, g: Elem, out: Collector<string>) => out.collect(pair(o, g)) })
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    // Windows [-1,1): o0×g0; [0,2): o0,o1×g0; [1,3): none; [2,4): o2,o3×g3; [3,5): o3×g3.
    check(build, sliding, ['a:0,0', 'a:0,0', 'a:1,0', 'a:2,3', 'a:3,3', 'a:3,3']);
  });

  it('the joined pair carries the window’s max timestamp, and the operator keeps nothing after the last window', () => {
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      orange
        .join(green)
        .where((o) => o.key)
        .equalTo((g) => g.key)
        .window(TumblingEventTimeWindows.of(2))
        .apply((o, g) => [o.ts, g.ts])
        .process({ processElement: (v, ctx, out) => out.collect([...(v as number[]), ctx.timestamp()]) })
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    check(build, new Map([['orange', [elems('orange', 'a', [2])]], ['green', [elems('green', 'a', [3])]]]), [[2, 3, 3]]);
  });
});

describe('coGroup (Flink: CoGroupedStreams)', () => {
  it('every window with elements of either side fires once per key, with both sides (one may be empty)', () => {
    const input = new Map([
      ['orange', [[...elems('orange', 'a', [0, 1, 5]), ...elems('orange', 'b', [2])]]],
      ['green', [[...elems('green', 'a', [1, 8]), ...elems('green', 'b', [3])]]],
    ]);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      orange
        .coGroup(green)
        .where((o) => o.key)
        .equalTo((g) => g.key)
        .window(TumblingEventTimeWindows.of(4))
        .apply((os: readonly Elem[], gs: readonly Elem[], out: Collector<unknown>) =>
          out.collect({ key: (os[0] ?? gs[0])!.key, orange: os.map((o) => o.ts), green: gs.map((g) => g.ts) }),
        )
        .uid('cogroup')
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    check(build, input, [
      { key: 'a', orange: [0, 1], green: [1] },
      { key: 'a', orange: [5], green: [] },
      { key: 'a', orange: [], green: [8] },
      { key: 'b', orange: [2], green: [3] },
    ]);
  });
});

describe('interval join (Flink: KeyedStream.intervalJoin)', () => {
  const input = new Map([
    ['orange', [elems('orange', 'a', [0, 2, 3, 4, 7])]],
    ['green', [elems('green', 'a', [0, 1, 6, 7])]],
  ]);
  const join = (lower_exclusive: boolean, upper_exclusive: boolean) => (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
    const { orange, green } = sources(env);
    let between = orange
      .keyBy((o) => o.key)
      .intervalJoin(green.keyBy((g) => g.key))
      .between(-2, 1);
    if (lower_exclusive) between = between.lowerBoundExclusive();
    if (upper_exclusive) between = between.upperBoundExclusive();
    between
      .process({ processElement: (o, g, ctx, out) => out.collect(`${pair(o, g)}@${ctx.getTimestamp()}`) })
      .uid('interval-join')
      .sinkTo(sinkFor(commonParams(raw)))
      .uid('sink');
  };

  it('between(-2, 1): orange.ts − 2 ≤ green.ts ≤ orange.ts + 1, stamped with the larger timestamp', () => {
    check(join(false, false), input, ['a:0,0@0', 'a:0,1@1', 'a:2,0@2', 'a:2,1@2', 'a:3,1@3', 'a:7,6@7', 'a:7,7@7']);
  });

  it('exclusive bounds drop the pairs exactly on a bound', () => {
    check(join(true, true), input, ['a:0,0@0', 'a:2,1@2', 'a:7,6@7', 'a:7,7@7']);
  });

  it('an element behind the watermark of both inputs is late: it joins nothing and goes to its side\'s late-data output', () => {
    // Each side reads 10 and 30 (watermark 29 on both inputs), then an element at 2 (orange) or 3 (green): late, so
    // they do not join each other (they would: 3 ∈ [2 − 2, 2 + 1]), and each leaves through its own tag.
    const late_input = new Map([
      ['orange', [elems('orange', 'a', [10, 30, 2])]],
      ['green', [elems('green', 'a', [10, 30, 3])]],
    ]);
    const LEFT_LATE = new OutputTag<Elem>('left-late');
    const RIGHT_LATE = new OutputTag<Elem>('right-late');
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      const joined = orange
        .keyBy((o) => o.key)
        .intervalJoin(green.keyBy((g) => g.key))
        .between(-2, 1)
        .sideOutputLeftLateData(LEFT_LATE)
        .sideOutputRightLateData(RIGHT_LATE)
        .process({ processElement: (o: Elem, g: Elem, ctx, out) => out.collect(`${pair(o, g)}@${ctx.getTimestamp()}`) })
        .uid('interval-join');
      const late = (tag: OutputTag<Elem>, side: string) => joined.getSideOutput(tag).map((e): unknown => `late ${side} ${e.key}:${e.ts}`);
      (joined as DataStream<unknown>).union(late(LEFT_LATE, 'left'), late(RIGHT_LATE, 'right')).sinkTo(sinkFor(commonParams(raw))).uid('sink');
    };
    // The records appear one by one (3 per second): each side's watermark 29 reaches the join before its late element.
    const paced = (job: typeof build): Cluster => {
      const c = new Cluster({
        seed: 1,
        job: { name: 'job', params: {}, parallelism: 2 },
        jobs: new Map([['job', job]]),
        task_managers: 2,
        slots_per_task_manager: 2,
        topics: [...late_input.keys()].map((name) => ({ name, partitions: 1 })),
        input: late_input,
        rate_per_second: 3,
      });
      c.runToCompletion(5_000_000);
      expect(c.jobStatus()).toBe('FINISHED');
      return c;
    };
    const c = paced(build);
    expect(canonical(c.collector().records('sink'))).toEqual(canonical(['a:10,10@10', 'a:30,30@30', 'late left a:2', 'late right a:3']));
    expect(c.world.probe_counts()['interval_join.late_data_to_side_output']).toBe(2);
    // Without the tags the late elements are dropped (Flink's default), and never joined.
    const dropping = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      orange
        .keyBy((o) => o.key)
        .intervalJoin(green.keyBy((g) => g.key))
        .between(-2, 1)
        .process({ processElement: (o: Elem, g: Elem, _ctx, out) => out.collect(pair(o, g)) })
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    expect(canonical(paced(dropping).collector().records('sink'))).toEqual(canonical(['a:10,10', 'a:30,30']));
  });
});

describe('connect and broadcast state', () => {
  it('CoMap sees every element of both inputs, each through its own function', () => {
    const input = new Map([
      ['orange', [elems('orange', 'a', [0, 1, 2])]],
      ['green', [elems('green', 'b', [5])]],
    ]);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      orange
        .connect(green)
        .map({ map1: (o: Elem) => `o${o.ts}`, map2: (g: Elem) => `g${g.ts}` })
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    check(build, input, ['o0', 'o1', 'o2', 'g5']);
  });

  it('a broadcast rule reaches every parallel instance; elements wait in keyed state for the rule they need', () => {
    const thresholds = new MapStateDescriptor<string, number>('thresholds');
    const waiting = new ListStateDescriptor<number>('waiting');
    const input = new Map([
      ['orange', [[...elems('orange', 'a', [10, 30]), ...elems('orange', 'b', [20]), ...elems('orange', 'c', [40]), ...elems('orange', 'd', [5])]]],
      ['green', [elems('green', 'rule', [25])]],
    ]);
    const verdict = (key: unknown, ts: number, threshold: number) => `${String(key)}:${ts}:${ts > threshold ? 'above' : 'below'}`;
    interface Classifier extends KeyedBroadcastProcessFunction<string, Elem, Elem, string> {
      pending: ListState<number>;
    }
    const classifier: Classifier = {
      pending: undefined as unknown as ListState<number>,
      open(ctx) {
        this.pending = ctx.getListState(waiting);
      },
      processElement(o, ctx, out) {
        const threshold = ctx.getBroadcastState(thresholds).get('threshold');
        if (threshold === undefined) this.pending.add(o.ts);
        else out.collect(verdict(o.key, o.ts, threshold));
      },
      processBroadcastElement(g, ctx, out) {
        ctx.getBroadcastState(thresholds).put('threshold', g.ts);
        ctx.applyToKeyedState(waiting, (key, state) => {
          for (const ts of state.get()) out.collect(verdict(key, ts, g.ts));
          state.clear();
        });
      },
    };
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const { orange, green } = sources(env);
      orange
        .keyBy((o) => o.key)
        .connect(green.broadcast(thresholds))
        .process(classifier)
        .uid('classify')
        .sinkTo(sinkFor(commonParams(raw)))
        .uid('sink');
    };
    check(build, input, ['a:10:below', 'a:30:above', 'b:20:below', 'c:40:above', 'd:5:below']);
  });
});
