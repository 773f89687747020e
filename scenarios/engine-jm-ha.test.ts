// Specification of JobManager high availability inside the world: the leader writes each completed checkpoint's
// pointer to the HA store before completion; after a crash of the leader a standby (or the restarted JobManager)
// claims leadership with a newer fencing token, restores the newest checkpoint the HA record names and finishes with
// exactly-once state; checkpoint ids never repeat; a stale leader is fenced off and retires.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleJob } from '../engine/examples/index.js';
import type { SequenceVerdict } from '../engine/examples/sequence-check.js';
import type { JobManager } from '../engine/cluster/job-manager.js';
import type { HaStoreNode } from '../engine/ha/index.js';
import { evaluateOracle } from '../properties/oracle.js';
import { engineNodeOf } from './host.js';
import { Cluster, HA_STORE_ID, STANDBY_JOB_MANAGER_ID, JOB_MANAGER_ID } from './cluster.js';

function haCluster(seed: number, sink: 'collect' | 'two_phase_commit' = 'collect') {
  const name = 'sequence_check';
  const params = { records: 2000, partitions: 4, seed: 11, keys: 20, sink_records_per_ms: 2, sink };
  const job = exampleJob(name);
  const input = job.generateInput(params);
  const c = new Cluster({
    seed,
    job: { name, params, parallelism: 2 },
    task_managers: 2,
    slots_per_task_manager: 2,
    topics: job.topics(params),
    input,
    checkpointing: { interval_ms: 40 },
    restart_strategy: { type: 'fixed-delay', attempts: 5, delay_ms: 50 },
    heartbeat_interval_ms: 20,
    heartbeat_timeout_ms: 100,
    job_manager_ha: true,
    ...(sink === 'two_phase_commit' ? { transactional_store: {} } : {}),
    task_manager: { network: { buffer_records: 16, input_buffers_per_channel: 2, output_queue_buffers: 2 } },
  });
  // Every checkpoint id any JobManager triggered, in order, and every completion.
  const triggered: number[] = [];
  const completed: number[] = [];
  const log = c.world.log.bind(c.world);
  c.world.log = (event, fields, node) => {
    log(event, fields, node);
    if (event === 'checkpoint.triggered') triggered.push(fields?.['checkpoint_id'] as number);
    if (event === 'checkpoint.completed') completed.push(fields?.['checkpoint_id'] as number);
  };
  return { c, job, params, input, triggered, completed };
}

const runs = Math.min(6, Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 4));

function jm(c: Cluster, id: string): JobManager | undefined {
  return engineNodeOf<JobManager>(c.world.process_object(id));
}

function expectExactlyOnceState(c: Cluster, job: ReturnType<typeof exampleJob>, params: Record<string, unknown>, input: ReturnType<ReturnType<typeof exampleJob>['generateInput']>): void {
  const oracle = evaluateOracle(job.build, params, input);
  expect(c.keyedState().get('check')).toEqual(oracle.state.get('check'));
  // State restored consistently with source offsets: the checker never saw a gap or a repeat.
  expect((c.collector().records('sink') as SequenceVerdict[]).filter((r) => r.verdict !== 'ok')).toEqual([]);
}

describe('JobManager high availability', () => {
  it('the primary leads; each completed checkpoint is in the HA record before the job hears of it', () => {
    const { c, completed } = haCluster(1);
    c.world.run({ until_ms: 400 });
    expect(jm(c, JOB_MANAGER_ID)!.ha_role).toBe('leader');
    expect(jm(c, STANDBY_JOB_MANAGER_ID)!.ha_role).toBe('standby');
    expect(completed.length).toBeGreaterThan(2);
    const record = engineNodeOf<HaStoreNode>(c.world.process_object(HA_STORE_ID))!.inspect('sequence_check')!.record!;
    expect(record.leader).toEqual({ node_id: JOB_MANAGER_ID, fencing_token: 1 });
    // The completion is logged after the HA write returned, so the record names the latest completion.
    expect(record.checkpoints[0]!.checkpoint_id).toBe(completed[completed.length - 1]);
    expect(record.checkpoint_id_counter).toBeGreaterThan(completed[completed.length - 1]!);
  });

  it('the primary crashes for good: the standby takes over from the HA pointer and finishes exactly once', () => {
    const { c, job, params, input, triggered, completed } = haCluster(2);
    c.world.schedule(300, () => c.world.crash(JOB_MANAGER_ID));
    c.runToCompletion(5_000_000);
    const leader = c.jobManager()!;
    expect(leader).toBe(jm(c, STANDBY_JOB_MANAGER_ID));
    expect(c.jobStatus()).toBe('FINISHED');
    expect(leader.recoveries).toHaveLength(1);
    expect(leader.recoveries[0]!.reason).toMatch(/JobManager failover/);
    const restored = leader.recoveries[0]!.restored_checkpoint_id;
    expect(restored).not.toBeNull();
    // The new leader restored the newest checkpoint that completed before the crash.
    expect(restored).toBe(Math.max(...completed.filter((id) => id <= restored!)));
    expect(completed.filter((id) => id > restored!).every((id) => id > 1_000)).toBe(true);
    // Ids never repeat and only go up, across the failover.
    expect(new Set(triggered).size).toBe(triggered.length);
    expect([...triggered].sort((a, b) => a - b)).toEqual(triggered);
    expectExactlyOnceState(c, job, params, input);
  });

  it('the primary crashes and restarts: whichever JobManager claims leadership restores the job', () => {
    const { c, job, params, input, triggered } = haCluster(3);
    c.world.schedule(250, () => {
      c.world.crash(JOB_MANAGER_ID);
      c.world.restart(JOB_MANAGER_ID, 30);
    });
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.jobManager()!.recoveries.map((r) => r.reason)).toEqual([expect.stringMatching(/JobManager failover/)]);
    expect(new Set(triggered).size).toBe(triggered.length);
    expectExactlyOnceState(c, job, params, input);
  });

  it('a paused leader that wakes up after a takeover is fenced: it retires and the job stays exactly once', () => {
    const { c, job, params, input, triggered } = haCluster(4);
    c.world.schedule(250, () => c.world.pause(JOB_MANAGER_ID, 400));
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.jobManager()).toBe(jm(c, STANDBY_JOB_MANAGER_ID));
    expect(jm(c, JOB_MANAGER_ID)!.ha_role).toBe('retired');
    expect(new Set(triggered).size).toBe(triggered.length);
    expectExactlyOnceState(c, job, params, input);
  });

  it('slow HA answers within the lease (round trip 70 ms: over two heartbeat intervals, under the 100 ms timeout) never stop a healthy leader', () => {
    const { c, job, params, input, completed } = haCluster(6);
    const held: string[] = [];
    const log = c.world.log.bind(c.world);
    c.world.log = (event, fields, node) => {
      log(event, fields, node);
      if (event === 'jm.leadership_lost' || event === 'recovery.started' || event === 'tm.job_manager_silent' || event === 'job.failover' || event === 'jm.leader') held.push(`${node}:${event}`);
    };
    for (const [from, to] of [[JOB_MANAGER_ID, HA_STORE_ID], [HA_STORE_ID, JOB_MANAGER_ID], [STANDBY_JOB_MANAGER_ID, HA_STORE_ID], [HA_STORE_ID, STANDBY_JOB_MANAGER_ID]] as const) {
      c.world.set_link_latency(from, to, { kind: 'fixed', delay_ms: 35 });
    }
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    // Flink loses leadership only when its session or lease expires: the primary leads throughout, nothing fails over.
    expect(held).toEqual([`${JOB_MANAGER_ID}:jm.leader`]);
    expect(c.jobManager()).toBe(jm(c, JOB_MANAGER_ID));
    expect(completed.length).toBeGreaterThan(2);
    expectExactlyOnceState(c, job, params, input);
  });

  it('a leader that finished the job records the result in the HA record; a later leader adopts it instead of re-running', () => {
    const { c } = haCluster(5);
    const events: string[] = [];
    let finished_ms: number | undefined;
    const log = c.world.log.bind(c.world);
    c.world.log = (event, fields, node) => {
      log(event, fields, node);
      if (event === 'jm.job_result_recorded' || event === 'jm.job_result_adopted' || event === 'recovery.started') events.push(`${node}:${event}:${String(fields?.['ok'] ?? '')}`);
      if (event === 'job.status' && fields?.['status'] === 'FINISHED' && finished_ms === undefined) {
        finished_ms = c.world.now_ms;
        // The standby is cut off as the job finishes (it never hears that it did), and the leader dies once its
        // checkpoints are cleaned up: when the partition heals, the standby takes over.
        c.world.partition_isolate(STANDBY_JOB_MANAGER_ID, 300);
        c.world.after(50, () => c.world.crash(JOB_MANAGER_ID));
      }
    };
    c.runToCompletion(5_000_000);
    c.world.run({ until_ms: c.world.now_ms + 2_000 });
    expect(finished_ms).toBeDefined();
    const record = engineNodeOf<HaStoreNode>(c.world.process_object(HA_STORE_ID))!.inspect('sequence_check')!.record!;
    expect(record.terminal?.status).toBe('FINISHED');
    expect(record.leader?.node_id).toBe(STANDBY_JOB_MANAGER_ID);
    expect(events).toEqual([`${JOB_MANAGER_ID}:jm.job_result_recorded:true`, `${STANDBY_JOB_MANAGER_ID}:jm.job_result_adopted:`]);
    expect(jm(c, STANDBY_JOB_MANAGER_ID)!.recoveries).toEqual([]);
    expect(c.jobStatus()).toBe('FINISHED');
  });

  it('property: JobManager crashes and pauses at random times (with TaskManager crashes) keep state exactly once and ids unique', () => {
    const fault = fc.record({
      at_ms: fc.integer({ min: 20, max: 450 }),
      kind: fc.constantFrom('jm_crash', 'jm_crash_restart', 'jm_pause', 'standby_crash', 'tm_crash_restart'),
      duration_ms: fc.integer({ min: 10, max: 300 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.array(fault, { minLength: 1, maxLength: 3 }), (seed, faults) => {
        const { c, job, params, input, triggered } = haCluster(seed, 'two_phase_commit');
        for (const f of faults) {
          c.world.schedule(f.at_ms, () => {
            if (f.kind === 'jm_crash' || f.kind === 'jm_crash_restart') {
              if (!c.world.crash(JOB_MANAGER_ID)) return;
              if (f.kind === 'jm_crash_restart') c.world.restart(JOB_MANAGER_ID, f.duration_ms);
            } else if (f.kind === 'jm_pause') c.world.pause(JOB_MANAGER_ID, f.duration_ms);
            else if (f.kind === 'standby_crash') {
              if (c.world.crash(STANDBY_JOB_MANAGER_ID)) c.world.restart(STANDBY_JOB_MANAGER_ID, f.duration_ms);
            } else if (c.world.crash('tm-1')) c.world.restart('tm-1', f.duration_ms);
          });
        }
        // Liveness needs a JobManager: whatever crashed for good comes back after the faults.
        c.world.schedule(1_500, () => {
          for (const id of c.job_manager_ids) if (!c.world.is_alive(id)) c.world.restart(id);
        });
        c.runToCompletion(5_000_000);
        expect(c.jobStatus()).toBe('FINISHED');
        expect(new Set(triggered).size).toBe(triggered.length);
        const oracle = evaluateOracle(job.build, params, input);
        expect(c.keyedState().get('check')).toEqual(oracle.state.get('check'));
        // Exactly-once committed output: every verdict once, none missing, none wrong.
        const committed = c.transactionalStore()!.read_committed().records as SequenceVerdict[];
        const id = (r: SequenceVerdict): string => `${r.key}/${r.seq}`;
        expect(committed.map(id).sort()).toEqual((oracle.outputs.get('sink') as SequenceVerdict[]).map(id).sort());
        expect(committed.every((r) => r.verdict === 'ok')).toBe(true);
      }),
      { numRuns: runs, seed: Number(process.env.STREAMSIM_PROPERTY_SEED ?? 7) },
    );
  });
});
