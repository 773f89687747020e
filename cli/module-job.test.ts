// The CLI with a job from the user's own module: a failing run writes a failure file that records where the module
// is and a hash of its source; replaying it reproduces the trace hash, and says so when the job's code has changed.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run_cli } from './program.js';
import { read_failure_file } from './failure-file.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run_cli(argv, { cwd, stdout: { write: (t: string) => ((stdout += t), true) }, stderr: { write: (t: string) => ((stderr += t), true) } });
  return { code, stdout, stderr };
}

describe('a job from a module, through the CLI', () => {
  it('fails with a replayable failure file that records the module, and replay notices changed code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamsim-cli-module-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'streamsim'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(join(dir, 'jobs'));
    mkdirSync(join(dir, 'scenarios'));
    cpSync(join(ROOT, 'scenarios', 'test-support', 'jobs', 'counter.ts'), join(dir, 'jobs', 'counter.ts'));
    writeFileSync(
      join(dir, 'scenarios', 'forgetful.yaml'),
      [
        'name: forgetful-crash',
        'description: counts in a plain Map, under a crash',
        'job: { module: ../jobs/counter.ts, export: forgetful }',
        'flink: { execution.checkpointing.interval: 200 ms, restart-strategy.type: fixed-delay, restart-strategy.fixed-delay.delay: 100 ms, heartbeat.interval: 200 ms, heartbeat.timeout: 1s }',
        'workload: { records: 1500, keys: 10 }',
        'faults: [{ kind: crash, target: tm-1, at: 900 ms, restart_after: 300 ms }]',
        'phases: { safety_duration: 3s, liveness_bound: 20s }',
      ].join('\n'),
    );
    const run = await cli(dir, 'run', 'scenarios/forgetful.yaml');
    expect(run.code).toBe(1);
    const file = 'streamsim-reports/failures/forgetful-crash-seed-1.json';
    expect(run.stderr).toContain(`failure file: ${file}`);
    const failure = read_failure_file(join(dir, file));
    expect(failure.job).toMatchObject({ scenario_dir: '../../scenarios', module: '../jobs/counter.ts', export: 'forgetful' });
    expect(failure.job?.source_sha256).toMatch(/^[0-9a-f]{64}$/);

    const replay = await cli(dir, 'replay', file);
    expect(replay.stderr).toContain(`reproduced: seed 1 of forgetful-crash gives trace hash ${failure.trace_hash}`);
    expect(replay.stderr).not.toContain('changed since the failure');

    appendFileSync(join(dir, 'jobs', 'counter.ts'), '\n// a comment changes the source, not the behaviour\n');
    const changed = await cli(dir, 'replay', file);
    expect(changed.stderr).toMatch(/note: the job's code \(jobs\/counter\.ts and the local modules it imports\) changed since the failure/);
    expect(changed.stderr).toContain('reproduced');
  });
});
