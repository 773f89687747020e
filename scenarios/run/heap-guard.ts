// The memory budget of a run: a run whose heap nears what this process (or worker) may hold stops with a
// RunBudgetExceeded that names the limit, instead of V8 ending the process with "heap out of memory". Checked while
// the world runs and while the oracle builds its output; reading the heap never changes what a run does.
import { getHeapStatistics } from 'node:v8';
import { RunBudgetExceeded } from './run-stopped.js';

/** A run may use this share of the heap limit (the rest is V8's room to collect garbage, and the caller's). */
export const HEAP_BUDGET_SHARE = 0.85;

const MB = 1024 * 1024;

/** Throws RunBudgetExceeded('memory') when the heap in use is over `share` (HEAP_BUDGET_SHARE) of the limit. */
export function check_heap(where: string, share = HEAP_BUDGET_SHARE): void {
  const { used_heap_size, heap_size_limit } = getHeapStatistics();
  if (used_heap_size <= heap_size_limit * share) return;
  throw new RunBudgetExceeded(
    `run budget exceeded: ${Math.round(used_heap_size / MB)} MB of heap in use ${where}, over ${Math.round(share * 100)}% of the ` +
      `${Math.round(heap_size_limit / MB)} MB this process may hold; make the scenario smaller (records, keys, duration), ` +
      'or give node more memory (NODE_OPTIONS=--max-old-space-size=<MB>)',
    'memory',
  );
}

/** Calls check_heap once every `every` calls (cheap enough for a loop over records). */
export function heap_check_every(every: number, where: string, share = HEAP_BUDGET_SHARE): () => void {
  let left = every;
  return () => {
    if (--left > 0) return;
    left = every;
    check_heap(where, share);
  };
}
