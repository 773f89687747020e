// Specification of the function-level DataStream API in the world, against Flink's documented behaviour: side
// outputs (OutputTag, ctx.output, getSideOutput), the non-keyed ProcessFunction, rich functions (open/close, runtime
// context) and keyed state in a rich function after keyBy (Flink's CountWindowAverage example). Each job also goes
// through the oracle.
import { describe, expect, it } from 'vitest';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { Collector, RuntimeContext } from '../engine/api/functions.js';
import { AbstractRichFunction, type ProcessFunction, type RichFlatMapFunction, type RichMapFunction } from '../engine/api/rich-functions.js';
import { OutputTag } from '../engine/api/side-output.js';
import { ValueStateDescriptor } from '../engine/api/state-descriptors.js';
import { CollectSink } from '../engine/connectors/collect-sink.js';
import { LogSource } from '../engine/connectors/log-source.js';
import type { ValueState } from '../engine/state/keyed-state.js';
import { evaluateOracle } from '../properties/oracle.js';
import { partitionedInput, runJobInWorld } from './job-harness.js';

interface Reading {
  id: number;
  key: string;
  value: number;
}

const readings = (n: number): Reading[] => Array.from({ length: n }, (_, id) => ({ id, key: `k${id % 7}`, value: (id * 37) % 101 }));
const source = (raw: Record<string, unknown>) => new LogSource({ broker: 'broker', topic: 'input', partitions: raw['partitions'] as number, bounded: true });
const sink = () => new CollectSink({ collector: 'collector' });
const byId = (records: readonly unknown[]) => [...(records as Reading[])].sort((a, b) => a.id - b.id);

const ODD = new OutputTag<Reading>('odd');
const BIG = new OutputTag<string>('big');

/** Even values to the main output, odd ones to a side output; after keyBy, values > 90 also go to "big". */
function buildSideOutputs(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const split: ProcessFunction<Reading, Reading> = {
    processElement(reading, ctx, out) {
      if (reading.value % 2 === 0) out.collect(reading);
      else ctx.output(ODD, reading);
    },
  };
  const main = env.fromSource<Reading>(source(raw) as never, { uid: 'source' }).process(split).uid('split');
  main.sinkTo(sink()).uid('even');
  main.getSideOutput(ODD).sinkTo(sink()).uid('odd');
  const flagged = main
    .getSideOutput(ODD)
    .union(main)
    .keyBy((r) => r.key)
    .process({
      processElement(reading: Reading, ctx, out: Collector<Reading>) {
        if (reading.value > 90) ctx.output(BIG, `${ctx.getCurrentKey()}:${reading.id}`);
        out.collect(reading);
      },
    })
    .uid('flag');
  flagged.sinkTo(sink()).uid('all');
  flagged.getSideOutput(BIG).sinkTo(sink()).uid('big');
}

describe('side outputs', () => {
  const all = readings(400);
  it.each([1, 2, 3])('parallelism %i: each record reaches exactly the outputs it was emitted to', (parallelism) => {
    const input = partitionedInput(all, 3, (r) => r.id);
    const c = runJobInWorld(buildSideOutputs, {}, input, { parallelism, seed: parallelism });
    expect(c.jobStatus()).toBe('FINISHED');
    const records = (uid: string) => c.collector().records(uid);
    expect(byId(records('even'))).toEqual(all.filter((r) => r.value % 2 === 0));
    expect(byId(records('odd'))).toEqual(all.filter((r) => r.value % 2 === 1));
    expect(byId(records('all'))).toEqual(all);
    expect([...(records('big') as string[])].sort()).toEqual(all.filter((r) => r.value > 90).map((r) => `${r.key}:${r.id}`).sort());
    const oracle = evaluateOracle(buildSideOutputs, { partitions: 3 }, new Map([['input', input]]));
    for (const uid of ['even', 'odd', 'all', 'big']) {
      expect([...records(uid)].map((r) => JSON.stringify(r)).sort()).toEqual(oracle.outputs.get(uid)!.map((r) => JSON.stringify(r)).sort());
    }
  });

  it('a side output nobody reads is dropped; getSideOutput of a union is refused', () => {
    const input = partitionedInput(readings(50), 2, (r) => r.id);
    const c = runJobInWorld(
      (env, raw) => {
        env.fromSource<Reading>(source(raw) as never, { uid: 'source' }).process({
          processElement(r: Reading, ctx, out: Collector<Reading>) {
            ctx.output(ODD, r);
            out.collect(r);
          },
        }).sinkTo(sink()).uid('sink');
      },
      {},
      input,
      { parallelism: 2 },
    );
    expect(c.collector().records('sink').length).toBe(50);
    expect(() =>
      runJobInWorld((env, raw) => {
        const s = env.fromSource<Reading>(source(raw) as never, { uid: 'source' });
        s.union(s.map((r) => r)).getSideOutput(ODD);
      }, {}, input, { parallelism: 1 }),
    ).toThrow(/single operator/);
  });
});

/** Opened/closed instances, by subtask (the functions below record themselves here; test-only bookkeeping). */
const lifecycle: { opened: string[]; closed: string[] } = { opened: [], closed: [] };

class TagWithSubtask extends AbstractRichFunction implements RichMapFunction<Reading, { id: number; subtask: number; of: number }> {
  private seen = 0;
  open(ctx: RuntimeContext): void {
    this.seen = 0;
    lifecycle.opened.push(`${ctx.getTaskName()}#${ctx.getIndexOfThisSubtask()}`);
  }
  map(reading: Reading) {
    this.seen++;
    const ctx = this.getRuntimeContext();
    return { id: reading.id, subtask: ctx.getIndexOfThisSubtask(), of: ctx.getNumberOfParallelSubtasks() };
  }
  close(): void {
    lifecycle.closed.push(`#${this.getRuntimeContext().getIndexOfThisSubtask()}:${this.seen}`);
  }
}

/** Flink's CountWindowAverage: keyed ValueState in a RichFlatMapFunction after keyBy, emitting every 3 values. */
const countWindowAverage: RichFlatMapFunction<Reading, { key: string; average: number }> & { sum?: ValueState<[number, number]> } = {
  open(ctx) {
    this.sum = ctx.getState(new ValueStateDescriptor<[number, number]>('average'));
  },
  flatMap(reading, out) {
    const [count, total] = this.sum!.value() ?? [0, 0];
    if (count + 1 === 3) {
      out.collect({ key: reading.key, average: (total + reading.value) / 3 });
      this.sum!.clear();
    } else this.sum!.update([count + 1, total + reading.value]);
  },
};

describe('rich functions', () => {
  it('open runs once per parallel instance before its records, with the runtime context; close when the job ends', () => {
    lifecycle.opened = [];
    lifecycle.closed = [];
    const all = readings(300);
    const input = partitionedInput(all, 3, (r) => r.id);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      env.fromSource<Reading>(source(raw) as never, { uid: 'source' }).rebalance().map(new TagWithSubtask()).uid('tag').setParallelism(3).sinkTo(sink()).uid('sink');
    };
    const c = runJobInWorld(build, {}, input, { parallelism: 2, task_managers: 2, slots_per_task_manager: 2 });
    expect(c.jobStatus()).toBe('FINISHED');
    const out = c.collector().records('sink') as { id: number; subtask: number; of: number }[];
    expect(out.map((r) => r.id).sort((a, b) => a - b)).toEqual(all.map((r) => r.id));
    expect(new Set(out.map((r) => r.of))).toEqual(new Set([3]));
    expect(new Set(out.map((r) => r.subtask))).toEqual(new Set([0, 1, 2]));
    expect(lifecycle.opened.map((o) => o.split('#')[1]).sort()).toEqual(['0', '1', '2']);
    expect(lifecycle.opened.every((o) => o.startsWith('Map'))).toBe(true);
    // Each instance closes once, having seen its share of the records.
    const seen = lifecycle.closed.map((c) => Number(c.split(':')[1]));
    expect(lifecycle.closed.length).toBe(3);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(300);
  });

  it('keyed state in a rich flatMap after keyBy (Flink CountWindowAverage) equals the oracle, state included', () => {
    const all = readings(301);
    const input = partitionedInput(all, 1, (r) => r.id);
    const build = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      env.fromSource<Reading>(source(raw) as never, { uid: 'source' }).keyBy((r) => r.key).flatMap(countWindowAverage).uid('average').sinkTo(sink()).uid('sink');
    };
    for (const parallelism of [1, 3]) {
      const c = runJobInWorld(build, {}, input, { parallelism });
      const oracle = evaluateOracle(build, { partitions: 1 }, new Map([['input', input]]));
      const expected = oracle.outputs.get('sink') as { key: string; average: number }[];
      // Per key, every 3 values make one average, in input order.
      const k0 = all.filter((r) => r.key === 'k0').map((r) => r.value);
      expect(expected.filter((r) => r.key === 'k0').map((r) => r.average)).toEqual(
        Array.from({ length: Math.floor(k0.length / 3) }, (_, i) => (k0[3 * i]! + k0[3 * i + 1]! + k0[3 * i + 2]!) / 3),
      );
      const sortKey = (r: unknown) => JSON.stringify(r);
      expect((c.collector().records('sink') as unknown[]).map(sortKey).sort()).toEqual(expected.map(sortKey).sort());
      expect(c.keyedState().get('average')).toEqual(oracle.state.get('average'));
      expect(oracle.state.get('average')!.length).toBeGreaterThan(0);
    }
  });

  it('keyed state outside a keyed stream and timers in a non-keyed ProcessFunction are refused, as in Flink', () => {
    const input = partitionedInput(readings(10), 1, (r) => r.id);
    const stateless = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      env.fromSource<Reading>(source(raw) as never, { uid: 'source' }).map({ open: (ctx: RuntimeContext) => void ctx.getState('x'), map: (r: Reading) => r }).sinkTo(sink());
    };
    expect(() => evaluateOracle(stateless, { partitions: 1 }, new Map([['input', input]]))).toThrow(/keyed stream/);
    const timers = (env: StreamExecutionEnvironment, raw: Record<string, unknown>) => {
      env.fromSource<Reading>(source(raw) as never, { uid: 'source' }).process({
        processElement: (r: Reading, ctx) => ctx.timerService().registerEventTimeTimer(r.id),
      }).sinkTo(sink());
    };
    expect(() => evaluateOracle(timers, { partitions: 1 }, new Map([['input', input]]))).toThrow(/keyed stream/);
    expect(() => new OutputTag('')).toThrow();
    expect(() => evaluateOracle((env, raw) => void env.fromSource(source(raw) as never).map({} as never), { partitions: 1 }, new Map([['input', input]]))).toThrow(/map\(\)/);
  });
});
