// A window's contents in keyed state "_window", in the namespace of its state window: pre-aggregated (reduce or
// aggregate), the element list (a process window function), or elements with timestamps (with an evictor). Merging
// windows fold the contents of absorbed state windows into the kept one, as Flink's mergeNamespaces does.
import type { AggregateFunction, ReduceFunction } from '../../../api/functions.js';
import type { TimestampedValue } from '../../../api/evictors.js';
import type { KeyedStateBackend } from '../../../state/backend.js';
import type { KeyContext } from '../../../state/keyed-state.js';

export const WINDOW_STATE = '_window';

/** What a window holds, read for the window function. */
export type WindowContentsValue =
  | { kind: 'result'; value: unknown }
  | { kind: 'elements'; values: unknown[] }
  | { kind: 'timestamped'; elements: TimestampedValue<unknown>[] };

export abstract class WindowContents {
  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly context: KeyContext,
  ) {}

  protected read(namespace: string): unknown {
    const c = this.context;
    return this.backend.get(WINDOW_STATE, c.current_key_group, c.current_key_encoded, namespace);
  }

  protected write(namespace: string, value: unknown): void {
    const c = this.context;
    this.backend.put(WINDOW_STATE, c.current_key_group, c.current_key_encoded, namespace, value);
  }

  clear(namespace: string): void {
    const c = this.context;
    this.backend.delete(WINDOW_STATE, c.current_key_group, c.current_key_encoded, namespace);
  }

  /** Flink's "contents == null": nothing to fire. */
  isEmpty(namespace: string): boolean {
    return this.read(namespace) === undefined;
  }

  abstract add(namespace: string, value: unknown, timestamp_ms: number | undefined): void;
  /** Undefined when empty. */
  abstract get(namespace: string): WindowContentsValue | undefined;
  protected abstract mergeValues(a: unknown, b: unknown): unknown;

  /** Folds each source namespace into `target` (sources in order, then into the target's own value) and deletes them. */
  mergeNamespaces(target: string, sources: readonly string[]): void {
    let merged: unknown = undefined;
    for (const source of sources) {
      const value = this.read(source);
      if (value === undefined) continue;
      this.clear(source);
      merged = merged === undefined ? value : this.mergeValues(merged, value);
    }
    if (merged === undefined) return;
    const current = this.read(target);
    this.write(target, current === undefined ? merged : this.mergeValues(current, merged));
  }
}

export class ReducingContents extends WindowContents {
  constructor(
    backend: KeyedStateBackend,
    context: KeyContext,
    private readonly reduce: ReduceFunction<unknown>,
  ) {
    super(backend, context);
  }
  add(namespace: string, value: unknown): void {
    const current = this.read(namespace);
    this.write(namespace, current === undefined ? value : this.reduce(current, value));
  }
  get(namespace: string): WindowContentsValue | undefined {
    const value = this.read(namespace);
    return value === undefined ? undefined : { kind: 'result', value };
  }
  protected mergeValues(a: unknown, b: unknown): unknown {
    return this.reduce(a, b);
  }
}

export class AggregatingContents extends WindowContents {
  constructor(
    backend: KeyedStateBackend,
    context: KeyContext,
    private readonly aggregate: AggregateFunction<unknown, unknown, unknown>,
  ) {
    super(backend, context);
  }
  add(namespace: string, value: unknown): void {
    this.write(namespace, this.aggregate.add(value, this.read(namespace) ?? this.aggregate.createAccumulator()));
  }
  get(namespace: string): WindowContentsValue | undefined {
    const accumulator = this.read(namespace);
    return accumulator === undefined ? undefined : { kind: 'result', value: this.aggregate.getResult(accumulator) };
  }
  protected mergeValues(a: unknown, b: unknown): unknown {
    if (this.aggregate.merge === undefined) throw new Error('merging windows need an AggregateFunction with merge()');
    return this.aggregate.merge(a, b);
  }
}

/** The elements themselves (ProcessWindowFunction without pre-aggregation), in arrival order. */
export class ListContents extends WindowContents {
  add(namespace: string, value: unknown): void {
    const current = (this.read(namespace) as unknown[] | undefined) ?? [];
    this.write(namespace, [...current, value]);
  }
  get(namespace: string): WindowContentsValue | undefined {
    const values = this.read(namespace) as unknown[] | undefined;
    return values === undefined ? undefined : { kind: 'elements', values: [...values] };
  }
  protected mergeValues(a: unknown, b: unknown): unknown {
    return [...(a as unknown[]), ...(b as unknown[])];
  }
}

/** Elements with their timestamps (EvictingWindowOperator): stored as [value, timestamp | null] pairs. */
export class TimestampedContents extends WindowContents {
  add(namespace: string, value: unknown, timestamp_ms: number | undefined): void {
    const current = (this.read(namespace) as [unknown, number | null][] | undefined) ?? [];
    this.write(namespace, [...current, [value, timestamp_ms ?? null]]);
  }
  get(namespace: string): WindowContentsValue | undefined {
    const pairs = this.read(namespace) as [unknown, number | null][] | undefined;
    if (pairs === undefined) return undefined;
    return { kind: 'timestamped', elements: pairs.map(([value, ts]) => ({ value, timestamp_ms: ts ?? undefined })) };
  }
  /** Writes back what the evictors left (nothing left: the window is empty). */
  replace(namespace: string, elements: readonly TimestampedValue<unknown>[]): void {
    if (elements.length === 0) this.clear(namespace);
    else this.write(namespace, elements.map((e) => [e.value, e.timestamp_ms ?? null]));
  }
  protected mergeValues(a: unknown, b: unknown): unknown {
    return [...(a as unknown[]), ...(b as unknown[])];
  }
}
