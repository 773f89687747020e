// Functions evaluated when a window fires (Flink's ProcessWindowFunction and ProcessAllWindowFunction): the key, the
// window, its elements (or the pre-aggregated result), per-window and per-key state, the current time and side
// outputs through the context.
import type { Collector, RuntimeContext } from './functions.js';
import type { RichFunction } from './rich-functions.js';
import type { OutputTag } from './side-output.js';
import type { Window } from './windows.js';

/** Keyed state by descriptor or name (Flink's KeyedStateStore): the state getters of a RuntimeContext. */
export type KeyedStateAccess = Pick<RuntimeContext, 'getState' | 'getListState' | 'getMapState' | 'getReducingState' | 'getAggregatingState'>;

export interface ProcessWindowContext<W extends Window = Window> {
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State of this key in this window, cleared by clear(); not available with merging (session) windows. */
  windowState(): KeyedStateAccess;
  /** State of this key across all its windows. */
  globalState(): KeyedStateAccess;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Flink's ProcessWindowFunction. `elements` are the window's elements; with reduce/aggregate pre-aggregation, one
 * element: the result. Cloned per parallel instance like every rich function.
 */
export interface ProcessWindowFunction<IN, OUT, KEY, W extends Window = Window> extends RichFunction {
  process(key: KEY, context: ProcessWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  /** The window is purged for good (its cleanup time passed): delete per-window state here. */
  clear?(context: ProcessWindowContext<W>): void;
}

/** Flink's ProcessAllWindowFunction (windowAll): as ProcessWindowFunction, without a key. */
export interface ProcessAllWindowFunction<IN, OUT, W extends Window = Window> extends RichFunction {
  process(context: ProcessWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  clear?(context: ProcessWindowContext<W>): void;
}

export function isProcessWindowFunction(fn: unknown): fn is ProcessWindowFunction<unknown, unknown, unknown> {
  return typeof fn === 'object' && fn !== null && typeof (fn as ProcessWindowFunction<unknown, unknown, unknown>).process === 'function';
}
