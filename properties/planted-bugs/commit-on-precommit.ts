// Planted bug (test-only, injected through the job's io seam): a job whose two-phase-commit sink commits each
// transaction at pre-commit instead of on checkpoint completion (the connector's test-only switch). A failure
// between pre-commit and checkpoint completion restores an older checkpoint and replays records already committed.
import type { Sink } from '../../engine/api/functions.js';
import { TwoPhaseCommitSink } from '../../engine/connectors/two-phase-commit-sink.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';
import { io_seams } from './io-seam.js';

export const commit_on_precommit_seams: EngineSeams = io_seams((io) => ({
  sink: <T>() => new TwoPhaseCommitSink({ ...(io.sink<T>() as unknown as TwoPhaseCommitSink).config, test_only_commit_on_precommit: true }) as unknown as Sink<T>,
}));
