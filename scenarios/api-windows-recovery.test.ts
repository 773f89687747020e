// Session windows across a crash: the merging window sets and merged contents are keyed state, so a restored
// checkpoint resumes every open session where it was, and the job's sessions equal an uninterrupted run's. A restore
// that loses which state window holds a merged session (the planted "restored unmerged" bug) changes results.
import { describe, expect, it } from 'vitest';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { TimeWindow } from '../engine/api/functions.js';
import type { ProcessWindowFunction } from '../engine/api/window-functions.js';
import { EventTimeSessionWindows } from '../engine/api/windows.js';
import { commonParams, sinkFor, sourceFor } from '../engine/examples/common.js';
import { WorkloadRandom } from '../engine/examples/workload.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import type { TaskSeams } from '../engine/task/task.js';
import { evaluateOracle } from '../properties/oracle.js';
import type { Cluster } from './cluster.js';
import { runJobInWorld } from './job-harness.js';

interface Click {
  id: number;
  user: string;
  ts: number;
}

interface Session {
  user: string;
  start: number;
  end: number;
  clicks: number[];
}

const sessionize: ProcessWindowFunction<Click, Session, string, TimeWindow> = {
  process(user, ctx, clicks, out) {
    out.collect({ user, start: ctx.window().start, end: ctx.window().end, clicks: clicks.map((c) => c.id).sort((a, b) => a - b) });
  },
};

function build(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<Click>(sourceFor(params) as never, { uid: 'source', watermarks: { out_of_orderness_ms: 10, timestamp_assigner: (c) => c.ts } })
    .keyBy((c) => c.user)
    .window(EventTimeSessionWindows.withGap(51))
    .process(sessionize)
    .uid('sessions')
    .sinkTo(sinkFor(params))
    .uid('sink');
}

/** Even timestamps, odd gap: no click lands exactly on a session's end; jitter stays within the watermark bound. */
function clicks(): LogRecord[][] {
  const random = new WorkloadRandom(3);
  const out: LogRecord[][] = [[], [], []];
  const clock = [0, 0, 0];
  for (let id = 0; id < 2400; id++) {
    const p = id % 3;
    clock[p]! += 2 * random.int(0, 2);
    const ts = clock[p]! + 2 * random.int(0, 5);
    out[p]!.push({ value: { id, user: `u${random.int(0, 30)}`, ts } satisfies Click, timestamp_ms: ts });
  }
  return out;
}

const input = clicks();
const expected = (evaluateOracle(build, { partitions: 3 }, new Map([['input', input]])).outputs.get('sink') as Session[]).map((s) => JSON.stringify(s)).sort();

function crashRun(task_seams?: TaskSeams): Cluster {
  return runJobInWorld(build, { sink_records_per_ms: 1 }, input, {
    parallelism: 2,
    checkpointing: { interval_ms: 25 },
    ...(task_seams !== undefined ? { task_seams } : {}),
    prepare: (c) =>
      c.world.schedule(150, () => {
        c.world.crash('tm-1');
        c.world.restart('tm-1', 30);
      }),
  });
}

/** Sessions as fired, replays after the restore removed (a replayed session must be identical to drop out). */
const distinct = (c: Cluster): string[] => [...new Set((c.collector().records('sink') as Session[]).map((s) => JSON.stringify(s)))].sort();

describe('session windows across a crash', () => {
  it('restored merging window sets resume every open session: the sessions equal an uninterrupted run', () => {
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.some((s) => (JSON.parse(s) as Session).clicks.length > 10)).toBe(true);
    const c = crashRun();
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.jobManager()!.recoveries.length).toBe(1);
    expect(c.jobManager()!.recoveries[0]!.restored_checkpoint_id).not.toBeNull();
    expect(distinct(c)).toEqual(expected);
  });

  it('a restore that maps each window to itself (merged sessions restored unmerged) loses clicks', () => {
    const unmerged: TaskSeams = { merging_windows_restored: (mapping) => mapping.map(([window]) => [window, window]) };
    const c = crashRun(unmerged);
    expect(c.jobManager()!.recoveries.length).toBe(1);
    expect(distinct(c)).not.toEqual(expected);
  });
});
