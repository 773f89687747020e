// Specification of state TTL in the world: a counter in TTL value state (100 ms of processing time) starts over for a
// key that was quiet longer than that, and keeps counting for a busy key; across a crash the TTL timestamps come back
// with the checkpoint, so a value restored after a long recovery expires (probe state.ttl_expired_after_restore) and
// every count still follows "1, or the previous count + 1" and never exceeds the count without TTL.
import { describe, expect, it } from 'vitest';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { Collector, KeyedProcessFunction, RuntimeContext } from '../engine/api/functions.js';
import { StateTtlConfig, ValueStateDescriptor } from '../engine/api/state-descriptors.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import { commonParams, sinkFor, sourceFor } from '../engine/examples/common.js';
import type { ValueState } from '../engine/state/keyed-state.js';
import { evaluateOracle } from '../properties/oracle.js';
import type { Cluster } from './cluster.js';
import { runJobInWorld } from './job-harness.js';

interface Visit {
  id: number;
  key: string;
}

interface Counted {
  id: number;
  key: string;
  count: number;
}

function counter(ttl_ms: number): KeyedProcessFunction<string, Visit, Counted> & { count?: ValueState<number> } {
  return {
    open(ctx: RuntimeContext) {
      const descriptor = new ValueStateDescriptor<number>('count');
      descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl_ms).cleanupFullSnapshot().build());
      this.count = ctx.getState(descriptor);
    },
    processElement(visit: Visit, _ctx, out: Collector<Counted>) {
      const count = (this.count!.value() ?? 0) + 1;
      this.count!.update(count);
      out.collect({ id: visit.id, key: visit.key, count });
    },
  };
}

function build(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<Visit>(sourceFor(params) as never, { uid: 'source' })
    .keyBy((v) => v.key)
    .process(counter(100))
    .uid('counter')
    .sinkTo(sinkFor(params))
    .uid('sink');
}

/** One partition (processing order = input order): "steady" every other record, "gappy" in bursts 400 records apart. */
const input: LogRecord[][] = [
  Array.from({ length: 2000 }, (_, id): LogRecord => {
    const key = id % 2 === 0 ? 'steady' : id % 400 < 40 ? 'gappy' : `other-${id % 7}`;
    return { value: { id, key } satisfies Visit, timestamp_ms: id };
  }),
];

/** The count each record got, last emission per id (replays after a restore re-emit). */
function counts(c: Cluster): Map<number, Counted> {
  const out = new Map<number, Counted>();
  for (const r of c.collector().records('sink') as Counted[]) out.set(r.id, r);
  return out;
}

function perKey(results: Map<number, Counted>, key: string): number[] {
  return [...results.values()].filter((r) => r.key === key).sort((a, b) => a.id - b.id).map((r) => r.count);
}

describe('state TTL in the world', () => {
  it('a quiet key starts over after the TTL; a busy key keeps counting (processing time paced by the sink)', () => {
    const c = runJobInWorld(build, { sink_records_per_ms: 1 }, input, { parallelism: 2 });
    expect(c.jobStatus()).toBe('FINISHED');
    const results = counts(c);
    expect(results.size).toBe(2000);
    const steady = perKey(results, 'steady');
    expect(steady).toEqual(steady.map((_, i) => i + 1));
    // Each burst of "gappy" (20 records) counts 1..20 afresh: the 360 records between bursts take > 100 ms.
    const gappy = perKey(results, 'gappy');
    expect(gappy).toEqual(Array.from({ length: gappy.length }, (_, i) => (i % 20) + 1));
    // The oracle's processing time never advances, so nothing expires there: its counts are the upper bound.
    const oracle = evaluateOracle(build, { partitions: 1 }, new Map([['input', input]])).outputs.get('sink') as Counted[];
    expect(oracle.filter((r) => r.key === 'gappy').map((r) => r.count)).toEqual(gappy.map((_, i) => i + 1));
  });

  it('across a crash the TTL timestamps are restored: restored values expire on time and counts stay consistent', () => {
    const c = runJobInWorld(build, { sink_records_per_ms: 1 }, input, {
      parallelism: 2,
      checkpointing: { interval_ms: 25 },
      prepare: (cluster) => {
        cluster.world.schedule(500, () => {
          cluster.world.crash('tm-2');
          cluster.world.restart('tm-2', 300);
        });
      },
    });
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.jobManager()!.recoveries.length).toBe(1);
    const results = counts(c);
    expect(results.size).toBe(2000);
    const oracle = new Map((evaluateOracle(build, { partitions: 1 }, new Map([['input', input]])).outputs.get('sink') as Counted[]).map((r) => [r.id, r]));
    for (const key of new Set([...results.values()].map((r) => r.key))) {
      const sequence = perKey(results, key);
      sequence.forEach((count, i) => expect(count === 1 || count === sequence[i - 1]! + 1).toBe(true));
    }
    for (const [id, r] of results) expect(r.count).toBeLessThanOrEqual(oracle.get(id)!.count);
    // The recovery took longer than the TTL: the busy key's restored count expired and it started over once.
    const steady = perKey(results, 'steady');
    expect(steady.filter((n) => n === 1).length).toBe(2);
    expect(c.world.probe_counts()['state.ttl_expired_after_restore']).toBeGreaterThan(0);
  });
});
