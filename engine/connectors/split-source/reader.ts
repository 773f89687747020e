// The source reader of the log source (runs in each source subtask, Flink's SourceReader): holds assigned splits with
// their offsets (its checkpointed list state), fetches from the broker with one bounded request per split at a time,
// and emits records in a fixed round-robin order so a replay from a checkpoint emits exactly the same records.
import type { NodeId, Runtime } from '../../runtime.js';
import type { BrokerSourceReply, BrokerTransport, LogSplit, LogSplitState, SourceEvent } from './split.js';

export interface SplitReaderOptions {
  subtask_index: number;
  broker_node: NodeId;
  /** Unique per reader instance (include the incarnation): tags broker replies, so stale ones are ignored. */
  instance_id: string;
  /**
   * A fixed tag for every broker request, for hosts that route replies by one tag per reader (the engine's
   * SourceReaderContext.reply_tag). Replies are then matched by partition and offset; stale ones are ignored.
   */
  reply_tag?: string;
  fetch_max_records: number;
  /** Records fetched but not yet emitted, over all splits. Fetching pauses at this bound. */
  max_buffered_records: number;
  /** Refetch when a fetch has had no reply for this long (or failed). */
  retry_after_ms: number;
  send_to_enumerator: (event: SourceEvent) => void;
}

export interface SourceRecord {
  split_id: string;
  partition: number;
  offset: number;
  value: unknown;
  timestamp_ms: number;
}

export type ReaderRuntime = Pick<Runtime, 'now_ms' | 'log' | 'probe' | 'fail_invariant'>;

interface SplitProgress {
  split: LogSplit;
  /** Next offset to emit (what a checkpoint stores). */
  emit_offset: number;
  /** Fetched, not yet emitted, starting at emit_offset. */
  buffer: { value: unknown; timestamp_ms: number }[];
  fetch: { reply_tag: string; offset: number; sent_ms: number } | null;
  /** Earliest time to fetch again after an error or an empty reply. */
  next_fetch_ms: number;
}

export class LogSplitReader {
  private readonly options: SplitReaderOptions;
  /** Splits in the order they were added: the emission round-robin order. */
  private readonly splits = new Map<string, SplitProgress>();
  private buffered = 0;
  private fetch_seq = 0;
  private no_more_splits = false;
  private round_robin = 0;
  private initialized = false;

  constructor(
    private readonly runtime: ReaderRuntime,
    private readonly transport: BrokerTransport,
    options: Partial<SplitReaderOptions> & Pick<SplitReaderOptions, 'subtask_index' | 'broker_node' | 'instance_id' | 'send_to_enumerator'>,
  ) {
    this.options = { fetch_max_records: 256, max_buffered_records: 4096, retry_after_ms: 200, ...options };
    if (!(this.options.fetch_max_records >= 1 && this.options.max_buffered_records >= 1)) throw new Error('split reader: bounds must be ≥ 1');
  }

  /** Restores the splits (with offsets) from list state, then registers with the enumerator for more. */
  initialize_state(restored: LogSplitState[] | null): void {
    if (this.initialized) this.runtime.fail_invariant('split reader: initialized twice');
    this.initialized = true;
    for (const state of restored ?? []) this.add(state.split, state.offset);
    if ((restored ?? []).length > 0) this.runtime.probe('source.reader_restored_splits');
    this.options.send_to_enumerator({ type: 'split.reader_registered', subtask_index: this.options.subtask_index });
    this.fetch_all();
  }

  handle_source_event(event: SourceEvent): void {
    if (event.type === 'split.assign' && event.subtask_index === this.options.subtask_index) {
      for (const split of event.splits) {
        // a repeated assignment (after a repeated registration) must not reset progress
        if (!this.splits.has(split.split_id)) this.add(split, split.start_offset);
      }
      this.fetch_all();
    } else if (event.type === 'split.no_more_splits' && event.subtask_index === this.options.subtask_index) {
      this.no_more_splits = true;
    }
  }

  /** Up to `max_records` records, round-robin over splits with buffered data. Offsets advance as records leave. */
  poll(max_records: number): SourceRecord[] {
    const out: SourceRecord[] = [];
    const ids = [...this.splits.keys()];
    let idle_rounds = 0;
    while (out.length < max_records && ids.length > 0 && idle_rounds < ids.length) {
      const id = ids[this.round_robin % ids.length] as string;
      this.round_robin = (this.round_robin + 1) % ids.length;
      const progress = this.splits.get(id) as SplitProgress;
      const next = progress.buffer.shift();
      if (next === undefined) {
        idle_rounds += 1;
        continue;
      }
      idle_rounds = 0;
      out.push({ split_id: id, partition: progress.split.partition, offset: progress.emit_offset, value: next.value, timestamp_ms: next.timestamp_ms });
      progress.emit_offset += 1;
      this.buffered -= 1;
    }
    this.fetch_all();
    return out;
  }

  /** The reader's list state: every unfinished split with the offset of its next record to emit. */
  snapshot_state(_checkpoint_id: number): LogSplitState[] {
    const out: LogSplitState[] = [];
    for (const progress of this.splits.values()) {
      if (this.split_finished(progress)) continue;
      out.push({ split: { ...progress.split }, offset: progress.emit_offset });
    }
    return out;
  }

  /** Bounded input fully emitted: no more splits will come and every split reached its stop offset. */
  is_finished(): boolean {
    if (!this.no_more_splits) return false;
    for (const progress of this.splits.values()) if (!this.split_finished(progress)) return false;
    return true;
  }

  has_buffered_records(): boolean {
    return this.buffered > 0;
  }

  on_message(message: unknown): boolean {
    const reply = message as BrokerSourceReply;
    if (reply.type !== 'broker.fetch_result' && reply.type !== 'broker.fetch_error') return false;
    const progress =
      this.options.reply_tag === undefined
        ? [...this.splits.values()].find((p) => p.fetch?.reply_tag === reply.reply_tag)
        : [...this.splits.values()].find(
            (p) => p.fetch !== null && p.split.topic === reply.topic && p.split.partition === reply.partition && (reply.type === 'broker.fetch_error' || reply.offset === p.fetch.offset),
          );
    if (progress === undefined) return true; // stale: a resent fetch already answered, or a previous instance
    const fetch = progress.fetch as { offset: number };
    progress.fetch = null;
    if (reply.type === 'broker.fetch_error') {
      this.runtime.log('source.fetch_failed', { split: progress.split.split_id, error: reply.error });
      progress.next_fetch_ms = this.runtime.now_ms() + this.options.retry_after_ms;
      return true;
    }
    const expected = progress.emit_offset + progress.buffer.length;
    if (reply.offset !== fetch.offset || fetch.offset !== expected) {
      this.runtime.fail_invariant('split reader: fetch reply does not continue the split', {
        split: progress.split.split_id,
        reply_offset: reply.offset,
        expected,
      });
    }
    const stop = progress.split.stop_offset;
    const usable = stop === null ? reply.records : reply.records.slice(0, Math.max(0, stop - reply.offset));
    for (const record of usable) progress.buffer.push({ value: record.value, timestamp_ms: record.timestamp_ms });
    this.buffered += usable.length;
    if (usable.length === 0) progress.next_fetch_ms = this.runtime.now_ms() + this.options.retry_after_ms;
    this.fetch_all();
    return true;
  }

  /** Resends fetches without a reply and starts due ones. Call periodically. */
  tick(): void {
    const now_ms = this.runtime.now_ms();
    for (const progress of this.splits.values()) {
      if (progress.fetch !== null && now_ms - progress.fetch.sent_ms >= this.options.retry_after_ms) progress.fetch = null;
    }
    this.fetch_all();
  }

  split_states(): LogSplitState[] {
    return [...this.splits.values()].map((p) => ({ split: { ...p.split }, offset: p.emit_offset }));
  }

  private add(split: LogSplit, offset: number): void {
    if (this.splits.has(split.split_id)) this.runtime.fail_invariant('split reader: split assigned twice', { split: split.split_id });
    this.splits.set(split.split_id, { split: { ...split }, emit_offset: offset, buffer: [], fetch: null, next_fetch_ms: Number.NEGATIVE_INFINITY });
  }

  private split_finished(progress: SplitProgress): boolean {
    return progress.split.stop_offset !== null && progress.emit_offset >= progress.split.stop_offset;
  }

  private fetch_all(): void {
    const now_ms = this.runtime.now_ms();
    for (const progress of this.splits.values()) {
      if (this.buffered >= this.options.max_buffered_records) return;
      if (progress.fetch !== null || now_ms < progress.next_fetch_ms) continue;
      const offset = progress.emit_offset + progress.buffer.length;
      const stop = progress.split.stop_offset;
      if (stop !== null && offset >= stop) continue;
      const room = this.options.max_buffered_records - this.buffered;
      const wanted = Math.min(this.options.fetch_max_records, room, stop === null ? Number.POSITIVE_INFINITY : stop - offset);
      const reply_tag = this.options.reply_tag ?? `${this.options.instance_id}:fetch:${this.fetch_seq++}`;
      progress.fetch = { reply_tag, offset, sent_ms: now_ms };
      this.transport.send(this.options.broker_node, {
        type: 'broker.fetch',
        topic: progress.split.topic,
        partition: progress.split.partition,
        offset,
        max_records: wanted,
        reply_tag,
      });
    }
  }
}
