// The flush gate of sinks without transactions (idempotent, at-least-once): a checkpoint may complete only once every
// write issued before its snapshot is acknowledged. Writes carry increasing sequence numbers; the sink says which is
// the oldest still outstanding.

export class CheckpointFlushGate {
  /** Checkpoints whose snapshot waits for writes up to `up_to_seq`, oldest first. */
  private readonly waiting: { checkpoint_id: number; up_to_seq: number }[] = [];

  /** The snapshot of `checkpoint_id` covers every write up to and including `up_to_seq`. */
  wait_for(checkpoint_id: number, up_to_seq: number): void {
    this.waiting.push({ checkpoint_id, up_to_seq });
  }

  /** True once every write the checkpoint covers is acknowledged (a checkpoint never waited for is flushed). */
  is_flushed(checkpoint_id: number, oldest_outstanding_seq: number): boolean {
    const waiting = this.waiting.find((w) => w.checkpoint_id === checkpoint_id);
    return waiting === undefined || oldest_outstanding_seq > waiting.up_to_seq;
  }

  /** Drops the checkpoints now flushed, oldest first, telling `on_flushed` about each. */
  release(oldest_outstanding_seq: number, on_flushed: ((checkpoint_id: number) => void) | undefined): void {
    while (this.waiting.length > 0 && this.waiting[0]!.up_to_seq < oldest_outstanding_seq) {
      const done = this.waiting.shift()!;
      on_flushed?.(done.checkpoint_id);
    }
  }
}
