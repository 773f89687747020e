// Planted bug (test-only, injected as a job catalogue): word count whose two-phase-commit sink commits each
// transaction at pre-commit instead of on checkpoint completion (the connector's test-only switch). A failure
// between pre-commit and checkpoint completion restores an older checkpoint and replays records already committed.
import type { StreamExecutionEnvironment } from '../../engine/api/environment.js';
import { TwoPhaseCommitSink } from '../../engine/connectors/two-phase-commit-sink.js';
import { commonParams, sourceFor } from '../../engine/examples/common.js';
import { EXAMPLE_JOB_FACTORIES } from '../../engine/examples/index.js';
import { splitWords, sumCounts } from '../../engine/examples/word-count.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

export function build_word_count_committing_on_precommit(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<string>(sourceFor(params) as never, { uid: 'source', name: 'Lines' })
    .flatMap(splitWords)
    .uid('split')
    .keyBy((pair) => pair[0])
    .reduce(sumCounts)
    .uid('count')
    .sinkTo(new TwoPhaseCommitSink({ store_node: params.store, transactional_id_prefix: `${params.topic}-sink`, test_only_commit_on_precommit: true }))
    .uid('sink');
}

export const commit_on_precommit_seams: EngineSeams = {
  jobs: new Map([...EXAMPLE_JOB_FACTORIES, ['word_count', build_word_count_committing_on_precommit]]),
};
