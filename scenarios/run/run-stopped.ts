// Why a run stops before it is judged: RunStopped (thrown through simulate(), never an engine failure) and
// RunBudgetExceeded (the scenario is too big for the limits it was given: bad input, not a finding).

/**
 * Thrown from a SimulateHooks.every_events check to stop a run (e.g. a budget ran out). simulate() lets it through:
 * it is never an engine failure.
 */
export class RunStopped extends Error {
  override readonly name: string = 'RunStopped';
}

/** A run went beyond its RunBudget: the scenario is too big for the limits it was given (bad input, not a finding). */
export class RunBudgetExceeded extends RunStopped {
  override readonly name = 'RunBudgetExceeded';
  constructor(
    message: string,
    readonly limit: 'events' | 'wall_time' | 'memory',
  ) {
    super(message);
  }
}
