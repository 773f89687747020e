// Boots a swarm worker thread: registers tsx in this thread, then loads the TypeScript worker entry.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
