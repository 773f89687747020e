// Specification of the two-input operators against Flink's documented behaviour, one operator at a time: the
// combined watermark is the minimum of both inputs' and fires keyed timers only when both passed; CoMap/CoFlatMap
// see each input separately; non-keyed functions cannot set timers or use keyed state; broadcast state is read-only
// on the element side and reaches keyed state through applyToKeyedState; the interval join emits exactly the pairs
// within its bounds, stamped max(left, right), drops late elements and cleans its buffers up by watermark.
import { describe, expect, it } from 'vitest';
import type { KeyedBroadcastProcessFunction } from '../api/co-functions.js';
import { ListStateDescriptor, MapStateDescriptor } from '../api/state-descriptors.js';
import { OutputTag } from '../api/side-output.js';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { MIN_WATERMARK, type Collector } from '../api/functions.js';
import { DiscardingSink } from '../connectors/collect-sink.js';
import { LogSource } from '../connectors/log-source.js';
import type { GraphNode } from '../graph/job-graph.js';
import type { ListState, ValueState } from '../state/keyed-state.js';
import { MemoryKeyedStateBackend } from '../state/memory-backend.js';
import { OperatorListState, type OperatorStateMode } from '../state/operator-state.js';
import type { OperatorEnvironment } from './operators.js';
import { createTwoInputOperator, LEFT_BUFFER_STATE, RIGHT_BUFFER_STATE, type TwoInputStreamOperator } from './two-input-operators.js';

interface Harness {
  operator: TwoInputStreamOperator;
  records: [unknown, number][];
  side: [string, unknown, number][];
  statuses: string[];
  watermarks: number[];
  backend: MemoryKeyedStateBackend | undefined;
  lists: Map<string, OperatorListState<unknown>>;
}

/** Builds the job with `connect`, takes its two-input node and runs that operator alone on subtask 0 of 1. */
function harness(build: (env: StreamExecutionEnvironment, a: ReturnType<StreamExecutionEnvironment['fromSource']>, b: ReturnType<StreamExecutionEnvironment['fromSource']>) => unknown): Harness {
  const env = new StreamExecutionEnvironment({ parallelism: 1, max_parallelism: 8 });
  const source = (topic: string) => env.fromSource<unknown>(new LogSource({ broker: 'b', topic, partitions: 1, bounded: true }) as never);
  const result = build(env, source('a'), source('b')) as { sinkTo(sink: unknown): unknown };
  result.sinkTo(new DiscardingSink());
  env.graph.validate();
  const node = env.graph.nodes.find((n) => n.operator.kind === 'two_input') as GraphNode;
  if (node.operator.kind !== 'two_input') throw new Error('no two-input node');
  let backend: MemoryKeyedStateBackend | undefined;
  const lists = new Map<string, OperatorListState<unknown>>();
  const op_env: OperatorEnvironment = {
    subtask_index: 0,
    parallelism: 1,
    max_parallelism: 8,
    key_group_range: { start: 0, end: 7 },
    now_ms: () => 0,
    createKeyedBackend: (_uid, range, max) => (backend = new MemoryKeyedStateBackend(range, max)),
    getOperatorListState: <T,>(_uid: string, name: string, mode: OperatorStateMode) => {
      let list = lists.get(name);
      if (list === undefined) lists.set(name, (list = new OperatorListState<unknown>(name, mode)));
      return list as OperatorListState<T>;
    },
    requestProcessingTimeWakeup: () => {},
    restored: false,
    task_name: 'two-input',
    fail: (message) => {
      throw new Error(message);
    },
  };
  const operator = createTwoInputOperator(node, op_env, node.operator.spec);
  const h: Harness = { operator, records: [], side: [], statuses: [], watermarks: [], backend, lists };
  operator.output = {
    collect: (value, ts) => h.records.push([value, ts]),
    collectSide: (tag, value, ts) => h.side.push([tag, value, ts]),
    emitWatermark: (wm) => h.watermarks.push(wm),
    emitWatermarkStatus: (status) => h.statuses.push(status),
  };
  h.backend = backend;
  operator.open();
  return h;
}

describe('two-input operators', () => {
  it('CoMap maps each input with its own function and keeps element timestamps', () => {
    const h = harness((_env, a, b) => a.connect(b).map({ map1: (v) => `one:${String(v)}`, map2: (v) => `two:${String(v)}` }));
    h.operator.processElement1('x', 5);
    h.operator.processElement2('y', 7);
    expect(h.records).toEqual([
      ['one:x', 5],
      ['two:y', 7],
    ]);
  });

  it('the output watermark is the minimum of both inputs and only advances', () => {
    const h = harness((_env, a, b) => a.connect(b).map({ map1: (v) => v, map2: (v) => v }));
    h.operator.processWatermark1(100);
    expect(h.watermarks).toEqual([]);
    h.operator.processWatermark2(40);
    h.operator.processWatermark2(120);
    h.operator.processWatermark1(90); // a lower watermark on one input never moves the combined one back
    h.operator.processWatermark1(150);
    expect(h.watermarks).toEqual([40, 100, 120]);
  });

  it('an idle input stops holding the combined watermark back; both idle makes the operator idle (CombinedWatermarkStatus)', () => {
    const h = harness((_env, a, b) => a.connect(b).map({ map1: (v) => v, map2: (v) => v }));
    h.operator.processWatermark1(100);
    expect(h.watermarks).toEqual([]);
    h.operator.processWatermarkStatus2('idle');
    expect(h.watermarks).toEqual([100]);
    expect(h.statuses).toEqual([]);
    h.operator.processWatermarkStatus1('idle');
    expect(h.statuses).toEqual(['idle']);
    h.operator.processWatermarkStatus2('active');
    expect(h.statuses).toEqual(['idle', 'active']);
    h.operator.processWatermark2(150); // input 1 is still idle: input 2 alone decides
    expect(h.watermarks).toEqual([100, 150]);
  });

  it('keyed CoFlatMap (keyBy(k1, k2)) scopes keyed state to the element key across both inputs: the control-stream filter', () => {
    const h = harness((_env, a, b) =>
      a
        .connect(b)
        .keyBy((w) => w as string, (w) => w as string)
        .flatMap(() => {
          let blocked: ValueState<boolean>;
          return {
            open: (ctx) => {
              blocked = ctx.getState<boolean>('blocked');
            },
            flatMap1: () => blocked.update(true),
            flatMap2: (word: unknown, out: Collector<unknown>) => {
              if (blocked.value() !== true) out.collect(word);
            },
          };
        }),
    );
    h.operator.processElement2('apache', 1);
    h.operator.processElement1('apache', 2);
    h.operator.processElement2('apache', 3);
    h.operator.processElement2('flink', 4);
    expect(h.records).toEqual([
      ['apache', 1],
      ['flink', 4],
    ]);
  });

  it('non-keyed CoProcessFunction: side outputs with the element timestamp; timers and keyed state are refused', () => {
    const late = new OutputTag<string>('late');
    const h = harness((_env, a, b) =>
      a.connect(b).process({
        processElement1: (_v, ctx) => ctx.timerService().registerEventTimeTimer(10),
        processElement2: (v, ctx, out) => {
          out.collect([v, ctx.timestamp(), ctx.timerService().currentWatermark()]);
          ctx.output(late, `side:${String(v)}`);
        },
      }),
    );
    expect(() => h.operator.processElement1('x', 1)).toThrow(/only supported on a keyed streams/);
    h.operator.processElement2('y', 3);
    expect(h.records).toEqual([[['y', 3, MIN_WATERMARK], 3]]);
    expect(h.side).toEqual([['late', 'side:y', 3]]);
    expect(() =>
      harness((_env, a, b) => a.connect(b).map({ open: (ctx) => ctx.getState('s'), map1: (v) => v, map2: (v) => v })),
    ).toThrow(/Keyed state can only be used on a keyed stream/);
  });

  it('KeyedCoProcessFunction: event-time timers fire only once both inputs passed them, stamped with their time', () => {
    const h = harness((_env, a, b) =>
      a
        .keyBy((v) => (v as [string, number])[0])
        .connect(b.keyBy((v) => (v as [string, number])[0]))
        .process({
          processElement1: (v, ctx) => ctx.timerService().registerEventTimeTimer((v as [string, number])[1]),
          processElement2: (v, ctx) => ctx.timerService().registerEventTimeTimer((v as [string, number])[1]),
          onTimer: (ts, ctx, out) => out.collect([ctx.getCurrentKey(), ts, ctx.timeDomain()]),
        }),
    );
    h.operator.processElement1(['k', 10], 10);
    h.operator.processElement2(['q', 20], 20);
    h.operator.processWatermark1(50);
    expect(h.records).toEqual([]);
    h.operator.processWatermark2(15);
    expect(h.records).toEqual([[['k', 10, 'event'], 10]]);
    h.operator.processWatermark2(60);
    expect(h.records.map((r) => r[0])).toEqual([
      ['k', 10, 'event'],
      ['q', 20, 'event'],
    ]);
    expect(h.watermarks).toEqual([15, 50]);
  });

  it('keyed broadcast: read-only broadcast state on the element side, applyToKeyedState on the broadcast side', () => {
    const rules = new MapStateDescriptor<string, number>('rules');
    const fn: KeyedBroadcastProcessFunction<string, [string, string], [string, number], unknown> = {
      processElement(event, ctx, out) {
        const threshold = ctx.getBroadcastState(rules).get(event[1]);
        if (threshold !== undefined) out.collect(['direct', event[0], threshold]);
        else this.pending!.add(event[1]);
        expect(() => (ctx.getBroadcastState(rules) as unknown as { put(k: string, v: number): void }).put('x', 1)).toThrow();
      },
      processBroadcastElement(rule, ctx, out) {
        ctx.getBroadcastState(rules).put(rule[0], rule[1]);
        ctx.applyToKeyedState(new ListStateDescriptor<string>('pending'), (key, pending) => {
          const waiting = pending.get();
          for (const name of waiting) if (name === rule[0]) out.collect(['released', key, rule[1]]);
          pending.update(waiting.filter((name) => name !== rule[0]));
        });
      },
    } as KeyedBroadcastProcessFunction<string, [string, string], [string, number], unknown> & { pending?: ListState<string> };
    const h = harness((_env, a, b) =>
      a
        .keyBy((v) => (v as [string, string])[0])
        .connect(b.broadcast(rules as MapStateDescriptor<unknown, unknown>))
        .process({
          open(ctx) {
            (this as { pending?: ListState<string> }).pending = ctx.getListState<string>('pending');
          },
          processElement: fn.processElement,
          processBroadcastElement: fn.processBroadcastElement,
        } as KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>),
    );
    h.operator.processElement1(['alice', 'r1'], 1);
    h.operator.processElement1(['bob', 'r1'], 2);
    h.operator.processElement1(['bob', 'r2'], 3);
    h.operator.processElement2(['r1', 100], 4);
    h.operator.processElement1(['carol', 'r1'], 5);
    expect(h.records).toEqual([
      [['released', 'alice', 100], 4],
      [['released', 'bob', 100], 4],
      [['direct', 'carol', 100], 5],
    ]);
    // Broadcast state lives in this subtask's operator state ('broadcast' mode), which the task snapshots.
    expect(h.lists.get('rules')?.mode).toBe('broadcast');
    expect(h.lists.get('rules')?.get()).toEqual([['r1', 'r1', 100]]);
  });

  it('interval join: the pairs within [lower, upper], max timestamp, late elements dropped, buffers cleaned by watermark', () => {
    const h = harness((_env, a, b) =>
      a
        .keyBy((v) => (v as [string, number])[0])
        .intervalJoin(b.keyBy((v) => (v as [string, number])[0]))
        .between(-2, 3)
        .upperBoundExclusive()
        .process({
          processElement: (left, right, ctx, out) => out.collect([(left as [string, number])[1], (right as [string, number])[1], ctx.getLeftTimestamp(), ctx.getRightTimestamp(), ctx.getTimestamp()]),
        }),
    );
    h.operator.processElement1(['k', 1], 10);
    for (const ts of [7, 8, 10, 12, 13]) h.operator.processElement2(['k', 100 + ts], ts);
    h.operator.processElement2(['other', 0], 10);
    // right.ts ∈ [10 − 2, 10 + 3): 8, 10, 12.
    expect(h.records.map((r) => r[0])).toEqual([
      [1, 108, 10, 8, 10],
      [1, 110, 10, 10, 10],
      [1, 112, 10, 12, 12],
    ]);
    expect(h.records.map((r) => r[1])).toEqual([10, 10, 12]);
    h.records.length = 0;
    h.operator.processWatermark1(11);
    h.operator.processWatermark2(11);
    h.operator.processElement1(['k', 2], 9); // behind the watermark: late, dropped
    expect(h.records).toEqual([]);
    const buffered = (state: string) => [...h.backend!.export_entries()].filter((e) => e.state === state).length;
    expect(buffered(LEFT_BUFFER_STATE)).toBe(1);
    h.operator.processWatermark1(100);
    h.operator.processWatermark2(100);
    expect(buffered(LEFT_BUFFER_STATE)).toBe(0);
    expect(buffered(RIGHT_BUFFER_STATE)).toBe(0);
  });
});
