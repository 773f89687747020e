// Specification of the log source's request timeout (Kafka's request.timeout.ms): a fetch or end-offsets request
// whose reply is lost is failed after request_timeout_ms and sent again, with one wake-up per idle poll and at most
// one request in flight per partition.
import { describe, expect, it } from 'vitest';
import type { SourceReaderContext } from '../api/functions.js';
import { OperatorListState } from '../state/operator-state.js';
import type { BrokerReply, BrokerRequest, LogRecord } from './log-broker.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, LogSourceReader } from './log-source.js';

const REQUEST_TIMEOUT_MS = 1_000;
const RETRY_MS = 50;

/** A manual context: a clock, the requests sent, the wake-ups asked for, the records emitted. */
class Harness {
  now_ms = 0;
  sent: BrokerRequest[] = [];
  wakes_at_ms: number[] = [];
  emitted: unknown[] = [];
  events: string[] = [];
  readonly reader: LogSourceReader;

  /** `request_timeout_ms` null: the reader's default. */
  constructor(bounded: boolean, request_timeout_ms: number | null = REQUEST_TIMEOUT_MS) {
    const state = new OperatorListState<unknown>('offsets', 'union');
    const ctx: SourceReaderContext = {
      node_id: 'tm-1',
      subtask_index: 0,
      parallelism: 1,
      now_ms: () => this.now_ms,
      send: (_to, message) => { this.sent.push(message as BrokerRequest); },
      reply_tag: 'task-0',
      job_manager: () => 'jm',
      wake: () => {},
      wakeAfter: (after_ms) => { this.wakes_at_ms.push(this.now_ms + after_ms); },
      getOperatorListState: <T>() => state as unknown as OperatorListState<T>,
      log: (event) => { this.events.push(event); },
    };
    this.reader = new LogSourceReader(ctx, {
      broker: 'broker', topic: 'input', partitions: 1, bounded, retry_ms: RETRY_MS,
      ...(request_timeout_ms === null ? {} : { request_timeout_ms }),
    });
  }

  poll(): string {
    return this.reader.pollNext({ collect: (value) => { this.emitted.push(value); } }, 100);
  }

  fetches(): Extract<BrokerRequest, { type: 'broker.fetch' }>[] {
    return this.sent.filter((m): m is Extract<BrokerRequest, { type: 'broker.fetch' }> => m.type === 'broker.fetch');
  }

  reply_fetch(offset: number, values: number[]): void {
    const records: LogRecord[] = values.map((value) => ({ value, timestamp_ms: value }));
    this.reader.onMessage({
      type: 'broker.fetch_result', reply_tag: 'task-0', topic: 'input', partition: 0, offset, records, end_offset: 100,
    } satisfies BrokerReply);
  }
}

describe('a fetch whose reply is lost', () => {
  it('is sent again after the request timeout, and the job reads on', () => {
    const h = new Harness(false);
    h.reader.start();
    expect(h.fetches()).toEqual([expect.objectContaining({ offset: 0 })]);
    h.now_ms = 10;
    h.reply_fetch(0, [0, 1, 2]);
    expect(h.poll()).toBe('more');
    expect(h.emitted).toEqual([0, 1, 2]);
    // The buffer is drained: the second fetch (offset 3) goes out; its reply is dropped by a short partition.
    expect(h.poll()).toBe('nothing_available');
    expect(h.fetches().map((f) => f.offset)).toEqual([0, 3]);
    // Idle with a fetch in flight: the source asks to be polled again at the fetch's deadline.
    expect(h.wakes_at_ms).toContain(10 + REQUEST_TIMEOUT_MS);
    // Before the deadline nothing is re-sent.
    h.now_ms = 10 + REQUEST_TIMEOUT_MS - 1;
    h.poll();
    expect(h.fetches()).toHaveLength(2);
    // At the deadline the fetch fails like a fetch error: retried after retry_ms.
    h.now_ms = 10 + REQUEST_TIMEOUT_MS;
    expect(h.poll()).toBe('nothing_available');
    expect(h.events).toContain('source.request_timeout');
    expect(h.wakes_at_ms).toContain(10 + REQUEST_TIMEOUT_MS + RETRY_MS);
    h.now_ms = 10 + REQUEST_TIMEOUT_MS + RETRY_MS;
    h.poll();
    expect(h.fetches().map((f) => f.offset)).toEqual([0, 3, 3]);
    h.reply_fetch(3, [3, 4]);
    expect(h.poll()).toBe('more');
    expect(h.emitted).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps one request in flight: a late reply of the timed-out fetch answers it once, a stale one is ignored', () => {
    const h = new Harness(false);
    h.reader.start();
    h.now_ms = REQUEST_TIMEOUT_MS;
    h.poll();
    h.now_ms += RETRY_MS;
    h.poll();
    expect(h.fetches().map((f) => f.offset)).toEqual([0, 0]);
    // However long the replies stay lost, no second fetch is added while one is in flight.
    h.poll();
    h.poll();
    expect(h.fetches()).toHaveLength(2);
    // The first request's reply arrives late: it is the answer at offset 0.
    h.reply_fetch(0, [0, 1]);
    expect(h.poll()).toBe('more');
    expect(h.emitted).toEqual([0, 1]);
    h.poll();
    expect(h.fetches().map((f) => f.offset)).toEqual([0, 0, 2]);
    // The retry's reply at offset 0 is now stale: it neither emits again nor clears the fetch at offset 2.
    h.reply_fetch(0, [0, 1]);
    h.reply_fetch(2, [2]);
    h.poll();
    expect(h.emitted).toEqual([0, 1, 2]);
  });

  it('defaults to Kafka\'s request.timeout.ms of 30 s', () => {
    const h = new Harness(false, null);
    h.reader.start();
    h.now_ms = 5;
    h.poll();
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(h.wakes_at_ms).toEqual([30_000]);
    h.now_ms = 29_999;
    h.poll();
    expect(h.fetches()).toHaveLength(1);
  });
});

describe('an end-offsets request whose reply is lost (bounded mode)', () => {
  it('is sent again after the request timeout', () => {
    const h = new Harness(true);
    h.reader.start();
    expect(h.sent.map((m) => m.type)).toEqual(['broker.end_offsets']);
    expect(h.poll()).toBe('nothing_available');
    expect(h.wakes_at_ms).toEqual([REQUEST_TIMEOUT_MS]);
    h.now_ms = REQUEST_TIMEOUT_MS;
    h.poll();
    expect(h.sent.map((m) => m.type)).toEqual(['broker.end_offsets', 'broker.end_offsets']);
    h.reader.onMessage({ type: 'broker.end_offsets_result', reply_tag: 'task-0', topic: 'input', end_offsets: [2] } satisfies BrokerReply);
    h.reply_fetch(0, [0, 1]);
    expect(h.poll()).toBe('end_of_input');
    expect(h.emitted).toEqual([0, 1]);
  });
});
