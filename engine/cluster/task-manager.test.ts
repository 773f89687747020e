// Specification of the TaskManager mailbox: a message that makes tasks ready runs them when its handler ends, in the
// same virtual instant and without a timer event; the 0-ms mailbox timer only yields when work remains after the
// per-event step budget.
import { describe, expect, it } from 'vitest';
import { EXAMPLE_JOB_FACTORIES } from '../examples/index.js';
import type { Runtime } from '../runtime.js';
import { buildJob } from './build-job.js';
import type { JobSpec } from './messages.js';
import { TaskManager } from './task-manager.js';

function fakeRuntime() {
  const timers: { after_ms: number; tag: unknown }[] = [];
  const unavailable = (_key: string, done: (result: { ok: false; error: 'unavailable' }) => void): void => done({ ok: false, error: 'unavailable' });
  const store = { put: (k: string, _b: Uint8Array, d: never) => unavailable(k, d), get: unavailable, list: unavailable, delete: unavailable, sync: unavailable };
  const runtime: Runtime = {
    node_id: 'tm-1',
    incarnation: 1,
    now_ms: () => 0,
    monotonic_ms: () => 0,
    send: () => {},
    setTimer: (after_ms, tag) => timers.push({ after_ms, tag }),
    cancelTimer: () => {},
    rng: { next: () => 0.5, int_inclusive: (min) => min, chance: () => false },
    disk: store,
    checkpoint_store: store,
    log: () => {},
    probe: () => {},
    fail_invariant: (message) => {
      throw new Error(message);
    },
  };
  return { runtime, timers };
}

function deployedTaskManager(max_steps_per_event: number) {
  const { runtime, timers } = fakeRuntime();
  const tm = new TaskManager(runtime, { job_manager: 'jm', slots: 4, jobs: EXAMPLE_JOB_FACTORIES, max_steps_per_event });
  const job: JobSpec = { name: 'word_count', params: { records: 100, partitions: 2, seed: 1 }, parallelism: 2 };
  const { plan } = buildJob(EXAMPLE_JOB_FACTORIES, job);
  const placement = plan.vertices.map((v) => Array.from({ length: v.parallelism }, () => 'tm-1'));
  tm.on_start();
  tm.on_message('jm', { type: 'tm.registered' });
  tm.on_message('jm', { type: 'deploy', attempt: 1, job, placement });
  timers.length = 0;
  return { tm, timers };
}

const mailboxTimers = (timers: { tag: unknown }[]) => timers.filter((t) => (t.tag as { kind: string }).kind === 'mailbox').length;

describe('TaskManager mailbox', () => {
  it('runs the tasks a message made ready when its handler ends, without a mailbox timer', () => {
    const { tm, timers } = deployedTaskManager(16);
    tm.on_message('jm', { type: 'start', attempt: 1 });
    expect(tm.tasks.length).toBeGreaterThan(1);
    expect(tm.tasks.every((task) => task.steps > 0)).toBe(true);
    expect(tm.mailbox_events).toBe(1);
    expect(mailboxTimers(timers)).toBe(0);
  });

  it('yields through one 0-ms mailbox timer when ready tasks remain after the step budget', () => {
    const { tm, timers } = deployedTaskManager(1);
    tm.on_message('jm', { type: 'start', attempt: 1 });
    expect(tm.tasks.filter((task) => task.steps > 0)).toHaveLength(1);
    expect(timers.filter((t) => (t.tag as { kind: string }).kind === 'mailbox')).toEqual([{ after_ms: 0, tag: { kind: 'mailbox' } }]);
    tm.on_timer({ kind: 'mailbox' });
    expect(tm.tasks.filter((task) => task.steps > 0)).toHaveLength(2);
    expect(mailboxTimers(timers)).toBe(2);
  });
});

describe('TaskManager start', () => {
  it("starts a deployed attempt's tasks from a heartbeat naming it running when its start message was lost, once", () => {
    const { tm } = deployedTaskManager(16);
    tm.on_message('jm', { type: 'hb.request', seq: 1 });
    expect(tm.tasks.every((task) => task.steps === 0)).toBe(true);
    // Another attempt running on the JobManager says nothing about this deployment.
    tm.on_message('jm', { type: 'hb.request', seq: 2, running_attempt: 2 });
    expect(tm.tasks.every((task) => task.steps === 0)).toBe(true);
    tm.on_message('jm', { type: 'hb.request', seq: 3, running_attempt: 1 });
    expect(tm.tasks.every((task) => task.steps > 0)).toBe(true);
    // A late start and later heartbeats do not start the tasks again (Task.start fails loudly on a second call).
    expect(() => tm.on_message('jm', { type: 'start', attempt: 1 })).not.toThrow();
    expect(() => tm.on_message('jm', { type: 'hb.request', seq: 4, running_attempt: 1 })).not.toThrow();
  });
});
