// Specification of savepoints driven by the JobManager inside the world: stop-with-savepoint commits the sinks and
// resumes from the canonical savepoint file at another parallelism (2 → 5 → 3) with the final state and committed
// output of an uninterrupted run; an intermediate savepoint commits nothing; a savepoint that does not match the job
// (max parallelism, unknown operator state, corrupt bytes) is refused with a clear message and left untouched.
import { describe, expect, it } from 'vitest';
import { canonical_savepoint_path, restore_from_savepoint_bytes, type SavepointOutcome } from '../engine/cluster/job-manager.js';
import { EXAMPLE_JOB_FACTORIES, exampleJob } from '../engine/examples/index.js';
import { evaluateOracle } from '../properties/oracle.js';
import { Cluster } from './cluster.js';

const params = { records: 1200, partitions: 4, seed: 5, vocabulary: 40, sink: 'two_phase_commit', sink_records_per_ms: 3 };

function wordCount(seed: number, interval_ms = 40, job_manager_ha = false) {
  const job = exampleJob('word_count');
  const input = job.generateInput(params);
  const c = new Cluster({
    seed,
    job: { name: 'word_count', params, parallelism: 2, max_parallelism: 128 },
    task_managers: 3,
    slots_per_task_manager: 2,
    topics: job.topics(params),
    input,
    checkpointing: { interval_ms },
    restart_strategy: { type: 'fixed-delay', attempts: 5, delay_ms: 50 },
    heartbeat_interval_ms: 20,
    heartbeat_timeout_ms: 100,
    transactional_store: {},
    job_manager_ha,
    task_manager: { network: { buffer_records: 16, input_buffers_per_channel: 2, output_queue_buffers: 2 } },
  });
  const oracle = evaluateOracle(job.build, params, input);
  return { c, oracle };
}

const canonical = (records: readonly unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

describe('savepoints from the JobManager', () => {
  it('stop-with-savepoint and rescale 2 → 5 → 3: same final state and committed output as an uninterrupted run', () => {
    const { c, oracle } = wordCount(1);
    const outcomes: SavepointOutcome[] = [];
    const deployed_parallelism: number[] = [];
    const log = c.world.log.bind(c.world);
    c.world.log = (event, fields, node) => {
      log(event, fields, node);
      if (event === 'jm.savepoint_resuming') deployed_parallelism.push(fields?.['parallelism'] as number);
    };
    c.world.schedule(120, () => {
      expect(c.jobStatus()).toBe('RUNNING');
      c.jobManager()!.stop_with_savepoint({ resume: { parallelism: 5, after_ms: 20 } }, (o) => outcomes.push(o));
    });
    c.world.schedule(260, () => {
      expect(c.jobStatus()).toBe('RUNNING');
      c.jobManager()!.stop_with_savepoint({ resume: { parallelism: 3, after_ms: 20 } }, (o) => outcomes.push(o));
    });
    c.runToCompletion(5_000_000);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(deployed_parallelism).toEqual([5, 3]);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.jobManager()!.recoveries).toEqual([]);
    expect(c.keyedState().get('count')).toEqual(oracle.state.get('count'));
    expect(canonical(c.transactionalStore()!.read_committed().records)).toEqual(canonical(oracle.outputs.get('sink')!));
    // The second savepoint's id follows the first (restore sets the counter to savepoint id + 1).
    const [first, second] = outcomes as Extract<SavepointOutcome, { ok: true }>[];
    expect(second!.savepoint_id).toBeGreaterThan(first!.savepoint_id);
    expect(c.world.checkpoint_store.peek(canonical_savepoint_path('word_count', first!.savepoint_id))).toBeDefined();
  });

  it('an intermediate savepoint commits nothing; the job continues and ends exactly once', () => {
    // Periodic checkpoints far apart: between trigger and completion only the savepoint could commit.
    const { c, oracle } = wordCount(2, 100_000);
    let committed_at_trigger = -1;
    let committed_at_completion = -1;
    let pending_outcome: SavepointOutcome | undefined;
    c.world.schedule(150, () => {
      committed_at_trigger = c.transactionalStore()!.read_committed().records.length;
      c.jobManager()!.trigger_savepoint((o) => {
        pending_outcome = o;
        committed_at_completion = c.transactionalStore()!.read_committed().records.length;
      });
    });
    c.world.run({ until: () => pending_outcome !== undefined, until_ms: 5_000 });
    expect(pending_outcome?.ok).toBe(true);
    // Let any commit message that could have been sent reach the store.
    c.world.run({ until_ms: c.world.now_ms + 5 });
    expect(c.transactionalStore()!.read_committed().records.length).toBe(committed_at_trigger);
    expect(committed_at_completion).toBe(committed_at_trigger);
    expect(committed_at_trigger).toBeLessThan(oracle.outputs.get('sink')!.length);
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(canonical(c.transactionalStore()!.read_committed().records)).toEqual(canonical(oracle.outputs.get('sink')!));
  });

  it('with HA, a JobManager crash right after stop-with-savepoint restores the savepoint, never an older checkpoint', () => {
    const { c, oracle } = wordCount(4, 40, true);
    let outcome: SavepointOutcome | undefined;
    c.world.schedule(120, () => {
      c.jobManager()!.stop_with_savepoint({ resume: { parallelism: 3, after_ms: 200 } }, (o) => {
        outcome = o;
        c.world.schedule(c.world.now_ms + 1, () => c.world.crash('jm'));
      });
    });
    c.runToCompletion(5_000_000);
    expect(outcome?.ok).toBe(true);
    const leader = c.jobManager()!;
    expect(leader.ha_role).toBe('leader');
    expect(leader.recoveries[0]?.restored_checkpoint_id).toBe((outcome as Extract<SavepointOutcome, { ok: true }>).savepoint_id);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.keyedState().get('count')).toEqual(oracle.state.get('count'));
    expect(canonical(c.transactionalStore()!.read_committed().records)).toEqual(canonical(oracle.outputs.get('sink')!));
  });

  it('stop-with-savepoint --drain fires the open windows into the savepoint and the sinks; drain with resume is refused', () => {
    const committedWindows = (drain: boolean): { windows: string[]; refused: string | undefined } => {
      const job = exampleJob('windowed_sum');
      // Enough input that the job still runs when the savepoints are requested at 60 ms.
      const window_params = { records: 2400, partitions: 2, seed: 3, keys: 6, sink: 'two_phase_commit', sink_records_per_ms: 3 };
      const c = new Cluster({
        seed: 5,
        job: { name: 'windowed_sum', params: window_params, parallelism: 2, max_parallelism: 128 },
        task_managers: 2,
        slots_per_task_manager: 1,
        topics: job.topics(window_params),
        input: job.generateInput(window_params),
        checkpointing: { interval_ms: 40 },
        heartbeat_interval_ms: 20,
        heartbeat_timeout_ms: 100,
        transactional_store: {},
        task_manager: { network: { buffer_records: 16, input_buffers_per_channel: 2, output_queue_buffers: 2 } },
      });
      let refused: string | undefined;
      c.world.schedule(60, () => {
        c.jobManager()!.stop_with_savepoint({ drain: true, resume: { parallelism: 2, after_ms: 10 } }, (o) => (refused = o.ok ? undefined : o.error));
        c.jobManager()!.stop_with_savepoint({ drain }, () => {});
      });
      c.runToCompletion(5_000_000);
      expect(c.jobStatus()).toBe('FINISHED');
      const windows = c.transactionalStore()!.read_committed().records.map((r) => `${(r as { key: string }).key}/${(r as { window_start: number }).window_start}`);
      return { windows: [...new Set(windows)].sort(), refused };
    };
    const plain = committedWindows(false);
    const drained = committedWindows(true);
    expect(plain.refused).toMatch(/drain/);
    expect(drained.windows.length).toBeGreaterThan(plain.windows.length);
    expect(drained.windows).toEqual(expect.arrayContaining(plain.windows));
  });

  it('refuses a savepoint that does not match the job, with a clear message, and leaves its file untouched', () => {
    const { c } = wordCount(3);
    let outcome: SavepointOutcome | undefined;
    c.world.schedule(120, () => c.jobManager()!.stop_with_savepoint({}, (o) => (outcome = o)));
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(outcome?.ok).toBe(true);
    const path = (outcome as Extract<SavepointOutcome, { ok: true }>).path;
    const bytes = c.world.checkpoint_store.peek(path)!;
    const before = bytes.slice();
    const spec = { name: 'word_count', params, parallelism: 4, max_parallelism: 128 };

    const ok = restore_from_savepoint_bytes(bytes, EXAMPLE_JOB_FACTORIES, spec, false);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.restore.checkpoint_id).toBe((outcome as Extract<SavepointOutcome, { ok: true }>).savepoint_id);

    const other_max = restore_from_savepoint_bytes(bytes, EXAMPLE_JOB_FACTORIES, { ...spec, max_parallelism: 64 }, false);
    expect(other_max).toMatchObject({ ok: false, error: expect.stringMatching(/max parallelism/i) });

    const other_job = { name: 'sequence_check', params: { records: 10, partitions: 4 }, parallelism: 2, max_parallelism: 128 };
    expect(restore_from_savepoint_bytes(bytes, EXAMPLE_JOB_FACTORIES, other_job, false)).toMatchObject({ ok: false, error: expect.stringMatching(/count/) });
    const allowed = restore_from_savepoint_bytes(bytes, EXAMPLE_JOB_FACTORIES, other_job, true);
    expect(allowed.ok).toBe(true);
    if (allowed.ok) expect(allowed.non_restored).toContain('count');

    const corrupt = bytes.slice();
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0x40;
    expect(restore_from_savepoint_bytes(corrupt, EXAMPLE_JOB_FACTORIES, spec, false)).toMatchObject({ ok: false, error: expect.stringMatching(/corrupt/) });
    expect(c.world.checkpoint_store.peek(path)).toEqual(before);
  });
});
