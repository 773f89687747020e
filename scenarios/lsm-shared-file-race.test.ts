// Specification of the LSM shared-file race end to end: with incremental checkpoints, two concurrent checkpoints, one
// retained checkpoint and no tolerable checkpoint failures, two TaskManager crash/restarts must cost exactly two
// recoveries: no checkpoint may reference a shared file the store already released (SHARED_STATE_MISSING).
import { describe, expect, it } from 'vitest';
import { validate_scenario_data } from './load.js';
import { run_scenario } from '../properties/run.js';
import type { Scenario } from './schema/scenario.generated.js';

function race_scenario(): Scenario {
  const data = {
    name: 'lsm-shared-file-race',
    description: 'LSM incremental checkpoints, max_concurrent 2, one retained checkpoint, two TaskManager crashes',
    cluster: { task_managers: 2, slots_per_task_manager: 2 },
    job: { name: 'sequence_check', parallelism: 2 },
    flink: {
      'execution.checkpointing.interval': '100 ms',
      'execution.checkpointing.max-concurrent-checkpoints': 2,
      'execution.checkpointing.tolerable-failed-checkpoints': 0,
      'state.backend.type': 'rocksdb',
      'state.backend.incremental': true,
      'state.backend.rocksdb.writebuffer.size': '4 kb',
      'state.checkpoints.num-retained': 1,
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': 3,
      'restart-strategy.fixed-delay.delay': '100 ms',
      'heartbeat.interval': '200 ms',
      'heartbeat.timeout': '1s',
    },
    sink: { kind: 'two_phase_commit', transaction_timeout: '5 min' },
    network: { latency: { model: 'uniform', min: '1 ms', max: '30 ms' } },
    workload: { records: 12000, keys: 500, rate_per_second: 3000 },
    faults: [
      { kind: 'crash', target: 'tm-1', at: '1500 ms', restart_after: '300 ms' },
      { kind: 'crash', target: 'tm-2', at: '2700 ms', restart_after: '300 ms' },
    ],
    phases: { safety_duration: '6s', liveness_bound: '30s' },
    properties: ['exactly_once_state', 'exactly_once_output', 'checkpoint_invariants', 'liveness'],
  };
  const validated = validate_scenario_data(data, 'lsm-shared-file-race', JSON.stringify(data));
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  return validated.scenario;
}

describe('LSM incremental checkpoints with max_concurrent 2', () => {
  it('never abort with SHARED_STATE_MISSING, so two crashes cost two recoveries and the job finishes exactly once', () => {
    for (const seed of [1, 2]) {
      const result = run_scenario(race_scenario(), { seed, scenario_file: 'lsm-shared-file-race.yaml' });
      const missing = result.checkpoints.filter((c) => c.status === 'aborted' && c.abort_reason?.includes('SHARED_STATE_MISSING'));
      expect(missing, `seed ${seed}`).toEqual([]);
      expect(result.checkpoints.filter((c) => c.status === 'completed').length).toBeGreaterThan(10);
      expect(result.recoveries, `seed ${seed}`).toHaveLength(2);
      expect(result.job.final_status).toBe('FINISHED');
      expect(result.outcome, `seed ${seed}`).toBe('pass');
    }
  });
});
