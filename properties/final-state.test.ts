// Specification of which final state a finished run is judged by: the live tasks' keyed state when every key group
// is still held, else the final checkpoint captured when the job finished (a TaskManager lost after its tasks
// finished takes only memory the job no longer needs); a run without one says it could not compare.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../sim/trace-format.js';
import { load_scenario } from '../scenarios/load.js';
import type { StateEntry } from '../engine/state/backend.js';
import { final_state_of, type RunEvidence } from './judge.js';
import { run_scenario } from './run.js';

const live: Map<string, StateEntry[]> = new Map([['check', []]]);

function evidence(key_groups: number, final_checkpoint?: RunEvidence['final_checkpoint']): RunEvidence {
  return { final_state: live, final_state_coverage: new Map([['check', { key_groups, max_parallelism: 128 }]]), final_checkpoint } as unknown as RunEvidence;
}

describe('the final state a finished run is judged by', () => {
  it('is the live state when every key group is held by a live task', () => {
    expect(final_state_of(evidence(128), ['check'])).toEqual({ state: live, source: 'final state' });
  });

  it('is not compared, and says why, when key groups are gone and no final checkpoint was captured', () => {
    const chosen = final_state_of(evidence(64), ['check']);
    expect(chosen.state).toBeUndefined();
    expect(chosen.note).toMatch(/live state of check is partly gone.*no completed checkpoint/);
  });

  it('is the final checkpoint when a TaskManager crashed after its tasks finished (first seen as chaos-small seed 795)', () => {
    const loaded = load_scenario('scenarios/bench/chaos-small.yaml');
    if (!loaded.ok) throw new Error('chaos-small does not load');
    const { nemesis: _nemesis, ...quiet } = loaded.scenario;
    // Where the fault-free run lets it happen: after the first TaskManager's settle report reached the JobManager and
    // before the last one did (the job is FINISHED at that instant, and the crash is noticed only after).
    const trace_path = join(mkdtempSync(join(tmpdir(), 'final-state-')), 'trace.jsonl');
    run_scenario(quiet, { seed: 1, scenario_file: 'quiet.yaml', trace_path });
    const records = readFileSync(trace_path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TraceRecord);
    const settles = records.filter((r) => r.kind === 'deliver' && r.to === 'jm' && (r.msg as { type?: string }).type === 'tm.settled');
    expect(settles.length).toBe(2);
    const [first, last] = settles as [TraceRecord, TraceRecord];
    const crash_ms = Math.ceil(first.time_ms); // scenario times are whole milliseconds
    expect(crash_ms).toBeLessThan(last.time_ms);
    const scenario = { ...quiet, faults: [{ kind: 'crash' as const, target: String(first.from), at: `${crash_ms} ms`, restart_after: '300 ms' }] };
    const result = run_scenario(scenario, { seed: 1, scenario_file: 'crash-after-settled.yaml' });
    expect(result.faults.map((fault) => fault.kind)).toContain('crash');
    const state = result.properties.find((property) => property.property === 'exactly_once_state');
    expect(state).toMatchObject({ status: 'pass' });
    expect(state?.message).toMatch(/final state \(from final checkpoint \d+\) and .* equal the oracle's/);
    expect(result.outcome).toBe('pass');
  });
});
