// Specification of the CLI's own behaviour, in-process, against a deterministic fake runner (the real runner is
// exercised end to end through properties/run.ts in e2e.test.ts): exit codes, summaries, replay commands, failure files,
// replays that check the trace hash, swarms whose results do not depend on the worker count, and the catalogue table.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../scenarios/result-format.js';
import { EXIT } from './errors.js';
import type { FailureFile } from './failure-file.js';
import { CATALOGUE_DIR, run_cli, type CliDeps } from './program.js';
import { run_scenario as fake_runner } from './test-support/fake-runner.js';

const FAKE_RUNNER_MODULE = new URL('./test-support/fake-runner.ts', import.meta.url).href;
const cwd = mkdtempSync(join(tmpdir(), 'streamsim-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const SCENARIO = (name: string, extra = '') => `name: ${name}
description: A scenario for the CLI's tests.
job: { name: word_count }
workload: { records: 100 }
flink: { execution.checkpointing.interval: 1s }
seeds: [4, 5, 6]
${extra}`;

writeFileSync(join(cwd, 'steady.yaml'), SCENARIO('steady'));
writeFileSync(join(cwd, 'flaky.yaml'), SCENARIO('flaky'));
writeFileSync(join(cwd, 'bites.yaml'), SCENARIO('bites', 'expect_violation: exactly_once_output\n'));
writeFileSync(join(cwd, 'broken.yaml'), 'name: broken\ndescription: d\njob: { name: page_rank }\n');

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], overrides: Partial<CliDeps> = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    runner: fake_runner,
    runner_module: FAKE_RUNNER_MODULE,
    ...overrides,
  };
  const code = await run_cli(argv, deps);
  return { code, stdout, stderr };
}

function strip_wall(results: RunResult[]): RunResult[] {
  return results.map((r) => ({ ...r, wall_ms: 0 }));
}

describe('run', () => {
  it('exits 0 and prints a summary when every property holds', async () => {
    const { code, stdout } = await cli(['run', 'steady.yaml', '--seed', '9']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/steady/);
    expect(stdout).toMatch(/\b9\b/);
  });

  it("uses the scenario's first default seed without --seed", async () => {
    const { stdout } = await cli(['run', 'steady.yaml', '--json']);
    expect((JSON.parse(stdout) as RunResult).seed).toBe(4);
  });

  it('exits 1 on a violation, printing the seed, the exact replay command and a failure file', async () => {
    const { code, stderr } = await cli(['run', 'flaky.yaml', '--seed', '6']);
    expect(code).toBe(EXIT.violation);
    expect(stderr).toMatch(/exactly_once_output violated at 1\.23 s/);
    expect(stderr).toMatch(/seed: 6/);
    expect(stderr).toContain('replay: npx streamsim replay 6 flaky.yaml');
    const failure_path = join(cwd, 'streamsim-reports', 'failures', 'flaky-seed-6.json');
    expect(stderr).toContain('npx streamsim replay streamsim-reports/failures/flaky-seed-6.json');
    const failure = JSON.parse(readFileSync(failure_path, 'utf8')) as FailureFile;
    expect(failure).toMatchObject({ format: 'streamsim-failure', seed: 6, scenario_file: 'flaky.yaml', scenario: { name: 'flaky' } });
    expect(failure.trace_hash).toBe(fake_runner(failure.scenario, { seed: 6, scenario_file: 'flaky.yaml' }).trace_hash);
  });

  it('counts an expected violation that happened as success', async () => {
    expect((await cli(['run', 'bites.yaml'])).code).toBe(EXIT.ok);
  });

  it('writes the trace where --trace says, and reports into --reports', async () => {
    const { code, stderr } = await cli(['run', 'steady.yaml', '--trace', 'out/t.jsonl', '--reports', 'rep']);
    expect(code).toBe(EXIT.ok);
    expect(readFileSync(join(cwd, 'out', 't.jsonl'), 'utf8')).toMatch(/"kind":"header"/);
    expect(stderr).toMatch(/trace written to out\/t.jsonl/);
    expect(existsSync(join(cwd, 'rep'))).toBe(true);
  });

  it('exits 2 with file, line, field and expectation for a bad scenario', async () => {
    const { code, stderr } = await cli(['run', 'broken.yaml']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('broken.yaml:3: job.name: unknown job "page_rank"; known jobs: word_count, sequence_check, windowed_sum');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 3 with a clear message when the runner module is missing', async () => {
    const { code, stderr } = await cli(['run', 'steady.yaml'], { runner: undefined, runner_module: new URL('./no-such-runner.ts', import.meta.url).href });
    expect(code).toBe(EXIT.internal);
    expect(stderr).toMatch(/scenario runner module .*no-such-runner\.ts .* is missing/);
  });

  it('exits 3 with the stack when the runner throws (a bug)', async () => {
    const { code, stderr } = await cli(['run', 'steady.yaml'], {
      runner: () => {
        throw new Error('boom in the engine');
      },
    });
    expect(code).toBe(EXIT.internal);
    expect(stderr).toMatch(/internal error[\s\S]*boom in the engine[\s\S]*\n\s+at /);
  });
});

describe('replay', () => {
  it('reproduces a failure file: same trace hash, and says so', async () => {
    await cli(['run', 'flaky.yaml', '--seed', '3']);
    const { code, stderr } = await cli(['replay', 'streamsim-reports/failures/flaky-seed-3.json', '--trace', 'replayed.jsonl']);
    expect(code).toBe(EXIT.violation);
    expect(stderr).toMatch(/reproduced: seed 3 of flaky gives trace hash [0-9a-f]+, identical to the failure file/);
    expect(existsSync(join(cwd, 'replayed.jsonl'))).toBe(true);
  });

  it('says NOT reproduced when the trace hash differs', async () => {
    await cli(['run', 'flaky.yaml', '--seed', '9']);
    const path = join(cwd, 'streamsim-reports', 'failures', 'flaky-seed-9.json');
    const failure = JSON.parse(readFileSync(path, 'utf8')) as FailureFile;
    writeFileSync(join(cwd, 'tampered.json'), JSON.stringify({ ...failure, trace_hash: 'deadbeef' }));
    const { code, stderr } = await cli(['replay', 'tampered.json']);
    expect(code).toBe(EXIT.violation);
    expect(stderr).toMatch(/NOT reproduced.*deadbeef/);
  });

  it('replays <seed> <scenario> twice and compares the hashes', async () => {
    const { code, stderr } = await cli(['replay', '5', 'steady.yaml']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/reproduced: seed 5 of steady .* identical to a second run/);
    let calls = 0;
    const drifting = (...args: Parameters<typeof fake_runner>) => ({ ...fake_runner(...args), trace_hash: `h${calls++}` });
    const drift = await cli(['replay', '5', 'steady.yaml'], { runner: drifting });
    expect(drift.code).toBe(EXIT.violation);
    expect(drift.stderr).toMatch(/NOT reproduced/);
  });

  it('never reads a path named inside a failure file: the embedded scenario is validated and used', async () => {
    await cli(['run', 'flaky.yaml', '--seed', '12']);
    const path = join(cwd, 'streamsim-reports', 'failures', 'flaky-seed-12.json');
    const failure = JSON.parse(readFileSync(path, 'utf8')) as FailureFile;
    writeFileSync(join(cwd, 'moved.json'), JSON.stringify({ ...failure, scenario_file: '/nonexistent/elsewhere.yaml' }));
    expect((await cli(['replay', 'moved.json'])).stderr).toMatch(/reproduced:/);
    writeFileSync(join(cwd, 'evil.json'), JSON.stringify({ ...failure, scenario: { ...failure.scenario, trace_path: '/etc/x' } }));
    const evil = await cli(['replay', 'evil.json']);
    expect(evil.code).toBe(EXIT.usage);
    expect(evil.stderr).toMatch(/scenario.trace_path: unknown field/);
  });

  it.each([
    [['replay', 'missing.json'], /missing.json: file not found/],
    [['replay', '7'], /needs a scenario file/],
    [['replay', 'x7', 'steady.yaml'], /replay <seed>: expected a whole number/],
    [['replay', 'steady.yaml'], /steady.yaml: a scenario file needs a seed: replay steady.yaml --seed <n>/],
    [['replay', 'notes.json'], /notes.json: file not found/],
    [['replay', 'steady.yaml', '--seed', '5', '--expect-hash', 'zz'], /--expect-hash: expected 12 to 64 hex digits/],
    [['replay', '5', 'steady.yaml', '--seed', '5'], /give the seed once/],
  ])('exits 2 for %j', async (argv, message) => {
    const { code, stderr } = await cli(argv);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toMatch(message);
  });
});

describe('swarm', () => {
  it('runs every seed of the range and lists each failure with its replay command', async () => {
    const { code, stderr, stdout } = await cli(['swarm', 'flaky.yaml', '--seeds', '10', '--first-seed', '1', '--workers', '1', '--json']);
    expect(code).toBe(EXIT.violation);
    const summary = JSON.parse(stdout) as { runs: number; failures: { seed: number; replay_command: string }[] };
    expect(summary.runs).toBe(10);
    expect(summary.failures.map((f) => f.seed)).toEqual([3, 6, 9]);
    expect(summary.failures[0]?.replay_command).toBe('npx streamsim replay 3 flaky.yaml');
    expect(stderr).toMatch(/swarm: 10 runs, 3 failed/);
  });

  it('gives identical results whatever the number of workers', async () => {
    // broken.yaml is in the directory: it is reported as bad input and the others still run.
    const one = await cli(['swarm', '.', '--seeds', '12', '--workers', '1', '--json']);
    const three = await cli(['swarm', '.', '--seeds', '12', '--workers', '3', '--json'], { runner: undefined });
    expect(one.code).toBe(EXIT.violation);
    expect(three.code).toBe(EXIT.violation);
    expect(one.stderr).toMatch(/broken.yaml:3: job.name: unknown job[\s\S]*this scenario is left out; the others run/);
    expect(strip_wall((JSON.parse(three.stdout) as { results: RunResult[] }).results)).toEqual(strip_wall((JSON.parse(one.stdout) as { results: RunResult[] }).results));
    const dir = join(cwd, 'good');
    cpSync(join(cwd, 'steady.yaml'), join(dir, 'steady.yaml'));
    cpSync(join(cwd, 'flaky.yaml'), join(dir, 'flaky.yaml'));
    const serial = await cli(['swarm', 'good', '--seeds', '12', '--workers', '1', '--json']);
    const parallel = await cli(['swarm', 'good', '--seeds', '12', '--workers', '3', '--json'], { runner: undefined });
    expect(parallel.code).toBe(serial.code);
    const a = JSON.parse(serial.stdout) as { results: RunResult[]; failures: unknown[] };
    const b = JSON.parse(parallel.stdout) as { results: RunResult[]; failures: unknown[] };
    expect(a.results).toHaveLength(24);
    expect(strip_wall(b.results)).toEqual(strip_wall(a.results));
    expect(b.failures).toEqual(a.failures);
  });

  it('reports a run that throws inside a worker as an internal error (exit 3) with its stack, and runs the rest', async () => {
    const module_path = join(cwd, 'throwing-runner.mjs');
    writeFileSync(
      module_path,
      `import { run_scenario as fake } from ${JSON.stringify(new URL('./test-support/fake-runner.ts', import.meta.url).href)};\n` +
        'export function run_scenario(s, o) { if (o.seed === 2) throw new Error("engine bug at seed 2"); return fake(s, o); }\n',
    );
    const { code, stderr, stdout } = await cli(['swarm', 'steady.yaml', '--seeds', '3', '--workers', '2', '--json'], {
      runner: undefined,
      runner_module: new URL(`file://${module_path}`).href,
    });
    expect(code).toBe(EXIT.internal);
    expect(stderr).toMatch(/INTERNAL ERROR steady \(steady.yaml\) seed 2[\s\S]*engine bug at seed 2[\s\S]*\n\s+at [\s\S]*replay: npx streamsim replay 2 steady.yaml/);
    const summary = JSON.parse(stdout) as { results: RunResult[]; run_errors: { seed: number; kind: string }[] };
    expect(summary.results.map((r) => r.seed)).toEqual([1, 3]);
    expect(summary.run_errors).toEqual([expect.objectContaining({ seed: 2, kind: 'internal' })]);
  });

  it('explains a missing runner from inside workers too', async () => {
    const { code, stderr } = await cli(['swarm', 'steady.yaml', '--seeds', '3', '--workers', '2'], {
      runner: undefined,
      runner_module: new URL('./no-such-runner.ts', import.meta.url).href,
    });
    expect(code).toBe(EXIT.internal);
    expect(stderr).toMatch(/scenario runner module .* is missing/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('summarizes a big swarm with a row per scenario', async () => {
    const { stdout } = await cli(['swarm', 'flaky.yaml', '--seeds', '60', '--workers', '1']);
    expect(stdout).toMatch(/^scenario\s+seeds\s+outcome/);
    expect(stdout).toMatch(/flaky\s+60\s+violation 20\/60\s+NO \(seed 3, 6, 9, 12, 15, … 20 in all\)/);
  });

  it('draws a progress bar on stderr only when it is a terminal', async () => {
    let tty_err = '';
    const tty = await cli(['swarm', 'steady.yaml', '--seeds', '4', '--workers', '1'], {
      stderr: { write: (text: string) => (tty_err += text), isTTY: true },
    });
    expect(tty.code).toBe(EXIT.ok);
    expect(tty_err).toMatch(/\r\[#{30}\] 4\/4 runs \(100%\), 0 failed, 0:\d\d elapsed, [0-9.]+ runs\/s, ETA 0:00/);
    const piped = await cli(['swarm', 'steady.yaml', '--seeds', '4', '--workers', '1']);
    expect(piped.stderr).not.toContain('\r[');
    expect(piped.stderr).toMatch(/^swarm: 4\/4 runs \(100%\), 0 failed, 0:\d\d elapsed, [0-9.]+ runs\/s, ETA 0:00$/m);
    const quiet = await cli(['swarm', 'steady.yaml', '--seeds', '4', '--workers', '1', '--quiet']);
    expect(quiet.stderr).toBe('swarm: 4 runs, 0 failed in 0:00\n');
  });

  it('shards split the seed range: the shards together run every seed once', async () => {
    const seeds: number[] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const { stdout } = await cli(['swarm', 'steady.yaml', '--seeds', '10', '--first-seed', '100', '--shard', shard, '--workers', '1', '--json']);
      seeds.push(...(JSON.parse(stdout) as { results: RunResult[] }).results.map((r) => r.seed));
    }
    expect(seeds).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
  });

  it.each([
    [['swarm', 'steady.yaml'], /required option '--seeds <n>'/],
    [['swarm', 'steady.yaml', '--seeds', '0'], /--seeds: expected a whole number from 1/],
    [['swarm', 'steady.yaml', '--seeds', '5', '--shard', '3'], /--shard: expected i\/n/],
    [['swarm', 'steady.yaml', '--seeds', '5', '--workers', 'many'], /--workers/],
    [['swarm', 'nowhere', '--seeds', '5'], /nowhere: no such file or directory/],
  ])('exits 2 for %j', async (argv, message) => {
    const { code, stderr } = await cli(argv);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toMatch(message);
  });
});

describe('catalogue', () => {
  it('runs every catalogue scenario on its default seeds and prints the table', async () => {
    const { code, stdout, stderr } = await cli(['catalogue', '--workers', '1']);
    expect(code).toBe(EXIT.ok);
    const files = readdirSync(CATALOGUE_DIR).filter((f) => f.endsWith('.yaml'));
    expect(stdout).toMatch(/^scenario\s+seeds\s+outcome\s+expectation met\s+hash \(first seed\)\s+wall ms/);
    for (const file of files) expect(stdout).toContain(file.replace('.yaml', ''));
    expect(stderr).toMatch(new RegExp(`catalogue: ${files.length} scenarios, \\d+ runs, 0 not as expected`));
  });

  it('exits 1 when an expectation is not met, and --seeds-per-scenario extends the seeds', async () => {
    const dir = join(cwd, 'cat');
    cpSync(join(cwd, 'flaky.yaml'), join(dir, 'flaky.yaml'));
    cpSync(join(cwd, 'bites.yaml'), join(dir, 'bites.yaml'));
    const { code, stdout } = await cli(['catalogue', '--seeds-per-scenario', '4', '--workers', '1'], { catalogue_dir: dir });
    expect(code).toBe(EXIT.violation);
    expect(stdout).toMatch(/flaky\s+4\s+violation 1\/4/);
    expect(stdout).toMatch(/bites\s+4\s+pass\s+yes/);
  });
});

describe('validate', () => {
  it('checks files and directories without running them', async () => {
    const { code, stdout } = await cli(['validate', 'steady.yaml', CATALOGUE_DIR], {
      runner: () => {
        throw new Error('validate must not run anything');
      },
    });
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^ok {2}steady.yaml {2}\(steady\)$/m);
    expect(stdout.split('\n').filter((line) => line.startsWith('ok')).length).toBe(1 + readdirSync(CATALOGUE_DIR).length);
  });

  it('exits 2 listing every bad file', async () => {
    const { code, stderr } = await cli(['validate', 'steady.yaml', 'broken.yaml', 'missing.yaml']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toMatch(/broken.yaml:3: job.name: unknown job/);
    expect(stderr).toMatch(/missing.yaml: no such file or directory/);
  });
});

describe('explore and the command line itself', () => {
  it('hands the trace paths to the explorer', async () => {
    writeFileSync(join(cwd, 'a.jsonl'), '{}\n');
    writeFileSync(join(cwd, 'b.jsonl'), '{}\n');
    const explorer = join(cwd, 'explorer.mjs');
    writeFileSync(explorer, 'export function run_explorer(options) { globalThis.__explored = options; return 0; }\n');
    const { code } = await cli(['explore', 'a.jsonl', '--diff', 'b.jsonl'], { explorer_module: new URL(`file://${explorer}`).href });
    expect(code).toBe(EXIT.ok);
    expect((globalThis as Record<string, unknown>)['__explored']).toMatchObject({ trace_path: join(cwd, 'a.jsonl'), diff_path: join(cwd, 'b.jsonl') });
  });

  it('--print and --query write text without a terminal: a digest, or the matching events', async () => {
    const trace = join(cwd, 'printed.jsonl');
    const lines = [
      { seq: 0, time_ms: 0, kind: 'header', format: 'streamsim-trace', version: 1, seed: 3, scenario: 's' },
      { seq: 1, time_ms: 5, kind: 'log', node: 'txstore', event: 'txstore.txn_expired', fields: { txn_id: 'x-0-1' } },
      { seq: 2, time_ms: 9, kind: 'violation', property: 'exactly_once_output', message: 'lost' },
      { seq: 3, time_ms: 9, kind: 'end', hash: 'h', events: 3 },
    ];
    writeFileSync(trace, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const digest = await cli(['explore', 'printed.jsonl', '--print']);
    expect(digest.code).toBe(EXIT.ok);
    expect(digest.stdout).toContain('violations (1):');
    expect(digest.stdout).toContain('suspicious events (1):');
    const query = await cli(['explore', 'printed.jsonl', '--query', 'txn_id=x-0-1', '--json']);
    expect(query.code).toBe(EXIT.ok);
    expect(JSON.parse(query.stdout)).toMatchObject({ seq: 1, event: 'txstore.txn_expired' });
    const none = await cli(['explore', 'printed.jsonl', '--query', 'event=sink.data_loss']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stderr).toContain('no event of');
    const bad = await cli(['explore', 'printed.jsonl', '--query', 'nonsense']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/--query: not a query term: "nonsense"/);
    const misused = await cli(['explore', 'printed.jsonl', '--json']);
    expect(misused.code).toBe(EXIT.usage);
  });

  it('explains when the explorer is not there yet, and refuses missing traces', async () => {
    const missing = await cli(['explore', 'a.jsonl'], { explorer_module: new URL('./no-explorer.ts', import.meta.url).href });
    expect(missing.code).toBe(EXIT.internal);
    expect(missing.stderr).toMatch(/trace explorer .* is not in this checkout yet/);
    const no_trace = await cli(['explore', 'nope.jsonl']);
    expect(no_trace.code).toBe(EXIT.usage);
    expect(no_trace.stderr).toMatch(/nope.jsonl: trace file not found/);
  });

  it('refuses a benchmark area that does not exist, naming the ones that do', async () => {
    for (const area of ['../etc/passwd', 'nosucharea']) {
      const { code, stderr } = await cli(['bench', '--only', area]);
      expect(code).toBe(EXIT.usage);
      expect(stderr).toMatch(/--only: no benchmark area ".*"; the areas are engine, .*sim/);
    }
  });

  it('prints help for every command with exit 0', async () => {
    for (const command of ['run', 'replay', 'swarm', 'validate', 'explore', 'bench', 'catalogue']) {
      const { code, stdout } = await cli([command, '--help']);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toMatch(new RegExp(`Usage: streamsim ${command}`));
    }
  });

  it('exits 2 for no command, an unknown command or an unknown flag', async () => {
    expect((await cli([])).code).toBe(EXIT.usage);
    expect((await cli(['frobnicate'])).code).toBe(EXIT.usage);
    const flag = await cli(['run', 'steady.yaml', '--sed', '1']);
    expect(flag.code).toBe(EXIT.usage);
    expect(flag.stderr).toMatch(/unknown option '--sed'/);
  });
});
