// Side outputs: Flink's OutputTag names a typed side stream of an operator. Process functions emit to it with
// ctx.output(tag, value); windows send late elements to it (sideOutputLateData); getSideOutput(tag) reads it.

/** Two tags with the same id name the same side output (as Flink compares OutputTags by id). */
export class OutputTag<T> {
  declare readonly _element_type?: T;

  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) throw new Error('an OutputTag needs a non-empty id');
  }

  toString(): string {
    return `OutputTag(${this.id})`;
  }
}
