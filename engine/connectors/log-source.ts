// A replayable source over the log broker: partition p is read by subtask p % parallelism; offsets per partition
// are kept in operator list state "offsets" (a checkpoint snapshots them, a restore rewinds them). Bounded mode
// captures the end offsets at start and finishes there; unbounded mode polls for new records forever. A request whose
// reply never comes (dropped by a partition shorter than the heartbeat timeout) is failed and sent again after
// request_timeout_ms, as a Kafka consumer does after request.timeout.ms.
import type { PollStatus, Source, SourceOutput, SourceReader, SourceReaderContext } from '../api/functions.js';
import type { NodeId } from '../runtime.js';
import type { OperatorListState } from '../state/operator-state.js';
import type { BrokerReply, BrokerRequest, LogRecord } from './log-broker.js';

export interface LogSourceConfig {
  broker: NodeId;
  topic: string;
  partitions: number;
  bounded: boolean;
  /** Records per fetch request (the broker may return fewer). */
  fetch_records?: number;
  /** Retry delay after a fetch error, and poll delay when an unbounded partition has no new records. */
  retry_ms?: number;
  /**
   * Kafka's request.timeout.ms: a fetch or end-offsets request without a reply after this long is failed like a fetch
   * error and sent again after retry_ms. Default 30 s (Kafka's default).
   */
  request_timeout_ms?: number;
}

/** Kafka's default request.timeout.ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** What is checkpointed per partition: the offset of the next record to emit. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export function splitId(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}

interface PartitionReader {
  partition: number;
  split: string;
  /** Offset of the next record to emit. */
  next_offset: number;
  /** Bounded mode: stop here (captured at start). */
  stop_offset: number | undefined;
  /** Fetched, not yet emitted (bounded by fetch_records). */
  buffered: LogRecord[];
  buffer_cursor: number;
  fetch_in_flight: boolean;
  /** While fetch_in_flight: when the fetch times out (a reply after that is ignored and the fetch is sent again). */
  fetch_deadline_ms: number;
  retry_pending: boolean;
  finished: boolean;
  /** The first fetch at the start offset (restored or 0) was answered: the source is positioned. */
  rewound: boolean;
}

export class LogSourceReader implements SourceReader<unknown> {
  private readonly partitions: PartitionReader[] = [];
  private readonly offsets_state: OperatorListState<PartitionOffset>;
  private end_offsets_known: boolean;
  private end_offsets_retry = false;
  /** While the end offsets are unknown and no retry is pending: when the end-offsets request times out. */
  private end_offsets_deadline_ms = Number.POSITIVE_INFINITY;
  private next_partition = 0;
  private active_splits: string[] = [];
  private readonly fetch_records: number;
  private readonly retry_ms: number;
  private readonly request_timeout_ms: number;

  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly config: LogSourceConfig,
  ) {
    this.fetch_records = config.fetch_records ?? 512;
    this.retry_ms = config.retry_ms ?? 50;
    this.request_timeout_ms = config.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(this.request_timeout_ms > 0)) throw new Error('log source: request_timeout_ms must be > 0');
    // Union list state (as Flink's legacy Kafka consumer): on restore every subtask sees every partition's offset and
    // keeps those of the partitions it owns, so a rescale never loses or repeats a partition.
    this.offsets_state = ctx.getOperatorListState<PartitionOffset>('offsets', 'union');
    this.end_offsets_known = !config.bounded;
  }

  /** Partitions this subtask owns, with restored offsets if the state holds any. */
  start(): void {
    const restored = new Map(
      this.offsets_state.get().filter((o) => o.topic === this.config.topic).map((o) => [o.partition, o.offset] as const),
    );
    for (let p = this.ctx.subtask_index; p < this.config.partitions; p += this.ctx.parallelism) {
      this.partitions.push({
        partition: p,
        split: splitId(this.config.topic, p),
        next_offset: restored.get(p) ?? 0,
        stop_offset: undefined,
        buffered: [],
        buffer_cursor: 0,
        fetch_in_flight: false,
        fetch_deadline_ms: Number.POSITIVE_INFINITY,
        retry_pending: false,
        finished: false,
        rewound: false,
      });
    }
    this.syncState();
    this.refreshActiveSplits();
    if (this.config.bounded) this.requestEndOffsets();
    else this.fetchAll();
  }

  private requestEndOffsets(): void {
    this.end_offsets_deadline_ms = this.ctx.now_ms() + this.request_timeout_ms;
    this.ctx.send(this.config.broker, {
      type: 'broker.end_offsets',
      topic: this.config.topic,
      reply_tag: this.ctx.reply_tag,
    } satisfies BrokerRequest);
  }

  private fetchAll(): void {
    for (const p of this.partitions) this.maybeFetch(p);
  }

  private maybeFetch(p: PartitionReader): void {
    if (p.finished || p.fetch_in_flight || p.retry_pending || !this.end_offsets_known) return;
    if (p.buffer_cursor < p.buffered.length) return;
    const fetch_from = p.next_offset;
    let max_records = this.fetch_records;
    if (p.stop_offset !== undefined) max_records = Math.min(max_records, p.stop_offset - fetch_from);
    if (max_records <= 0) return;
    p.fetch_in_flight = true;
    p.fetch_deadline_ms = this.ctx.now_ms() + this.request_timeout_ms;
    this.ctx.send(this.config.broker, {
      type: 'broker.fetch',
      topic: this.config.topic,
      partition: p.partition,
      offset: fetch_from,
      max_records,
      reply_tag: this.ctx.reply_tag,
    } satisfies BrokerRequest);
  }

  onMessage(message: unknown): void {
    const reply = message as BrokerReply;
    switch (reply.type) {
      case 'broker.end_offsets_result': {
        if (this.end_offsets_known) return;
        this.end_offsets_known = true;
        for (const p of this.partitions) {
          const end = reply.end_offsets[p.partition];
          if (end === undefined) throw new Error(`broker has no partition ${p.partition}`);
          p.stop_offset = end;
          if (p.next_offset >= end) p.finished = true;
        }
        this.refreshActiveSplits();
        this.fetchAll();
        this.ctx.wake();
        return;
      }
      case 'broker.end_offsets_error':
        this.end_offsets_retry = true;
        this.ctx.wakeAfter(this.retry_ms);
        return;
      case 'broker.fetch_result': {
        const p = this.partitions.find((x) => x.partition === reply.partition);
        // The fetch in flight is always at next_offset: a reply at another offset answers an older, timed-out request.
        if (p === undefined || !p.fetch_in_flight || reply.offset !== p.next_offset) return;
        p.fetch_in_flight = false;
        if (!p.rewound) {
          // Recovery-time part "reset source": the broker answered at the restored offset.
          p.rewound = true;
          this.ctx.log('source.rewound', { partition: p.partition, offset: reply.offset });
        }
        if (reply.records.length === 0) {
          p.retry_pending = true;
          this.ctx.wakeAfter(this.retry_ms);
          return;
        }
        p.buffered = reply.records;
        p.buffer_cursor = 0;
        this.ctx.wake();
        return;
      }
      case 'broker.fetch_error': {
        const p = this.partitions.find((x) => x.partition === reply.partition);
        if (p === undefined) return;
        p.fetch_in_flight = false;
        p.retry_pending = true;
        this.ctx.wakeAfter(this.retry_ms);
        return;
      }
      default:
        return;
    }
  }

  /** Fetches and end-offset requests in flight to the broker are gone: ask again. */
  onPeerLost(peer: NodeId): void {
    if (peer !== this.config.broker) return;
    if (!this.end_offsets_known) this.end_offsets_retry = true;
    for (const p of this.partitions) {
      if (p.fetch_in_flight) {
        p.fetch_in_flight = false;
        p.retry_pending = true;
      }
    }
    this.ctx.wakeAfter(this.retry_ms);
  }

  pollNext(output: SourceOutput<unknown>, budget: number): PollStatus {
    if (!this.end_offsets_known) {
      if (!this.end_offsets_retry && this.ctx.now_ms() >= this.end_offsets_deadline_ms) {
        this.ctx.log('source.request_timeout', { request: 'end_offsets', timeout_ms: this.request_timeout_ms });
        this.end_offsets_retry = true;
      }
      if (this.end_offsets_retry) {
        this.end_offsets_retry = false;
        this.requestEndOffsets();
      }
      this.ctx.wakeAfter(this.end_offsets_deadline_ms - this.ctx.now_ms());
      return 'nothing_available';
    }
    // Retries (after errors, timeouts or empty polls) resume on the next poll.
    for (const p of this.partitions) {
      if (p.fetch_in_flight) this.expireFetch(p);
      else if (p.retry_pending) {
        p.retry_pending = false;
        this.maybeFetch(p);
      }
    }
    let emitted = 0;
    const n = this.partitions.length;
    for (let visited = 0; visited < n && emitted < budget; visited++) {
      const p = this.partitions[(this.next_partition + visited) % n]!;
      const buffered = p.buffered;
      const take = Math.min(budget - emitted, buffered.length - p.buffer_cursor);
      if (take > 0) {
        const split = p.split;
        const end = p.buffer_cursor + take;
        for (let i = p.buffer_cursor; i < end; i++) {
          const record = buffered[i]!;
          output.collect(record.value, record.timestamp_ms, split);
        }
        p.buffer_cursor = end;
        p.next_offset += take;
        emitted += take;
      }
      if (p.stop_offset !== undefined && p.next_offset >= p.stop_offset && !p.finished) {
        p.finished = true;
        this.refreshActiveSplits();
      }
      this.maybeFetch(p);
    }
    this.next_partition = n === 0 ? 0 : (this.next_partition + 1) % n;
    if (emitted > 0) this.syncState();
    if (this.config.bounded && this.partitions.every((p) => p.finished)) return 'end_of_input';
    if (emitted === 0) {
      this.wakeAtFetchDeadline();
      return 'nothing_available';
    }
    return 'more';
  }

  /** A fetch without a reply by its deadline is failed like a fetch error: sent again after retry_ms. */
  private expireFetch(p: PartitionReader): void {
    if (this.ctx.now_ms() < p.fetch_deadline_ms) return;
    this.ctx.log('source.request_timeout', { request: 'fetch', partition: p.partition, offset: p.next_offset, timeout_ms: this.request_timeout_ms });
    p.fetch_in_flight = false;
    p.retry_pending = true;
    this.ctx.wakeAfter(this.retry_ms);
  }

  /**
   * The task goes idle: make sure it polls again by the earliest fetch deadline, so a lost reply is noticed. The host
   * keeps one wake-up per task (an earlier one wins), so on the normal path this is a lookup, not a new timer.
   */
  private wakeAtFetchDeadline(): void {
    let deadline_ms = Number.POSITIVE_INFINITY;
    for (const p of this.partitions) if (p.fetch_in_flight && p.fetch_deadline_ms < deadline_ms) deadline_ms = p.fetch_deadline_ms;
    if (deadline_ms !== Number.POSITIVE_INFINITY) this.ctx.wakeAfter(deadline_ms - this.ctx.now_ms());
  }

  /** Read-only view for observers: per owned partition of the topic, the offset of the next record to emit. */
  positions(): { topic: string; partition: number; next_offset: number }[] {
    return this.partitions.map((p) => ({ topic: this.config.topic, partition: p.partition, next_offset: p.next_offset }));
  }

  private syncState(): void {
    this.offsets_state.update(
      this.partitions.map((p) => ({ topic: this.config.topic, partition: p.partition, offset: p.next_offset })),
    );
  }

  private refreshActiveSplits(): void {
    this.active_splits = this.partitions.filter((p) => !p.finished).map((p) => p.split);
  }

  activeSplits(): readonly string[] {
    return this.active_splits;
  }

  /** Offsets of the next records to emit, per owned partition. */
  currentOffsets(): PartitionOffset[] {
    return this.partitions.map((p) => ({ topic: this.config.topic, partition: p.partition, offset: p.next_offset }));
  }
}

/**
 * Whether a source is a log source, by its kind and shape rather than its class: a job built against another copy of
 * the package (the compiled one, say) makes LogSource objects of another class.
 */
export function is_log_source(source: Source<unknown>): source is LogSource {
  const config = (source as Partial<LogSource>).config;
  return source.kind === 'log' && typeof config?.topic === 'string' && typeof config.partitions === 'number';
}

export class LogSource implements Source<unknown> {
  readonly kind = 'log';
  readonly bounded: boolean;

  constructor(readonly config: LogSourceConfig) {
    this.bounded = config.bounded;
  }

  createReader(ctx: SourceReaderContext): LogSourceReader {
    return new LogSourceReader(ctx, this.config);
  }
}
