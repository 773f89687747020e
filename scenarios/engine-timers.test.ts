// Specification of KeyedProcessFunction in the world: event-time timers (stored in keyed state, fired when the
// watermark passes, in order), MapState with numeric user keys, and processing-time timers on the process clock.
import { describe, expect, it } from 'vitest';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { KeyedProcessFunction, RuntimeContext } from '../engine/api/functions.js';
import { commonParams, sinkFor, sourceFor } from '../engine/examples/common.js';
import { windowedSumInput, type KeyedValue } from '../engine/examples/windowed-sum.js';
import type { MapState, ValueState } from '../engine/state/keyed-state.js';
import { diffPerKey, evaluateOracle } from '../properties/oracle.js';
import { Cluster } from './cluster.js';

interface Due {
  key: string;
  timer_ms: number;
  count: number;
}

interface TimerCounter extends KeyedProcessFunction<string, KeyedValue, Due> {
  per_timestamp: MapState<number, number>;
  ticks: ValueState<number>;
}

/** Counts a key's records per timestamp; a timer at ts + 10 emits how many records with timestamp ≤ its time. */
const timerCounter: TimerCounter = {
  per_timestamp: undefined as unknown as MapState<number, number>,
  ticks: undefined as unknown as ValueState<number>,
  open(ctx: RuntimeContext) {
    this.per_timestamp = ctx.getMapState<number, number>('per_timestamp');
    this.ticks = ctx.getState<number>('ticks');
  },
  processElement(record, ctx, _out) {
    this.per_timestamp.put(record.timestamp_ms, (this.per_timestamp.get(record.timestamp_ms) ?? 0) + 1);
    ctx.timerService().registerEventTimeTimer(record.timestamp_ms + 10);
    if (this.ticks.value() === undefined) {
      this.ticks.update(0);
      ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 5);
    }
  },
  onTimer(timestamp_ms, ctx, out) {
    if (ctx.timeDomain() === 'processing') {
      this.ticks.update((this.ticks.value() ?? 0) + 1);
      return;
    }
    let count = 0;
    for (const [ts, n] of this.per_timestamp.entries()) {
      if (ts > timestamp_ms) continue;
      count += n;
      this.per_timestamp.remove(ts);
    }
    if (count > 0) out.collect({ key: ctx.getCurrentKey(), timer_ms: timestamp_ms, count });
  },
};

function buildTimerJob(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<KeyedValue>(sourceFor(params) as never, {
      uid: 'source',
      watermarks: { out_of_orderness_ms: 20, timestamp_assigner: (r) => r.timestamp_ms },
    })
    .keyBy((r) => r.key)
    .process(timerCounter)
    .uid('timers')
    .sinkTo(sinkFor(params))
    .uid('sink');
}

describe('keyed process function with timers in the world', () => {
  it.each([1, 2, 3, 4])('parallelism %i: event-time timer output per key equals the oracle', (parallelism) => {
    // A throttled sink keeps the job running for ≥ 20 ms of virtual time, so processing-time timers (now + 5) fire.
    const params = { records: 800, partitions: 3, keys: 7, seed: parallelism * 13, out_of_orderness_ms: 20, sink_records_per_ms: 10 };
    const input = windowedSumInput(params);
    const cluster = new Cluster({
      seed: parallelism,
      job: { name: 'timers', params, parallelism },
      jobs: new Map([['timers', buildTimerJob]]),
      task_managers: 2,
      slots_per_task_manager: 2,
      topics: [{ name: 'input', partitions: 3 }],
      input,
    });
    cluster.runToCompletion();
    expect(cluster.jobStatus()).toBe('FINISHED');
    const oracle = evaluateOracle(buildTimerJob, params, input);
    const expected = oracle.outputs.get('sink') as Due[];
    const actual = cluster.collector().records('sink') as Due[];
    expect(actual.reduce((sum, d) => sum + d.count, 0)).toBe(800);
    expect(diffPerKey(expected, actual, (r) => (r as Due).key)).toEqual([]);
    const state = cluster.keyedState().get('timers')!;
    // Every event-time timer fired and every per-timestamp count was consumed.
    expect(state.filter((e) => e.state === '_timers/event' || e.state === 'per_timestamp')).toEqual([]);
    // Processing-time timers fired on the process clock (the oracle never fires them: they depend on time, not input).
    const ticks = state.filter((e) => e.state === 'ticks').map((e) => e.value as number);
    expect(ticks.length).toBe(7);
    expect(ticks.some((t) => t > 0)).toBe(true);
  });
});
