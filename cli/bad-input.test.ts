// Runs the bad-input corpus (cli/bad-input/*.yaml, one file per kind of input): every case is a command with the
// files it reads, the exit code it must give and a fragment of its message. None may exit 3 (an internal error) or
// print a stack trace. Cases run in-process through run_cli with the real runner, or spawned through cli/bin.mjs.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from './errors.js';
import { run_cli } from './program.js';

const CORPUS_DIR = fileURLToPath(new URL('./bad-input/', import.meta.url));
const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
/** The kinds of input the corpus must cover, one file each. */
const KINDS = ['scenarios', 'flink-keys', 'cli-flags', 'traces', 'failure-files', 'merged-reports', 'output-paths'];
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
/** One case may take this long at most (most take milliseconds; a few run a tiny scenario). */
const CASE_TIME_LIMIT_MS = 30_000;

/** File content: text, bytes, a repeated unit, or a copy of a JSON file (written by `setup`) with fields changed. */
type Content =
  | string
  | { base64: string }
  | { repeat: string; times: number; before?: string; after?: string }
  | { from: string; set?: Record<string, unknown>; delete?: string[] };

interface Case {
  name: string;
  files?: Record<string, Content>;
  /** Commands run first (e.g. swarms that write shard reports); none may exit 3. */
  setup?: string[][];
  /** Files written after setup (copies of what setup wrote, changed). */
  derive?: Record<string, Content>;
  argv: string[];
  exit: number;
  /** A fragment of stderr + stdout. */
  message: string;
  /** Run as a separate process through cli/bin.mjs; close_stdout closes the reading end of its stdout at once. */
  spawn?: boolean;
  close_stdout?: boolean;
  /** Commands run afterwards in the same directory (e.g. replaying the failure files the case wrote), each checked the same way. */
  then?: { argv: string[]; exit: number; message: string }[];
}

interface CorpusFile {
  kind: string;
  cases: Case[];
}

/** Files every case's directory starts with. */
const COMMON_FILES: Record<string, string> = {
  'good.yaml': 'name: good\ndescription: A small valid scenario.\njob: { name: word_count }\nworkload: { records: 40, keys: 5 }\nsink: { kind: at_least_once }\nseeds: [1]\n',
  'a-file': 'a regular file that is neither a directory nor a trace\n',
};

function load_corpus(): CorpusFile[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => parse(readFileSync(join(CORPUS_DIR, name), 'utf8')) as CorpusFile);
}

function set_path(target: unknown, dotted: string, value: unknown, remove: boolean): void {
  const keys = dotted.split('.');
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] ?? '';
  if (remove) delete node[last];
  else node[last] = value;
}

function write_content(dir: string, path: string, content: Content): void {
  const target = join(dir, path);
  mkdirSync(dirname(target), { recursive: true });
  if (typeof content === 'string') return writeFileSync(target, content);
  if ('base64' in content) return writeFileSync(target, Buffer.from(content.base64, 'base64'));
  if ('repeat' in content) return writeFileSync(target, `${content.before ?? ''}${content.repeat.repeat(content.times)}${content.after ?? ''}`);
  const data = JSON.parse(readFileSync(join(dir, content.from), 'utf8')) as unknown;
  for (const [dotted, value] of Object.entries(content.set ?? {})) set_path(data, dotted, value, false);
  for (const dotted of content.delete ?? []) set_path(data, dotted, undefined, true);
  writeFileSync(target, JSON.stringify(data, null, 2));
}

async function in_process(argv: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  let output = '';
  const sink = { write: (text: string) => (output += text) };
  const code = await run_cli(argv, { cwd, stdout: sink, stderr: sink, env: {} });
  return { code, output };
}

function spawned(argv: readonly string[], cwd: string, close_stdout: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    if (close_stdout) child.stdout.destroy();
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

const root = mkdtempSync(join(tmpdir(), 'streamsim-bad-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const corpus = load_corpus();
let case_number = 0;

describe('the bad-input corpus', () => {
  it('has a file for every kind of input, each with cases of unique names', () => {
    expect(corpus.map((file) => file.kind).sort()).toEqual([...KINDS].sort());
    for (const file of corpus) {
      expect(file.cases.length, file.kind).toBeGreaterThanOrEqual(8);
      expect(new Set(file.cases.map((c) => c.name)).size, file.kind).toBe(file.cases.length);
    }
  });

  for (const file of corpus) {
    describe(file.kind, () => {
      it.each(file.cases.map((c) => [c.name, c] as const))('%s', async (_name, bad) => {
        const dir = join(root, `${file.kind}-${++case_number}`);
        mkdirSync(dir, { recursive: true });
        for (const [path, text] of Object.entries(COMMON_FILES)) write_content(dir, path, text);
        for (const [path, content] of Object.entries(bad.files ?? {})) write_content(dir, path, content);
        for (const step of bad.setup ?? []) {
          const setup = await in_process(step, dir);
          expect(setup.code, `setup ${step.join(' ')}:\n${setup.output}`).not.toBe(EXIT.internal);
        }
        for (const [path, content] of Object.entries(bad.derive ?? {})) write_content(dir, path, content);
        const started_ms = performance.now();
        const { code, output } = bad.spawn === true ? await spawned(bad.argv, dir, bad.close_stdout === true) : await in_process(bad.argv, dir);
        const context = `streamsim ${bad.argv.join(' ')}\n${output.slice(0, 3000)}`;
        expect(code, context).not.toBe(EXIT.internal);
        expect(output, context).not.toMatch(STACK_TRACE);
        expect(code, context).toBe(bad.exit);
        expect(output, context).toContain(bad.message);
        expect(performance.now() - started_ms, context).toBeLessThan(CASE_TIME_LIMIT_MS);
        for (const step of bad.then ?? []) {
          const next = await in_process(step.argv, dir);
          const step_context = `then: streamsim ${step.argv.join(' ')}\n${next.output.slice(0, 3000)}`;
          expect(next.code, step_context).not.toBe(EXIT.internal);
          expect(next.output, step_context).not.toMatch(STACK_TRACE);
          expect(next.code, step_context).toBe(step.exit);
          expect(next.output, step_context).toContain(step.message);
        }
      });
    });
  }
});
