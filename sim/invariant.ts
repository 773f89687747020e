// InvariantViolation: the one error that stops a run loudly (a broken invariant of the world or of a hosted
// process), plus a tiny assert helper in TigerBeetle style.

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  /** Set once the world has written the 'violation' trace record for this error. */
  traced = false;
  constructor(
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Stops the run with an InvariantViolation when `condition` is false. */
export function assert(condition: boolean, message: string, detail?: Record<string, unknown>): asserts condition {
  if (!condition) throw new InvariantViolation(message, detail);
}
