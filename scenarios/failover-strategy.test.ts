// `jobmanager.execution.failover-strategy` at validate: the engine restarts every task on a failure, which is what
// Flink's region failover does for a job that is one pipelined region; asking for `region` on a job with several
// independent regions (Nexmark q1: a map between source and sink, forward edges only) is refused with the field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { load_scenario_with_job } from './job-module.js';

/** A catalogue scenario with its job module made absolute and `failover-strategy` set (or left out), in a temp file. */
function with_strategy(catalogue: string, strategy: string | undefined): string {
  const file = resolve('scenarios/catalogue', `${catalogue}.yaml`);
  const scenario = parse(readFileSync(file, 'utf8')) as { job: { module?: string }; flink?: Record<string, unknown>; $schema?: string };
  delete scenario.$schema;
  if (scenario.job.module !== undefined) scenario.job.module = resolve('scenarios/catalogue', scenario.job.module);
  if (strategy !== undefined) scenario.flink = { ...scenario.flink, 'jobmanager.execution.failover-strategy': strategy };
  const path = join(mkdtempSync(join(tmpdir(), 'streamsim-failover-')), 'scenario.yaml');
  writeFileSync(path, stringify(scenario));
  return path;
}

describe('failover strategy at validate', () => {
  it('refuses region for a job of several pipelined regions, naming the key and the regions', async () => {
    const loaded = await load_scenario_with_job(with_strategy('nexmark-q1-currency-crashes', 'region'));
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]!.path).toContain('jobmanager.execution.failover-strategy');
    expect(loaded.errors[0]!.message).toMatch(/2 independent pipelined regions at parallelism 2 .*restarts every task.*set it to full/);
  });

  it('accepts full, and the default, for the same job (every task restarts: Flink\'s full failover)', async () => {
    for (const strategy of ['full', 'FULL', undefined]) {
      const loaded = await load_scenario_with_job(with_strategy('nexmark-q1-currency-crashes', strategy));
      expect(loaded.ok, String(strategy)).toBe(true);
    }
  });

  it('accepts region for a job that is one pipelined region (a keyBy joins every subtask): full and region agree', async () => {
    for (const catalogue of ['tm-crash-mid-checkpoint', 'nexmark-q5-hot-items-tm-crash']) {
      const loaded = await load_scenario_with_job(with_strategy(catalogue, 'Region'));
      expect(loaded.ok, catalogue).toBe(true);
    }
  });
});
