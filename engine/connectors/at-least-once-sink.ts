// An at-least-once sink writer: appends records to the store's output directly (no transaction), flushing on every
// checkpoint. Nothing acknowledged is lost, but a replay after recovery — or a resend after a lost ack — duplicates.
import type { Sink, SinkWriterContext } from '../api/functions.js';
import type { NodeId } from '../runtime.js';
import { TxnStoreClient, is_success } from './transactional-store.js';
import { CheckpointFlushGate } from './checkpoint-flush-gate.js';
import {
  as_checkpointed_context,
  type CheckpointedSinkWriter,
  type CheckpointedSinkWriterContext,
  type SinkRuntime,
  type SinkTransport,
} from './two-phase-commit-sink.js';

export interface AtLeastOnceSinkOptions {
  store_node: NodeId;
  /** Unique per writer instance (include the process incarnation). */
  client_id: string;
  /** Put on every request and echoed on responses, for hosts that route replies by tag. */
  reply_tag?: string;
  records_per_write: number;
  max_pending_requests: number;
  /** Records invoked and not yet acknowledged; the host must respect is_backpressured(). */
  max_buffered_records: number;
  retry_after_ms: number;
  /** Called once every record invoked before snapshot_state(checkpoint_id) is acknowledged by the store. */
  on_flushed?: (checkpoint_id: number) => void;
}

export class AtLeastOnceSinkWriter {
  private readonly options: AtLeastOnceSinkOptions;
  private readonly client: TxnStoreClient;
  private buffer: unknown[] = [];
  /** Batches cut but not yet sent (the request bound was reached), oldest first. */
  private readonly unsent: { batch_seq: number; records: unknown[] }[] = [];
  /** batch_seq of sent, unacknowledged batches → record count. */
  private readonly in_flight = new Map<number, number>();
  private readonly request_batch = new Map<string, number>();
  private next_batch_seq = 1;
  private buffered_records = 0;
  private readonly flush_gate = new CheckpointFlushGate();
  private appended_records = 0;
  private resent_requests = 0;

  constructor(
    private readonly runtime: SinkRuntime,
    transport: SinkTransport,
    options: Partial<AtLeastOnceSinkOptions> & Pick<AtLeastOnceSinkOptions, 'store_node' | 'client_id'>,
  ) {
    this.options = { records_per_write: 64, max_pending_requests: 64, max_buffered_records: 100_000, retry_after_ms: 200, ...options };
    if (!(this.options.records_per_write >= 1)) throw new Error('at-least-once sink: records_per_write must be ≥ 1');
    this.client = new TxnStoreClient({
      client_id: this.options.client_id,
      store_node: this.options.store_node,
      max_pending_requests: this.options.max_pending_requests,
      send: (to, message) => transport.send(to, message),
      reply_tag: this.options.reply_tag,
    });
  }

  initialize_state(): void {}

  invoke(record: unknown): void {
    if (this.buffered_records >= this.options.max_buffered_records) {
      this.runtime.fail_invariant('at-least-once sink: buffered records above max_buffered_records (host ignored is_backpressured)', {
        max_buffered_records: this.options.max_buffered_records,
      });
    }
    this.buffer.push(record);
    this.buffered_records += 1;
    if (this.buffer.length >= this.options.records_per_write) this.cut();
    this.drive();
  }

  is_backpressured(): boolean {
    return this.buffered_records >= this.options.max_buffered_records;
  }

  /** Flushes; the checkpoint may complete once is_flushed(checkpoint_id). No operator state. */
  snapshot_state(checkpoint_id: number): null {
    this.cut();
    this.flush_gate.wait_for(checkpoint_id, this.next_batch_seq - 1);
    this.drive();
    this.report_flushed();
    return null;
  }

  /** Sends the partial batch now (end of a task step or of input), without waiting for a checkpoint. */
  send_buffered(): void {
    this.cut();
    this.drive();
  }

  is_flushed(checkpoint_id: number): boolean {
    return this.flush_gate.is_flushed(checkpoint_id, this.oldest_outstanding_batch());
  }

  notify_checkpoint_complete(_checkpoint_id: number): void {}
  notify_checkpoint_aborted(checkpoint_id: number): void {
    this.flush_gate.forget(checkpoint_id);
  }

  on_message(message: unknown): boolean {
    const matched = this.client.on_message(message);
    if (matched === null) return false;
    const { request, response } = matched;
    const batch_seq = this.request_batch.get(request.request_id);
    if (batch_seq === undefined) return true;
    if (!is_success(response.outcome)) {
      this.client.mark_for_retry(request.request_id, request);
      return true;
    }
    this.request_batch.delete(request.request_id);
    const records = this.in_flight.get(batch_seq) ?? 0;
    this.in_flight.delete(batch_seq);
    this.buffered_records -= records;
    this.appended_records += records;
    this.drive();
    this.report_flushed();
    return true;
  }

  tick(): void {
    this.resent_requests += this.client.resend_overdue(this.runtime.now_ms(), this.options.retry_after_ms);
    this.drive();
  }

  stats(): { appended_records: number; resent_requests: number; buffered_records: number } {
    return { appended_records: this.appended_records, resent_requests: this.resent_requests, buffered_records: this.buffered_records };
  }

  private cut(): void {
    if (this.buffer.length === 0) return;
    this.unsent.push({ batch_seq: this.next_batch_seq++, records: this.buffer });
    this.buffer = [];
  }

  private drive(): void {
    while (this.unsent.length > 0 && this.client.can_send()) {
      const batch = this.unsent.shift() as { batch_seq: number; records: unknown[] };
      const request_id = this.client.send({ kind: 'append', records: batch.records }, this.runtime.now_ms());
      this.request_batch.set(request_id, batch.batch_seq);
      this.in_flight.set(batch.batch_seq, batch.records.length);
    }
  }

  private oldest_outstanding_batch(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const batch_seq of this.in_flight.keys()) oldest = Math.min(oldest, batch_seq);
    const first_unsent = this.unsent[0];
    if (first_unsent !== undefined) oldest = Math.min(oldest, first_unsent.batch_seq);
    return oldest;
  }

  private report_flushed(): void {
    this.flush_gate.release(this.oldest_outstanding_batch(), this.options.on_flushed);
  }
}

// ---- Hosting in the engine's sink API ----

export interface AtLeastOnceSinkConfig {
  store_node: NodeId;
  records_per_write?: number;
  max_pending_requests?: number;
  max_buffered_records?: number;
  retry_after_ms?: number;
}

class AtLeastOnceSinkAdapter implements CheckpointedSinkWriter<unknown> {
  private readonly writer: AtLeastOnceSinkWriter;
  private readonly retry_after_ms: number;
  constructor(
    private readonly ctx: CheckpointedSinkWriterContext,
    config: AtLeastOnceSinkConfig,
  ) {
    this.retry_after_ms = config.retry_after_ms ?? 200;
    this.writer = new AtLeastOnceSinkWriter(ctx, { send: (to, message) => ctx.send(to, message) }, {
      ...config,
      client_id: `${ctx.node_id}/${ctx.reply_tag}`,
      reply_tag: ctx.reply_tag,
      on_flushed: () => ctx.wakeAfter(0),
    });
  }
  /** Nothing to restore: nothing is kept across a restore. */
  initializeState(): void {}
  write(value: unknown): void {
    this.writer.invoke(value);
  }
  canAccept(): boolean {
    if (!this.writer.is_backpressured()) return true;
    this.ctx.wakeAfter(this.retry_after_ms);
    return false;
  }
  /** End of every task step (and of input): the partial batch goes out now, as Flink's sinks flush on a short linger. */
  flush(): void {
    this.writer.send_buffered();
    this.writer.tick();
    this.keep_ticking();
  }
  snapshotState(checkpoint_id: number): void {
    this.writer.snapshot_state(checkpoint_id);
    this.keep_ticking();
  }
  isSnapshotDurable(checkpoint_id: number): boolean {
    return this.writer.is_flushed(checkpoint_id);
  }
  notifyCheckpointComplete(): void {}
  notifyCheckpointAborted(checkpoint_id: number): void {
    this.writer.notify_checkpoint_aborted(checkpoint_id);
  }
  onMessage(message: unknown): void {
    this.writer.on_message(message);
    this.keep_ticking();
  }
  failure(): string | null {
    return null;
  }
  private keep_ticking(): void {
    if (this.writer.stats().buffered_records > 0) this.ctx.wakeAfter(this.retry_after_ms);
  }
}

/** The at-least-once sink in the engine's Sink API (kind "at_least_once"); needs a task with the checkpoint hooks. */
export class AtLeastOnceSink implements Sink<unknown> {
  readonly kind = 'at_least_once';
  constructor(readonly config: AtLeastOnceSinkConfig) {}
  createWriter(ctx: SinkWriterContext): CheckpointedSinkWriter<unknown> {
    return new AtLeastOnceSinkAdapter(as_checkpointed_context(ctx, this.kind), this.config);
  }
}
