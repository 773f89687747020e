// Specification of the engine running inside the simulated world without faults: every example job's output equals
// the oracle per key (and final keyed state equals the oracle's) for parallelism 1..8 and several seeds; buffers stay
// within their bounds under backpressure, and buffering does not grow with input size.
import { describe, expect, it } from 'vitest';
import { exampleJob, EXAMPLE_JOBS } from '../engine/examples/index.js';
import { countRecords } from '../engine/examples/workload.js';
import { diffPerKey, evaluateOracle } from '../properties/oracle.js';
import { Cluster } from './cluster.js';

function runExample(name: string, params: Record<string, unknown>, parallelism: number, seed: number, task_managers = 3) {
  const job = exampleJob(name);
  const input = job.generateInput(params);
  const cluster = new Cluster({
    seed,
    job: { name, params, parallelism },
    task_managers,
    slots_per_task_manager: Math.ceil(parallelism / task_managers),
    topics: job.topics(params),
    input,
    task_manager: { network: { buffer_records: 32, input_buffers_per_channel: 2, output_queue_buffers: 2 } },
  });
  cluster.runToCompletion();
  return { cluster, job, input };
}

describe.each([...EXAMPLE_JOBS.keys()])('example %s in the world, no faults', (name) => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('parallelism %i: output per key and final keyed state equal the oracle', (parallelism) => {
    for (const seed of [parallelism * 101, parallelism * 101 + 7]) {
      const params = { records: 600, partitions: 1 + (seed % 5), seed, window_ms: 50, keys: 12 };
      const { cluster, job, input } = runExample(name, params, parallelism, seed);
      expect(cluster.jobStatus()).toBe('FINISHED');
      const oracle = evaluateOracle(job.build, params, input);
      const expected = oracle.outputs.get(job.sink_uid)!;
      const actual = cluster.collector().records(job.sink_uid);
      expect(expected.length).toBeGreaterThan(0);
      expect(actual.length).toBe(expected.length);
      expect(diffPerKey(expected, actual, job.outputKey)).toEqual([]);
      expect(oracle.records_read).toBe(countRecords(input));
      const engine_state = cluster.keyedState();
      for (const [uid, entries] of oracle.state) expect(engine_state.get(uid) ?? [], `state of ${uid}`).toEqual(entries);
    }
  });
});

describe('determinism', () => {
  it('the same seed gives the same trace hash; another seed may interleave differently but outputs agree per key', () => {
    const params = { records: 400, partitions: 3, seed: 5 };
    const a = runExample('word_count', params, 4, 11);
    const b = runExample('word_count', params, 4, 11);
    expect(a.cluster.world.summary().trace_hash).toBe(b.cluster.world.summary().trace_hash);
    const c = runExample('word_count', params, 4, 12);
    expect(diffPerKey(a.cluster.collector().records('sink'), c.cluster.collector().records('sink'), a.job.outputKey)).toEqual([]);
  });
});

describe('a job with a wrong key placement is caught', () => {
  it('the oracle comparison fails when outputs are tampered with (the check bites)', () => {
    const params = { records: 200, partitions: 2, seed: 3 };
    const { cluster, job, input } = runExample('sequence_check', params, 2, 5);
    const actual = [...cluster.collector().records('sink')];
    [actual[0], actual[1]] = [actual[1], actual[0]];
    const expected = evaluateOracle(job.build, params, input).outputs.get('sink')!;
    const same_key = job.outputKey(actual[0]) === job.outputKey(actual[1]);
    expect(diffPerKey(expected, actual, job.outputKey).length > 0).toBe(same_key);
  });
});

describe('backpressure', () => {
  function throttledRun(records: number) {
    const params = { records, partitions: 4, keys: 50, seed: 9, sink: 'discard', sink_records_per_ms: 20 };
    const network = { buffer_records: 64, input_buffers_per_channel: 2, output_queue_buffers: 2 };
    const job = exampleJob('sequence_check');
    const cluster = new Cluster({
      seed: 3,
      job: { name: 'sequence_check', params, parallelism: 2 },
      task_managers: 2,
      slots_per_task_manager: 1,
      topics: job.topics(params),
      input: job.generateInput(params),
      task_manager: { network },
    });
    cluster.runToCompletion();
    const occupancy = cluster.taskManagers().flatMap((tm) => tm.tasks.flatMap((t) => t.channelOccupancy()));
    const max_buffered_buffers = occupancy.reduce((sum, c) => sum + c.max_buffers, 0);
    return { cluster, occupancy, max_buffered_buffers };
  }

  it('a slow sink bounds every channel and mailbox, and buffering does not grow with input size', () => {
    const small = throttledRun(10_000);
    const large = throttledRun(100_000);
    for (const run of [small, large]) {
      expect(run.cluster.jobStatus()).toBe('FINISHED');
      expect(run.occupancy.length).toBeGreaterThan(0);
      for (const channel of run.occupancy) expect(channel.max_buffers, channel.channel).toBeLessThanOrEqual(channel.bound_buffers);
      for (const tm of run.cluster.taskManagers()) expect(tm.max_ready_observed).toBeLessThanOrEqual(tm.tasks.length);
    }
    // Two sink subtasks at 20 records/ms each: 100k records need at least 2.5 s of virtual time.
    expect(large.cluster.world.now_ms).toBeGreaterThanOrEqual(100_000 / 40);
    // Buffering is capped by configuration, not by input: 10× the input buffers no more than the sum of the
    // channel bounds, and within a few buffers (end-of-step flush overshoot) of the small run.
    const total_bound = large.occupancy.reduce((sum, c) => sum + c.bound_buffers, 0);
    expect(small.max_buffered_buffers).toBeLessThanOrEqual(total_bound);
    expect(large.max_buffered_buffers).toBeLessThanOrEqual(total_bound);
    expect(Math.abs(large.max_buffered_buffers - small.max_buffered_buffers)).toBeLessThanOrEqual(large.occupancy.length / 2);
    const saturated = large.occupancy.filter((c) => c.side === 'in' && c.max_buffers === c.bound_buffers);
    expect(saturated.length).toBeGreaterThan(0);
  });
});
