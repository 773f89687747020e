// The JobManager's heartbeats to its TaskManagers (Flink's HeartbeatManager, sender side): the monitored targets,
// when each was last heard from, the periodic heartbeat requests and the detection of targets silent for longer
// than the heartbeat timeout. What a lost target means for the job is the listener's business.
import type { NodeId } from '../runtime.js';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 50_000;

export interface HeartbeatListener {
  /** `target` was silent for `silent_ms` (beyond the timeout): it is no longer monitored. */
  notify_heartbeat_timeout(target: NodeId, silent_ms: number): void;
  /** Ask `target` for a heartbeat (the request's sequence number is `seq`). */
  request_heartbeat(target: NodeId, seq: number): void;
}

export class HeartbeatManager {
  /** Monitored targets → when they were last heard from (this process's clock). */
  private readonly last_heartbeat_ms = new Map<NodeId, number>();
  private seq = 0;

  constructor(
    readonly interval_ms: number,
    readonly timeout_ms: number,
    private readonly listener: HeartbeatListener,
  ) {
    if (!(timeout_ms > interval_ms)) throw new Error('heartbeat timeout must exceed interval');
  }

  /** Start (or keep) monitoring `target`, as if it was heard from at `now_ms`. */
  monitor_target(target: NodeId, now_ms: number): void {
    this.last_heartbeat_ms.set(target, now_ms);
  }

  /** A heartbeat from `target` arrived (ignored for targets not monitored). */
  receive_heartbeat(target: NodeId, now_ms: number): void {
    if (this.last_heartbeat_ms.has(target)) this.last_heartbeat_ms.set(target, now_ms);
  }

  /**
   * One heartbeat round, in target order: a target silent for longer than the timeout is dropped and reported to the
   * listener; every other target is asked for a heartbeat.
   */
  request_heartbeats(now_ms: number): void {
    for (const target of [...this.last_heartbeat_ms.keys()].sort()) {
      const last_ms = this.last_heartbeat_ms.get(target)!;
      if (now_ms - last_ms > this.timeout_ms) {
        this.last_heartbeat_ms.delete(target);
        this.listener.notify_heartbeat_timeout(target, now_ms - last_ms);
        continue;
      }
      this.listener.request_heartbeat(target, ++this.seq);
    }
  }
}
