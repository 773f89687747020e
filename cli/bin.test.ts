// The real command line, spawned as `node cli/bin.mjs …` (the compiled dist/ when built, as after npm ci): help and
// --version exit 0, every kind of bad input exits 2 with a message naming the file or flag and what was expected —
// never a stack trace —, a reader closing the pipe early ends it quietly, and a swarm prints progress into a pipe.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'streamsim-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'good.yaml'), 'name: good\ndescription: fine\njob: { name: word_count }\nsink: { kind: at_least_once }\n');
writeFileSync(join(dir, 'malformed.yaml'), 'name: bad\ndescription: "unclosed\njob:\n  name: word_count\n');
writeFileSync(join(dir, 'wrong.yaml'), 'name: wrong\ndescription: d\njob: { name: word_count }\nworkload:\n  records: lots\n');
writeFileSync(join(dir, 'notes.txt'), 'hello');

function streamsim(args: string[], options: { close_stdout?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Like `| head -2` once head has gone: the reader closes the pipe before the command writes its output.
    if (options.close_stdout === true) child.stdout.destroy();
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.concurrent('streamsim (spawned)', () => {
  it('--help lists every command and exits 0', async () => {
    const { code, stdout } = await streamsim(['--help']);
    expect(code).toBe(0);
    for (const command of ['run', 'replay', 'swarm', 'validate', 'explore', 'bench', 'catalogue']) expect(stdout).toContain(command);
  });

  it('--version prints the version from package.json and exits 0', async () => {
    const { code, stdout } = await streamsim(['--version']);
    expect(code).toBe(0);
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(stdout).toBe(`${manifest.version}\n`);
  });

  it('runs the compiled CLI in dist/, which npm ci builds', () => {
    expect(existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))), 'dist/ is missing: npm run build').toBe(true);
  });

  it('ends quietly when the reader closes the pipe early (help swarm | head -2)', async () => {
    const { code, stderr } = await streamsim(['help', 'swarm'], { close_stdout: true });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('a 2-worker swarm prints progress lines into a pipe, with elapsed time, rate and ETA', async () => {
    writeFileSync(join(dir, 'tiny.yaml'), 'name: tiny\ndescription: small\njob: { name: word_count }\nworkload: { records: 50 }\nsink: { kind: at_least_once }\n');
    const { code, stderr } = await streamsim(['swarm', 'tiny.yaml', '--seeds', '4', '--workers', '2']);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('\r');
    const progress = stderr.split('\n').filter((line) => /^swarm: \d+\/4 runs \(\d+%\), \d+ failed, \d+:\d\d elapsed, [0-9.]+ runs\/s, ETA /.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toMatch(/^swarm: 4\/4 runs \(100%\)/);
  });

  it('swarm --help explains its flags and exits 0', async () => {
    const { code, stdout } = await streamsim(['swarm', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--shard <i\/n>/);
  });

  it.each([
    [['run', 'missing.yaml'], /missing\.yaml: file not found/],
    [['run', 'malformed.yaml'], /malformed\.yaml:\d+: malformed YAML/],
    [['run', 'wrong.yaml'], /wrong\.yaml:5: workload\.records: expected integer; got "lots"/],
    [['run', 'notes.txt'], /expected a scenario file ending in \.yaml, \.yml or \.json/],
    [['run', 'good.yaml', '--bogus'], /unknown option '--bogus'/],
    [['run', 'good.yaml', '--seed', '-4'], /--seed: expected a whole number from 0 to 4294967295/],
    [['swarm', 'good.yaml', '--seeds', '10', '--shard', '0/2'], /--shard i: expected a whole number from 1 to 2/],
    [['replay', 'notes.txt'], /not a JSON failure file/],
    [['explore', 'missing.jsonl'], /missing\.jsonl: trace file not found/],
    [['launch'], /unknown command 'launch'/],
    [[], /Usage: streamsim/],
  ])('exits 2 for %j, naming what was wrong', async (args, message) => {
    const { code, stderr } = await streamsim(args);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(code).toBe(2);
  });
});
