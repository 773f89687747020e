// Planted bug (test-only, injected through the job's io seam): an idempotent sink that sends one upsert per request,
// as it did before it batched. On a link whose latency spikes hold every message behind them, one round trip per key
// cannot keep up with the job, and the checkpoints that wait for the sink's flush grow until one expires.
import type { Sink } from '../../engine/api/functions.js';
import { IdempotentSink } from '../../engine/connectors/idempotent-sink.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import { io_seams } from './io-seam.js';

export const unbatched_upserts_seams: EngineSeams = io_seams((io) => ({
  sink: <T>() => new IdempotentSink({ ...(io.sink<T>() as unknown as IdempotentSink).config, max_batch_keys: 1 }) as unknown as Sink<T>,
}));
