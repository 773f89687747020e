// Planted bug (test-only, injected through the job's io seam): a log source whose checkpointed offsets run a few records
// ahead of what it emitted before the barrier, as if the offsets were snapshotted after emitting more records. A
// restore then skips those records: the checkpoint's state no longer matches its offsets.
import type { PollStatus, Source, SourceOutput, SourceReader, SourceReaderContext } from '../../engine/api/functions.js';
import { LogSource, type PartitionOffset } from '../../engine/connectors/log-source.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import { io_seams } from './io-seam.js';

/** How far ahead of the emitted records the snapshotted offsets are. */
export const OFFSETS_AHEAD = 3;

export class OffsetsAheadLogSource extends LogSource {
  override createReader(ctx: SourceReaderContext): ReturnType<LogSource['createReader']> {
    const inner = super.createReader(ctx);
    const offsets = ctx.getOperatorListState<PartitionOffset>('offsets', 'union');
    const reader: SourceReader<unknown> = {
      start: () => inner.start(),
      pollNext: (output: SourceOutput<unknown>, budget: number): PollStatus => {
        const status = inner.pollNext(output, budget);
        offsets.update(inner.currentOffsets().map((o) => ({ ...o, offset: o.offset + OFFSETS_AHEAD })));
        return status;
      },
      activeSplits: () => inner.activeSplits(),
      onMessage: (message: unknown) => inner.onMessage(message),
    };
    return Object.assign(Object.create(inner) as typeof inner, reader);
  }
}

export const offsets_after_barrier_seams: EngineSeams = io_seams((io) => ({
  source: <T>(topic?: string) => new OffsetsAheadLogSource((io.source<T>(topic) as unknown as LogSource).config) as unknown as Source<T>,
}));
