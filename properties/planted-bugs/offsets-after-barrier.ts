// Planted bug (test-only, injected as a job catalogue): a log source whose checkpointed offsets run a few records
// ahead of what it emitted before the barrier, as if the offsets were snapshotted after emitting more records. A
// restore then skips those records: the checkpoint's state no longer matches its offsets.
import type { SourceOutput, SourceReader, SourceReaderContext, PollStatus } from '../../engine/api/functions.js';
import type { StreamExecutionEnvironment } from '../../engine/api/environment.js';
import { LogSource, type PartitionOffset } from '../../engine/connectors/log-source.js';
import { commonParams, sinkFor } from '../../engine/examples/common.js';
import { EXAMPLE_JOB_FACTORIES } from '../../engine/examples/index.js';
import { splitWords, sumCounts, type WordCount } from '../../engine/examples/word-count.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

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

export function build_word_count_with_offsets_ahead(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<string>(new OffsetsAheadLogSource({ broker: params.broker, topic: params.topic, partitions: params.partitions, bounded: params.bounded }) as never, {
      uid: 'source',
      name: 'Lines',
    })
    .flatMap(splitWords)
    .uid('split')
    .keyBy((pair) => pair[0])
    .reduce(sumCounts)
    .uid('count')
    .sinkTo(sinkFor(params, (r) => (r as WordCount)[0]))
    .uid('sink');
}

export const offsets_after_barrier_seams: EngineSeams = {
  jobs: new Map([...EXAMPLE_JOB_FACTORIES, ['word_count', build_word_count_with_offsets_ahead]]),
};
