// Specification of the arbitraries: every generated case is a valid scenario (so any counterexample can be written
// to a failure file and replayed by the CLI), and fault plans shrink toward the empty plan.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate_scenario_data } from '../scenarios/load.js';
import { arb_fault_plan, arb_run_case, scenario_of } from './arbitraries.js';

describe('arbitraries', () => {
  it('generate scenarios that the scenario schema accepts', () => {
    fc.assert(
      fc.property(arb_run_case({ max_faults: 6, horizon_ms: 3000, storage: true, job_manager_loss: true }), (value) => {
        const scenario = scenario_of(value, 'generated', ['exactly_once_state', 'liveness'], 3000);
        const validated = validate_scenario_data(scenario, 'generated', JSON.stringify(scenario));
        if (!validated.ok) throw new Error(JSON.stringify(validated.errors.slice(0, 3)));
      }),
      { numRuns: 200, seed: 1 },
    );
  });

  it("draw every disk fault kind for the property suite: unsynced writes at a crash, ENOSPC, EIO and slow syncs", () => {
    // The cases of the at-least-once property (storage faults on, as in CI) and of the planted-bug hunt.
    const seen = new Set<string>();
    for (const value of fc.sample(arb_run_case({ max_faults: 4, horizon_ms: 2000, storage: true }), { numRuns: 400, seed: 5 })) {
      for (const fault of value.faults) {
        if (fault.kind === 'crash') seen.add(`crash unsynced_writes=${fault.unsynced_writes ?? 'random'}`);
        if (fault.kind === 'storage_fault') seen.add(`${fault.store ?? 'checkpoint_store'}${fault.target === undefined ? '' : ` ${fault.target}`} ${fault.mode}`);
      }
    }
    const kinds = [...seen];
    for (const outcome of ['random', 'dropped', 'torn', 'kept']) expect(kinds).toContain(`crash unsynced_writes=${outcome}`);
    for (const mode of ['disk_full', 'io_error', 'slow_sync']) {
      expect(kinds).toContain(`checkpoint_store ${mode}`);
      expect(kinds).toContain(`disk txstore ${mode}`);
    }
  });

  it('shrink a failing fault plan to the single fault that matters', () => {
    const details = fc.check(
      fc.property(arb_fault_plan({ task_managers: 3, horizon_ms: 5000, max_faults: 8 }), (plan) => !plan.some((f) => f.kind === 'crash')),
      { numRuns: 500, seed: 3 },
    );
    expect(details.failed).toBe(true);
    const [plan] = details.counterexample ?? [[]];
    expect(plan).toHaveLength(1);
    expect(plan?.[0]).toMatchObject({ kind: 'crash', at: '0 ms', restart_after: '10 ms' });
  });

  it('keep fault plans sorted by time and inside the horizon', () => {
    fc.assert(
      fc.property(arb_fault_plan({ task_managers: 2, horizon_ms: 1000, max_faults: 5 }), (plan) => {
        const times = plan.map((f) => Number.parseInt(String((f as { at?: string }).at), 10));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        for (const t of times) expect(t).toBeLessThan(1000);
      }),
      { numRuns: 100, seed: 2 },
    );
  });
});
