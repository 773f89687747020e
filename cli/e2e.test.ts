// End to end through the real runner (properties/run.ts): a replay reproduces the trace hash of a run, and a swarm
// gives the same runs on one thread, on two workers and split into shards. Outcomes are not asserted here (the
// catalogue judges those).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../scenarios/result-format.js';
import { CATALOGUE_DIR, run_cli, type CliDeps } from './program.js';

const runner_present = existsSync(fileURLToPath(new URL('../properties/run.ts', import.meta.url)));
const scenario = join(CATALOGUE_DIR, 'rescale-through-savepoint.yaml');
const cwd = mkdtempSync(join(tmpdir(), 'streamsim-e2e-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = { cwd, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
  const code = await run_cli(argv, deps);
  return { code, stdout, stderr };
}

describe.skipIf(!runner_present)('the CLI with the real runner', () => {
  it('replays a run to the same trace hash and a byte-identical trace', async () => {
    const run = await cli(['run', scenario, '--seed', '11', '--json', '--trace', 'a.jsonl']);
    expect(run.code === 0 || run.code === 1).toBe(true);
    const result = JSON.parse(run.stdout) as RunResult;
    const replay = await cli(['replay', '11', scenario, '--expect-hash', result.trace_hash, '--trace', 'b.jsonl']);
    expect(replay.stderr).toContain(`reproduced: seed 11 of rescale-through-savepoint gives trace hash ${result.trace_hash}`);
    expect(readFileSync(join(cwd, 'b.jsonl'), 'utf8')).toBe(readFileSync(join(cwd, 'a.jsonl'), 'utf8'));
  });

  let serial_run: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
  const serial_swarm = () => (serial_run ??= cli(['swarm', scenario, '--seeds', '3', '--workers', '1', '--json']));

  it('runs a swarm identically on one thread and on two workers', async () => {
    const serial = await serial_swarm();
    const parallel = await cli(['swarm', scenario, '--seeds', '3', '--workers', '2', '--json']);
    const hashes = (text: string) =>
      text === '' ? [] : (JSON.parse(text) as { results: RunResult[] }).results.map((r) => [r.seed, r.trace_hash, r.outcome]);
    const context = `serial stderr:\n${serial.stderr.slice(-2000)}\nparallel stderr:\n${parallel.stderr.slice(-2000)}`;
    expect(parallel.code, context).toBe(serial.code);
    expect(hashes(parallel.stdout), context).toEqual(hashes(serial.stdout));
    expect(hashes(serial.stdout)).toHaveLength(3);
  });

  it('runs the same seeds with the same results when split into shards', async () => {
    const serial = await serial_swarm();
    const shards = await Promise.all(['1/2', '2/2'].map((shard) => cli(['swarm', scenario, '--seeds', '3', '--workers', '1', '--shard', shard, '--json'])));
    const runs = (text: string) => (JSON.parse(text) as { results: RunResult[] }).results.map((r) => [r.seed, r.trace_hash, r.outcome]);
    expect(shards.flatMap((shard) => runs(shard.stdout))).toEqual(runs(serial.stdout));
    expect(shards.map((shard) => runs(shard.stdout).length)).toEqual([1, 2]);
  });
});
