// Specification of two-input tasks end to end (orders matched with payments, a KeyedCoProcessFunction over two
// topics): barriers align across both inputs (aligned), are counted across both (at-least-once) or overtake on both
// (unaligned); the task finishes when both inputs ended; and after crashes the keyed state and the committed output
// equal the sequential oracle's, in every checkpointing mode that promises it.
import { describe, expect, it } from 'vitest';
import type { JobFactory } from '../engine/api/environment.js';
import type { JobManagerConfig } from '../engine/cluster/job-manager.js';
import { buildOrderPayments, orderPaymentsInput, orderPaymentsTopics } from '../engine/examples/order-payments.js';
import { evaluateOracle } from '../properties/oracle.js';
import { Cluster } from './cluster.js';

const jobs = new Map<string, JobFactory>([['order_payments', buildOrderPayments]]);
const params = { records: 900, partitions: 4, seed: 3, sink: 'two_phase_commit', sink_records_per_ms: 1 };

function cluster(seed: number, mode: NonNullable<JobManagerConfig['checkpointing']>['mode'] = 'aligned', job_params: Record<string, unknown> = params) {
  const input = orderPaymentsInput(job_params);
  const c = new Cluster({
    seed,
    jobs,
    job: { name: 'order_payments', params: job_params, parallelism: 2, max_parallelism: 128 },
    task_managers: 2,
    slots_per_task_manager: 2,
    topics: orderPaymentsTopics(job_params),
    input,
    checkpointing: { interval_ms: 30, mode },
    restart_strategy: { type: 'fixed-delay', attempts: 10, delay_ms: 50 },
    heartbeat_interval_ms: 20,
    heartbeat_timeout_ms: 100,
    transactional_store: {},
    task_manager: { network: { buffer_records: 8, input_buffers_per_channel: 2, output_queue_buffers: 2, buffer_timeout_ms: 0 } },
  });
  return { c, oracle: evaluateOracle(buildOrderPayments, job_params, input, { max_parallelism: 128 }) };
}

const canonical = (records: readonly unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

function committed(c: Cluster): unknown[] {
  return c.transactionalStore()!.read_committed().records;
}

describe('two-input tasks', () => {
  it('align barriers across both inputs and end with the oracle state and output (no faults)', () => {
    const { c, oracle } = cluster(1);
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    const probes = c.world.probe_counts();
    expect(probes['checkpoint.aligned_across_inputs'] ?? 0).toBeGreaterThan(0);
    expect(c.keyedState().get('match')).toEqual(oracle.state.get('match'));
    expect(canonical(committed(c))).toEqual(canonical(oracle.outputs.get('sink')!));
    // Some orders stay unpaid and some payments have no order: they remain in keyed state at the end.
    expect(oracle.state.get('match')!.length).toBeGreaterThan(0);
  });

  it('keep keyed state and committed output exactly once across TaskManager crashes (aligned and unaligned)', () => {
    for (const mode of ['aligned', 'unaligned'] as const) {
      for (const seed of [2, 3]) {
        const { c, oracle } = cluster(seed, mode);
        c.world.schedule(150, () => c.world.crash('tm-1'));
        c.world.schedule(260, () => c.world.restart('tm-1'));
        c.world.schedule(420, () => c.world.crash('tm-2'));
        c.world.schedule(520, () => c.world.restart('tm-2'));
        c.runToCompletion(5_000_000);
        expect(c.jobStatus(), `${mode} seed ${seed}`).toBe('FINISHED');
        const probes = c.world.probe_counts();
        expect(probes['task.restored_from_checkpoint'] ?? 0, `${mode} seed ${seed}`).toBeGreaterThan(0);
        if (mode === 'unaligned') expect(probes['checkpoint.unaligned_across_inputs'] ?? 0).toBeGreaterThan(0);
        expect(c.keyedState().get('match'), `${mode} seed ${seed}`).toEqual(oracle.state.get('match'));
        expect(canonical(committed(c)), `${mode} seed ${seed}`).toEqual(canonical(oracle.outputs.get('sink')!));
      }
    }
  });

  it('count barriers across both inputs in at-least-once mode: nothing is lost after a crash', () => {
    const { c, oracle } = cluster(4, 'at_least_once');
    c.world.schedule(200, () => c.world.crash('tm-2'));
    c.world.schedule(300, () => c.world.restart('tm-2'));
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.world.probe_counts()['checkpoint.at_least_once_across_inputs'] ?? 0).toBeGreaterThan(0);
    const actual = new Set(canonical(committed(c)));
    for (const record of canonical(oracle.outputs.get('sink')!)) expect(actual.has(record)).toBe(true);
  });

  it('fire event-time timers at the minimum of both inputs’ watermarks, after both inputs ended at the latest', () => {
    const with_timeout = { ...params, timeout_ms: 200 };
    const { c, oracle } = cluster(5, 'aligned', with_timeout);
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    const outcomes = oracle.outputs.get('sink') as { status: string }[];
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set(['paid', 'unpaid', 'payment_without_order']));
    expect(canonical(committed(c))).toEqual(canonical(outcomes));
    expect(c.keyedState().get('match') ?? []).toEqual([]);
  });
});
