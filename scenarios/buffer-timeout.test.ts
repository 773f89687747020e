// Specification of the buffer timeout seen from a scenario: `execution.buffer-timeout.interval` reaches every task's
// output channels, a longer timeout sends fewer, fuller buffers, 0 sends the most, and every setting keeps the
// job's output and state exactly once.
import { describe, expect, it } from 'vitest';
import { load_scenario } from './load.js';
import type { RunView } from './run/assemble.js';
import { run_scenario_with } from '../properties/run.js';
import type { Scenario } from './schema/scenario.generated.js';

const CATALOGUE_FILE = 'scenarios/catalogue/baseline-no-faults.yaml';

function run(buffer_timeout: unknown) {
  const loaded = load_scenario(CATALOGUE_FILE);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const scenario = structuredClone(loaded.scenario);
  if (buffer_timeout !== undefined) {
    scenario.flink = { ...scenario.flink, 'execution.buffer-timeout.interval': buffer_timeout } as Scenario['flink'];
  }
  let view: RunView | undefined;
  const result = run_scenario_with(scenario, { seed: 1, scenario_file: CATALOGUE_FILE }, { on_world: (v) => (view = v) });
  const channels = view!.task_managers().flatMap((tm) => tm.tasks.flatMap((t) => t.output_channels));
  const buffers_sent = channels.reduce((n, c) => n + c.buffers_sent, 0);
  return { result, buffers_sent };
}

describe('execution.buffer-timeout.interval in a scenario', () => {
  it('sets how often partial buffers leave: 0 sends the most buffers, 1 s the fewest, Flink\'s 100 ms default in between', () => {
    const every_record = run(0);
    const by_default = run(undefined);
    const explicit_default = run('100 ms');
    const one_second = run('1 s');
    const only_full = run(-1);
    for (const { result } of [every_record, by_default, one_second, only_full]) {
      expect(result.expectation_met).toBe(true);
      expect(Object.fromEntries(result.properties.map((p) => [p.property, p.status]))).toMatchObject({
        exactly_once_state: 'pass',
        exactly_once_output: 'pass',
        liveness: 'pass',
      });
    }
    expect(explicit_default.buffers_sent).toBe(by_default.buffers_sent);
    expect(every_record.buffers_sent).toBeGreaterThan(2 * by_default.buffers_sent);
    expect(by_default.buffers_sent).toBeGreaterThan(one_second.buffers_sent);
    expect(one_second.buffers_sent).toBeGreaterThanOrEqual(only_full.buffers_sent);
  });
});
