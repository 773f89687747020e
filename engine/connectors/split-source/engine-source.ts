// Hosting the split-model log source in the engine: SplitLogSource implements the engine's Source API (readers in
// source tasks, splits with offsets in operator list state "splits"), and LogSplitCoordinator is what the
// JobManager runs for it (the enumerator, Flink's OperatorCoordinator), talking to readers through reply tags.
import type { PollStatus, Source, SourceOutput, SourceReader, SourceReaderContext } from '../../api/functions.js';
import type { MasterState } from '../../checkpoint/metadata.js';
import type { NodeId, Runtime } from '../../runtime.js';
import type { OperatorListState } from '../../state/operator-state.js';
import { LogSplitEnumerator, type EnumeratorState } from './enumerator.js';
import { LogSplitReader } from './reader.js';
import { is_source_event, type BoundedMode, type LogSplitState, type SourceEvent } from './split.js';

/** A source event on the wire: which source it belongs to and the reader's reply tag (the TaskManager routes by it). */
export type SourceEventMessage = SourceEvent & { source_uid: string; reply_tag: string };

export interface SplitLogSourceConfig {
  /** The operator uid of the source (coordinator messages and master state are keyed by it). */
  source_uid: string;
  broker: NodeId;
  topic: string;
  bounded: boolean;
  fetch_records?: number;
  max_buffered_records?: number;
  /** Refetch / re-register / poll-again delay. */
  retry_ms?: number;
}

/** Operator list state name of the readers (even-split: splits are dealt out again on rescale). */
export const SPLITS_STATE = 'splits';

class SplitSourceReaderAdapter implements SourceReader<unknown> {
  private readonly reader: LogSplitReader;
  private readonly state: OperatorListState<LogSplitState>;
  private readonly retry_ms: number;
  private heard_from_coordinator = false;
  private last_registration_ms = Number.NEGATIVE_INFINITY;
  private active: string[] = [];

  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly config: SplitLogSourceConfig,
  ) {
    this.retry_ms = config.retry_ms ?? 50;
    this.state = ctx.getOperatorListState<LogSplitState>(SPLITS_STATE, 'split');
    const probe = (ctx as Partial<{ probe(name: string): void }>).probe;
    this.reader = new LogSplitReader(
      {
        now_ms: () => ctx.now_ms(),
        log: (event, fields) => ctx.log(event, fields),
        // SourceReaderContext has no probe yet: use it when the task provides one.
        probe: (name) => probe?.call(ctx, name),
        fail_invariant: (message, detail) => {
          throw new Error(`split source reader: ${message} ${JSON.stringify(detail ?? {})}`);
        },
      },
      { send: (to, message) => ctx.send(to, message) },
      {
        subtask_index: ctx.subtask_index,
        broker_node: config.broker,
        instance_id: ctx.reply_tag,
        reply_tag: ctx.reply_tag,
        retry_after_ms: this.retry_ms,
        ...(config.fetch_records === undefined ? {} : { fetch_max_records: config.fetch_records }),
        ...(config.max_buffered_records === undefined ? {} : { max_buffered_records: config.max_buffered_records }),
        send_to_enumerator: (event) => this.send_to_coordinator(event),
      },
    );
  }

  private send_to_coordinator(event: SourceEvent): void {
    this.last_registration_ms = this.ctx.now_ms();
    const message: SourceEventMessage = { ...event, source_uid: this.config.source_uid, reply_tag: this.ctx.reply_tag };
    // The coordinator runs on the leading JobManager: after an HA failover that is the new leader.
    this.ctx.send(this.ctx.job_manager(), message);
  }

  start(): void {
    this.reader.initialize_state([...this.state.get()]);
    this.sync();
    this.ctx.wakeAfter(this.retry_ms);
  }

  pollNext(output: SourceOutput<unknown>, budget: number): PollStatus {
    this.reader.tick();
    // A registration can be lost with a broken link: repeat it until the coordinator answers.
    if (!this.heard_from_coordinator && this.ctx.now_ms() - this.last_registration_ms >= this.retry_ms) {
      this.send_to_coordinator({ type: 'split.reader_registered', subtask_index: this.ctx.subtask_index });
    }
    const records = this.reader.poll(budget);
    for (const record of records) output.collect(record.value, record.timestamp_ms, record.split_id);
    this.sync();
    if (this.reader.is_finished()) return 'end_of_input';
    if (records.length > 0) return 'more';
    this.ctx.wakeAfter(this.retry_ms);
    return 'nothing_available';
  }

  activeSplits(): readonly string[] {
    return this.active;
  }

  onMessage(message: unknown): void {
    if (is_source_event(message)) {
      // Registration is repeated until the coordinator has said all it will: any answer (unbounded) or
      // no-more-splits (bounded), so a lost assignment or a lost end signal is sent again.
      if (!this.config.bounded || message.type === 'split.no_more_splits') this.heard_from_coordinator = true;
      this.reader.handle_source_event(message);
      this.sync();
    } else {
      this.reader.on_message(message);
    }
    this.ctx.wake();
  }

  /** Keeps the operator list state equal to the splits and offsets emitted so far (what a checkpoint takes). */
  private sync(): void {
    const states = this.reader.snapshot_state(0);
    this.state.update(states);
    this.active = states.map((s) => s.split.split_id);
  }
}

/** Whether a source is a split log source, by its kind (a job built against another copy of the package has other classes). */
export function is_split_log_source(source: Source<unknown>): source is SplitLogSource {
  return source.kind === 'split-log' && typeof (source as Partial<SplitLogSource>).config?.topic === 'string';
}

/** The engine Source (kind "split-log"); its enumerator is a LogSplitCoordinator on the JobManager. */
export class SplitLogSource implements Source<unknown> {
  readonly kind = 'split-log';
  readonly bounded: boolean;
  constructor(readonly config: SplitLogSourceConfig) {
    this.bounded = config.bounded;
  }
  createReader(ctx: SourceReaderContext): SourceReader<unknown> {
    return new SplitSourceReaderAdapter(ctx, this.config);
  }
}

export interface LogSplitCoordinatorOptions {
  source_uid: string;
  topic: string;
  mode: BoundedMode;
  parallelism: number;
  broker_node: NodeId;
  /** Unique per coordinator instance (e.g. `jm#<incarnation>/attempt-<n>`). */
  instance_id: string;
  retry_after_ms?: number;
  discovery_interval_ms?: number;
}

/** Master state name under which a coordinator checkpoints its enumerator. */
export function enumerator_master_state_name(source_uid: string): string {
  return `split-enumerator/${source_uid}`;
}

/**
 * What the JobManager runs per split source and job attempt: feed it every message (it takes reader registrations
 * for its source uid and its broker replies), call snapshot_master_state from the checkpoint coordinator's
 * snapshot_master_states hook, notify completions, report subtask failures, and tick periodically.
 */
export class LogSplitCoordinator {
  private readonly enumerator: LogSplitEnumerator;
  /** subtask → where its reader is (node and reply tag), from its latest registration. */
  private readonly readers = new Map<number, { node: NodeId; reply_tag: string }>();

  constructor(
    private readonly runtime: Pick<Runtime, 'now_ms' | 'log' | 'probe' | 'fail_invariant' | 'send'>,
    private readonly options: LogSplitCoordinatorOptions,
  ) {
    this.enumerator = new LogSplitEnumerator(runtime, { send: (to, message) => runtime.send(to, message) }, {
      topic: options.topic,
      mode: options.mode,
      parallelism: options.parallelism,
      broker_node: options.broker_node,
      instance_id: options.instance_id,
      ...(options.retry_after_ms === undefined ? {} : { retry_after_ms: options.retry_after_ms }),
      ...(options.discovery_interval_ms === undefined ? {} : { discovery_interval_ms: options.discovery_interval_ms }),
      send_to_reader: (subtask_index, event) => this.send_to_reader(subtask_index, event),
    });
  }

  /** Starts from the restored master states (the whole list; it picks its own by name). */
  start(restored_master_states: readonly MasterState[] | null, restored_checkpoint_id = 0): void {
    const mine = restored_master_states?.find((m) => m.name === enumerator_master_state_name(this.options.source_uid));
    this.enumerator.start((mine?.state as EnumeratorState | undefined) ?? null, restored_checkpoint_id);
  }

  /** True when the message was for this coordinator. */
  on_message(from: NodeId, message: unknown): boolean {
    if (is_source_event(message)) {
      const envelope = message as SourceEventMessage;
      if (envelope.source_uid !== this.options.source_uid) return false;
      if (envelope.type === 'split.reader_registered') this.readers.set(envelope.subtask_index, { node: from, reply_tag: envelope.reply_tag });
      this.enumerator.handle_source_event(envelope);
      return true;
    }
    const tag = (message as { reply_tag?: unknown } | null)?.reply_tag;
    if (typeof tag !== 'string' || !tag.startsWith(`${this.options.instance_id}:`)) return false;
    return this.enumerator.on_message(message);
  }

  snapshot_master_state(checkpoint_id: number): MasterState {
    return { name: enumerator_master_state_name(this.options.source_uid), state: this.enumerator.snapshot_state(checkpoint_id) };
  }

  notify_checkpoint_complete(checkpoint_id: number): void {
    this.enumerator.notify_checkpoint_complete(checkpoint_id);
  }

  /** A source subtask failed and restores from `restored_checkpoint_id` (regional failover): addSplitsBack. */
  on_subtask_failure(subtask_index: number, restored_checkpoint_id: number): void {
    this.readers.delete(subtask_index);
    this.enumerator.handle_reader_failure(subtask_index, restored_checkpoint_id);
  }

  tick(): void {
    this.enumerator.tick();
  }

  private send_to_reader(subtask_index: number, event: SourceEvent): void {
    const reader = this.readers.get(subtask_index);
    if (reader === undefined) this.runtime.fail_invariant('split coordinator: event for an unregistered reader', { subtask_index });
    const message: SourceEventMessage = { ...event, source_uid: this.options.source_uid, reply_tag: reader.reply_tag };
    this.runtime.send(reader.node, message);
  }
}
