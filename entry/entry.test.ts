// The package entry as the repository resolves it: 'streamsim' is the TypeScript source (one copy of the engine for
// tests, examples and the harness), and it carries the DataStream API, connectors and the job contract.
import { describe, expect, it } from 'vitest';
import * as entry from 'streamsim';
import { StreamExecutionEnvironment } from '../engine/api/environment.js';
import { defineJob as source_define_job } from '../engine/api/job.js';

describe("the 'streamsim' entry", () => {
  it('resolves to the source in the repository (one copy of the engine)', () => {
    expect(entry.StreamExecutionEnvironment).toBe(StreamExecutionEnvironment);
    expect(entry.defineJob).toBe(source_define_job);
  });

  it('exports what a job needs: the API, windows, connectors, sinks and the job contract', () => {
    for (const name of [
      'StreamExecutionEnvironment',
      'TumblingEventTimeWindows',
      'SlidingEventTimeWindows',
      'LogSource',
      'TwoPhaseCommitSink',
      'IdempotentSink',
      'AtLeastOnceSink',
      'CollectSink',
      'defineJob',
      'isJobDefinition',
      'WorkloadRandom',
      'partitionForKey',
      'MapStateDescriptor',
      'ConnectedStreams',
      'BroadcastStream',
      'BroadcastConnectedStream',
      'IntervalJoin',
    ]) {
      expect(typeof (entry as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
