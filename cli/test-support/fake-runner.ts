// A deterministic stand-in for properties/run.ts, used only by the CLI's tests to check the CLI's own behaviour
// (exit codes, replay commands, failure files, shards, worker equality). It runs no engine: the "trace hash" is a
// hash of the scenario and the seed, and a scenario whose name contains "flaky" fails on seeds divisible by 3.
import { writeFileSync } from 'node:fs';
import { RUN_RESULT_FORMAT, RUN_RESULT_FORMAT_VERSION, type RunResult } from '../../scenarios/result-format.js';
import type { RunOptions } from '../runner-port.js';
import type { Scenario } from '../../scenarios/schema/scenario.generated.js';

function fnv1a_hex(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export function run_scenario(scenario: Scenario, options: RunOptions): RunResult {
  const trace_hash = fnv1a_hex(`${JSON.stringify(scenario)}#${options.seed}`).repeat(4);
  const flaky_failure = scenario.name.includes('flaky') && options.seed % 3 === 0;
  const violated = flaky_failure ? 'exactly_once_output' : scenario.expect_violation;
  const expectation_met = scenario.expect_violation === undefined ? !flaky_failure : violated === scenario.expect_violation;
  if (options.trace_path !== undefined) {
    writeFileSync(options.trace_path, `{"seq":0,"time_ms":0,"kind":"header","format":"streamsim-trace","version":1,"seed":${options.seed},"scenario":"${scenario.name}"}\n`);
  }
  return {
    format: RUN_RESULT_FORMAT,
    version: RUN_RESULT_FORMAT_VERSION,
    run_id: `${scenario.name}-${options.seed}`,
    scenario: { name: scenario.name, file: options.scenario_file, description: scenario.description },
    seed: options.seed,
    trace_hash,
    outcome: flaky_failure ? 'violation' : 'pass',
    ...(scenario.expect_violation !== undefined ? { expected_violation: scenario.expect_violation } : {}),
    expectation_met,
    properties: [],
    violations:
      violated === undefined
        ? []
        : [{ property: violated, message: `fake violation of ${violated}`, time_ms: 1234 }],
    job: { name: scenario.job.name ?? `${scenario.job.module ?? ''}#${scenario.job.export ?? 'default'}`, final_status: 'FINISHED', parallelism: scenario.job.parallelism ?? 2, records_in: 10, records_out: 10 },
    sink: { kind: scenario.sink?.kind ?? 'two_phase_commit', committed_records: 10, duplicates: 0, losses: 0 },
    checkpointing_mode: 'aligned',
    checkpoints: [],
    recoveries: [],
    faults: [],
    throughput: [],
    probes: {},
    virtual_duration_ms: 1000,
    wall_ms: 1,
    events: 100,
    replay_command: `npx streamsim replay ${options.seed} ${options.scenario_file}`,
  };
}
