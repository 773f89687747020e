// Specification of the CLI never losing a result: output paths are checked before anything runs, failure files never
// collide, a swarm keeps running past bad scenarios and stops early (Ctrl-C, --fail-fast, --time-budget) with a
// partial summary and reports marked incomplete, and merge refuses an incomplete set of shards by name.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../reports/json-report.js';
import { check_run_report } from '../reports/schema-validation.js';
import type { RunResult } from '../scenarios/result-format.js';
import { EXIT } from './errors.js';
import type { FailureFile } from './failure-file.js';
import { EXIT_INTERRUPTED, run_cli, type CliDeps } from './program.js';
import { run_scenario as fake_runner } from './test-support/fake-runner.js';
import { RunBudgetExceeded } from '../scenarios/run/run-stopped.js';

const cwd = mkdtempSync(join(tmpdir(), 'streamsim-robust-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const SCENARIO = (name: string, description = 'A scenario for the robustness tests.') =>
  `name: ${name}\ndescription: ${description}\njob: { name: word_count }\nworkload: { records: 100 }\nsink: { kind: at_least_once }\nseeds: [3]\n`;
writeFileSync(join(cwd, 'steady.yaml'), SCENARIO('steady'));
writeFileSync(join(cwd, 'flaky.yaml'), SCENARIO('flaky'));
writeFileSync(join(cwd, 'a-file'), 'not a directory');

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI with the fake runner; `ran` counts the runs it started. */
async function cli(argv: string[], overrides: Partial<CliDeps> = {}, dir = cwd): Promise<Captured & { ran: number }> {
  let stdout = '';
  let stderr = '';
  let ran = 0;
  const deps: CliDeps = {
    cwd: dir,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    runner: (scenario, options) => {
      ran++;
      return fake_runner(scenario, options);
    },
    ...overrides,
  };
  const code = await run_cli(argv, deps);
  return { code, stdout, stderr, ran };
}

describe('output paths are checked before anything runs', () => {
  it.each([
    [['run', 'flaky.yaml', '--seed', '3', '--reports', 'a-file'], /--reports a-file: is a file, not a directory/],
    [['run', 'flaky.yaml', '--seed', '3', '--reports', 'a-file/sub'], /--reports a-file\/sub: cannot create the directory \(.*a-file is a file, not a directory\)/],
    [['run', 'flaky.yaml', '--seed', '3', '--trace', '.'], /--trace \.: is a directory; give a file name such as trace.jsonl/],
    [['run', 'flaky.yaml', '--seed', '3', '--trace', 'flaky.yaml'], /--trace flaky.yaml: is the scenario file being read; writing the trace there would destroy it/],
    [['run', 'flaky.yaml', '--seed', '3', '--trace', 'a-file'], /--trace a-file: exists and is not a streamsim trace/],
    [['run', 'flaky.yaml', '--seed', '3', '--trace', 'a-file/t.jsonl'], /--trace a-file\/t.jsonl: .*a-file is a file, not a directory/],
    [['swarm', 'flaky.yaml', '--seeds', '3', '--reports', 'a-file'], /--reports a-file: is a file, not a directory/],
    [['replay', 'flaky.yaml', '--seed', '3', '--reports', 'a-file'], /--reports a-file: is a file, not a directory/],
  ])('%j exits 2 without running', async (argv, message) => {
    const { code, stderr, ran } = await cli(argv);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(EXIT.usage);
    expect(ran).toBe(0);
  });

  it('checks the default failure directory too: ./streamsim-reports as a file stops a run before it starts', async () => {
    const dir = mkdtempSync(join(cwd, 'default-'));
    cpSync(join(cwd, 'flaky.yaml'), join(dir, 'flaky.yaml'));
    writeFileSync(join(dir, 'streamsim-reports'), 'in the way');
    const { code, stderr, ran } = await cli(['run', 'flaky.yaml', '--seed', '3'], {}, dir);
    expect(stderr).toMatch(/the failure directory streamsim-reports\/failures: .*streamsim-reports is a file, not a directory/);
    expect(code).toBe(EXIT.usage);
    expect(ran).toBe(0);
    const swarm = await cli(['swarm', 'flaky.yaml', '--seeds', '3'], {}, dir);
    expect(swarm.code).toBe(EXIT.usage);
    expect(swarm.ran).toBe(0);
  });

  it('a passing run leaves no empty failure directory behind', async () => {
    const dir = mkdtempSync(join(cwd, 'clean-'));
    cpSync(join(cwd, 'steady.yaml'), join(dir, 'steady.yaml'));
    expect((await cli(['run', 'steady.yaml'], {}, dir)).code).toBe(EXIT.ok);
    expect(existsSync(join(dir, 'streamsim-reports'))).toBe(false);
  });

  it('never lets --trace replace the failure file a replay reads', async () => {
    await cli(['run', 'flaky.yaml', '--seed', '6']);
    const failure = 'streamsim-reports/failures/flaky-seed-6.json';
    const before = readFileSync(join(cwd, failure), 'utf8');
    const { code, stderr, ran } = await cli(['replay', failure, '--trace', failure]);
    expect(stderr).toMatch(/is the failure file being read/);
    expect(code).toBe(EXIT.usage);
    expect(ran).toBe(0);
    expect(readFileSync(join(cwd, failure), 'utf8')).toBe(before);
  });

  it('overwrites an earlier trace, which is what --trace is for', async () => {
    expect((await cli(['run', 'steady.yaml', '--trace', 'again.jsonl'])).code).toBe(EXIT.ok);
    expect((await cli(['run', 'steady.yaml', '--trace', 'again.jsonl'])).code).toBe(EXIT.ok);
  });
});

describe('failure files', () => {
  it('two scenarios with the same name get a failure file each, and each replays its own scenario', async () => {
    const dir = join(cwd, 'same-name');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.yaml'), SCENARIO('flaky', 'first of two'));
    writeFileSync(join(dir, 'b.yaml'), SCENARIO('flaky', 'second of two'));
    const { code, stderr } = await cli(['swarm', 'same-name', '--seeds', '3', '--workers', '1', '--reports', 'same-name-out']);
    expect(code).toBe(EXIT.violation);
    const files = readdirSync(join(cwd, 'same-name-out', 'failures')).sort();
    expect(files).toEqual(['flaky-seed-3-2.json', 'flaky-seed-3.json']);
    const read = (name: string) => JSON.parse(readFileSync(join(cwd, 'same-name-out', 'failures', name), 'utf8')) as FailureFile;
    expect(read('flaky-seed-3.json')).toMatchObject({ scenario_file: 'same-name/a.yaml', scenario: { description: 'first of two' } });
    expect(read('flaky-seed-3-2.json')).toMatchObject({ scenario_file: 'same-name/b.yaml', scenario: { description: 'second of two' } });
    expect(stderr).toContain('npx streamsim replay same-name-out/failures/flaky-seed-3-2.json');
  });
});

describe('a swarm never loses a result', () => {
  it('prints each failure as it happens, before the summary', async () => {
    const { stderr } = await cli(['swarm', 'flaky.yaml', '--seeds', '6', '--workers', '1']);
    const first_failure = stderr.indexOf('FAILED flaky (flaky.yaml) seed 3');
    expect(first_failure).toBeGreaterThan(-1);
    expect(stderr.indexOf('FAILED flaky (flaky.yaml) seed 6')).toBeGreaterThan(first_failure);
    expect(stderr).toMatch(/swarm: 6 runs, 2 failed in \d+:\d\d\n$/);
  });

  it('--fail-fast stops at the first failure and marks the reports incomplete', async () => {
    const { code, stderr, stdout, ran } = await cli(['swarm', 'flaky.yaml', '--seeds', '20', '--workers', '1', '--fail-fast', '--json', '--reports', 'ff']);
    expect(code).toBe(EXIT.violation);
    expect(ran).toBe(3);
    expect(stderr).toMatch(/swarm: stopped at the first failure \(--fail-fast\) after 3 of 20 runs/);
    expect(JSON.parse(stdout)).toMatchObject({ runs: 3, runs_planned: 20, complete: false, stopped: 'fail_fast' });
    const report = JSON.parse(readFileSync(join(cwd, 'ff', 'report.json'), 'utf8')) as RunReport;
    expect(report.meta.swarm).toMatchObject({ complete: false, stopped: 'fail_fast', runs_done: 3, runs_planned: 20 });
    expect(check_run_report(report).errors).toEqual([]);
  });

  it('Ctrl-C writes the partial summary, the failure files so far and reports marked incomplete; exit 130', async () => {
    let interrupt: (() => void) | undefined;
    let runs = 0;
    const { code, stderr, stdout } = await cli(['swarm', 'flaky.yaml', '--seeds', '50', '--workers', '1', '--reports', 'interrupted', '--json'], {
      on_interrupt: (handler) => {
        interrupt = handler;
        return () => (interrupt = undefined);
      },
      runner: (scenario, options) => {
        if (++runs === 7) interrupt?.();
        return fake_runner(scenario, options);
      },
    });
    expect(code).toBe(EXIT_INTERRUPTED);
    expect(interrupt).toBeUndefined(); // unsubscribed at the end
    expect(stderr).toMatch(/swarm: interrupted \(Ctrl-C\) after 7 of 50 runs/);
    const summary = JSON.parse(stdout) as { results: RunResult[]; stopped: string; failures: { seed: number }[] };
    expect(summary.results.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(summary.failures.map((f) => f.seed)).toEqual([3, 6]);
    expect(readdirSync(join(cwd, 'interrupted', 'failures')).sort()).toEqual(['flaky-seed-3.json', 'flaky-seed-6.json']);
    const report = JSON.parse(readFileSync(join(cwd, 'interrupted', 'report.json'), 'utf8')) as RunReport;
    expect(report.meta.swarm).toMatchObject({ complete: false, stopped: 'interrupted', runs_done: 7 });
  });

  it('--time-budget stops starting runs once the time is up and says how far it got', async () => {
    let ran = 0;
    const slow = (...args: Parameters<typeof fake_runner>) => {
      ran++;
      const until = performance.now() + 30;
      while (performance.now() < until);
      return fake_runner(...args);
    };
    const { code, stderr } = await cli(['swarm', 'steady.yaml', '--seeds', '100', '--workers', '1', '--time-budget', '100ms'], { runner: slow });
    expect(code).toBe(EXIT.ok);
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(100);
    expect(stderr).toMatch(new RegExp(`the time budget ran out \\(--time-budget\\) after ${ran} of 100 runs`));
  });

  it('says so when a shard has no seeds, and still writes its report for merge', async () => {
    const { code, stderr } = await cli(['swarm', 'steady.yaml', '--seeds', '2', '--shard', '3/4', '--reports', 'empty-shard']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/shard 3\/4 of 2 seed\(s\) has no seeds to run/);
    const report = JSON.parse(readFileSync(join(cwd, 'empty-shard', 'report.json'), 'utf8')) as RunReport;
    expect(report.meta.swarm).toMatchObject({ shard_index: 3, shard_count: 4, seeds_start: 2, seeds_end: 2, complete: true });
  });
});

describe('merge checks the shards', () => {
  const shards = ['1/4', '2/4', '3/4', '4/4'];
  const run_shards = (() => {
    let done: Promise<void> | undefined;
    return () =>
      (done ??= (async () => {
        for (const shard of shards) await cli(['swarm', 'flaky.yaml', '--seeds', '20', '--workers', '1', '--shard', shard, '--reports', `m/shard-${shard[0]}`]);
      })());
  })();

  it('refuses 3 of 4 shards, naming the missing one and its seeds', async () => {
    await run_shards();
    const { code, stderr } = await cli(['merge', 'm/shard-1/report.json', 'm/shard-2/report.json', 'm/shard-4/report.json', '--out', 'm/merged']);
    expect(stderr).toMatch(/missing shard: shard 3\/4 \(seeds 11\.\.15\)/);
    expect(code).toBe(EXIT.usage);
    expect(existsSync(join(cwd, 'm', 'merged'))).toBe(false);
  });

  it('merges all 4 into a report that passes its own schema, with --json', async () => {
    await run_shards();
    const { code, stdout } = await cli(['merge', ...shards.map((s) => `m/shard-${s[0]}/report.json`), '--out', 'm/merged', '--json']);
    expect(code).toBe(EXIT.violation);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'streamsim-merge', runs: 20, failed: 6, complete: true, out: 'm/merged' });
    const report = JSON.parse(readFileSync(join(cwd, 'm', 'merged', 'report.json'), 'utf8')) as RunReport;
    expect(check_run_report(report).errors).toEqual([]);
    expect(report.meta.swarm).toMatchObject({ shard_index: 1, shard_count: 1, seeds_start: 1, seeds_end: 21, complete: true });
  });

  it('refuses shards of different swarms, malformed results, and an --out that is a file or holds an input', async () => {
    await run_shards();
    await cli(['swarm', 'flaky.yaml', '--seeds', '30', '--workers', '1', '--shard', '2/4', '--reports', 'm/other-2']);
    const other = await cli(['merge', 'm/shard-1/report.json', 'm/other-2/report.json', '--out', 'm/x']);
    expect(other.stderr).toMatch(/are shards of different swarms: seed range 30 seeds from 1 vs 20 from 1/);
    const report = JSON.parse(readFileSync(join(cwd, 'm', 'shard-1', 'report.json'), 'utf8')) as { results: unknown[] };
    report.results[0] = { seed: 'one' };
    writeFileSync(join(cwd, 'm', 'malformed.json'), JSON.stringify(report));
    const malformed = await cli(['merge', 'm/malformed.json', '--out', 'm/x']);
    expect(malformed.code).toBe(EXIT.usage);
    expect(malformed.stderr).toMatch(/m\/malformed.json: not a valid run report[\s\S]*\/results\/0/);
    expect(malformed.stderr).not.toMatch(/\n\s+at /);
    const out_file = await cli(['merge', ...shards.map((s) => `m/shard-${s[0]}/report.json`), '--out', 'a-file']);
    expect(out_file.stderr).toMatch(/--out a-file: .*is a file, not a directory/);
    expect(out_file.code).toBe(EXIT.usage);
    const over_input = await cli(['merge', ...shards.map((s) => `m/shard-${s[0]}/report.json`), '--out', 'm/shard-1']);
    expect(over_input.stderr).toMatch(/--out m\/shard-1: would overwrite m\/shard-1\/report.json/);
  });
});

describe('command-line habits', () => {
  it('prints the version', async () => {
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('replays with the same argument order as run, and writes reports of the replay', async () => {
    const { code, stderr } = await cli(['replay', 'steady.yaml', '--seed', '5', '--reports', 'replay-reports']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/reproduced: seed 5 of steady/);
    expect(existsSync(join(cwd, 'replay-reports', 'report.json'))).toBe(true);
  });

  it('checks --expect-hash: a prefix of the trace hash reproduces, another hash does not', async () => {
    const hash = fake_runner({ name: 'steady', description: 'A scenario for the robustness tests.', job: { name: 'word_count' }, workload: { records: 100 }, sink: { kind: 'at_least_once' }, seeds: [3] }, { seed: 5, scenario_file: 'steady.yaml' }).trace_hash;
    expect((await cli(['replay', 'steady.yaml', '--seed', '5', '--expect-hash', hash.slice(0, 12).toUpperCase()])).code).toBe(EXIT.ok);
    const other = await cli(['replay', 'steady.yaml', '--seed', '5', '--expect-hash', '0123456789ab']);
    expect(other.code).toBe(EXIT.violation);
    expect(other.stderr).toMatch(/NOT reproduced/);
  });

  it('validate --json gives one entry per file', async () => {
    writeFileSync(join(cwd, 'bad.yaml'), 'name: bad\ndescription: d\njob: { name: nope }\n');
    const { code, stdout } = await cli(['validate', 'steady.yaml', 'bad.yaml', '--json']);
    expect(code).toBe(EXIT.usage);
    const report = JSON.parse(stdout) as { ok: boolean; files: { file: string; ok: boolean; error?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.files).toEqual([
      { file: 'steady.yaml', ok: true, scenario: 'steady' },
      { file: 'bad.yaml', ok: false, error: expect.stringMatching(/bad.yaml:3: job.name: unknown job "nope"/) },
    ]);
  });

  it('prints completion scripts that list every command and flag', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const { code, stdout } = await cli(['completion', shell]);
      expect(code).toBe(EXIT.ok);
      for (const word of ['run', 'replay', 'swarm', 'merge', 'validate', 'completion', 'fail-fast', 'time-budget', 'expect-hash']) expect(stdout).toContain(word);
    }
    expect((await cli(['completion', 'powershell'])).stderr).toMatch(/completion: expected one of bash, zsh, fish/);
  });

  it('--no-color and NO_COLOR keep colour codes out even on a terminal; FORCE_COLOR puts them in a pipe', async () => {
    const on_tty = (env: Record<string, string>) => {
      let stdout = '';
      return { stdout: () => stdout, deps: { stdout: { write: (t: string) => (stdout += t), isTTY: true }, env } };
    };
    const plain = on_tty({});
    await cli(['run', 'steady.yaml'], plain.deps);
    expect(plain.stdout()).toMatch(/\u001b\[/);
    for (const [argv, env] of [[['run', 'steady.yaml', '--no-color'], {}], [['run', 'steady.yaml'], { NO_COLOR: '1' }]] as const) {
      const captured = on_tty(env);
      await cli([...argv], captured.deps);
      expect(captured.stdout()).not.toMatch(/\u001b\[/);
    }
    const forced = await cli(['run', 'steady.yaml'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(/\u001b\[/);
  });
});

describe('a run too big for memory', () => {
  const out_of_heap = () => {
    throw new RunBudgetExceeded('run budget exceeded: 3500 MB of heap in use while the oracle evaluated the job, over 85% of the 4100 MB this process may hold; make the scenario smaller', 'memory');
  };

  it('run stops with exit 2 and the memory message, without advice about events or time', async () => {
    const { code, stderr } = await cli(['run', 'steady.yaml'], { runner: out_of_heap });
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('error: steady: run budget exceeded: 3500 MB of heap in use while the oracle evaluated the job');
    expect(stderr).not.toContain('--max-events');
  });

  it('a swarm reports it as over budget (exit 2) and still runs the other seeds', async () => {
    let calls = 0;
    const { code, stderr } = await cli(['swarm', 'steady.yaml', '--seeds', '3', '--workers', '1'], {
      runner: (scenario, options) => (++calls === 2 ? out_of_heap() : fake_runner(scenario, options)),
    });
    expect(code).toBe(EXIT.usage);
    expect(stderr).toMatch(/OVER BUDGET steady \(steady.yaml\) seed 2: run budget exceeded: 3500 MB of heap in use/);
    expect(stderr).toMatch(/swarm: 2 runs, 0 failed, 1 over budget in/);
  });
});
