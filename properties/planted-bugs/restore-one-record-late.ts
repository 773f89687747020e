// Planted bug (test-only, injected through the job's io seam): a log source that, when it restores offsets from a
// checkpoint, starts each partition one record past the restored offset. The first record after every restored
// offset is never read again: state and output lose one record per partition at each restore.
import type { Source, SourceReaderContext } from '../../engine/api/functions.js';
import { LogSource, type PartitionOffset } from '../../engine/connectors/log-source.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import { io_seams } from './io-seam.js';

export class RestoreOneLateLogSource extends LogSource {
  override createReader(ctx: SourceReaderContext): ReturnType<LogSource['createReader']> {
    const inner = super.createReader(ctx);
    const offsets = ctx.getOperatorListState<PartitionOffset>('offsets', 'union');
    const start = inner.start.bind(inner);
    inner.start = (): void => {
      const restored = offsets.get();
      if (restored.length > 0) offsets.update(restored.map((o) => ({ ...o, offset: o.offset + 1 })));
      start();
    };
    return inner;
  }
}

/** Every log source the job asks for restores one record late (other sources, such as the split source, are kept). */
export const restore_one_record_late_seams: EngineSeams = io_seams((io) => ({
  source: <T>(topic?: string): Source<T> => {
    const source = io.source<T>(topic);
    return source instanceof LogSource ? (new RestoreOneLateLogSource((source as unknown as LogSource).config) as unknown as Source<T>) : source;
  },
}));
