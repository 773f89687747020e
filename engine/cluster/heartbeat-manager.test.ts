// Specification of the JobManager's heartbeat monitors (Flink's HeartbeatManagerSenderImpl + DefaultHeartbeatMonitor):
// per-target timeouts on the monotonic clock, heartbeats that restart them, heartbeat.rpc-failure-threshold, and the
// validation Flink's HeartbeatServices applies to the configuration.
import { describe, expect, it } from 'vitest';
import {
  HeartbeatManager, type HeartbeatConfig, type HeartbeatTimeoutTimer, type TargetLoss, RPC_FAILURE_DETECTION_DISABLED,
  is_heartbeat_timeout_timer, validate_heartbeat_config,
} from './heartbeat-manager.js';
import type { Runtime } from '../runtime.js';

/** A manual clock and timer list standing in for the JobManager's process, recording what the manager reports. */
class World {
  now_ms = 0;
  private next_handle = 1;
  timers = new Map<number, { at_ms: number; tag: HeartbeatTimeoutTimer }>();
  lost: { target: string; loss: TargetLoss; at_ms: number }[] = [];
  requests: { target: string; seq: number }[] = [];
  probes: string[] = [];
  logs: { event: string; fields: Record<string, unknown> | undefined }[] = [];
  manager: HeartbeatManager;

  constructor(config: Partial<HeartbeatConfig> = {}) {
    const runtime = {
      monotonic_ms: () => this.now_ms,
      setTimer: (after_ms: number, tag: unknown) => {
        if (!is_heartbeat_timeout_timer(tag)) throw new Error('only heartbeat timers expected');
        const handle = this.next_handle++;
        this.timers.set(handle, { at_ms: this.now_ms + after_ms, tag });
        return handle;
      },
      cancelTimer: (handle: number) => { this.timers.delete(handle); },
      log: (event: string, fields?: Record<string, unknown>) => { this.logs.push({ event, fields }); },
      probe: (name: string) => { this.probes.push(name); },
      fail_invariant: (message: string, detail?: Record<string, unknown>) => { throw new Error(`invariant: ${message} ${JSON.stringify(detail)}`); },
    } as unknown as Runtime;
    this.manager = new HeartbeatManager(runtime, { interval_ms: 10_000, timeout_ms: 50_000, rpc_failure_threshold: 2, ...config }, {
      notify_target_lost: (target, loss) => { this.lost.push({ target, loss, at_ms: this.now_ms }); },
      request_heartbeat: (target, seq) => { this.requests.push({ target, seq }); },
    });
  }

  /** Moves the clock to `to_ms`, firing due timers in time order (a timer fires unless cancelled before it is due). */
  advance_to(to_ms: number): void {
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at_ms <= to_ms).sort((a, b) => a[1].at_ms - b[1].at_ms)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.now_ms = due[1].at_ms;
      this.manager.on_timeout(due[1].tag);
    }
    this.now_ms = to_ms;
  }
}

describe('heartbeat configuration (Flink HeartbeatServices)', () => {
  const ok: HeartbeatConfig = { interval_ms: 10_000, timeout_ms: 50_000, rpc_failure_threshold: 2 };
  it('accepts a timeout equal to the interval and the threshold -1 (off) or any positive integer', () => {
    expect(() => validate_heartbeat_config({ ...ok, timeout_ms: 10_000 })).not.toThrow();
    expect(() => validate_heartbeat_config({ ...ok, rpc_failure_threshold: RPC_FAILURE_DETECTION_DISABLED })).not.toThrow();
    expect(() => validate_heartbeat_config({ ...ok, rpc_failure_threshold: 1 })).not.toThrow();
  });
  it('refuses a non-positive interval, a timeout below the interval and any other threshold', () => {
    expect(() => validate_heartbeat_config({ ...ok, interval_ms: 0 })).toThrow(/interval must be positive/);
    expect(() => validate_heartbeat_config({ ...ok, interval_ms: Number.NaN })).toThrow(/interval must be positive/);
    expect(() => validate_heartbeat_config({ ...ok, timeout_ms: 9_999 })).toThrow(/at least the interval/);
    for (const threshold of [0, -2, 1.5, Number.NaN]) {
      expect(() => validate_heartbeat_config({ ...ok, rpc_failure_threshold: threshold })).toThrow(/positive integer or -1/);
    }
    expect(() => new World({ timeout_ms: 1 })).toThrow(/at least the interval/);
  });
});

describe('heartbeat timeout per target', () => {
  it('declares a silent target lost exactly heartbeat.timeout after it registered, and only that target', () => {
    const world = new World();
    world.manager.monitor_target('tm-1');
    world.advance_to(20_000);
    world.manager.monitor_target('tm-2');
    world.advance_to(49_999);
    expect(world.lost).toEqual([]);
    world.advance_to(50_000);
    expect(world.lost).toEqual([{ target: 'tm-1', at_ms: 50_000, loss: { cause: 'timeout', silent_ms: 50_000, timeout_ms: 50_000 } }]);
    expect(world.probes).toEqual(['heartbeat.timeout']);
    world.advance_to(70_000);
    expect(world.lost.map((l) => [l.target, l.at_ms])).toEqual([['tm-1', 50_000], ['tm-2', 70_000]]);
  });

  it('every heartbeat restarts the timeout: a target answering more often than the timeout is never lost', () => {
    const world = new World();
    world.manager.monitor_target('tm-1');
    for (let t = 40_000; t <= 400_000; t += 40_000) {
      world.advance_to(t);
      world.manager.receive_heartbeat('tm-1');
    }
    expect(world.lost).toEqual([]);
    // Silent from 400 s on: lost at 450 s, silent for exactly the timeout.
    world.advance_to(449_999);
    expect(world.lost).toEqual([]);
    world.advance_to(500_000);
    expect(world.lost).toEqual([{ target: 'tm-1', at_ms: 450_000, loss: { cause: 'timeout', silent_ms: 50_000, timeout_ms: 50_000 } }]);
  });

  it('a timeout replaced by a later heartbeat declares nothing even if it still fires', () => {
    const world = new World();
    world.manager.monitor_target('tm-1');
    const first = [...world.timers.values()][0]?.tag;
    world.advance_to(30_000);
    world.manager.receive_heartbeat('tm-1');
    if (first === undefined) throw new Error('a timeout timer is armed at registration');
    world.manager.on_timeout(first);
    expect(world.lost).toEqual([]);
    expect(world.timers.size).toBe(1);
  });

  it('a timeout of a target no longer monitored declares nothing', () => {
    const world = new World();
    world.manager.monitor_target('tm-1');
    const armed = [...world.timers.values()][0]?.tag;
    if (armed === undefined) throw new Error('a timeout timer is armed at registration');
    world.manager.unmonitor_target('tm-1');
    world.manager.on_timeout(armed);
    world.manager.on_timeout({ kind: 'heartbeat_timeout', target: 'tm-never', generation: 1 });
    expect(world.lost).toEqual([]);
  });

  it('a second registration of a monitored target counts as a heartbeat', () => {
    const world = new World();
    world.manager.monitor_target('tm-1');
    world.advance_to(45_000);
    world.manager.monitor_target('tm-1');
    world.advance_to(94_999);
    expect(world.lost).toEqual([]);
    expect(world.timers.size).toBe(1);
    world.advance_to(95_000);
    expect(world.lost.map((l) => l.at_ms)).toEqual([95_000]);
  });

  it('measures silence on the monotonic clock to the microsecond', () => {
    const world = new World({ interval_ms: 1, timeout_ms: 2.5 });
    world.now_ms = 0.1234567;
    world.manager.monitor_target('tm-1');
    world.advance_to(10);
    expect(world.lost[0]?.loss).toEqual({ cause: 'timeout', silent_ms: 2.5, timeout_ms: 2.5 });
  });

  it('a lost, unmonitored or stopped target is never declared lost (again), and heartbeats for it are ignored', () => {
    const world = new World();
    world.manager.monitor_target('tm-1');
    world.manager.monitor_target('tm-2');
    world.manager.monitor_target('tm-3');
    world.manager.unmonitor_target('tm-2');
    world.manager.unmonitor_target('tm-unknown');
    world.advance_to(50_000);
    expect(world.lost.map((l) => l.target)).toEqual(['tm-1', 'tm-3']);
    world.manager.receive_heartbeat('tm-1');
    world.manager.report_rpc_failure('tm-1');
    world.manager.report_rpc_failure('tm-1');
    world.advance_to(500_000);
    expect(world.lost.map((l) => l.target)).toEqual(['tm-1', 'tm-3']);
    expect(world.timers.size).toBe(0);

    const stopped = new World();
    stopped.manager.monitor_target('tm-1');
    stopped.manager.monitor_target('tm-2');
    stopped.manager.stop();
    expect(stopped.timers.size).toBe(0);
    stopped.advance_to(500_000);
    stopped.manager.request_heartbeats();
    expect(stopped.lost).toEqual([]);
    expect(stopped.requests).toEqual([]);
  });

  it('bounds the monitored targets: one more than 10,000 stops the run', () => {
    const world = new World();
    for (let i = 0; i < 10_000; i++) world.manager.monitor_target(`tm-${i}`);
    world.manager.monitor_target('tm-0'); // a known target is a heartbeat, not a new monitor
    expect(() => world.manager.monitor_target('tm-10000')).toThrow('invariant: too many heartbeat targets {"targets":10000}');
  });
});

describe('heartbeat requests', () => {
  it('asks every monitored target once per round, in target order, with a sequence number that keeps counting', () => {
    const world = new World();
    for (const tm of ['tm-2', 'tm-10', 'tm-1']) world.manager.monitor_target(tm);
    world.manager.request_heartbeats();
    world.manager.unmonitor_target('tm-10');
    world.manager.request_heartbeats();
    expect(world.requests).toEqual([
      { target: 'tm-1', seq: 1 }, { target: 'tm-10', seq: 2 }, { target: 'tm-2', seq: 3 },
      { target: 'tm-1', seq: 4 }, { target: 'tm-2', seq: 5 },
    ]);
    expect(world.manager.interval_ms).toBe(10_000);
    expect(world.manager.timeout_ms).toBe(50_000);
  });
});

describe('heartbeat.rpc-failure-threshold', () => {
  it('declares a target unreachable at the threshold of refusals in a row, long before the timeout, and only once', () => {
    const world = new World({ rpc_failure_threshold: 3 });
    world.manager.monitor_target('tm-1');
    world.advance_to(10_000);
    world.manager.report_rpc_failure('tm-1');
    world.advance_to(20_000);
    world.manager.report_rpc_failure('tm-1');
    expect(world.lost).toEqual([]);
    world.advance_to(30_000);
    world.manager.report_rpc_failure('tm-1');
    expect(world.lost).toEqual([{ target: 'tm-1', at_ms: 30_000, loss: { cause: 'unreachable', silent_ms: 30_000, failed_rpcs: 3 } }]);
    expect(world.probes).toEqual(['heartbeat.target_unreachable']);
    expect(world.logs.map((l) => [l.event, l.fields?.['consecutive']])).toEqual([['heartbeat.rpc_failed', 1], ['heartbeat.rpc_failed', 2], ['heartbeat.rpc_failed', 3]]);
    // The timeout is cancelled with the monitor: no second loss at 50 s.
    world.advance_to(100_000);
    expect(world.lost).toHaveLength(1);
  });

  it('a heartbeat between refusals starts the count over', () => {
    const world = new World();
    world.manager.monitor_target('tm-1');
    world.manager.report_rpc_failure('tm-1');
    world.manager.receive_heartbeat('tm-1');
    world.manager.report_rpc_failure('tm-1');
    expect(world.lost).toEqual([]);
    world.manager.report_rpc_failure('tm-1');
    expect(world.lost.map((l) => l.loss)).toEqual([{ cause: 'unreachable', silent_ms: 0, failed_rpcs: 2 }]);
  });

  it('-1 switches detection by refusals off: only the timeout declares the target lost', () => {
    const world = new World({ rpc_failure_threshold: RPC_FAILURE_DETECTION_DISABLED });
    world.manager.monitor_target('tm-1');
    for (let i = 0; i < 20; i++) world.manager.report_rpc_failure('tm-1');
    expect(world.lost).toEqual([]);
    world.advance_to(50_000);
    expect(world.lost.map((l) => l.loss.cause)).toEqual(['timeout']);
  });

  it('a threshold of 1 declares the target unreachable at the first refusal', () => {
    const world = new World({ rpc_failure_threshold: 1 });
    world.manager.monitor_target('tm-1');
    world.manager.report_rpc_failure('tm-1');
    expect(world.lost.map((l) => l.loss.cause)).toEqual(['unreachable']);
  });
});

describe('heartbeat timer tags', () => {
  it('recognises only heartbeat timeout tags', () => {
    expect(is_heartbeat_timeout_timer({ kind: 'heartbeat_timeout', target: 'tm-1', generation: 1 })).toBe(true);
    expect(is_heartbeat_timeout_timer({ kind: 'heartbeat' })).toBe(false);
    expect(is_heartbeat_timeout_timer(null)).toBe(false);
    expect(is_heartbeat_timeout_timer('heartbeat_timeout')).toBe(false);
  });
});
