// Engine gaps the CI search leaves out until they are fixed: each is a known deviation (documented in
// properties/README.md, with the engine issue that owns it) that the search would otherwise report on clean code.
// A gap is a predicate over generated cases; removing a gap puts its cases back into the search.
import type { Dimension, EngineCase } from './engine-case.js';
import { DIMENSIONS } from './engine-case.js';

export interface KnownEngineGap {
  id: string;
  /** What goes wrong, and where it is tracked. */
  description: string;
  applies(value: EngineCase): boolean;
}

export const KNOWN_ENGINE_GAPS: readonly KnownEngineGap[] = [
  {
    id: 'ha-standby-partitioned-from-leader',
    description:
      'with high availability, a partition between the leading and the standby JobManager (one way is enough) can leave ' +
      'the job RESTARTING after a JobManager failover past the liveness bound, with no other fault (CI seed 9 run 854 once ' +
      'the unaligned gaps were closed: Nexmark q8, a 150 ms one-way partition jm-standby → jm at the first deployment; ' +
      'the same class as the open HA item of the rotated search, seed 1 run 141)',
    applies: (value) =>
      value.dimensions.job_manager_loss &&
      (value.scenario.faults ?? []).some((fault) => {
        if (fault.kind !== 'partition') return false;
        const sides = fault.groups.map((group) => group.join(','));
        return sides.includes('jm') && sides.includes('jm-standby');
      }),
  },
];

/** The dimensions the CI search switches (all of them: gaps are cut by KNOWN_ENGINE_GAPS, not by dimension). */
export const CI_SEARCH_DIMENSIONS: readonly Dimension[] = DIMENSIONS;

export function search_case_filter(value: EngineCase): boolean {
  return !KNOWN_ENGINE_GAPS.some((gap) => gap.applies(value));
}
