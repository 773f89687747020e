// 'streamsim/testing' as a user calls it: a property test of one's own job in a few lines. A job that keeps its counts
// in keyed state holds under generated crashes; the same job keeping them in a plain Map is caught, shrunk to a
// minimal fault plan, and its failure file replays through the CLI to the same trace hash.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkJob, findJobFailure } from 'streamsim/testing';
import { run_cli } from '../cli/program.js';

const COUNTER = new URL('../scenarios/test-support/jobs/counter.ts', import.meta.url);

describe('streamsim/testing', () => {
  it('a job with its state in keyed state holds under generated crashes, pauses, partitions and sink outages', async () => {
    await checkJob({ module: COUNTER, export: 'counter', runs: 6, reports_dir: mkdtempSync(join(tmpdir(), 'streamsim-testing-')) });
  });

  it('a job with its state in a plain Map is caught, shrunk, and its failure file replays to the same hash', async () => {
    const reports_dir = mkdtempSync(join(tmpdir(), 'streamsim-testing-'));
    const failure = await findJobFailure({ module: COUNTER, export: 'forgetful', faults: ['crash'], runs: 20, reports_dir });
    expect(failure, 'the plain-Map job was not caught').toBeDefined();
    if (failure === undefined) return;
    expect(failure.why).toMatch(/^exactly_once_output: /);
    expect(failure.scenario.faults).toHaveLength(1);
    expect(failure.description).toContain(failure.replay_command);
    let stderr = '';
    const code = await run_cli(['replay', failure.failure_file], { cwd: reports_dir, stdout: { write: () => true }, stderr: { write: (text: string) => ((stderr += text), true) } });
    expect(stderr).toContain(`reproduced: seed ${failure.result.seed}`);
    expect(stderr).toContain(failure.result.trace_hash);
    expect(code).toBe(1);
  });

  it('refuses bad input: a missing export names the module and the export', async () => {
    await expect(checkJob({ module: COUNTER, export: 'q9', runs: 1 })).rejects.toThrow(/has no export "q9"; its jobs: counter, forgetful/);
  });
});
