// A simulated Kafka-like log broker process: topics with partitions, append (durable write-ahead to its own disk
// before acknowledging or serving), fetch with bounded sizes, end offsets. On restart it reloads from disk.
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { encodeSegment } from './log-segment.js';
import { put_durable } from '../util/durable-write.js';

export interface LogRecord {
  value: unknown;
  timestamp_ms: number;
}

export interface TopicConfig {
  name: string;
  partitions: number;
}

export interface LogBrokerConfig {
  topics: TopicConfig[];
  /** Records written at first start (incarnation 0): topic → partition → records. Visible once durable. */
  preload?: ReadonlyMap<string, readonly (readonly LogRecord[])[]>;
  /** Upper bound on records per fetch reply. */
  max_fetch_records?: number;
  /** Records per disk segment when preloading. */
  segment_records?: number;
  /** Upper bound on records per partition (the broker's retention bound). */
  max_partition_records?: number;
}

export type BrokerRequest =
  | { type: 'broker.append'; topic: string; partition: number; records: LogRecord[]; request_id: number }
  | { type: 'broker.fetch'; topic: string; partition: number; offset: number; max_records: number; reply_tag: string }
  | { type: 'broker.end_offsets'; topic: string; reply_tag: string };

export type BrokerFetchRequest = Extract<BrokerRequest, { type: 'broker.fetch' }>;

export type BrokerReply =
  | { type: 'broker.append_ack'; request_id: number; base_offset: number; end_offset: number }
  | { type: 'broker.append_error'; request_id: number; error: string }
  | {
      type: 'broker.fetch_result';
      reply_tag: string;
      topic: string;
      partition: number;
      offset: number;
      records: LogRecord[];
      end_offset: number;
    }
  | { type: 'broker.fetch_error'; reply_tag: string; topic: string; partition: number; error: string }
  | { type: 'broker.end_offsets_result'; reply_tag: string; topic: string; end_offsets: number[] }
  | { type: 'broker.end_offsets_error'; reply_tag: string; topic: string; error: string };

interface AppendOutcome {
  ok: boolean;
  base: number;
  error?: string;
}

interface PendingAppend {
  records: LogRecord[];
  done: (outcome: AppendOutcome) => void;
}

/** Bound on appends queued per partition behind the disk. */
const MAX_QUEUED_APPENDS = 100_000;

const SEGMENT_PREFIX = 'log/';

function segmentKey(topic: string, partition: number, base_offset: number): string {
  return `${SEGMENT_PREFIX}${topic}/${partition}/${String(base_offset).padStart(12, '0')}`;
}

const decoder = new TextDecoder();

/** Records per spread push when appending to a log (well below the engine's limit on call arguments). */
const APPEND_CHUNK_RECORDS = 4096;

/** Appends `records` to `log`, a chunk per push: one push grows the array once instead of once per record. */
function appendRecords(log: LogRecord[], records: readonly LogRecord[]): void {
  if (records.length <= APPEND_CHUNK_RECORDS) {
    log.push(...records);
    return;
  }
  for (let at = 0; at < records.length; at += APPEND_CHUNK_RECORDS) log.push(...records.slice(at, at + APPEND_CHUNK_RECORDS));
}

export class LogBroker implements EngineNode {
  /** topic → partition → durable records. */
  private readonly logs = new Map<string, LogRecord[][]>();
  /** topic/partition → appends waiting for (or in) their disk write, in order. */
  private readonly write_queues = new Map<string, PendingAppend[]>();
  private loading = true;
  private readonly max_fetch_records: number;
  private readonly max_partition_records: number;
  appended_records = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly config: LogBrokerConfig,
  ) {
    this.max_fetch_records = config.max_fetch_records ?? 1024;
    this.max_partition_records = config.max_partition_records ?? 10_000_000;
    for (const topic of config.topics) {
      if (topic.partitions < 1) throw new Error(`topic ${topic.name} needs partitions`);
      this.logs.set(topic.name, Array.from({ length: topic.partitions }, () => []));
    }
  }

  on_start(): void {
    this.runtime.disk.list(SEGMENT_PREFIX, (result) => {
      if (!result.ok) {
        this.runtime.log('broker.load_failed', { error: result.error });
        this.runtime.setTimer(100, 'reload');
        return;
      }
      this.loadSegments(result.value, 0);
    });
  }

  private loadSegments(keys: string[], index: number): void {
    if (index >= keys.length) {
      this.runtime.log('broker.loaded', { segments: keys.length });
      // The preload is the workload's initial data: the broker serves nothing until all of it is durable, so a
      // bounded source never captures end offsets of a half-written preload.
      if (keys.length === 0 && this.runtime.incarnation === 0) this.writePreload(() => (this.loading = false));
      else this.loading = false;
      return;
    }
    const key = keys[index]!;
    this.runtime.disk.get(key, (result) => {
      if (!result.ok) {
        this.runtime.log('broker.segment_unreadable', { key, error: result.error });
        this.runtime.setTimer(100, 'reload');
        return;
      }
      const [topic, partition_text, base_text] = key.slice(SEGMENT_PREFIX.length).split('/');
      const log = this.logs.get(topic ?? '')?.[Number(partition_text)];
      let records: LogRecord[] | undefined;
      try {
        records = JSON.parse(decoder.decode(result.value)) as LogRecord[];
      } catch {
        records = undefined;
      }
      if (log === undefined || records === undefined || Number(base_text) !== log.length) {
        this.runtime.log('broker.segment_skipped', { key, reason: 'corrupt or out of order' });
      } else {
        appendRecords(log, records);
      }
      this.loadSegments(keys, index + 1);
    });
  }

  private writePreload(done: () => void): void {
    const preload = this.config.preload;
    const segment_records = this.config.segment_records ?? 4096;
    let pending = 1;
    const settle = (): void => {
      if (--pending === 0) {
        this.runtime.log('broker.preloaded', { records: this.appended_records });
        done();
      }
    };
    for (const [topic, partitions] of preload ?? []) {
      partitions.forEach((records, partition) => {
        for (let at = 0; at < records.length; at += segment_records) {
          pending++;
          this.append(topic, partition, records.slice(at, at + segment_records), (outcome) => {
            if (!outcome.ok) this.runtime.log('broker.preload_failed', { topic, partition, error: outcome.error });
            settle();
          });
        }
      });
    }
    settle();
  }

  /**
   * Write-ahead: appends to one partition are written to disk one after another, in order, and a segment becomes
   * visible (fetchable) only after its write succeeded. A failed write drops it and every append queued behind it.
   */
  private append(topic: string, partition: number, records: LogRecord[], done: (reply: AppendOutcome) => void): void {
    const log = this.logs.get(topic)?.[partition];
    if (log === undefined) {
      done({ ok: false, base: -1, error: 'unknown topic or partition' });
      return;
    }
    const id = `${topic}/${partition}`;
    let queue = this.write_queues.get(id);
    if (queue === undefined) {
      queue = [];
      this.write_queues.set(id, queue);
    }
    const queued = queue.reduce((sum, item) => sum + item.records.length, 0);
    if (log.length + queued + records.length > this.max_partition_records || queue.length >= MAX_QUEUED_APPENDS) {
      done({ ok: false, base: -1, error: 'partition full' });
      return;
    }
    queue.push({ records, done });
    if (queue.length === 1) this.writeNext(topic, partition, log, queue);
  }

  private writeNext(topic: string, partition: number, log: LogRecord[], queue: PendingAppend[]): void {
    const head = queue[0];
    if (head === undefined) return;
    const base = log.length;
    put_durable(this.runtime.disk, segmentKey(topic, partition, base), encodeSegment(head.records), (result) => {
      if (!result.ok) {
        const failed = queue.splice(0, queue.length);
        for (const item of failed) item.done({ ok: false, base, error: result.error });
        return;
      }
      appendRecords(log, head.records);
      this.appended_records += head.records.length;
      queue.shift();
      head.done({ ok: true, base });
      this.writeNext(topic, partition, log, queue);
    });
  }

  on_message(from: NodeId, message: unknown): void {
    const request = message as BrokerRequest;
    switch (request.type) {
      case 'broker.append':
        this.append(request.topic, request.partition, request.records, (reply) => {
          if (reply.ok) {
            this.runtime.send(from, {
              type: 'broker.append_ack',
              request_id: request.request_id,
              base_offset: reply.base,
              end_offset: reply.base + request.records.length,
            } satisfies BrokerReply);
          } else {
            this.runtime.send(from, { type: 'broker.append_error', request_id: request.request_id, error: reply.error ?? 'error' } satisfies BrokerReply);
          }
        });
        return;
      case 'broker.fetch':
        this.fetch(from, request, request.max_records);
        return;
      case 'broker.end_offsets': {
        const partitions = this.logs.get(request.topic);
        if (this.loading || partitions === undefined) {
          this.runtime.send(from, {
            type: 'broker.end_offsets_error',
            reply_tag: request.reply_tag,
            topic: request.topic,
            error: this.loading ? 'loading' : 'unknown topic',
          } satisfies BrokerReply);
          return;
        }
        this.runtime.send(from, {
          type: 'broker.end_offsets_result',
          reply_tag: request.reply_tag,
          topic: request.topic,
          end_offsets: partitions.map((log) => log.length),
        } satisfies BrokerReply);
        return;
      }
      default:
        return;
    }
  }

  /** Answers a fetch with at most `max_records` records (and never more than the broker's own per-fetch bound). */
  fetch(from: NodeId, request: BrokerFetchRequest, max_records: number): void {
    const log = this.logs.get(request.topic)?.[request.partition];
    if (this.loading || log === undefined || request.offset < 0 || request.offset > log.length) {
      this.runtime.send(from, {
        type: 'broker.fetch_error',
        reply_tag: request.reply_tag,
        topic: request.topic,
        partition: request.partition,
        error: this.loading ? 'loading' : 'bad request',
      } satisfies BrokerReply);
      return;
    }
    const count = Math.min(max_records, this.max_fetch_records);
    this.runtime.send(from, fetch_result(request, log.slice(request.offset, request.offset + count), log.length));
  }

  on_timer(tag: unknown): void {
    if (tag === 'reload') {
      for (const partitions of this.logs.values()) for (const log of partitions) log.length = 0;
      this.write_queues.clear();
      this.on_start();
    }
  }

  /** True once the log is loaded from disk (and a first start's preload is durable): fetches are served. */
  get serving(): boolean {
    return !this.loading;
  }

  /** Durable end offsets (introspection for tests and the workload driver). */
  endOffsets(topic: string): number[] {
    return (this.logs.get(topic) ?? []).map((log) => log.length);
  }
}

/** The reply to a fetch: `records` from the requested offset, and the partition's end offset as the broker sees it. */
export function fetch_result(
  request: Extract<BrokerRequest, { type: 'broker.fetch' }>,
  records: LogRecord[],
  end_offset: number,
): Extract<BrokerReply, { type: 'broker.fetch_result' }> {
  return {
    type: 'broker.fetch_result',
    reply_tag: request.reply_tag,
    topic: request.topic,
    partition: request.partition,
    offset: request.offset,
    records,
    end_offset,
  };
}

export function createLogBroker(config: LogBrokerConfig): (runtime: Runtime) => LogBroker {
  return (runtime) => new LogBroker(runtime, config);
}
