// Flink's WindowedStream (keyed windows) and AllWindowedStream (windowAll): assigner, trigger, evictor, allowed
// lateness and late data to a side output, then reduce/aggregate (optionally with a window function) or process.
import type { KeySelector } from './functions.js';
import type { AggregateFunction, ReduceFunction, WindowFunction } from './functions.js';
import type { NodeOperator } from '../graph/job-graph.js';
import { DataStream, type KeyedStream } from './environment.js';
import { CountEvictor, type Evictor } from './evictors.js';
import { isOutputTag, type OutputTag } from './side-output.js';
import { CountTrigger, PurgingTrigger, type Trigger } from './triggers.js';
import { isProcessWindowFunction, type ProcessAllWindowFunction, type ProcessWindowFunction } from './window-functions.js';
import { isMergingWindowAssigner, type GlobalWindow, type Window, type WindowAssigner } from './windows.js';

type WindowOperatorSpec = Extract<NodeOperator, { kind: 'window' }>;

function checkWindowFunction(fn: unknown): void {
  if (fn === undefined || typeof fn === 'function' || isProcessWindowFunction(fn)) return;
  throw new Error('a window function is a function (key, window, result) => output or a ProcessWindowFunction (an object with process())');
}

export class WindowedStream<T, K, W extends Window = Window> {
  private allowed_lateness_ms = 0;
  private window_trigger: Trigger<unknown, Window> | undefined;
  private window_evictor: Evictor<unknown, Window> | undefined;
  private late_data_tag: string | undefined;

  constructor(
    private readonly keyed: KeyedStream<T, K>,
    private readonly assigner: WindowAssigner<W>,
    /** windowAll: one parallel instance (parallelism and max parallelism 1), functions without a key. */
    private readonly all_windows = false,
  ) {}

  /** Replaces the assigner's default trigger; a merging assigner (sessions) needs a trigger that can merge. */
  trigger(trigger: Trigger<T, W>): this {
    if (typeof trigger?.onElement !== 'function' || typeof trigger.clear !== 'function') throw new Error('trigger() needs a Trigger (onElement, onEventTime, onProcessingTime, clear)');
    if (isMergingWindowAssigner(this.assigner) && trigger.canMerge?.() !== true) {
      throw new Error('A merging window assigner cannot be used with a trigger that does not support merging.');
    }
    this.window_trigger = trigger as unknown as Trigger<unknown, Window>;
    return this;
  }

  evictor(evictor: Evictor<T, W>): this {
    if (typeof evictor?.evictBefore !== 'function' || typeof evictor.evictAfter !== 'function') throw new Error('evictor() needs an Evictor (evictBefore, evictAfter)');
    this.window_evictor = evictor as unknown as Evictor<unknown, Window>;
    return this;
  }

  /** Elements up to `lateness_ms` behind a window's end still update it (and fire it again); default 0. */
  allowedLateness(lateness_ms: number): this {
    if (!(Number.isFinite(lateness_ms) && lateness_ms >= 0)) throw new Error('allowed lateness must be ≥ 0');
    this.allowed_lateness_ms = lateness_ms;
    return this;
  }

  /** Elements too late for every window they belong to go to this side output instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    if (!isOutputTag(tag)) throw new Error('sideOutputLateData needs an OutputTag');
    this.late_data_tag = tag.id;
    return this;
  }

  private add<R>(name: string, extra: Partial<WindowOperatorSpec>): DataStream<R> {
    const env = this.keyed.env;
    const operator: WindowOperatorSpec = {
      kind: 'window',
      key_selector: this.keyed.key_selector as KeySelector<unknown, unknown>,
      assigner: this.assigner,
      allowed_lateness_ms: this.allowed_lateness_ms,
      ...(this.window_trigger !== undefined ? { trigger: this.window_trigger } : {}),
      ...(this.window_evictor !== undefined ? { evictor: this.window_evictor } : {}),
      ...(this.late_data_tag !== undefined ? { late_data_tag: this.late_data_tag } : {}),
      ...(this.all_windows ? { all_windows: true } : {}),
      ...extra,
    };
    checkWindowFunction(operator.window_function);
    if (isMergingWindowAssigner(this.assigner) && operator.aggregate !== undefined && operator.aggregate.merge === undefined && this.window_evictor === undefined) {
      throw new Error('session (merging) windows with aggregate() need an AggregateFunction with merge()');
    }
    const edges = this.keyed.graphEdges(this.keyed.key_selector as KeySelector<unknown, unknown>);
    const node = env.graph.addNode(this.all_windows ? `${name.replace('Window', 'AllWindow')}` : name, operator, edges, this.all_windows ? 1 : env.parallelism);
    if (this.all_windows) {
      // Flink's forceNonParallel: parallelism and max parallelism 1.
      node.max_parallelism = 1;
      node.max_parallelism_configured = true;
    }
    return new DataStream<R>(env, [node.id]);
  }

  /** Incremental reduce per window; the result goes through `window_function` when one is given. */
  reduce<R = T>(reduce: ReduceFunction<T>, window_function?: WindowFunction<K, T, R> | ProcessWindowFunction<T, R, K, W>): DataStream<R> {
    if (typeof reduce !== 'function') throw new Error('reduce() needs a reduce function');
    return this.add('Window(reduce)', {
      reduce: reduce as ReduceFunction<unknown>,
      ...(window_function !== undefined ? { window_function: window_function as WindowOperatorSpec['window_function'] } : {}),
    });
  }

  /** Incremental aggregation per window; the result goes through `window_function` when one is given. */
  aggregate<ACC, V, R = V>(aggregate: AggregateFunction<T, ACC, V>, window_function?: WindowFunction<K, V, R> | ProcessWindowFunction<V, R, K, W>): DataStream<R> {
    if (typeof aggregate?.add !== 'function' || typeof aggregate.createAccumulator !== 'function' || typeof aggregate.getResult !== 'function') {
      throw new Error('aggregate() needs an AggregateFunction (createAccumulator, add, getResult)');
    }
    return this.add('Window(aggregate)', {
      aggregate: aggregate as AggregateFunction<unknown, unknown, unknown>,
      ...(window_function !== undefined ? { window_function: window_function as WindowOperatorSpec['window_function'] } : {}),
    });
  }

  /** The window's elements, all at once, to a ProcessWindowFunction. */
  process<R>(fn: ProcessWindowFunction<T, R, K, W>): DataStream<R> {
    if (!isProcessWindowFunction(fn)) throw new Error('process() needs a ProcessWindowFunction (an object with process())');
    return this.add('Window(process)', { window_function: fn as unknown as WindowOperatorSpec['window_function'] });
  }
}

/** Flink's AllWindowedStream: a WindowedStream over the whole stream with functions that take no key. */
export class AllWindowedStream<T, W extends Window = Window> {
  constructor(readonly windowed: WindowedStream<T, number, W>) {}

  trigger(trigger: Trigger<T, W>): this {
    this.windowed.trigger(trigger);
    return this;
  }

  evictor(evictor: Evictor<T, W>): this {
    this.windowed.evictor(evictor);
    return this;
  }

  allowedLateness(lateness_ms: number): this {
    this.windowed.allowedLateness(lateness_ms);
    return this;
  }

  sideOutputLateData(tag: OutputTag<T>): this {
    this.windowed.sideOutputLateData(tag);
    return this;
  }

  reduce<R = T>(reduce: ReduceFunction<T>, window_function?: ((window: W, result: T) => R) | ProcessAllWindowFunction<T, R, W>): DataStream<R> {
    return this.windowed.reduce(reduce, window_function as never);
  }

  aggregate<ACC, V, R = V>(aggregate: AggregateFunction<T, ACC, V>, window_function?: ((window: W, result: V) => R) | ProcessAllWindowFunction<V, R, W>): DataStream<R> {
    return this.windowed.aggregate(aggregate, window_function as never);
  }

  process<R>(fn: ProcessAllWindowFunction<T, R, W>): DataStream<R> {
    return this.windowed.process(fn as never);
  }
}

/** Flink's countWindow: global windows, a purging count trigger (tumbling) or a count evictor with a count trigger. */
export function countWindowOf<T, K>(windowed: WindowedStream<T, K, GlobalWindow>, size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
  if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of(size)));
  return windowed.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide));
}
