// At-least-once barrier handling (Flink's CheckpointBarrierTracker): barriers are counted per checkpoint, never block a
// channel, and several checkpoints may be in flight at once (up to MAX_TRACKED_CHECKPOINTS). A checkpoint is due when
// every open channel delivered its barrier; that subsumes every older one still being counted.

/** Flink's CheckpointBarrierTracker.MAX_CHECKPOINTS_TO_TRACK. */
export const MAX_TRACKED_CHECKPOINTS = 50;

interface BarrierCount {
  checkpoint_id: number;
  /** Channels (by index) that delivered this checkpoint's barrier. */
  seen: Set<number>;
  /** Aborted while counting (the JobManager gave up on it): counted to the end, but never snapshotted. */
  aborted: boolean;
}

/** What a counted barrier or a closed channel means for the task: snapshot `checkpoint_id` now, or nothing. */
export type TrackerOutcome = { snapshot: number; subsumed: number[] } | undefined;

export class BarrierTracker {
  /** Pending checkpoints, oldest first (ids ascending: a checkpoint is only added when newer than all others). */
  private readonly pending: BarrierCount[] = [];
  /** The newest checkpoint whose barrier was seen (older first barriers can never complete: ignored). */
  private latest_pending_id = 0;
  /** Checkpoints dropped because more than MAX_TRACKED_CHECKPOINTS were pending (never snapshotted). */
  dropped = 0;

  /** `is_open(index)`: the channel has not ended. `channels`: how many input channels the task has. */
  constructor(
    private readonly channels: number,
    private readonly is_open: (channel_index: number) => boolean,
  ) {}

  /** The barrier of `checkpoint_id` arrived on channel `channel_index`. */
  onBarrier(channel_index: number, checkpoint_id: number): TrackerOutcome {
    if (this.channels === 1) {
      if (checkpoint_id <= this.latest_pending_id) return undefined;
      this.latest_pending_id = checkpoint_id;
      return { snapshot: checkpoint_id, subsumed: [] };
    }
    const position = this.pending.findIndex((count) => count.checkpoint_id === checkpoint_id);
    if (position < 0) {
      if (checkpoint_id <= this.latest_pending_id) return undefined;
      this.latest_pending_id = checkpoint_id;
      this.pending.push({ checkpoint_id, seen: new Set([channel_index]), aborted: false });
      if (this.pending.length > MAX_TRACKED_CHECKPOINTS) {
        this.pending.shift();
        this.dropped++;
      }
      return this.due(this.pending.length - 1);
    }
    this.pending[position]!.seen.add(channel_index);
    return this.due(position);
  }

  /** A channel ended: checkpoints waiting only for it are due (the newest of them; the others are subsumed). */
  onChannelEnded(): TrackerOutcome {
    for (let position = this.pending.length - 1; position >= 0; position--) {
      const outcome = this.due(position);
      if (outcome !== undefined || this.pending.length <= position) return outcome;
    }
    return undefined;
  }

  /** The JobManager aborted `checkpoint_id`: its barriers are still counted, but it is never snapshotted. */
  abort(checkpoint_id: number): void {
    const count = this.pending.find((c) => c.checkpoint_id === checkpoint_id);
    if (count !== undefined) count.aborted = true;
  }

  /** True while some pending checkpoint already saw the barrier of this channel (records behind it enter state). */
  pastBarrier(channel_index: number): boolean {
    for (const count of this.pending) if (count.seen.has(channel_index)) return true;
    return false;
  }

  pendingIds(): number[] {
    return this.pending.map((count) => count.checkpoint_id);
  }

  /** When every open channel delivered the barrier at `position`: it and everything older leave the queue. */
  private due(position: number): TrackerOutcome {
    const count = this.pending[position]!;
    for (let index = 0; index < this.channels; index++) if (this.is_open(index) && !count.seen.has(index)) return undefined;
    const removed = this.pending.splice(0, position + 1);
    const subsumed = removed.slice(0, -1).map((c) => c.checkpoint_id);
    if (count.aborted) return undefined;
    return { snapshot: count.checkpoint_id, subsumed };
  }
}
