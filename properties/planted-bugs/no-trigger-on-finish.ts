// Planted bug (test-only, through the TaskManager's config): a task whose inputs all end before a pending checkpoint's
// barrier reached it is not triggered when it finishes. The checkpoint then waits for its acknowledgement until it
// expires, and in pure unaligned mode the downstream channel waiting for its barrier stays blocked that long.
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export const no_trigger_on_finish_seams: EngineSeams = {
  task_manager: { test_only_no_trigger_on_finish: true },
};
