// The finding checkpoint-after-final-leaves-prepared-transaction with the coordinator's guard removed (a periodic
// request queued before the final checkpoint still starts): the tasks' own guard must keep the sinks from
// pre-committing for it, and without both guards the lingering transaction is caught again.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run_scenario_with } from '../run.js';
import { load_job } from '../../scenarios/job-module.js';
import type { FailureFile } from '../../cli/failure-file.js';
import type { EngineSeams } from '../../scenarios/run/assemble.js';

const here = dirname(fileURLToPath(import.meta.url));
const failure = JSON.parse(readFileSync(join(here, 'checkpoint-after-final-leaves-prepared-transaction.json'), 'utf8')) as FailureFile;

async function run(seed: number, seams: EngineSeams) {
  const loaded = await load_job(failure.scenario, resolve(here, failure.job!.scenario_dir), 'finding');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return run_scenario_with(failure.scenario, { seed, scenario_file: 'finding', job: loaded.job }, { seams });
}

const keep_periodic: EngineSeams['job_manager'] = (config) => ({ ...config, checkpointing: { ...config.checkpointing!, test_only_keep_periodic_after_stop: true } });

describe('a checkpoint triggered after the final one', () => {
  it('is declined by the finished tasks (CHECKPOINT_DECLINED_TASK_NOT_READY): no sink pre-commits for it', async () => {
    for (const seed of failure.scenario.seeds ?? []) {
      const result = await run(seed, { job_manager: keep_periodic });
      expect(result.violations).toEqual([]);
      expect(result.probes['checkpoint.declined_after_final'] ?? 0).toBeGreaterThan(0);
    }
  });

  it('leaves a prepared transaction nobody commits when finished tasks snapshot it (planted: both guards off)', async () => {
    const result = await run(failure.seed, { job_manager: keep_periodic, task_manager: { test_only_snapshot_after_final: true } });
    const lingering = result.violations.filter((v) => v.property === 'exactly_once_output' && v.message.includes('left open or prepared'));
    expect(lingering.length).toBe(1);
  });
});
