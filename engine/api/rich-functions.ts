// Rich user functions (Flink's RichFunction: open/close and a runtime context), the non-keyed ProcessFunction, and
// operator state for user functions: CheckpointedFunction (snapshotState/initializeState over even-split or union
// list state) and the older ListCheckpointed.
import type { ListState } from '../state/keyed-state.js';
import type { Collector, RuntimeContext, TimerService } from './functions.js';
import type { OutputTag } from './side-output.js';
import type { ListStateDescriptor } from './state-descriptors.js';

/**
 * Flink's RichFunction. A function object is cloned per parallel instance with Object.create(fn): fields assigned in
 * open() or initializeState() belong to that instance; objects created in a constructor are shared by every instance
 * on one process, so create mutable fields in open() (as Flink users create transient fields there).
 */
export interface RichFunction {
  /** Called once per parallel instance before the first record (after initializeState). */
  open?(ctx: RuntimeContext): void;
  /** Called when the task is disposed: after the job ended, or when the attempt is cancelled. */
  close?(): void;
  /** The engine hands the runtime context over before initializeState/open (AbstractRichFunction keeps it). */
  setRuntimeContext?(ctx: RuntimeContext): void;
}

/** A base class keeping the runtime context, so methods can call getRuntimeContext() as in Flink. */
export abstract class AbstractRichFunction implements RichFunction {
  private runtime_context: RuntimeContext | undefined;

  setRuntimeContext(ctx: RuntimeContext): void {
    this.runtime_context = ctx;
  }

  getRuntimeContext(): RuntimeContext {
    if (this.runtime_context === undefined) throw new Error('The runtime context has not been initialized.');
    return this.runtime_context;
  }
}

export interface RichMapFunction<IN, OUT> extends RichFunction {
  map(value: IN): OUT;
}

export interface RichFilterFunction<T> extends RichFunction {
  filter(value: T): boolean;
}

export interface RichFlatMapFunction<IN, OUT> extends RichFunction {
  flatMap(value: IN, out: Collector<OUT>): void;
}

export interface ProcessContext {
  /** The element's timestamp; undefined when it has none. */
  timestamp(): number | undefined;
  /** Current processing time and watermark only: timers need a keyed stream (as in Flink). */
  timerService(): TimerService;
  /** Emits to the side output `tag` (read with getSideOutput(tag)). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Flink's (non-keyed) ProcessFunction. */
export interface ProcessFunction<IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void;
}

// ---- operator state for user functions -----------------------------------------------------------------------

/** Flink's OperatorStateStore: list state redistributed on restore by even split, or by union. */
export interface OperatorStateStore {
  /** Even-split redistribution: on rescale the entries of all subtasks are dealt out in contiguous chunks. */
  getListState<T>(descriptor: ListStateDescriptor<T> | string): ListState<T>;
  /** Union redistribution: on restore every subtask receives every subtask's entries. */
  getUnionListState<T>(descriptor: ListStateDescriptor<T> | string): ListState<T>;
}

export interface FunctionInitializationContext {
  /** True when the task restored from a checkpoint or savepoint. */
  isRestored(): boolean;
  getOperatorStateStore(): OperatorStateStore;
  /** Keyed state of a keyed operator (state is scoped to the current key when used); undefined otherwise. */
  getKeyedStateStore(): RuntimeContext | undefined;
}

export interface FunctionSnapshotContext {
  getCheckpointId(): number;
  /** The subtask's clock when it took the snapshot. */
  getCheckpointTimestamp(): number;
}

/** Flink's CheckpointedFunction: the function keeps operator state and writes it into list state at each snapshot. */
export interface CheckpointedFunction {
  initializeState(ctx: FunctionInitializationContext): void;
  snapshotState(ctx: FunctionSnapshotContext): void;
}

/** Flink's ListCheckpointed (deprecated there, kept for old jobs): even-split list state "_default_". */
export interface ListCheckpointed<T> {
  snapshotState(checkpoint_id: number, timestamp_ms: number): T[];
  restoreState(state: T[]): void;
}

export function isCheckpointedFunction(fn: unknown): fn is CheckpointedFunction {
  return typeof fn === 'object' && fn !== null && typeof (fn as CheckpointedFunction).initializeState === 'function';
}

export function isListCheckpointed(fn: unknown): fn is ListCheckpointed<unknown> {
  return typeof fn === 'object' && fn !== null && typeof (fn as ListCheckpointed<unknown>).restoreState === 'function';
}
