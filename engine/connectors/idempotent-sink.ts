// An idempotent sink writer: upserts each record by key into the transactional store's committed table, so a replay
// after recovery rewrites the same values and the final table is exactly-once by key (intermediate values may regress).
import type { Sink, SinkWriterContext } from '../api/functions.js';
import type { NodeId } from '../runtime.js';
import { TxnStoreClient, is_success, type UpsertEntry, type WriterFence } from './transactional-store.js';
import { CheckpointFlushGate } from './checkpoint-flush-gate.js';
import {
  as_checkpointed_context,
  type CheckpointedSinkWriter,
  type CheckpointedSinkWriterContext,
  type SinkRuntime,
  type SinkTransport,
} from './two-phase-commit-sink.js';

export interface IdempotentSinkOptions {
  store_node: NodeId;
  /** Unique per writer instance (include the process incarnation). */
  client_id: string;
  /** Put on every request and echoed on responses, for hosts that route replies by tag. */
  reply_tag?: string;
  /** The upsert key of a record (deterministic: a replay must produce the same key). */
  key_of: (record: unknown) => string;
  /** The value stored for a record; the record itself by default. */
  value_of?: (record: unknown) => unknown;
  max_pending_requests: number;
  /**
   * Keys one request upserts at most (one request, one log entry at the store): as Flink's JDBC and Elasticsearch
   * sinks batch, so throughput is not bounded by one round trip per record.
   */
  max_batch_keys: number;
  /** Distinct keys waiting to be written; the host must respect is_backpressured(). */
  max_buffered_keys: number;
  retry_after_ms: number;
  /** Called once everything invoked before snapshot_state(checkpoint_id) is durable in the store. */
  on_flushed?: (checkpoint_id: number) => void;
  /**
   * Writer fencing (see WriterFence): the store refuses this writer's upserts once a higher generation (a newer job
   * attempt) wrote to the scope, so a zombie of a paused TaskManager cannot overwrite final values with stale ones
   * after the new attempt wrote them.
   */
  fence?: WriterFence;
}

interface KeySlot {
  /** The value being written (request in flight), if any. */
  in_flight_request: string | null;
  in_flight_min_seq: number;
  /** The newest value for the key, waiting for the in-flight write to finish (writes to one key never overlap). */
  queued: { value: unknown; min_seq: number } | null;
}

export class IdempotentSinkWriter {
  private readonly options: IdempotentSinkOptions;
  private readonly client: TxnStoreClient;
  private readonly slots = new Map<string, KeySlot>();
  /** Keys with a queued value and no write in flight, in the order they became ready. */
  private readonly ready = new Set<string>();
  private next_seq = 1;
  private readonly flush_gate = new CheckpointFlushGate();
  private upserts_acked = 0;
  private failure_reason: string | null = null;

  constructor(
    private readonly runtime: SinkRuntime,
    transport: SinkTransport,
    options: Partial<IdempotentSinkOptions> & Pick<IdempotentSinkOptions, 'store_node' | 'client_id' | 'key_of'>,
  ) {
    this.options = { max_pending_requests: 64, max_batch_keys: 128, max_buffered_keys: 100_000, retry_after_ms: 200, ...options };
    if (!(this.options.max_batch_keys >= 1)) throw new Error('max_batch_keys must be ≥ 1');
    this.client = new TxnStoreClient({
      client_id: this.options.client_id,
      store_node: this.options.store_node,
      max_pending_requests: this.options.max_pending_requests,
      send: (to, message) => transport.send(to, message),
      reply_tag: this.options.reply_tag,
      fence: this.options.fence,
    });
  }

  /** Non-null once the store refused this writer as a stale generation: the task must fail (it is a zombie). */
  failure(): string | null {
    return this.failure_reason;
  }

  /** Nothing to restore: the store's table is the state. */
  initialize_state(): void {}

  invoke(record: unknown): void {
    const key = this.options.key_of(record);
    const value = this.options.value_of === undefined ? record : this.options.value_of(record);
    const seq = this.next_seq++;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= this.options.max_buffered_keys) {
        this.runtime.fail_invariant('idempotent sink: more buffered keys than max_buffered_keys (host ignored is_backpressured)', {
          max_buffered_keys: this.options.max_buffered_keys,
        });
      }
      slot = { in_flight_request: null, in_flight_min_seq: 0, queued: null };
      this.slots.set(key, slot);
    }
    slot.queued = { value, min_seq: slot.queued?.min_seq ?? seq };
    if (slot.in_flight_request === null) this.ready.add(key);
    this.drive();
  }

  is_backpressured(): boolean {
    return this.slots.size >= this.options.max_buffered_keys;
  }

  /** No operator state; the checkpoint may complete once is_flushed(checkpoint_id). */
  snapshot_state(checkpoint_id: number): null {
    this.flush_gate.wait_for(checkpoint_id, this.next_seq - 1);
    this.report_flushed();
    return null;
  }

  is_flushed(checkpoint_id: number): boolean {
    return this.flush_gate.is_flushed(checkpoint_id, this.oldest_outstanding_seq());
  }

  notify_checkpoint_complete(_checkpoint_id: number): void {}
  notify_checkpoint_aborted(checkpoint_id: number): void {
    this.flush_gate.forget(checkpoint_id);
  }

  on_message(message: unknown): boolean {
    const matched = this.client.on_message(message);
    if (matched === null) return false;
    const { request, response } = matched;
    if (request.kind !== 'upsert' && request.kind !== 'upsert_batch') return true;
    if (response.outcome === 'superseded') {
      if (this.failure_reason === null) {
        this.failure_reason = `superseded by a newer attempt (${response.detail ?? 'fenced'})`;
        this.runtime.probe('sink.zombie_fenced');
        this.runtime.log('sink.superseded', { request: request.kind, detail: response.detail });
      }
      return true;
    }
    if (!is_success(response.outcome)) {
      this.client.mark_for_retry(request.request_id, request);
      return true;
    }
    const keys = request.kind === 'upsert' ? [request.key] : request.entries.map((entry) => entry.key);
    for (const key of keys) {
      this.upserts_acked += 1;
      const slot = this.slots.get(key);
      if (slot === undefined || slot.in_flight_request !== request.request_id) continue;
      slot.in_flight_request = null;
      if (slot.queued === null) this.slots.delete(key);
      else this.ready.add(key);
    }
    this.drive();
    this.report_flushed();
    return true;
  }

  tick(): void {
    if (this.failure_reason !== null) return;
    this.client.resend_overdue(this.runtime.now_ms(), this.options.retry_after_ms);
    this.drive();
  }

  stats(): { upserts_acked: number; buffered_keys: number } {
    return { upserts_acked: this.upserts_acked, buffered_keys: this.slots.size };
  }

  private oldest_outstanding_seq(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const slot of this.slots.values()) {
      if (slot.in_flight_request !== null) oldest = Math.min(oldest, slot.in_flight_min_seq);
      if (slot.queued !== null) oldest = Math.min(oldest, slot.queued.min_seq);
    }
    return oldest;
  }

  /** Sends the ready keys, at most max_batch_keys per request, while the client has room. */
  private drive(): void {
    if (this.failure_reason !== null) return;
    while (this.ready.size > 0 && this.client.can_send()) {
      const entries: UpsertEntry[] = [];
      const batch: KeySlot[] = [];
      for (const key of this.ready) {
        const slot = this.slots.get(key) as KeySlot;
        entries.push({ key, value: (slot.queued as { value: unknown }).value });
        batch.push(slot);
        this.ready.delete(key);
        if (entries.length >= this.options.max_batch_keys) break;
      }
      const first = entries[0] as UpsertEntry;
      const request_id = this.client.send(entries.length === 1 ? { kind: 'upsert', key: first.key, value: first.value } : { kind: 'upsert_batch', entries }, this.runtime.now_ms());
      for (const slot of batch) {
        const queued = slot.queued as { value: unknown; min_seq: number };
        slot.in_flight_request = request_id;
        slot.in_flight_min_seq = queued.min_seq;
        slot.queued = null;
      }
    }
  }

  private report_flushed(): void {
    this.flush_gate.release(this.oldest_outstanding_seq(), this.options.on_flushed);
  }
}

// ---- Hosting in the engine's sink API ----

export interface IdempotentSinkConfig {
  store_node: NodeId;
  key_of: (record: unknown) => string;
  value_of?: (record: unknown) => unknown;
  max_pending_requests?: number;
  max_batch_keys?: number;
  max_buffered_keys?: number;
  retry_after_ms?: number;
}

class IdempotentSinkAdapter implements CheckpointedSinkWriter<unknown> {
  private readonly writer: IdempotentSinkWriter;
  private readonly retry_after_ms: number;
  constructor(
    private readonly ctx: CheckpointedSinkWriterContext,
    config: IdempotentSinkConfig,
  ) {
    this.retry_after_ms = config.retry_after_ms ?? 200;
    this.writer = new IdempotentSinkWriter(ctx, { send: (to, message) => ctx.send(to, message) }, {
      ...config,
      client_id: `${ctx.node_id}/${ctx.reply_tag}`,
      reply_tag: ctx.reply_tag,
      on_flushed: () => ctx.wakeAfter(0),
      ...(ctx.attempt === undefined ? {} : { fence: { scope: `idempotent/${ctx.sink_name}`, generation: ctx.attempt } }),
    });
  }
  /** Nothing to restore: the store's table is the state. */
  initializeState(): void {}
  write(value: unknown): void {
    this.writer.invoke(value);
    this.keep_ticking();
  }
  canAccept(): boolean {
    if (!this.writer.is_backpressured()) return true;
    this.ctx.wakeAfter(this.retry_after_ms);
    return false;
  }
  flush(): void {
    this.writer.tick();
    this.keep_ticking();
  }
  snapshotState(checkpoint_id: number): void {
    this.writer.snapshot_state(checkpoint_id);
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
    return this.writer.failure();
  }
  private keep_ticking(): void {
    if (this.writer.stats().buffered_keys > 0) this.ctx.wakeAfter(this.retry_after_ms);
  }
}

/** The idempotent sink in the engine's Sink API (kind "idempotent"); needs a task with the checkpoint hooks. */
export class IdempotentSink implements Sink<unknown> {
  readonly kind = 'idempotent';
  constructor(readonly config: IdempotentSinkConfig) {}
  createWriter(ctx: SinkWriterContext): CheckpointedSinkWriter<unknown> {
    return new IdempotentSinkAdapter(as_checkpointed_context(ctx, this.kind), this.config);
  }
}
