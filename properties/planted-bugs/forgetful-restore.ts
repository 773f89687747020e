// Planted bug (test-only, injected through the TaskManager's create_keyed_backend seam): a heap state backend whose
// restore acknowledges the checkpoint but keeps none of its state, while the sources still rewind to the checkpoint's
// offsets. Every update before the checkpoint is lost, so exactly-once state must fail after a recovery.
import type { KeyedStateHandle, KeyGroupRange } from '../../engine/state/backend.js';
import { HeapKeyedStateBackend } from '../../engine/state/heap-backend.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export class ForgetfulRestoreBackend extends HeapKeyedStateBackend {
  override restore(_handles: KeyedStateHandle[], files: ReadonlyMap<string, Uint8Array>): void {
    super.restore([], files);
  }
}

export const forgetful_restore_seams: EngineSeams = {
  task_manager: {
    create_keyed_backend: (_uid: string, range: KeyGroupRange, max_parallelism: number) =>
      new ForgetfulRestoreBackend({ key_group_range: range, max_parallelism }),
  },
};
