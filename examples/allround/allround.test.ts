// The allround job (Flink's DataStreamAllroundTestProgram shape) run through the job contract in the world: without
// faults and across TaskManager crashes every verdict is ok (next − last == 1, no stage saw its state out of step),
// the committed output and the keyed state equal the oracle's, every subtask ends with every registration in its
// broadcast state, and the operator state counts every record once.
import { describe, expect, it } from 'vitest';
import { input_records_map } from '../../engine/api/job.js';
import { job_factory } from '../../engine/connectors/job-io.js';
import { evaluateOracle } from '../../properties/oracle.js';
import { Cluster } from '../../scenarios/cluster.js';
import { allround, type SequenceVerdict } from './allround.js';

const workload = { records: 1500, keys: 24, partitions: 3 };
const params = { step: 2, window_size: 60 };

function run(seed: number, crashes: [at_ms: number, tm: string][]) {
  const input = input_records_map((allround.input as { generate: (c: unknown) => never }).generate({ seed, params, workload }));
  const topics = new Map([...input].map(([topic, partitions]) => [topic, partitions.length]));
  const io = { broker: 'broker', store: 'txstore', collector: 'collector', sink_kind: 'two_phase_commit' as const, bounded: true, topics, sink_records_per_ms: 2 };
  const factory = job_factory(allround, io);
  const c = new Cluster({
    seed,
    jobs: new Map([['allround', factory]]),
    job: { name: 'allround', params, parallelism: 2, max_parallelism: 128 },
    task_managers: 2,
    slots_per_task_manager: 4,
    topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
    input,
    checkpointing: { interval_ms: 40 },
    restart_strategy: { type: 'fixed-delay', attempts: 10, delay_ms: 50 },
    heartbeat_interval_ms: 20,
    heartbeat_timeout_ms: 100,
    transactional_store: {},
    task_manager: { network: { buffer_records: 8, input_buffers_per_channel: 2, output_queue_buffers: 2 } },
  });
  for (const [at_ms, tm] of crashes) {
    c.world.schedule(at_ms, () => c.world.crash(tm));
    c.world.schedule(at_ms + 80, () => c.world.restart(tm));
  }
  c.runToCompletion(5_000_000);
  return { c, oracle: evaluateOracle(factory, params, input, { max_parallelism: 128 }) };
}

const canonical = (records: readonly unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

describe('allround job (DataStreamAllroundTestProgram shape)', () => {
  it.each([
    ['no faults', 1, []],
    ['two TaskManager crashes', 2, [[150, 'tm-1'], [420, 'tm-2']]],
  ] as const)('%s: every verdict is ok; output and state equal the oracle', (_name, seed, crashes) => {
    const { c, oracle } = run(seed, crashes as unknown as [number, string][]);
    expect(c.jobStatus()).toBe('FINISHED');
    if (crashes.length > 0) expect(c.world.probe_counts()['restore.broadcast_state'] ?? 0).toBeGreaterThan(0);
    const verdicts = c.transactionalStore()!.read_committed().records as SequenceVerdict[];
    expect(verdicts.length).toBe(workload.records);
    expect(verdicts.filter((v) => !v.ok || v.errors.length > 0)).toEqual([]);
    expect(canonical(verdicts)).toEqual(canonical(oracle.outputs.get('sink')!));
    for (const uid of ['value-state', 'list-map-state', 'broadcast-state', 'window', 'semantics-check']) {
      expect(c.keyedState().get(uid) ?? [], uid).toEqual(oracle.state.get(uid) ?? []);
    }
    const registered = oracle.broadcast_state.get('broadcast-state')!.get('registered')!;
    expect(registered.length).toBe(workload.keys);
  });
});
