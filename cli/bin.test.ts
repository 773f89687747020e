// The real command line, spawned as `node cli/bin.mjs …`: help exits 0, and every kind of bad input exits 2 with a
// message naming the file or flag and what was expected — never a stack trace.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

function streamsim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
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
