// Planted bug (test-only, injected as a job catalogue): a two-phase-commit sink whose recovery never aborts the
// lingering transactions of the failed attempt — its "abort lingering" request is sent with a prefix that matches no
// transaction. Transactions opened or pre-committed after the restored checkpoint stay open in the external system.
import type { SinkWriterContext } from '../../engine/api/functions.js';
import type { StreamExecutionEnvironment } from '../../engine/api/environment.js';
import { TXSTORE_REQUEST, type TxstoreRequestMessage } from '../../engine/connectors/transactional-store.js';
import { TwoPhaseCommitSink } from '../../engine/connectors/two-phase-commit-sink.js';
import { commonParams, sourceFor } from '../../engine/examples/common.js';
import { EXAMPLE_JOB_FACTORIES } from '../../engine/examples/index.js';
import { splitWords, sumCounts } from '../../engine/examples/word-count.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

/** A prefix no transactional id has: the store answers ok and aborts nothing. */
const NOTHING = 'planted-bug-aborts-nothing-';

export class NoLingeringAbortSink extends TwoPhaseCommitSink {
  override createWriter(ctx: SinkWriterContext): ReturnType<TwoPhaseCommitSink['createWriter']> {
    const send = (to: string, message: unknown): void => {
      const request = message as Partial<TxstoreRequestMessage>;
      if (request.type === TXSTORE_REQUEST && request.request?.kind === 'abort_lingering') {
        ctx.send(to, { ...request, request: { ...request.request, prefix: NOTHING } });
        return;
      }
      ctx.send(to, message);
    };
    return super.createWriter(Object.assign(Object.create(ctx) as SinkWriterContext, { send }));
  }
}

export function build_word_count_without_lingering_aborts(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<string>(sourceFor(params) as never, { uid: 'source', name: 'Lines' })
    .flatMap(splitWords)
    .uid('split')
    .keyBy((pair) => pair[0])
    .reduce(sumCounts)
    .uid('count')
    .sinkTo(new NoLingeringAbortSink({ store_node: params.store, transactional_id_prefix: `${params.topic}-sink` }))
    .uid('sink');
}

export const no_lingering_abort_seams: EngineSeams = {
  jobs: new Map([...EXAMPLE_JOB_FACTORIES, ['word_count', build_word_count_without_lingering_aborts]]),
};
