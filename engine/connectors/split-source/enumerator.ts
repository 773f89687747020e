// The split enumerator of the log source (runs on the JobManager, Flink's SplitEnumerator): discovers one split per
// partition, assigns each to its owner reader, checkpoints unassigned and known splits as master state, and takes back
// splits assigned after the last checkpoint when a reader fails (addSplitsBack).
import type { NodeId, Runtime } from '../../runtime.js';
import { split_id_for, type BoundedMode, type BrokerSourceReply, type BrokerTransport, type LogSplit, type SourceEvent } from './split.js';

/** Master state: which splits exist (so a restore does not create them twice) and which are not yet assigned. */
export interface EnumeratorState {
  known_split_ids: string[];
  unassigned: LogSplit[];
}

export interface SplitEnumeratorOptions {
  topic: string;
  mode: BoundedMode;
  /** Reader parallelism: split of partition p is owned by reader p % parallelism. */
  parallelism: number;
  broker_node: NodeId;
  /** Unique per enumerator instance (include the incarnation): tags broker replies. */
  instance_id: string;
  /** Resend a discovery request without a reply after this long. */
  retry_after_ms: number;
  /** Unbounded mode: discover new partitions this often (0: only at start). */
  discovery_interval_ms: number;
  send_to_reader: (subtask_index: number, event: SourceEvent) => void;
}

export type EnumeratorRuntime = Pick<Runtime, 'now_ms' | 'log' | 'probe' | 'fail_invariant'>;

interface Assignment {
  /** The first checkpoint whose reader state includes the assignment. */
  first_checkpoint_id: number;
  subtask_index: number;
  splits: LogSplit[];
}

export class LogSplitEnumerator {
  private readonly options: SplitEnumeratorOptions;
  private readonly known = new Set<string>();
  /** Unassigned splits in discovery order. */
  private unassigned: LogSplit[] = [];
  private readonly registered = new Set<number>();
  private readonly no_more_sent = new Set<number>();
  private readonly assigned = new Map<number, LogSplit[]>();
  private uncheckpointed: Assignment[] = [];
  private last_snapshot_id = 0;
  private discovery_done = false;
  private discovery_seq = 0;
  private discovery_in_flight: { reply_tag: string; sent_ms: number } | null = null;
  private last_discovery_ms = Number.NEGATIVE_INFINITY;
  private started = false;

  constructor(
    private readonly runtime: EnumeratorRuntime,
    private readonly transport: BrokerTransport,
    options: Partial<SplitEnumeratorOptions> & Pick<SplitEnumeratorOptions, 'topic' | 'mode' | 'parallelism' | 'broker_node' | 'instance_id' | 'send_to_reader'>,
  ) {
    this.options = { retry_after_ms: 200, discovery_interval_ms: 0, ...options };
    if (!(this.options.parallelism >= 1)) throw new Error('split enumerator: parallelism must be ≥ 1');
  }

  /** Starts from restored master state (or fresh) and asks the broker for the topic's partitions. */
  start(restored: EnumeratorState | null, restored_checkpoint_id = 0): void {
    if (this.started) this.runtime.fail_invariant('split enumerator: started twice');
    this.started = true;
    this.last_snapshot_id = restored_checkpoint_id;
    if (restored !== null) {
      for (const id of restored.known_split_ids) this.known.add(id);
      this.unassigned = restored.unassigned.map((s) => ({ ...s }));
      for (const split of this.unassigned) {
        if (!this.known.has(split.split_id)) this.runtime.fail_invariant('split enumerator: unassigned split not known', { split_id: split.split_id });
      }
    }
    this.discover();
  }

  owner_of(split: LogSplit): number {
    return split.partition % this.options.parallelism;
  }

  handle_source_event(event: SourceEvent): void {
    if (event.type !== 'split.reader_registered') return;
    if (!(event.subtask_index >= 0 && event.subtask_index < this.options.parallelism)) {
      this.runtime.fail_invariant('split enumerator: reader outside parallelism', { subtask_index: event.subtask_index });
    }
    if (this.registered.has(event.subtask_index)) {
      // A repeated registration: the reader may have missed its assignment (a lost message). Send it again;
      // readers ignore splits they already hold.
      const held = this.assigned.get(event.subtask_index) ?? [];
      if (held.length > 0) {
        this.options.send_to_reader(event.subtask_index, { type: 'split.assign', subtask_index: event.subtask_index, splits: held.map((s) => ({ ...s })) });
      }
    }
    this.registered.add(event.subtask_index);
    this.no_more_sent.delete(event.subtask_index);
    this.assign_pending();
  }

  /** A reader failed and restarts from `restored_checkpoint_id`: splits it got after that checkpoint come back. */
  handle_reader_failure(subtask_index: number, restored_checkpoint_id: number): void {
    this.registered.delete(subtask_index);
    // Its checkpointed splits come back with its restored state; only later assignments are tracked again.
    this.assigned.delete(subtask_index);
    this.no_more_sent.delete(subtask_index);
    const back: LogSplit[] = [];
    const keep: Assignment[] = [];
    for (const a of this.uncheckpointed) {
      if (a.subtask_index === subtask_index && a.first_checkpoint_id > restored_checkpoint_id) back.push(...a.splits);
      else keep.push(a);
    }
    this.uncheckpointed = keep;
    this.add_splits_back(back, subtask_index);
  }

  /** Flink's addSplitsBack: the splits return to the unassigned pool, assigned again when their owner registers. */
  add_splits_back(splits: LogSplit[], subtask_index: number): void {
    if (splits.length === 0) return;
    const ids = new Set(splits.map((s) => s.split_id));
    const held = this.assigned.get(subtask_index) ?? [];
    this.assigned.set(subtask_index, held.filter((s) => !ids.has(s.split_id)));
    for (const split of splits) {
      if (!this.known.has(split.split_id)) this.runtime.fail_invariant('split enumerator: unknown split added back', { split_id: split.split_id });
      if (this.unassigned.some((s) => s.split_id === split.split_id)) continue;
      this.unassigned.push({ ...split });
    }
    this.runtime.probe('source.splits_added_back');
    this.runtime.log('source.splits_added_back', { subtask: subtask_index, splits: splits.map((s) => s.split_id) });
    this.assign_pending();
  }

  snapshot_state(checkpoint_id: number): EnumeratorState {
    if (checkpoint_id <= this.last_snapshot_id) {
      this.runtime.fail_invariant('split enumerator: checkpoint ids must increase', { checkpoint_id, last: this.last_snapshot_id });
    }
    this.last_snapshot_id = checkpoint_id;
    return { known_split_ids: [...this.known], unassigned: this.unassigned.map((s) => ({ ...s })) };
  }

  notify_checkpoint_complete(checkpoint_id: number): void {
    this.uncheckpointed = this.uncheckpointed.filter((a) => a.first_checkpoint_id > checkpoint_id);
  }

  on_message(message: unknown): boolean {
    const reply = message as BrokerSourceReply;
    if (reply.type !== 'broker.end_offsets_result' && reply.type !== 'broker.end_offsets_error') return false;
    if (this.discovery_in_flight === null || reply.reply_tag !== this.discovery_in_flight.reply_tag) return true;
    this.discovery_in_flight = null;
    if (reply.type === 'broker.end_offsets_error') {
      this.runtime.log('source.discovery_failed', { topic: this.options.topic, error: reply.error });
      this.last_discovery_ms = Number.NEGATIVE_INFINITY; // retried by the next tick
      return true;
    }
    const fresh: LogSplit[] = [];
    reply.end_offsets.forEach((end_offset, partition) => {
      const split_id = split_id_for(this.options.topic, partition);
      if (this.known.has(split_id)) return;
      this.known.add(split_id);
      fresh.push({ split_id, topic: this.options.topic, partition, start_offset: 0, stop_offset: this.options.mode === 'bounded' ? end_offset : null });
    });
    this.unassigned.push(...fresh);
    this.discovery_done = true;
    if (fresh.length > 0) this.runtime.log('source.splits_discovered', { topic: this.options.topic, splits: fresh.map((s) => s.split_id) });
    this.assign_pending();
    return true;
  }

  tick(): void {
    const now_ms = this.runtime.now_ms();
    if (this.discovery_in_flight !== null) {
      if (now_ms - this.discovery_in_flight.sent_ms >= this.options.retry_after_ms) this.discover();
      return;
    }
    const periodic = this.options.mode === 'unbounded' && this.options.discovery_interval_ms > 0;
    const due = !this.discovery_done ? now_ms - this.last_discovery_ms >= this.options.retry_after_ms : periodic && now_ms - this.last_discovery_ms >= this.options.discovery_interval_ms;
    if (due) this.discover();
  }

  /** Introspection: splits currently believed assigned to each reader. */
  assignments(): Map<number, LogSplit[]> {
    return new Map([...this.assigned].map(([k, v]) => [k, [...v]]));
  }

  unassigned_splits(): readonly LogSplit[] {
    return this.unassigned;
  }

  private discover(): void {
    const reply_tag = `${this.options.instance_id}:discover:${this.discovery_seq++}`;
    const now_ms = this.runtime.now_ms();
    this.discovery_in_flight = { reply_tag, sent_ms: now_ms };
    this.last_discovery_ms = now_ms;
    this.transport.send(this.options.broker_node, { type: 'broker.end_offsets', topic: this.options.topic, reply_tag });
  }

  private assign_pending(): void {
    const by_owner = new Map<number, LogSplit[]>();
    const still: LogSplit[] = [];
    for (const split of this.unassigned) {
      const owner = this.owner_of(split);
      if (!this.registered.has(owner)) {
        still.push(split);
        continue;
      }
      const list = by_owner.get(owner) ?? [];
      list.push(split);
      by_owner.set(owner, list);
    }
    this.unassigned = still;
    for (const subtask_index of [...by_owner.keys()].sort((a, b) => a - b)) {
      const splits = by_owner.get(subtask_index) as LogSplit[];
      this.assigned.set(subtask_index, [...(this.assigned.get(subtask_index) ?? []), ...splits]);
      this.uncheckpointed.push({ first_checkpoint_id: this.last_snapshot_id + 1, subtask_index, splits });
      this.options.send_to_reader(subtask_index, { type: 'split.assign', subtask_index, splits: splits.map((s) => ({ ...s })) });
    }
    if (this.options.mode === 'bounded' && this.discovery_done) {
      for (const subtask_index of [...this.registered].sort((a, b) => a - b)) {
        if (this.no_more_sent.has(subtask_index)) continue;
        if (this.unassigned.some((s) => this.owner_of(s) === subtask_index)) continue;
        this.no_more_sent.add(subtask_index);
        this.options.send_to_reader(subtask_index, { type: 'split.no_more_splits', subtask_index });
      }
    }
  }
}
