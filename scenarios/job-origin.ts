// Where a failure file records a job from a user's module: the scenario's directory relative to the failure file, the
// module, the export and a hash of its source. Kept apart from job-module.ts (which imports tsx) so writing a failure
// file stays cheap to load.
import { dirname, relative, sep } from 'node:path';
import type { JobUnderTest } from './job-under-test.js';

/** Where a failure file records a module job: enough for `streamsim replay <file>` to load it again. */
export interface FailureJobOrigin {
  /** The scenario's directory, relative to the failure file's (the scenario's job.module is relative to it). */
  scenario_dir: string;
  module: string;
  export: string;
  /** sha256 of the job's source (the module and the local modules it imports) when the run failed. */
  source_sha256: string;
}

/** A module job's origin as a failure file at `failure_path` records it; undefined for a built-in job. */
export function failure_job_origin(job: JobUnderTest | undefined, scenario_dir: string, failure_path: string): FailureJobOrigin | undefined {
  if (job?.source === undefined) return undefined;
  const from_failure = relative(dirname(failure_path), scenario_dir).split(sep).join('/');
  return { scenario_dir: from_failure === '' ? '.' : from_failure, module: job.source.written, export: job.source.export, source_sha256: job.source.source_sha256 };
}
