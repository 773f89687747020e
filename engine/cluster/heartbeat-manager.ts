// The JobManager's heartbeats with its TaskManagers (Flink's HeartbeatManagerSenderImpl + DefaultHeartbeatMonitor):
// one monitor per target with its own timeout timer, reset by every heartbeat from the target, so a silent target is
// declared lost exactly `timeout_ms` after it was last heard from (not up to an interval later); periodic heartbeat
// requests; and heartbeat.rpc-failure-threshold: requests the target's host refused (its process is down) count, and
// that many in a row mark the target unreachable at once. What a lost target means for the job is the listener's.
import type { NodeId, Runtime, TimerHandle } from '../runtime.js';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 50_000;
/** Flink's heartbeat.rpc-failure-threshold default. */
export const DEFAULT_HEARTBEAT_RPC_FAILURE_THRESHOLD = 2;
/** heartbeat.rpc-failure-threshold: -1 switches the detection of refused heartbeats off (Flink's FAILED_RPC_DETECTION_DISABLED). */
export const RPC_FAILURE_DETECTION_DISABLED = -1;
/** Bound on monitored targets (one per registered TaskManager). */
const MAX_HEARTBEAT_TARGETS = 10_000;

export interface HeartbeatConfig {
  interval_ms: number;
  timeout_ms: number;
  /** Consecutive refused heartbeat requests that mark a target unreachable; -1: off. */
  rpc_failure_threshold: number;
}

/** Why a target was declared lost. */
export type TargetLoss =
  | { cause: 'timeout'; silent_ms: number; timeout_ms: number }
  | { cause: 'unreachable'; silent_ms: number; failed_rpcs: number };

export interface HeartbeatListener {
  /** `target` is lost (timed out or unreachable): it is no longer monitored. */
  notify_target_lost(target: NodeId, loss: TargetLoss): void;
  /** Ask `target` for a heartbeat (the request's sequence number is `seq`). */
  request_heartbeat(target: NodeId, seq: number): void;
}

/** The timer tag of a monitor's timeout; `generation` tells a current timer from one a later heartbeat replaced. */
export type HeartbeatTimeoutTimer = { kind: 'heartbeat_timeout'; target: NodeId; generation: number };

export function is_heartbeat_timeout_timer(tag: unknown): tag is HeartbeatTimeoutTimer {
  return typeof tag === 'object' && tag !== null && (tag as { kind?: unknown }).kind === 'heartbeat_timeout';
}

interface HeartbeatMonitor {
  /** When the target was last heard from, on the monotonic clock. */
  last_heard_ms: number;
  timer: TimerHandle;
  generation: number;
  /** Refused heartbeat requests since the target last answered. */
  failed_rpcs: number;
}

export function validate_heartbeat_config(config: HeartbeatConfig): void {
  if (!(config.interval_ms > 0)) throw new Error('heartbeat interval must be positive');
  // Flink (HeartbeatServicesImpl): the timeout must be at least the interval.
  if (!(config.timeout_ms >= config.interval_ms)) throw new Error('heartbeat timeout must be at least the interval');
  const threshold = config.rpc_failure_threshold;
  if (!(Number.isInteger(threshold) && (threshold >= 1 || threshold === RPC_FAILURE_DETECTION_DISABLED))) {
    throw new Error('heartbeat rpc failure threshold must be a positive integer or -1 (off)');
  }
}

export class HeartbeatManager {
  private readonly monitors = new Map<NodeId, HeartbeatMonitor>();
  private seq = 0;
  private generation = 0;

  constructor(
    private readonly runtime: Runtime,
    readonly config: HeartbeatConfig,
    private readonly listener: HeartbeatListener,
  ) {
    validate_heartbeat_config(config);
  }

  get interval_ms(): number {
    return this.config.interval_ms;
  }

  get timeout_ms(): number {
    return this.config.timeout_ms;
  }

  /** Start monitoring `target`, or count a registration of a monitored one as a heartbeat. */
  monitor_target(target: NodeId): void {
    if (this.monitors.has(target)) {
      this.receive_heartbeat(target);
      return;
    }
    if (this.monitors.size >= MAX_HEARTBEAT_TARGETS) this.runtime.fail_invariant('too many heartbeat targets', { targets: this.monitors.size });
    const generation = ++this.generation;
    this.monitors.set(target, { last_heard_ms: this.runtime.monotonic_ms(), timer: this.arm(target, generation), generation, failed_rpcs: 0 });
  }

  unmonitor_target(target: NodeId): void {
    const monitor = this.monitors.get(target);
    if (monitor === undefined) return;
    this.runtime.cancelTimer(monitor.timer);
    this.monitors.delete(target);
  }

  /** Stop every monitor (the job ended): nothing is declared lost any more. */
  stop(): void {
    for (const target of [...this.monitors.keys()]) this.unmonitor_target(target);
  }

  /** A heartbeat (or a registration) from `target`: its timeout starts over and refused requests are forgotten. */
  receive_heartbeat(target: NodeId): void {
    const monitor = this.monitors.get(target);
    if (monitor === undefined) return;
    monitor.last_heard_ms = this.runtime.monotonic_ms();
    monitor.failed_rpcs = 0;
    this.runtime.cancelTimer(monitor.timer);
    monitor.generation = ++this.generation;
    monitor.timer = this.arm(target, monitor.generation);
  }

  /**
   * A heartbeat request to `target` was refused (its process is down). At `rpc_failure_threshold` refusals in a row
   * the target is unreachable: lost now, without waiting for the timeout (Flink's reportHeartbeatRpcFailure).
   */
  report_rpc_failure(target: NodeId): void {
    const monitor = this.monitors.get(target);
    if (monitor === undefined) return;
    monitor.failed_rpcs++;
    const threshold = this.config.rpc_failure_threshold;
    this.runtime.log('heartbeat.rpc_failed', { target, consecutive: monitor.failed_rpcs, threshold });
    if (threshold === RPC_FAILURE_DETECTION_DISABLED || monitor.failed_rpcs < threshold) return;
    this.unmonitor_target(target);
    this.runtime.probe('heartbeat.target_unreachable');
    this.listener.notify_target_lost(target, { cause: 'unreachable', silent_ms: this.silentMs(monitor), failed_rpcs: monitor.failed_rpcs });
  }

  /** One round of heartbeat requests, in target order. */
  request_heartbeats(): void {
    for (const target of [...this.monitors.keys()].sort()) this.listener.request_heartbeat(target, ++this.seq);
  }

  /** A monitor's timeout fired: unless a heartbeat replaced it meanwhile, the target is lost. */
  on_timeout(timer: HeartbeatTimeoutTimer): void {
    const monitor = this.monitors.get(timer.target);
    if (monitor === undefined || monitor.generation !== timer.generation) return;
    this.monitors.delete(timer.target);
    this.runtime.probe('heartbeat.timeout');
    this.listener.notify_target_lost(timer.target, { cause: 'timeout', silent_ms: this.silentMs(monitor), timeout_ms: this.config.timeout_ms });
  }

  /** How long the target has been silent, rounded to microseconds (virtual time is fractional). */
  private silentMs(monitor: HeartbeatMonitor): number {
    return Math.round((this.runtime.monotonic_ms() - monitor.last_heard_ms) * 1000) / 1000;
  }

  private arm(target: NodeId, generation: number): TimerHandle {
    return this.runtime.setTimer(this.config.timeout_ms, { kind: 'heartbeat_timeout', target, generation } satisfies HeartbeatTimeoutTimer);
  }
}
