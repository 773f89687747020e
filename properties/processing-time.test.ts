// Specification of the processing-time models and the judging between them: time frozen never fires a
// processing-time timer, eternal fires each before the next record (and after the last, without looping on a timer
// that sets the next one); the judge compares exactly the states both models agree on and catches a change there.
import { describe, expect, it } from 'vitest';
import { defineJob } from '../engine/api/job.js';
import { TumblingProcessingTimeWindows } from '../engine/api/windows.js';
import { job_factory } from '../engine/connectors/job-io.js';
import type { StateEntry } from '../engine/state/backend.js';
import { fraudDetection, type Alert, type Transaction } from '../examples/fraud/fraud-detector.js';
import { evaluateOracle } from './oracle.js';
import { judge_interleaved_output } from './interleaving.js';
import { check_state_between_clocks, clock_dependent_states, PROCESSING_TIME_WINDOW_CHECKS, processing_time_dependence } from './processing-time.js';

const build = job_factory(fraudDetection, { broker: 'broker', store: 'txstore', collector: 'collector', sink_kind: 'collect', bounded: true, topics: new Map([['transactions', 1]]) });

const transactions = (amounts: number[]): Map<string, { value: Transaction; timestamp_ms: number }[][]> =>
  new Map([['transactions', [amounts.map((amount, seq) => ({ value: { accountId: 'a', amount, seq }, timestamp_ms: seq }))]]]);

const entries = (state: ReadonlyMap<string, readonly StateEntry[]>, name: string): unknown[] =>
  (state.get('fraud-detector') ?? []).filter((entry) => entry.state === name).map((entry) => entry.value);

describe('processing-time models of the oracle', () => {
  const input = transactions([0.5, 900, 0.5, 10, 0.5]);

  it('frozen: no processing-time timer fires, so a small then a large transaction alerts and the last flag stays set with its timer', () => {
    const frozen = evaluateOracle(build, { timeout_ms: 1000 }, input);
    expect((frozen.outputs.get('alerts') as Alert[]).map((alert) => alert.seq)).toEqual([1]);
    expect(frozen.processing_time_operators).toEqual(['fraud-detector']);
    expect(entries(frozen.state, 'flag')).toEqual([true]);
    expect(entries(frozen.state, 'timer-state')).toEqual([1000]);
    expect(entries(frozen.state, 'transactions')).toEqual([5]);
  });

  it('eternal: every timer fires before the next record and after the last one, so no flag survives and nothing alerts', () => {
    const eternal = evaluateOracle(build, { timeout_ms: 1000 }, input, { processing_time: 'eternal' });
    expect(eternal.outputs.get('alerts')).toEqual([]);
    expect(entries(eternal.state, 'flag')).toEqual([]);
    expect(entries(eternal.state, 'timer-state')).toEqual([]);
    expect(entries(eternal.state, 'transactions')).toEqual([5]);
  });

  it('a job that never reads processing time is not marked, and both models agree on it', () => {
    const frozen = evaluateOracle(build, { timeout_ms: 1000 }, transactions([10, 20, 900]));
    expect(frozen.processing_time_operators).toBeUndefined();
    expect(processing_time_dependence(build, { timeout_ms: 1000 }, transactions([10, 20, 900]), {}, frozen, 'alerts', (r) => (r as Alert).accountId)).toBeUndefined();
  });
});

describe('state judged between the two models', () => {
  const frozen = evaluateOracle(build, { timeout_ms: 1000 }, transactions([0.5, 900, 0.5]));
  const eternal = evaluateOracle(build, { timeout_ms: 1000 }, transactions([0.5, 900, 0.5]), { processing_time: 'eternal' });
  const with_value = (name: string, value: unknown): Map<string, StateEntry[]> =>
    new Map([['fraud-detector', frozen.state.get('fraud-detector')!.map((entry) => (entry.state === name ? { ...entry, value } : entry))]]);

  it('leaves out the states the models disagree on: the flag, the stored timer time and the timers themselves', () => {
    const names = [...clock_dependent_states(frozen.state, eternal.state)].map((id) => id.split('\u0000')[1]).sort();
    expect(names).toEqual(['_timers/processing', 'flag', 'timer-state']);
  });

  it('accepts a real clock between the models (another stored timer time) and catches a transaction count that differs', () => {
    expect(check_state_between_clocks(frozen.state, eternal.state, with_value('timer-state', 1234)).differences).toEqual([]);
    const verdict = check_state_between_clocks(frozen.state, eternal.state, with_value('transactions', 2));
    expect(verdict.differences.map((d) => [d.state, d.expected, d.actual])).toEqual([['transactions', 3, 2]]);
    expect(verdict.uncompared_states).toBe(3);
  });
});

describe('windows assigned by processing time', () => {
  interface Count {
    user: string;
    start: number;
    clicks: number;
  }
  const perWindow = defineJob({
    build(env, _params, io) {
      env
        .fromSource(io.source<{ user: string }>(), { uid: 'clicks' })
        .keyBy((click) => click.user)
        .window(TumblingProcessingTimeWindows.of(500))
        .process<Count>({ process: (user, ctx, elements, out) => out.collect({ user: user as string, start: ctx.window().start, clicks: elements.length }) })
        .uid('counts')
        .sinkTo(io.sink<Count>())
        .uid('sink');
    },
    input: { records: { clicks: [[{ value: { user: 'a' }, timestamp_ms: 0 }, { value: { user: 'a' }, timestamp_ms: 1 }, { value: { user: 'b' }, timestamp_ms: 2 }]] } },
    output: { key: (count: Count) => count.user, id: (count: Count) => `${count.user}/${count.start}` },
  });
  const windows_build = job_factory(perWindow, { broker: 'broker', store: 'txstore', collector: 'collector', sink_kind: 'collect', bounded: true, topics: new Map([['clicks', 1]]) });
  const input = new Map([['clicks', [[{ value: { user: 'a' }, timestamp_ms: 0 }, { value: { user: 'a' }, timestamp_ms: 1 }, { value: { user: 'b' }, timestamp_ms: 2 }]]]]);
  const id = (record: unknown): string => `${(record as Count).user}/${(record as Count).start}`;
  const windows = { noun: 'processing-time model', how: PROCESSING_TIME_WINDOW_CHECKS, only_duplicates: true };

  it('are marked, and the models differ: frozen fires no window, eternal one window per record', () => {
    const frozen = evaluateOracle(windows_build, {}, input);
    expect(frozen.processing_time_windows).toEqual(['counts']);
    expect(frozen.outputs.get('sink')).toEqual([]);
    const eternal = processing_time_dependence(windows_build, {}, input, {}, frozen, 'sink', (r) => (r as Count).user);
    expect((eternal?.outputs.get('sink') as Count[]).map((count) => count.clicks)).toEqual([1, 1, 1]);
  });

  it('accept windows no model names but not a result delivered twice', () => {
    const eternal = evaluateOracle(windows_build, {}, input, { processing_time: 'eternal' });
    const run = [{ user: 'a', start: 500, clicks: 2 }, { user: 'b', start: 500, clicks: 1 }];
    const ended = { finished: true, status: 'FINISHED' };
    expect(judge_interleaved_output('exactly_once_output', [], eternal.outputs.get('sink')!, run, id, ended, windows).status).toBe('pass');
    const twice = judge_interleaved_output('exactly_once_output', [], eternal.outputs.get('sink')!, [...run, run[0]!], id, ended, windows);
    expect([twice.status, twice.message]).toEqual(['fail', expect.stringMatching(/^output records by identity: 1 duplicated \(a\/500\)/)]);
  });
});
