// A source and a sink for specifications of the graph steps: they let a job be built and planned, never run.
import type { Sink, Source } from '../api/functions.js';

export const unrun_source: Source<unknown> = {
  kind: 'test',
  bounded: true,
  createReader: () => {
    throw new Error('not run');
  },
};

export const unrun_sink: Sink<unknown> = {
  kind: 'test',
  createWriter: () => {
    throw new Error('not run');
  },
};
