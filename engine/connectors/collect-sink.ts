// Sinks for tests and examples: a collecting sink that ships output batches to a collector process, the collector
// process itself, a discarding (counting) sink, and a throttle that lets a sink accept only N records per ms.
import type { Sink, SinkWriter, SinkWriterContext } from '../api/functions.js';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { is_checkpointed_sink_writer, type CheckpointedSinkWriter } from './two-phase-commit-sink.js';

export interface CollectBatch {
  type: 'collect.batch';
  sink: string;
  subtask: number;
  records: unknown[];
  final: boolean;
}

export interface CollectSinkConfig {
  collector: NodeId;
  /** Records per batch message. */
  batch_records?: number;
}

class CollectSinkWriter implements SinkWriter<unknown> {
  private batch: unknown[] = [];
  private readonly batch_records: number;

  constructor(
    private readonly ctx: SinkWriterContext,
    private readonly config: CollectSinkConfig,
  ) {
    this.batch_records = config.batch_records ?? 512;
  }

  write(value: unknown): void {
    this.batch.push(value);
    if (this.batch.length >= this.batch_records) this.send(false);
  }

  canAccept(): boolean {
    return true;
  }

  flush(end_of_input: boolean): void {
    if (this.batch.length > 0 || end_of_input) this.send(end_of_input);
  }

  private send(final: boolean): void {
    const message: CollectBatch = {
      type: 'collect.batch',
      sink: this.ctx.sink_name,
      subtask: this.ctx.subtask_index,
      records: this.batch,
      final,
    };
    this.batch = [];
    this.ctx.send(this.config.collector, message);
  }
}

/** Sends every record to the collector process (not transactional: at-least-once at best under failures). */
export class CollectSink implements Sink<unknown> {
  readonly kind = 'collect';
  constructor(readonly config: CollectSinkConfig) {}
  createWriter(ctx: SinkWriterContext): SinkWriter<unknown> {
    return new CollectSinkWriter(ctx, this.config);
  }
}

export interface CollectorConfig {
  /** Upper bound on records held (the collector is a test device, not a store). */
  max_records?: number;
}

/** A process that keeps what collecting sinks sent, per sink name, in arrival order. */
export class CollectorNode implements EngineNode {
  readonly outputs = new Map<string, unknown[]>();
  readonly finished_subtasks = new Map<string, Set<number>>();
  private total = 0;
  private readonly max_records: number;

  constructor(
    private readonly runtime: Runtime,
    config: CollectorConfig = {},
  ) {
    this.max_records = config.max_records ?? 5_000_000;
  }

  on_start(): void {}

  on_message(_from: NodeId, message: unknown): void {
    const batch = message as CollectBatch;
    if (batch.type !== 'collect.batch') return;
    let list = this.outputs.get(batch.sink);
    if (list === undefined) {
      list = [];
      this.outputs.set(batch.sink, list);
    }
    for (const record of batch.records) list.push(record);
    this.total += batch.records.length;
    if (this.total > this.max_records) this.runtime.fail_invariant('collector over its bound', { max: this.max_records });
    if (batch.final) {
      let done = this.finished_subtasks.get(batch.sink);
      if (done === undefined) {
        done = new Set();
        this.finished_subtasks.set(batch.sink, done);
      }
      done.add(batch.subtask);
    }
  }

  on_timer(): void {}

  records(sink: string): readonly unknown[] {
    return this.outputs.get(sink) ?? [];
  }
}

export function createCollector(config: CollectorConfig = {}): (runtime: Runtime) => CollectorNode {
  return (runtime) => new CollectorNode(runtime, config);
}

/** Counts records and drops them; the count is shared by all subtasks created from this sink object in one process. */
export class DiscardingSink implements Sink<unknown> {
  readonly kind = 'discard';
  records = 0;
  createWriter(): SinkWriter<unknown> {
    return {
      write: () => {
        this.records++;
      },
      canAccept: () => true,
      flush: () => {},
    };
  }
}

/**
 * Lets the wrapped sink accept at most `records_per_ms` records per millisecond of the process clock (token bucket
 * with a burst of one millisecond's worth). When empty, the task is told to retry when a token is due.
 */
export class ThrottledSink implements Sink<unknown> {
  readonly kind: string;
  constructor(
    private readonly inner: Sink<unknown>,
    private readonly records_per_ms: number,
  ) {
    if (!(records_per_ms > 0)) throw new Error('records_per_ms must be > 0');
    this.kind = `throttled-${inner.kind}`;
  }

  createWriter(ctx: SinkWriterContext): SinkWriter<unknown> {
    const inner = this.inner.createWriter(ctx);
    const rate = this.records_per_ms;
    let tokens = rate;
    let refilled_at_ms = ctx.now_ms();
    const refill = (): void => {
      const now = ctx.now_ms();
      if (now > refilled_at_ms) {
        tokens = Math.min(rate, tokens + (now - refilled_at_ms) * rate);
        refilled_at_ms = now;
      }
    };
    const throttled: SinkWriter<unknown> = {
      write: (value, timestamp_ms) => {
        tokens--;
        inner.write(value, timestamp_ms);
      },
      canAccept: () => {
        refill();
        if (tokens >= 1 && inner.canAccept()) return true;
        ctx.wakeAfter(Math.max(1, Math.ceil((1 - tokens) / rate)));
        return false;
      },
      flush: (end_of_input) => inner.flush(end_of_input),
    };
    if (!is_checkpointed_sink_writer(inner)) return throttled;
    // Keep the inner writer's checkpoint hooks visible to the task (transactional sinks behind a throttle).
    const hooks: CheckpointedSinkWriter<unknown> = {
      ...throttled,
      initializeState: () => inner.initializeState(),
      snapshotState: (id) => inner.snapshotState(id),
      isSnapshotDurable: (id) => inner.isSnapshotDurable(id),
      notifyCheckpointComplete: (id) => inner.notifyCheckpointComplete(id),
      notifyCheckpointAborted: (id) => inner.notifyCheckpointAborted(id),
      onMessage: (message) => inner.onMessage(message),
      failure: () => inner.failure(),
    };
    const stats = (inner as { stats?: () => unknown }).stats;
    if (stats !== undefined) Object.assign(hooks, { stats: () => stats.call(inner) });
    return hooks;
  }
}
