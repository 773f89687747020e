// Specification of watermarks in the world: a source split (or a whole source subtask) without records for longer
// than withIdleness's timeout stops holding the watermark back, downstream through the status watermark valve, and
// becomes active again on data; assignTimestampsAndWatermarks after the source re-stamps records and generates the
// watermarks windows fire on.
import { describe, expect, it } from 'vitest';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import { WatermarkStrategy, type Collector, type KeyedProcessFunction, type TimeWindow } from '../engine/api/functions.js';
import { TumblingEventTimeWindows } from '../engine/api/windows.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import { LogSource } from '../engine/connectors/log-source.js';
import { commonParams, sinkFor, sourceFor } from '../engine/examples/common.js';
import type { EngineNode, Runtime } from '../engine/runtime.js';
import { evaluateOracle } from '../properties/oracle.js';
import { Cluster } from './cluster.js';
import { hostEngineNode } from './host.js';
import { runJobInWorld } from './job-harness.js';

interface Event {
  id: number;
  key: string;
  ts: number;
}

interface Seen {
  id: number;
  watermark: number;
}

/** Emits every record with the watermark its keyed operator had when the record arrived. */
const withWatermark: KeyedProcessFunction<string, Event, Seen> = {
  processElement(e: Event, ctx, out: Collector<Seen>) {
    out.collect({ id: e.id, watermark: ctx.timerService().currentWatermark() });
  },
};

function idlenessJob(idle_timeout_ms: number | undefined, bounded = true) {
  return (env: StreamExecutionEnvironment, raw: Record<string, unknown>): void => {
    const params = commonParams({ ...raw, bounded });
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Event>(10).withTimestampAssigner((e) => e.ts);
    env
      .fromSource<Event>(sourceFor(params) as never, { uid: 'source', watermarks: idle_timeout_ms === undefined ? strategy : strategy.withIdleness(idle_timeout_ms) })
      .keyBy((e) => e.key)
      .process(withWatermark)
      .uid('seen')
      .sinkTo(sinkFor(params))
      .uid('sink');
  };
}

/** An unbounded job over partition 0 (a record every 2 ms of event time) and a quiet partition 1, run for `until_ms`. */
function runUnbounded(idle_timeout_ms: number | undefined, quiet: LogRecord[], parallelism: number, prepare?: (c: Cluster) => void): Cluster {
  const busy: LogRecord[] = Array.from({ length: 8000 }, (_, i) => ({ value: { id: i, key: `k${i % 5}`, ts: 2 * i } satisfies Event, timestamp_ms: 2 * i }));
  const c = new Cluster({
    seed: 4,
    job: { name: 'job', params: { partitions: 2, sink_records_per_ms: 1, bounded: false }, parallelism },
    jobs: new Map([['job', idlenessJob(idle_timeout_ms, false)]]),
    task_managers: 1,
    slots_per_task_manager: 2,
    topics: [{ name: 'input', partitions: 2 }],
    input: new Map([['input', [busy, quiet]]]),
    heartbeat_interval_ms: 50,
    heartbeat_timeout_ms: 200,
  });
  prepare?.(c);
  c.world.run({ until_ms: 4_000 });
  return c;
}

const quietStart = (): LogRecord[] => [0, 2, 4].map((ts, i) => ({ value: { id: 10_000 + i, key: 'q', ts } satisfies Event, timestamp_ms: ts }));

describe('source idleness', () => {
  it.each([
    ['one source instance reading both splits', 1],
    ['the quiet split alone on its source instance (idle status through the valve)', 2],
  ] as const)('%s: an idle split stops holding the watermark back', (_name, parallelism) => {
    const idle = runUnbounded(50, quietStart(), parallelism);
    const held = runUnbounded(undefined, quietStart(), parallelism);
    const seen = (c: Cluster) => c.collector().records('sink') as Seen[];
    const max = (c: Cluster) => Math.max(...seen(c).map((s) => s.watermark));
    for (const c of [idle, held]) expect(seen(c).length).toBeGreaterThan(2000);
    // Without idleness the quiet split holds the watermark at 4 − 10 − 1.
    expect(max(held)).toBeLessThan(0);
    // With it, the watermark follows the busy split (2 · id − 11) once the quiet one is idle.
    expect(max(idle)).toBeGreaterThan(2000);
  });

  it('an idle split becomes active again on data and holds the watermark until it goes idle again', () => {
    // A producer appends to the quiet partition at 300 ms: records far behind the watermark (late, as Flink has it).
    const c = runUnbounded(50, [{ value: { id: 10_000, key: 'q', ts: 0 } satisfies Event, timestamp_ms: 0 }], 1, (cluster) =>
      cluster.world.add_process(
        'producer',
        hostEngineNode((runtime: Runtime): EngineNode => ({
          on_start: () => void runtime.setTimer(300, 'append'),
          on_message: () => {},
          on_timer: () =>
            runtime.send('broker', {
              type: 'broker.append',
              topic: 'input',
              partition: 1,
              request_id: 1,
              records: [1, 2, 3].map((i) => ({ value: { id: 10_000 + i, key: 'q', ts: 100 } satisfies Event, timestamp_ms: 100 })),
            }),
        })),
      ),
    );
    const seen = c.collector().records('sink') as Seen[];
    const late = seen.filter((s) => s.id > 10_000);
    expect(late.map((s) => s.id).sort()).toEqual([10_001, 10_002, 10_003]); // nothing lost
    const watermarks = seen.map((s) => s.watermark);
    for (let i = 1; i < watermarks.length; i++) expect(watermarks[i]!).toBeGreaterThanOrEqual(watermarks[i - 1]!); // never back
    const at_reactivation = late[0]!.watermark;
    expect(at_reactivation).toBeGreaterThan(100);
    // Active again, the quiet split (at 100 − 11) holds the watermark, until it is idle again and the busy split leads.
    const after = seen.slice(seen.indexOf(late[2]!) + 1).map((s) => s.watermark);
    expect(after.slice(0, 5).every((w) => w === at_reactivation)).toBe(true);
    expect(Math.max(...after)).toBeGreaterThan(at_reactivation + 100);
  });
});

describe('assignTimestampsAndWatermarks', () => {
  it('re-stamps records after the source and drives event-time windows with its own watermarks', () => {
    const events: Event[] = Array.from({ length: 1200 }, (_, id) => ({ id, key: `k${id % 4}`, ts: 3 * id + ((id * 7) % 15) }));
    // The source knows no event time: every record carries timestamp 0 and the source has no watermark strategy.
    const input: LogRecord[][] = [0, 1, 2].map((p) => events.filter((e) => e.id % 3 === p).map((e) => ({ value: e, timestamp_ms: 0 })));
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      const params = commonParams(raw);
      env
        .fromSource<Event>(new LogSource({ broker: 'broker', topic: 'input', partitions: 3, bounded: true }) as never, { uid: 'source' })
        .map((e) => e)
        .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(20).withTimestampAssigner((e) => e.ts))
        .uid('timestamps')
        .keyBy((e) => e.key)
        .window(TumblingEventTimeWindows.of(100))
        .aggregate(
          { createAccumulator: () => 0, add: (_e: Event, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
          (key: string, window: TimeWindow, count: number) => ({ key, start: window.start, count }),
        )
        .uid('window')
        .sinkTo(sinkFor(params))
        .uid('sink');
    };
    const reference = new Map<string, { key: string; start: number; count: number }>();
    for (const e of events) {
      const start = e.ts - (e.ts % 100);
      const r = reference.get(`${e.key}/${start}`) ?? { key: e.key, start, count: 0 };
      reference.set(`${e.key}/${start}`, { ...r, count: r.count + 1 });
    }
    const canonical = (rs: readonly unknown[]) => rs.map((r) => JSON.stringify(r)).sort();
    const c = runJobInWorld(build, { sink_records_per_ms: 1 }, input, { parallelism: 2 });
    expect(c.jobStatus()).toBe('FINISHED');
    const oracle = evaluateOracle(build, { partitions: 3 }, new Map([['input', input]]));
    expect(canonical(c.collector().records('sink'))).toEqual(canonical([...reference.values()]));
    expect(canonical(oracle.outputs.get('sink')!)).toEqual(canonical([...reference.values()]));
  });
});
