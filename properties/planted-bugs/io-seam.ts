// The seam planted connector bugs use: the job under test, unchanged, but built with connectors a planted bug wraps
// (a buggy sink or source made from the one the run would give). Works for any job that uses its io connectors.
import { defineJob, type AnyJobDefinition, type JobIo } from '../../engine/api/job.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export function job_with_io(definition: AnyJobDefinition, wrap: (io: JobIo) => Partial<Pick<JobIo, 'source' | 'sink'>>): AnyJobDefinition {
  return defineJob({
    description: definition.description,
    params: definition.params,
    build: (env, params, io) => definition.build(env, params, { ...io, ...wrap(io) }),
    input: definition.input,
    output: definition.output,
    ...(definition.rekey === undefined ? {} : { rekey: definition.rekey }),
  });
}

/** Seams that run every job with the wrapped connectors. */
export function io_seams(wrap: (io: JobIo) => Partial<Pick<JobIo, 'source' | 'sink'>>): EngineSeams {
  return { job: (definition) => job_with_io(definition, wrap) };
}
