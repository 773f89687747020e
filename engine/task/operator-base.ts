// The operator contract inside a task's chain (Output, OperatorEnvironment, StreamOperator) and the bases every
// operator family builds on: BaseOperator, the fan-out-bounded TimestampedCollector, and KeyedOperator (current key
// → key group, keyed state store and timers).
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, type Collector, type KeySelector, type RuntimeContext } from '../api/functions.js';
import type { GraphNode } from '../graph/job-graph.js';
import type { OperatorListState, OperatorStateMode } from '../state/operator-state.js';
import { createRuntimeContext, type SubtaskInfo } from './runtime-context.js';
import { dropExpiredTtlValues, resetTtlAccessTimes } from '../state/ttl.js';
import type { UserFunction } from './operators/user-function.js';
import type { TaskSeams } from './task.js';
import type { WatermarkStatus } from './watermark-valve.js';
import type { KeyedStateBackend, KeyGroupRange } from '../state/backend.js';
import { decodeKey, encodeKey } from '../state/key-codec.js';
import { assignToKeyGroup, keyHashCode } from '../state/key-groups.js';
import { InternalTimerService, KeyContext, KeyedStateStore, type InternalTimer, type TimeDomain } from '../state/keyed-state.js';
import { MAX_RECORDS_PER_INPUT_RECORD } from './network.js';

export interface Output {
  collect(value: unknown, timestamp_ms: number): void;
  /** A record for the side output `tag_id`; dropped when nothing reads that side output (as in Flink). */
  collectSide(tag_id: string, value: unknown, timestamp_ms: number): void;
  emitWatermark(watermark_ms: number): void;
  /** The stream became idle (an idle source: no watermarks hold consumers back) or active again. */
  emitWatermarkStatus(status: WatermarkStatus): void;
}

/** What the task gives its operators. */
export interface OperatorEnvironment {
  readonly subtask_index: number;
  readonly parallelism: number;
  readonly max_parallelism: number;
  readonly key_group_range: KeyGroupRange;
  /** Processing time: the process clock in whole milliseconds (Flink's System.currentTimeMillis()). */
  now_ms(): number;
  createKeyedBackend(operator_uid: string, range: KeyGroupRange, max_parallelism: number): KeyedStateBackend;
  /** Asks for onProcessingTime to be called at (or after) `time_ms` of this process's clock. */
  requestProcessingTimeWakeup(time_ms: number): void;
  /** Operator list state of operator `uid` (snapshotted with the task; redistributed on restore by `mode`). */
  getOperatorListState<T>(uid: string, name: string, mode: OperatorStateMode): OperatorListState<T>;
  /** The task restored from a checkpoint or savepoint (CheckpointedFunction's isRestored()). */
  readonly restored: boolean;
  /** Name of the task (its chain), for RuntimeContext.getTaskName(). */
  readonly task_name: string;
  /** Coverage probes (named points the property runs count). */
  probe?(name: string): void;
  /** Test-only seams (planted bugs). */
  readonly seams?: TaskSeams;
  fail(message: string, detail?: Record<string, unknown>): never;
}

export interface StreamOperator {
  readonly node: GraphNode;
  output: Output;
  open(): void;
  processElement(value: unknown, timestamp_ms: number): void;
  processWatermark(watermark_ms: number): void;
  processWatermarkStatus(status: WatermarkStatus): void;
  onProcessingTime(now_ms: number): void;
  /** End of input: every element and the final watermark have been processed. */
  finish(): void;
  /** False while the operator cannot take input (a throttled sink). */
  isAvailable(): boolean;
  /** End of a task step. */
  flush(): void;
  /** The keyed state backend, for keyed operators (checkpoint hook: snapshot/restore through it). */
  readonly keyed_backend?: KeyedStateBackend;
  /** The watermark the operator has processed (timers up to it have fired); recorded in checkpoints of keyed operators. */
  readonly current_watermark_ms?: number;
  /** After the keyed backend was restored: rebuild in-memory indexes (timers). */
  onRestored?(): void;
  /** Synchronous part of a checkpoint, before list states are collected (user CheckpointedFunctions write theirs). */
  snapshotState?(checkpoint_id: number, timestamp_ms: number): void;
  /** The task is disposed (job ended or attempt cancelled): user functions' close(). */
  close?(): void;
}

export abstract class BaseOperator implements StreamOperator {
  output!: Output;
  current_watermark_ms = MIN_WATERMARK;

  constructor(
    readonly node: GraphNode,
    protected readonly env: OperatorEnvironment,
  ) {}

  /** The user function of a UDF operator: opened, snapshotted and closed with the operator. */
  protected udf: UserFunction | undefined = undefined;

  open(): void {
    this.udf?.open();
  }
  snapshotState(checkpoint_id: number, timestamp_ms: number): void {
    this.udf?.snapshotState(checkpoint_id, timestamp_ms);
  }
  close(): void {
    this.udf?.close();
  }
  abstract processElement(value: unknown, timestamp_ms: number): void;
  processWatermark(watermark_ms: number): void {
    this.current_watermark_ms = watermark_ms;
    this.output.emitWatermark(watermark_ms);
  }
  /** Flink's AbstractStreamOperator forwards watermark statuses as they come. */
  processWatermarkStatus(status: WatermarkStatus): void {
    this.output.emitWatermarkStatus(status);
  }
  onProcessingTime(_now_ms: number): void {}
  finish(): void {}
  subtaskInfo(): SubtaskInfo {
    const env = this.env;
    return { subtask_index: env.subtask_index, parallelism: env.parallelism, max_parallelism: this.node.max_parallelism, task_name: env.task_name };
  }
  isAvailable(): boolean {
    return true;
  }
  flush(): void {}
}

/** A collector that stamps a fixed timestamp and bounds per-input fan-out (buffer bounds depend on it). */
export class TimestampedCollector implements Collector<unknown> {
  timestamp_ms = NO_TIMESTAMP;
  emitted = 0;
  constructor(
    private readonly operator: BaseOperator,
    private readonly env: OperatorEnvironment,
  ) {}
  reset(timestamp_ms: number): void {
    this.timestamp_ms = timestamp_ms;
    this.emitted = 0;
  }
  collect(value: unknown): void {
    this.count();
    this.operator.output.collect(value, this.timestamp_ms);
  }
  /** A side-output record, stamped and bounded like a main-output one. */
  collectSide(tag_id: string, value: unknown): void {
    this.count();
    this.operator.output.collectSide(tag_id, value, this.timestamp_ms);
  }
  private count(): void {
    if (++this.emitted > MAX_RECORDS_PER_INPUT_RECORD) {
      this.env.fail('one input record produced too many output records', {
        operator: this.operator.node.uid,
        limit: MAX_RECORDS_PER_INPUT_RECORD,
      });
    }
  }
}

/** Keyed operators: current key → key group (asserted inside this subtask's range), state store and timers. */
export abstract class KeyedOperator extends BaseOperator {
  readonly keyed_backend: KeyedStateBackend;
  protected readonly key_context = new KeyContext();
  protected readonly store: KeyedStateStore;
  protected readonly timers: InternalTimerService;
  private requested_processing_wakeup_ms = MAX_WATERMARK;
  /** This subtask's key groups and the operator's max parallelism, read once per record. */
  private readonly key_group_start: number;
  private readonly key_group_end: number;
  private readonly max_parallelism: number;

  constructor(
    node: GraphNode,
    env: OperatorEnvironment,
    private readonly key_selector: KeySelector<unknown, unknown>,
  ) {
    super(node, env);
    this.key_group_start = env.key_group_range.start;
    this.key_group_end = env.key_group_range.end;
    this.max_parallelism = node.max_parallelism;
    this.keyed_backend = env.createKeyedBackend(node.uid, env.key_group_range, node.max_parallelism);
    this.store = new KeyedStateStore(this.keyed_backend, this.key_context);
    this.store.ttl = { now_ms: () => env.now_ms(), probe: (name) => env.probe?.(name) };
    this.timers = new InternalTimerService(this.keyed_backend);
  }

  protected setKeyFromRecord(value: unknown): void {
    this.setCurrentKey(this.key_selector(value));
  }

  /** Sets the key of the next state access and timer (checked against this subtask's key groups). */
  protected setCurrentKey(key: unknown): void {
    const encoded = encodeKey(key);
    const key_group = assignToKeyGroup(keyHashCode(key, encoded), this.max_parallelism);
    if (key_group < this.key_group_start || key_group > this.key_group_end) {
      this.env.fail('record routed to a subtask that does not own its key group', {
        operator: this.node.uid,
        key_group,
        range: this.env.key_group_range,
        subtask: this.env.subtask_index,
      });
    }
    this.key_context.set(key, encoded, key_group);
    this.key_context.current_namespace = '';
  }

  protected setKeyFromTimer(timer: InternalTimer): void {
    this.key_context.set(decodeKey(timer.key_encoded), timer.key_encoded, timer.key_group);
    this.key_context.current_namespace = '';
  }

  protected registerTimer(domain: TimeDomain, timestamp_ms: number, namespace: string): void {
    const c = this.key_context;
    c.assertKeySet();
    this.timers.register(domain, timestamp_ms, c.current_key_encoded, c.current_key_group, namespace);
    if (domain === 'processing') this.scheduleProcessingWakeup();
  }

  protected deleteTimer(domain: TimeDomain, timestamp_ms: number, namespace: string): void {
    const c = this.key_context;
    c.assertKeySet();
    this.timers.delete(domain, timestamp_ms, c.current_key_encoded, c.current_key_group, namespace);
  }

  private scheduleProcessingWakeup(): void {
    const next = this.timers.peekTimestamp('processing');
    if (next !== undefined && next < this.requested_processing_wakeup_ms) {
      this.requested_processing_wakeup_ms = next;
      this.env.requestProcessingTimeWakeup(next);
    }
  }

  protected abstract onTimer(domain: TimeDomain, timer: InternalTimer): void;

  /** Timers live in the backend; after a restore the heaps are rebuilt and processing-time wake-ups re-requested. */
  /** TTL states with full-snapshot cleanup leave their expired values out of full (heap) snapshots. */
  override snapshotState(checkpoint_id: number, timestamp_ms: number): void {
    super.snapshotState(checkpoint_id, timestamp_ms);
    const cleanup = this.store.ttl_full_snapshot_cleanup;
    if (cleanup.size > 0 && this.keyed_backend.backend_kind === 'heap') {
      const dropped = dropExpiredTtlValues(this.keyed_backend, this.env.key_group_range, cleanup, this.env.now_ms());
      if (dropped > 0) this.env.probe?.('state.ttl_full_snapshot_cleanup');
    }
  }

  onRestored(): void {
    if (this.store.ttl !== undefined) this.store.ttl.restored_at_ms = this.env.now_ms();
    if (this.env.seams?.ttl_access_reset_at_restore === true) resetTtlAccessTimes(this.keyed_backend, this.env.now_ms());
    const groups: number[] = [];
    for (let kg = this.env.key_group_range.start; kg <= this.env.key_group_range.end; kg++) groups.push(kg);
    this.timers.rebuildFromBackend(groups);
    this.requested_processing_wakeup_ms = MAX_WATERMARK;
    this.scheduleProcessingWakeup();
  }

  override processWatermark(watermark_ms: number): void {
    this.current_watermark_ms = watermark_ms;
    for (let timer = this.timers.pollDue('event', watermark_ms); timer !== undefined; timer = this.timers.pollDue('event', watermark_ms)) {
      this.setKeyFromTimer(timer);
      this.onTimer('event', timer);
    }
    this.output.emitWatermark(watermark_ms);
  }

  override onProcessingTime(now_ms: number): void {
    if (now_ms >= this.requested_processing_wakeup_ms) this.requested_processing_wakeup_ms = MAX_WATERMARK;
    for (let timer = this.timers.pollDue('processing', now_ms); timer !== undefined; timer = this.timers.pollDue('processing', now_ms)) {
      this.setKeyFromTimer(timer);
      this.onTimer('processing', timer);
    }
    this.scheduleProcessingWakeup();
  }

  runtimeContext(): RuntimeContext {
    return createRuntimeContext(this.subtaskInfo(), this.store);
  }
}
