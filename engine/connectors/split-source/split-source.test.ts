// Specification of the split-model log source: the enumerator's discovery, owner assignment, master state and
// addSplitsBack; the reader's checkpointed offsets, bounded/unbounded reading, and exactly-once replay from a snapshot.
import { describe, expect, it } from 'vitest';
import { LogSplitEnumerator, type EnumeratorState } from './enumerator.js';
import { LogSplitReader, type SourceRecord } from './reader.js';
import type { BrokerEndOffsetsRequest, BrokerFetchRequest, LogSplit, LogSplitState, SourceEvent } from './split.js';

class Clock {
  now = 0;
  readonly logs: string[] = [];
  readonly probes: string[] = [];
  runtime = {
    now_ms: () => this.now,
    log: (event: string) => void this.logs.push(event),
    probe: (name: string) => void this.probes.push(name),
    fail_invariant: (message: string): never => {
      throw new Error(message);
    },
  };
}

/** A fake broker: partitions of numbers; answers requests when told to. */
class FakeBroker {
  readonly requests: (BrokerFetchRequest | BrokerEndOffsetsRequest)[] = [];
  constructor(readonly partitions: number[][]) {}
  transport = { send: (_to: string, m: BrokerFetchRequest | BrokerEndOffsetsRequest) => void this.requests.push(m) };
  /** Answers every queued request (FIFO) and hands replies to `deliver`. */
  answer(deliver: (reply: unknown) => void, drop = (_r: BrokerFetchRequest | BrokerEndOffsetsRequest) => false): void {
    while (this.requests.length > 0) {
      const request = this.requests.shift() as BrokerFetchRequest | BrokerEndOffsetsRequest;
      if (drop(request)) continue;
      if (request.type === 'broker.end_offsets') {
        deliver({ type: 'broker.end_offsets_result', reply_tag: request.reply_tag, topic: request.topic, end_offsets: this.partitions.map((p) => p.length) });
      } else {
        const log = this.partitions[request.partition] ?? [];
        deliver({
          type: 'broker.fetch_result',
          reply_tag: request.reply_tag,
          topic: request.topic,
          partition: request.partition,
          offset: request.offset,
          records: log.slice(request.offset, request.offset + request.max_records).map((value) => ({ value, timestamp_ms: value })),
          end_offset: log.length,
        });
      }
    }
  }
}

function enumerator(clock: Clock, broker: FakeBroker, parallelism: number, mode: 'bounded' | 'unbounded' = 'bounded') {
  const events: SourceEvent[] = [];
  const e = new LogSplitEnumerator(clock.runtime, broker.transport, {
    topic: 't',
    mode,
    parallelism,
    broker_node: 'broker',
    instance_id: 'jm#0',
    send_to_reader: (_subtask, event) => events.push(event),
  });
  return { e, events };
}

const ids = (splits: readonly LogSplit[]) => splits.map((s) => s.split_id);

describe('split enumerator', () => {
  it('discovers one split per partition and assigns each to reader partition % parallelism when it registers', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[1], [2], [3], [4], [5]]);
    const { e, events } = enumerator(clock, broker, 2);
    e.start(null);
    e.handle_source_event({ type: 'split.reader_registered', subtask_index: 1 });
    broker.answer((r) => e.on_message(r));
    expect(events).toEqual([
      { type: 'split.assign', subtask_index: 1, splits: [
        { split_id: 't-1', topic: 't', partition: 1, start_offset: 0, stop_offset: 1 },
        { split_id: 't-3', topic: 't', partition: 3, start_offset: 0, stop_offset: 1 },
      ] },
      { type: 'split.no_more_splits', subtask_index: 1 },
    ]);
    expect(ids(e.unassigned_splits())).toEqual(['t-0', 't-2', 't-4']);
    e.handle_source_event({ type: 'split.reader_registered', subtask_index: 0 });
    expect(ids(e.assignments().get(0) ?? [])).toEqual(['t-0', 't-2', 't-4']);
    expect(e.unassigned_splits()).toEqual([]);
  });

  it('checkpoints known and unassigned splits so a restore neither loses nor recreates splits', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[1], [2], [3]]);
    const first = enumerator(clock, broker, 3);
    first.e.start(null);
    broker.answer((r) => first.e.on_message(r));
    first.e.handle_source_event({ type: 'split.reader_registered', subtask_index: 0 });
    const state: EnumeratorState = first.e.snapshot_state(1);
    expect(state).toEqual({ known_split_ids: ['t-0', 't-1', 't-2'], unassigned: [
      { split_id: 't-1', topic: 't', partition: 1, start_offset: 0, stop_offset: 1 },
      { split_id: 't-2', topic: 't', partition: 2, start_offset: 0, stop_offset: 1 },
    ] });
    // restore at parallelism 2: t-0 lives in reader state; t-1 → reader 1, t-2 → reader 0
    const second = enumerator(clock, broker, 2);
    second.e.start(JSON.parse(JSON.stringify(state)) as EnumeratorState, 1);
    broker.answer((r) => second.e.on_message(r));
    second.e.handle_source_event({ type: 'split.reader_registered', subtask_index: 0 });
    second.e.handle_source_event({ type: 'split.reader_registered', subtask_index: 1 });
    expect(ids(second.e.assignments().get(0) ?? [])).toEqual(['t-2']);
    expect(ids(second.e.assignments().get(1) ?? [])).toEqual(['t-1']);
  });

  it('takes back only the splits assigned after the checkpoint a failed reader restores from (addSplitsBack)', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[1], [2], [3], [4]]);
    const { e, events } = enumerator(clock, broker, 2);
    e.start(null);
    broker.answer((r) => e.on_message(r));
    e.handle_source_event({ type: 'split.reader_registered', subtask_index: 0 }); // gets t-0, t-2 before checkpoint 1
    e.snapshot_state(1);
    e.notify_checkpoint_complete(1);
    e.add_splits_back([], 0);
    // reader 1 registers after checkpoint 1: its splits are not in any completed checkpoint yet
    e.handle_source_event({ type: 'split.reader_registered', subtask_index: 1 });
    e.handle_reader_failure(1, 1);
    e.handle_reader_failure(0, 1);
    expect(ids(e.unassigned_splits())).toEqual(['t-1', 't-3']);
    expect(clock.probes).toContain('source.splits_added_back');
    events.length = 0;
    e.handle_source_event({ type: 'split.reader_registered', subtask_index: 1 });
    expect(events[0]).toMatchObject({ type: 'split.assign', subtask_index: 1 });
    expect(ids((events[0] as { splits: LogSplit[] }).splits)).toEqual(['t-1', 't-3']);
  });

  it('retries discovery when the broker does not answer, and in unbounded mode never signals the end', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[1, 2]]);
    const { e, events } = enumerator(clock, broker, 1, 'unbounded');
    e.start(null);
    e.handle_source_event({ type: 'split.reader_registered', subtask_index: 0 });
    broker.requests.length = 0; // lost
    clock.now = 500;
    e.tick();
    broker.answer((r) => e.on_message(r));
    expect(events).toEqual([{ type: 'split.assign', subtask_index: 0, splits: [{ split_id: 't-0', topic: 't', partition: 0, start_offset: 0, stop_offset: null }] }]);
  });
});

function reader(clock: Clock, broker: FakeBroker, subtask_index = 0, max_buffered_records = 4) {
  const to_enumerator: SourceEvent[] = [];
  const r = new LogSplitReader(clock.runtime, broker.transport, {
    subtask_index,
    broker_node: 'broker',
    instance_id: `tm#${subtask_index}`,
    fetch_max_records: 3,
    max_buffered_records,
    send_to_enumerator: (event) => to_enumerator.push(event),
  });
  return { r, to_enumerator };
}

const split = (partition: number, stop: number | null): LogSplit => ({ split_id: `t-${partition}`, topic: 't', partition, start_offset: 0, stop_offset: stop });

function drain(r: LogSplitReader, broker: FakeBroker, limit = 100): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (let i = 0; i < limit && !r.is_finished(); i++) {
    broker.answer((m) => r.on_message(m));
    out.push(...r.poll(2));
  }
  return out;
}

describe('split reader', () => {
  it('registers, reads assigned bounded splits round-robin to their stop offsets, then finishes', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[10, 11, 12, 13], [20, 21]]);
    const { r, to_enumerator } = reader(clock, broker);
    r.initialize_state(null);
    expect(to_enumerator).toEqual([{ type: 'split.reader_registered', subtask_index: 0 }]);
    r.handle_source_event({ type: 'split.assign', subtask_index: 0, splits: [split(0, 3), split(1, 2)] });
    r.handle_source_event({ type: 'split.no_more_splits', subtask_index: 0 });
    const out = drain(r, broker);
    expect(out.map((x) => x.value)).toEqual([10, 20, 11, 21, 12]);
    expect(r.is_finished()).toBe(true);
    expect(r.snapshot_state(1)).toEqual([]);
  });

  it('never buffers more than max_buffered_records', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    const { r } = reader(clock, broker, 0, 4);
    r.initialize_state(null);
    r.handle_source_event({ type: 'split.assign', subtask_index: 0, splits: [split(0, null)] });
    for (let i = 0; i < 5; i++) broker.answer((m) => r.on_message(m));
    expect(r.poll(100).map((x) => x.value)).toEqual([1, 2, 3, 4]);
  });

  it('snapshots the offset of the next record to emit; a reader restored from it emits exactly the rest', () => {
    const clock = new Clock();
    const log = [[0, 1, 2, 3, 4, 5, 6], [100, 101, 102]];
    const broker = new FakeBroker(log);
    const { r } = reader(clock, broker, 0, 10);
    r.initialize_state(null);
    r.handle_source_event({ type: 'split.assign', subtask_index: 0, splits: [split(0, 7), split(1, 3)] });
    broker.answer((m) => r.on_message(m));
    const before = r.poll(3); // buffered records beyond these are not in the snapshot
    const state: LogSplitState[] = JSON.parse(JSON.stringify(r.snapshot_state(1))) as LogSplitState[];
    const after_crash_lost = r.poll(4);
    expect(after_crash_lost.length).toBe(4);
    const restored = reader(clock, broker, 0, 10);
    restored.r.initialize_state(state);
    restored.r.handle_source_event({ type: 'split.no_more_splits', subtask_index: 0 });
    expect(clock.probes).toContain('source.reader_restored_splits');
    const rest = drain(restored.r, broker);
    expect([...before, ...rest].map((x) => x.value).sort((a, b) => Number(a) - Number(b))).toEqual([0, 1, 2, 3, 4, 5, 6, 100, 101, 102]);
    expect([...before, ...rest].map((x) => `${x.split_id}@${x.offset}`)).toHaveLength(10);
  });

  it('ignores stale fetch replies and refetches after a lost reply', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[1, 2, 3]]);
    const { r } = reader(clock, broker);
    r.initialize_state(null);
    r.handle_source_event({ type: 'split.assign', subtask_index: 0, splits: [split(0, 3)] });
    const lost = broker.requests.splice(0);
    clock.now = 1_000;
    r.tick();
    broker.answer((m) => r.on_message(m));
    broker.requests.push(...lost);
    broker.answer((m) => r.on_message(m)); // the late reply to the first fetch changes nothing
    expect(r.poll(10).map((x) => x.value)).toEqual([1, 2, 3]);
  });

  it('keeps polling an unbounded split as the partition grows', () => {
    const clock = new Clock();
    const broker = new FakeBroker([[1]]);
    const { r } = reader(clock, broker);
    r.initialize_state(null);
    r.handle_source_event({ type: 'split.assign', subtask_index: 0, splits: [split(0, null)] });
    broker.answer((m) => r.on_message(m));
    expect(r.poll(10).map((x) => x.value)).toEqual([1]);
    broker.answer((m) => r.on_message(m)); // empty reply: wait retry_after_ms before asking again
    broker.partitions[0]!.push(2, 3);
    clock.now = 1_000;
    r.tick();
    broker.answer((m) => r.on_message(m));
    expect(r.poll(10).map((x) => x.value)).toEqual([2, 3]);
    expect(r.is_finished()).toBe(false);
  });
});
