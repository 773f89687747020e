// Event-time lateness in a run: the oracle reads every element before any watermark, so in it no element is ever late
// and every window fires once. When a run's elements reached windows behind the watermark (dropped as late, sent to
// the late-data side output, or firing a window again) and its result differs from the oracle's, the difference is
// what the watermark's progress decided: the judge reports the comparison as not judged, with why and what to do.
import type { PropertyName } from '../scenarios/result-format.js';

/** The engine's probes that mark an element behind its window's watermark. */
export const LATENESS_PROBES = ['window.late_element_dropped', 'window.late_data_to_side_output', 'window.element_behind_watermark'] as const;

/** The properties a comparison with the oracle decides (and that lateness can therefore explain). */
const EXPLAINABLE: ReadonlySet<PropertyName> = new Set<PropertyName>(['exactly_once_output', 'at_least_once_output', 'at_most_once_output', 'exactly_once_state']);

/** How many elements of the run reached a window behind its watermark. */
export function late_elements(probes: Readonly<Record<string, number>>): number {
  let late = 0;
  for (const name of LATENESS_PROBES) late += probes[name] ?? 0;
  return late;
}

/**
 * The message for a failed comparison that `late` late elements explain, or undefined when the property is not a
 * comparison with the oracle, nothing was late, or the job judges its own output (its check then decides).
 */
export function lateness_explains(property: PropertyName, late: number, own_output_check: boolean, finding: string): string | undefined {
  if (!EXPLAINABLE.has(property) || late === 0 || own_output_check) return undefined;
  return (
    `not judged: ${late} element(s) reached an event-time window behind its watermark (dropped as late, sent to the late-data ` +
    'side output, or firing the window again), so the result depends on how the watermark advanced, and the oracle has every ' +
    `element on time. The comparison found: ${finding}. To judge such a job, give it its own output check (\`output.check\` of defineJob, docs/your-own-job.md)`
  );
}
