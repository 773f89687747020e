// Deterministic report run ids: `<scenario>-<first seed>-<short hash of the runs>`, never derived from the clock,
// so the same runs always land in the same report directory.
import { createHash } from 'node:crypto';
import type { RunResult } from '../scenarios/result-format.js';

/** Run ids become directory names: letters, digits, dot, dash and underscore only, not starting with a dot. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function is_valid_run_id(run_id: string): boolean {
  return RUN_ID_PATTERN.test(run_id);
}

function slug(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned.slice(0, 48) || 'run';
}

/** Short hex digest over what identifies the runs (scenario, seed, trace hash), in order. */
export function results_digest(results: readonly RunResult[]): string {
  const hash = createHash('sha256');
  for (const result of results) hash.update(`${result.scenario.name}\u0000${result.seed}\u0000${result.trace_hash}\n`);
  return hash.digest('hex').slice(0, 8);
}

export function derive_run_id(results: readonly RunResult[]): string {
  const first = results[0];
  if (!first) return `empty-${results_digest(results)}`;
  const scenario_names = new Set(results.map((result) => result.scenario.name));
  const scenario_part = scenario_names.size === 1 ? slug(first.scenario.name) : 'swarm';
  return `${scenario_part}-${first.seed < 0 ? `m${-first.seed}` : first.seed}-${results_digest(results)}`;
}
