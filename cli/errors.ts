// Exit codes of the streamsim CLI and the error types that map to them. A user mistake is a UsageError (exit 2,
// message only); anything else that escapes a command is a bug (exit 3, with its stack).

export const EXIT = {
  /** Every property held, or the expected violations happened. */
  ok: 0,
  /** A property was violated (or a replay did not reproduce its trace). */
  violation: 1,
  /** Bad input: a scenario file, a flag, an argument. */
  usage: 2,
  /** An internal error: a bug. */
  internal: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake in what the user gave us; the message names the file or flag and what was expected. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A part of the project the command needs is not there yet (e.g. the runner or the explorer). */
export class MissingComponentError extends Error {
  override readonly name = 'MissingComponentError';
}
