// The flush gate of sinks without transactions (idempotent, at-least-once): a checkpoint may complete only once every
// write issued before its snapshot is acknowledged. Writes carry increasing sequence numbers; the sink says which is
// the oldest still outstanding. Bounded: aborted checkpoints are forgotten, and more than MAX_WAITING_CHECKPOINTS
// waiting at once is a leak that stops the run.

/**
 * Checkpoints whose snapshot may wait for writes at once. The coordinator keeps at most
 * execution.checkpointing.max-concurrent-checkpoints pending and tells the sink about each one it aborts, so only a
 * leak (aborts never delivered while writes never complete) can reach this.
 */
export const MAX_WAITING_CHECKPOINTS = 256;

export class CheckpointFlushGate {
  /** Checkpoints whose snapshot waits for writes up to `up_to_seq`, oldest first. */
  private readonly waiting: { checkpoint_id: number; up_to_seq: number }[] = [];

  /** The snapshot of `checkpoint_id` covers every write up to and including `up_to_seq`. */
  wait_for(checkpoint_id: number, up_to_seq: number): void {
    if (this.waiting.length >= MAX_WAITING_CHECKPOINTS) {
      throw new Error(
        `checkpoint flush gate: ${this.waiting.length} checkpoints (${this.waiting[0]!.checkpoint_id}..${this.waiting.at(-1)!.checkpoint_id}) ` +
          `still wait for their writes, the bound is ${MAX_WAITING_CHECKPOINTS}; checkpoint ${checkpoint_id} cannot wait too`,
      );
    }
    this.waiting.push({ checkpoint_id, up_to_seq });
  }

  /** True once every write the checkpoint covers is acknowledged (a checkpoint never waited for is flushed). */
  is_flushed(checkpoint_id: number, oldest_outstanding_seq: number): boolean {
    const waiting = this.waiting.find((w) => w.checkpoint_id === checkpoint_id);
    return waiting === undefined || oldest_outstanding_seq > waiting.up_to_seq;
  }

  /** An aborted checkpoint will never complete: nothing waits for its writes any more. */
  forget(checkpoint_id: number): void {
    const index = this.waiting.findIndex((w) => w.checkpoint_id === checkpoint_id);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  /** Checkpoints waiting for their writes now. */
  get waiting_count(): number {
    return this.waiting.length;
  }

  /** Drops the checkpoints now flushed, oldest first, telling `on_flushed` about each. */
  release(oldest_outstanding_seq: number, on_flushed: ((checkpoint_id: number) => void) | undefined): void {
    while (this.waiting.length > 0 && this.waiting[0]!.up_to_seq < oldest_outstanding_seq) {
      const done = this.waiting.shift()!;
      on_flushed?.(done.checkpoint_id);
    }
  }
}
