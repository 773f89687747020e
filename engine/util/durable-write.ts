// Writing an object durably: put, then sync (fsync, or completing an upload), reporting the first failure. A put alone
// is visible but not durable: a crash of the writer may drop or tear it (engine/runtime.ts BlobStore).
import type { BlobStore, StorageResult } from '../runtime.js';

export function put_durable(store: BlobStore, key: string, bytes: Uint8Array, done: (result: StorageResult<void>) => void): void {
  store.put(key, bytes, (written) => {
    if (!written.ok) {
      done(written);
      return;
    }
    store.sync(key, done);
  });
}
