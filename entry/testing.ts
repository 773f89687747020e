// The package's testing entry (`import { checkJob } from 'streamsim/testing'`): property tests of your own job from
// vitest (or any runner). fast-check generates fault plans, each runs in the simulated world and is judged against
// the oracle; a failure shrinks to a minimal plan and leaves a failure file that `npx streamsim replay` reproduces.
export {
  check_job as checkJob,
  find_job_failure as findJobFailure,
  type FaultKind,
  type JobCheckOptions,
  type JobFailure,
} from '../properties/job-check.js';
export type { PropertyName, RunResult } from '../scenarios/result-format.js';
export type { Scenario } from '../scenarios/schema/scenario.generated.js';
