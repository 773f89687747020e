// Planted bug (test-only, injected through the job's io seam): a two-phase-commit sink whose recovery never aborts the
// lingering transactions of the failed attempt — its "abort lingering" request is sent with a prefix that matches no
// transaction. Transactions opened or pre-committed after the restored checkpoint stay open in the external system.
import type { Sink, SinkWriterContext } from '../../engine/api/functions.js';
import { TXSTORE_REQUEST, type TxstoreRequestMessage } from '../../engine/connectors/transactional-store.js';
import { TwoPhaseCommitSink } from '../../engine/connectors/two-phase-commit-sink.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import { io_seams } from './io-seam.js';

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

export const no_lingering_abort_seams: EngineSeams = io_seams((io) => ({
  sink: <T>() => new NoLingeringAbortSink((io.sink<T>() as unknown as TwoPhaseCommitSink).config) as unknown as Sink<T>,
}));
