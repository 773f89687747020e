// Specification of the JobManager's failure detector inside the world (engine/cluster/heartbeat-manager.ts): a
// TaskManager is declared lost exactly heartbeat.timeout after it was last heard from (its own timer, on the monotonic
// clock), or sooner when heartbeat.rpc-failure-threshold refused requests in a row show that its process is down.
// Partitions and pauses refuse nothing, so only the timeout detects them; a clock jump never does.
import { describe, expect, it } from 'vitest';
import { exampleJob } from '../engine/examples/index.js';
import type { TraceRecord } from '../sim/trace-format.js';
import { Cluster, type ClusterOptions } from './cluster.js';

const INTERVAL_MS = 20;
const TIMEOUT_MS = 100;

function run(seed: number, fault: (c: Cluster) => void, extra: Partial<ClusterOptions> = {}) {
  const params = { records: 1500, partitions: 3, seed: 3, keys: 15, sink_records_per_ms: 2 };
  const job = exampleJob('sequence_check');
  const c = new Cluster({
    seed,
    job: { name: 'sequence_check', params, parallelism: 2 },
    task_managers: 3,
    slots_per_task_manager: 1,
    topics: job.topics(params),
    input: job.generateInput(params),
    checkpointing: { interval_ms: 40 },
    restart_strategy: { type: 'fixed-delay', attempts: 5, delay_ms: 50 },
    heartbeat_interval_ms: INTERVAL_MS,
    heartbeat_timeout_ms: TIMEOUT_MS,
    world: { trace: { memory: { max_records: 2_000_000 } } },
    ...extra,
  });
  fault(c);
  c.runToCompletion(5_000_000);
  const logs = (event: string): TraceRecord[] => c.world.trace.records().filter((r) => r.kind === 'log' && r.event === event);
  const fields = (record: TraceRecord): Record<string, unknown> => record.fields as Record<string, unknown>;
  return { c, jm: c.jobManager()!, logs, fields };
}

describe('heartbeats: per-target timeout and heartbeat.rpc-failure-threshold', () => {
  it('a crashed TaskManager refuses heartbeat requests: unreachable after two refusals, long before the timeout', () => {
    const { c, jm, logs, fields } = run(1, (c) => c.world.schedule(200, () => c.world.crash('tm-1')));
    expect(c.jobStatus()).toBe('FINISHED');
    expect(jm.recoveries[0]!.reason).toMatch(/tm-1 lost \(unreachable: 2 heartbeat requests refused\)/);
    const failed = logs('heartbeat.rpc_failed').map(fields);
    expect(failed.slice(0, 2)).toEqual([
      { target: 'tm-1', consecutive: 1, threshold: 2 },
      { target: 'tm-1', consecutive: 2, threshold: 2 },
    ]);
    const lost = logs('jm.tm_lost')[0]!;
    expect(fields(lost)).toMatchObject({ tm: 'tm-1', cause: 'unreachable', failed_rpcs: 2 });
    // Two request rounds plus a round trip after the crash: well inside the 100 ms timeout.
    expect(lost.time_ms - 200).toBeLessThan(2 * INTERVAL_MS + 10);
    expect(c.world.trace.records().some((r) => r.kind === 'refused' && r.node === 'jm')).toBe(true);
  });

  it('with the threshold off (-1) the same crash is detected by the timeout, exactly heartbeat.timeout after tm-1 was last heard', () => {
    const { c, jm, logs, fields } = run(1, (c) => c.world.schedule(200, () => c.world.crash('tm-1')), { heartbeat_rpc_failure_threshold: -1 });
    expect(c.jobStatus()).toBe('FINISHED');
    expect(jm.recoveries[0]!.reason).toMatch(/tm-1 lost \(heartbeat timeout\)/);
    expect(logs('heartbeat.rpc_failed').length).toBeGreaterThan(0); // refusals are still seen, and counted for nothing
    const lost = logs('jm.tm_lost')[0]!;
    expect(fields(lost)).toEqual({ tm: 'tm-1', cause: 'timeout', silent_ms: TIMEOUT_MS, timeout_ms: TIMEOUT_MS });
    // tm-1 was last heard before the crash: the loss comes within one timeout of it, not an interval later.
    expect(lost.time_ms).toBeLessThanOrEqual(200 + TIMEOUT_MS);
    expect(lost.time_ms).toBeGreaterThan(200 + TIMEOUT_MS - INTERVAL_MS - 10);
  });

  it('a partition refuses nothing: only the timeout detects an isolated TaskManager', () => {
    const { logs, fields } = run(2, (c) => c.world.schedule(200, () => c.world.partition_isolate('tm-2', 400)));
    expect(logs('heartbeat.rpc_failed')).toEqual([]);
    const lost = logs('jm.tm_lost').map(fields);
    expect(lost[0]).toEqual({ tm: 'tm-2', cause: 'timeout', silent_ms: TIMEOUT_MS, timeout_ms: TIMEOUT_MS });
  });

  it('a JobManager clock jumping 3 s ahead declares nobody lost (timeouts run on the monotonic clock)', () => {
    const { c, jm, logs } = run(3, (c) => c.world.schedule(150, () => c.world.set_clock_offset('jm', 3_000)));
    expect(c.jobStatus()).toBe('FINISHED');
    expect(logs('jm.tm_lost')).toEqual([]);
    expect(jm.recoveries).toEqual([]);
  });
});
