// Window joins and coGroup as Flink builds them (JoinedStreams, CoGroupedStreams): each input is tagged by a map
// (TaggedUnion one/two, at the input's parallelism), the two are unioned, keyed by the input's own key selector and
// windowed; a ProcessWindowFunction (CoGroupWindowFunction) splits each firing window back into the two inputs' elements.
import type { Collector, KeySelector } from './functions.js';
import type { DataStream } from './environment.js';
import type { CoGroupFunction, FlatJoinFunction, JoinFunction } from './co-functions.js';
import type { Evictor } from './evictors.js';
import type { Trigger } from './triggers.js';
import type { ProcessWindowContext, ProcessWindowFunction } from './window-functions.js';
import type { Window, WindowAssigner } from './windows.js';

/** Flink's TaggedUnion: an element of input 1 (`one`) or input 2 (`two`), as stored in the window's state. */
export type TaggedUnion<T1, T2> = { one: T1 } | { two: T2 };

/** Flink's CoGroupWindowFunction: the window's tagged elements, split back per input (arrival order kept), to coGroup. */
export function coGroupWindowFunction<T1, T2, OUT, K, W extends Window>(fn: CoGroupFunction<T1, T2, OUT>): ProcessWindowFunction<TaggedUnion<T1, T2>, OUT, K, W> {
  return {
    process(_key: K, _context: ProcessWindowContext<W>, elements: readonly TaggedUnion<T1, T2>[], out: Collector<OUT>): void {
      const first: T1[] = [];
      const second: T2[] = [];
      for (const element of elements) {
        if ('one' in element) first.push(element.one);
        else second.push(element.two);
      }
      fn(first, second, out);
    },
  };
}

/** A JoinFunction given as a function or as an object with join() (as Flink's interface). */
export type JoinFunctionLike<T1, T2, OUT> = JoinFunction<T1, T2, OUT> | { join(first: T1, second: T2): OUT };
/** A FlatJoinFunction given as a function or as an object with join(first, second, out). */
export type FlatJoinFunctionLike<T1, T2, OUT> = FlatJoinFunction<T1, T2, OUT> | { join(first: T1, second: T2, out: Collector<OUT>): void };

/**
 * Flink's JoinCoGroupFunction / FlatJoinCoGroupFunction: every pair of the window's two sides, first side outer.
 * A function of three parameters (or a join method of three) is a FlatJoinFunction, as Flink's apply overloads tell.
 */
export function joinAsCoGroup<T1, T2, OUT>(fn: JoinFunctionLike<T1, T2, OUT> | FlatJoinFunctionLike<T1, T2, OUT>): CoGroupFunction<T1, T2, OUT> {
  const call = typeof fn === 'function' ? fn : typeof fn?.join === 'function' ? fn.join.bind(fn) : undefined;
  if (call === undefined) throw new Error('apply() needs a JoinFunction ((first, second) => out), a FlatJoinFunction ((first, second, out) => void) or an object with join()');
  if (call.length >= 3) {
    const flat = call as FlatJoinFunction<T1, T2, OUT>;
    return (first, second, out) => {
      for (const a of first) for (const b of second) flat(a, b, out);
    };
  }
  const join = call as JoinFunction<T1, T2, OUT>;
  return (first, second, out) => {
    for (const a of first) for (const b of second) out.collect(join(a, b));
  };
}

/** The window settings both builders share: assigner, trigger, evictor, allowed lateness. */
abstract class WithWindowBase<T1, T2, K, W extends Window> {
  private window_trigger: Trigger<TaggedUnion<T1, T2>, W> | undefined;
  private window_evictor: Evictor<TaggedUnion<T1, T2>, W> | undefined;
  private allowed_lateness_ms = 0;

  constructor(
    private readonly first: DataStream<T1>,
    private readonly second: DataStream<T2>,
    private readonly key1: KeySelector<T1, K>,
    private readonly key2: KeySelector<T2, K>,
    private readonly assigner: WindowAssigner<W>,
  ) {}

  trigger(trigger: Trigger<TaggedUnion<T1, T2>, W>): this {
    this.window_trigger = trigger;
    return this;
  }

  evictor(evictor: Evictor<TaggedUnion<T1, T2>, W>): this {
    this.window_evictor = evictor;
    return this;
  }

  allowedLateness(lateness_ms: number): this {
    if (!(Number.isFinite(lateness_ms) && lateness_ms >= 0)) throw new Error('allowed lateness must be ≥ 0');
    this.allowed_lateness_ms = lateness_ms;
    return this;
  }

  /** Tag, union, key, window (as CoGroupedStreams.WithWindow.apply does) and evaluate `fn` per key and window. */
  protected coGroupWith<OUT>(fn: CoGroupFunction<T1, T2, OUT>, name: string): DataStream<OUT> {
    const tag = <T>(stream: DataStream<T>, wrap: (value: T) => TaggedUnion<T1, T2>): DataStream<TaggedUnion<T1, T2>> => {
      const parallelism = stream.env.graph.node(stream.upstream_node_ids[0]!).parallelism;
      return stream.map(wrap).name(`${name}: tag input`).setParallelism(parallelism);
    };
    const key1 = this.key1;
    const key2 = this.key2;
    const union_key = (element: TaggedUnion<T1, T2>): K => ('one' in element ? key1(element.one) : key2(element.two));
    let windowed = tag(this.first, (one) => ({ one }))
      .union(tag(this.second, (two) => ({ two })))
      .keyBy(union_key)
      .window(this.assigner)
      .allowedLateness(this.allowed_lateness_ms);
    if (this.window_trigger !== undefined) windowed = windowed.trigger(this.window_trigger);
    if (this.window_evictor !== undefined) windowed = windowed.evictor(this.window_evictor);
    return windowed.process(coGroupWindowFunction<T1, T2, OUT, K, W>(fn)).name(name);
  }
}

/** Flink's CoGroupedStreams.WithWindow: the windowed coGroup, ready for apply. */
export class CoGroupWithWindow<T1, T2, K, W extends Window> extends WithWindowBase<T1, T2, K, W> {
  apply<OUT>(fn: CoGroupFunction<T1, T2, OUT>): DataStream<OUT> {
    if (typeof fn !== 'function') throw new Error('apply() needs a CoGroupFunction (first, second, out) => void');
    return this.coGroupWith(fn, 'CoGroup');
  }
}

/** Flink's JoinedStreams.WithWindow: the windowed inner join, ready for apply. */
export class JoinWithWindow<T1, T2, K, W extends Window> extends WithWindowBase<T1, T2, K, W> {
  apply<OUT>(fn: JoinFunctionLike<T1, T2, OUT>): DataStream<OUT>;
  apply<OUT>(fn: FlatJoinFunctionLike<T1, T2, OUT>): DataStream<OUT>;
  apply<OUT>(fn: JoinFunctionLike<T1, T2, OUT> | FlatJoinFunctionLike<T1, T2, OUT>): DataStream<OUT> {
    return this.coGroupWith(joinAsCoGroup(fn), 'Join');
  }
}

/** The where(...).equalTo(...) steps of both builders. */
class KeyedPair<T1, T2, K, R> {
  constructor(
    private readonly first: DataStream<T1>,
    private readonly second: DataStream<T2>,
    private readonly key1: KeySelector<T1, K>,
    private readonly key2: KeySelector<T2, K>,
    private readonly make: <W extends Window>(first: DataStream<T1>, second: DataStream<T2>, key1: KeySelector<T1, K>, key2: KeySelector<T2, K>, assigner: WindowAssigner<W>) => R,
  ) {}

  window<W extends Window>(assigner: WindowAssigner<W>): R {
    return this.make(this.first, this.second, this.key1, this.key2, assigner);
  }
}

function checkKeySelector(selector: unknown, step: string): void {
  if (typeof selector !== 'function') throw new Error(`${step}() needs a key selector function`);
}

/** Flink's JoinedStreams: a.join(b).where(keyA).equalTo(keyB).window(assigner).apply(joinFunction). */
export class JoinedStreams<T1, T2> {
  constructor(
    private readonly first: DataStream<T1>,
    private readonly second: DataStream<T2>,
  ) {
    if (first.env !== second.env) throw new Error('join of streams from different environments');
  }

  where<K>(key1: KeySelector<T1, K>): { equalTo(key2: KeySelector<T2, K>): { window<W extends Window>(assigner: WindowAssigner<W>): JoinWithWindow<T1, T2, K, W> } } {
    checkKeySelector(key1, 'where');
    return {
      equalTo: (key2) => {
        checkKeySelector(key2, 'equalTo');
        return new KeyedPair(this.first, this.second, key1, key2, (a, b, k1, k2, assigner) => new JoinWithWindow(a, b, k1, k2, assigner)) as {
          window<W extends Window>(assigner: WindowAssigner<W>): JoinWithWindow<T1, T2, K, W>;
        };
      },
    };
  }
}

/** Flink's CoGroupedStreams: a.coGroup(b).where(keyA).equalTo(keyB).window(assigner).apply(coGroupFunction). */
export class CoGroupedStreams<T1, T2> {
  constructor(
    private readonly first: DataStream<T1>,
    private readonly second: DataStream<T2>,
  ) {
    if (first.env !== second.env) throw new Error('coGroup of streams from different environments');
  }

  where<K>(key1: KeySelector<T1, K>): { equalTo(key2: KeySelector<T2, K>): { window<W extends Window>(assigner: WindowAssigner<W>): CoGroupWithWindow<T1, T2, K, W> } } {
    checkKeySelector(key1, 'where');
    return {
      equalTo: (key2) => {
        checkKeySelector(key2, 'equalTo');
        return new KeyedPair(this.first, this.second, key1, key2, (a, b, k1, k2, assigner) => new CoGroupWithWindow(a, b, k1, k2, assigner)) as {
          window<W extends Window>(assigner: WindowAssigner<W>): CoGroupWithWindow<T1, T2, K, W>;
        };
      },
    };
  }
}
