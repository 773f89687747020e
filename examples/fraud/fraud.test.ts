// Specification of the fraud-detection example: with a timeout no run reaches, it alerts exactly where a small
// transaction is followed by a large one (Flink's walkthrough, computed here straight from the input); under a crash
// with timers that do fire, it is judged between the two processing-time models and holds; and a source that restores
// one record late is still caught through the state both models agree on.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupByKey } from '../../properties/oracle.js';
import { run_scenario_with } from '../../properties/run.js';
import { restore_one_record_late_seams } from '../../properties/planted-bugs/restore-one-record-late.js';
import { load_scenario_with_job } from '../../scenarios/job-module.js';
import { simulate } from '../../scenarios/runner.js';
import { plan_run } from '../../scenarios/run/plan.js';
import type { Alert, Transaction } from './fraud-detector.js';

const SCENARIO = fileURLToPath(new URL('../../scenarios/catalogue/fraud-detection-timers-tm-crash.yaml', import.meta.url));

async function load(): Promise<Extract<Awaited<ReturnType<typeof load_scenario_with_job>>, { ok: true }>> {
  const loaded = await load_scenario_with_job(SCENARIO);
  if (!loaded.ok) throw new Error(`the fraud scenario does not load: ${JSON.stringify(loaded)}`);
  return loaded;
}

describe('the fraud-detection example', () => {
  it('alerts on a small transaction followed by a large one on the same account while the flag holds (fault-free, a timeout no run reaches)', async () => {
    const loaded = await load();
    const scenario = { ...loaded.scenario, faults: [], job: { ...loaded.scenario.job, params: { timeout_ms: 3_600_000 } } };
    const evidence = simulate(plan_run(scenario, loaded.job), 1, 'none');
    expect(evidence.final_status).toBe('FINISHED');
    const transactions = [...evidence.view.run.input.values()].flat(2).map((record) => record.value as Transaction);
    const expected: Alert[] = [];
    const last = new Map<string, Transaction>();
    const count = new Map<string, number>();
    for (const transaction of transactions.sort((a, b) => a.seq - b.seq)) {
      const transactions_so_far = (count.get(transaction.accountId) ?? 0) + 1;
      count.set(transaction.accountId, transactions_so_far);
      const previous = last.get(transaction.accountId);
      if (previous !== undefined && previous.amount < 1 && transaction.amount > 500) expected.push({ accountId: transaction.accountId, seq: transaction.seq, transactions: transactions_so_far });
      last.set(transaction.accountId, transaction);
    }
    expect(expected.length).toBeGreaterThan(10);
    const by_account = (alerts: readonly unknown[]): Map<string, unknown[]> => groupByKey(alerts, (alert) => (alert as Alert).accountId);
    expect(by_account(evidence.final_output)).toEqual(by_account(expected));
  });

  it('holds under its crash, judged between the frozen and the eternal clock (timers fire mid-run)', async () => {
    const loaded = await load();
    const result = run_scenario_with(loaded.scenario, { seed: 1, scenario_file: SCENARIO, job: loaded.job }, {});
    expect(result.violations).toEqual([]);
    expect(result.recoveries.length).toBeGreaterThan(0);
    const output = result.properties.find((p) => p.property === 'exactly_once_output');
    expect(output?.message).toMatch(/only one processing-time model produces/);
    const state = result.properties.find((p) => p.property === 'exactly_once_state');
    expect(state?.status).toBe('pass');
    expect(state?.message).toMatch(/state\(s\) of a key not compared at recoveries: their values depend on processing time/);
  });

  it('still catches a source that restores one record late: the transaction counts both clocks agree on differ', async () => {
    const loaded = await load();
    const result = run_scenario_with(loaded.scenario, { seed: 1, scenario_file: SCENARIO, job: loaded.job }, { seams: restore_one_record_late_seams });
    expect(result.violations.map((v) => v.property)).toContain('exactly_once_state');
    expect(result.violations.find((v) => v.property === 'exactly_once_state')?.message).toMatch(/fraud-detector\/transactions/);
  });
});
