// Side outputs: Flink's OutputTag names a typed side stream of an operator. Process functions emit to it with
// ctx.output(tag, value); windows send late elements to it (sideOutputLateData); getSideOutput(tag) reads it.

/** Brand of an OutputTag: a global symbol, so a tag made by another copy of the package is recognised too. */
const OUTPUT_TAG_BRAND: unique symbol = Symbol.for('streamsim.output-tag') as never;

/** Two tags with the same id name the same side output (as Flink compares OutputTags by id). */
export class OutputTag<T> {
  declare readonly _element_type?: T;
  readonly [OUTPUT_TAG_BRAND] = 1;

  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) throw new Error('an OutputTag needs a non-empty id');
  }

  toString(): string {
    return `OutputTag(${this.id})`;
  }
}

/** Whether a value is an OutputTag (by its brand, not its class: a job may be built against another copy of the package). */
export function isOutputTag(value: unknown): value is OutputTag<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[OUTPUT_TAG_BRAND] === 1 && typeof (value as { id?: unknown }).id === 'string';
}
