// Runs what the documentation shows, so it cannot drift from the tool: `console` blocks are executed command by
// command in a fresh sandbox and their quoted output compared (with `…` for what varies), `yaml file=NAME` blocks are
// written there first, scenario examples must validate, and `npx streamsim` lines of `sh` blocks must name real
// commands and flags. The conventions are in docs/README.md; docs/docs.test.ts applies them to README.md and docs/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parse_yaml } from 'yaml';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where sandboxes are made: inside the checkout, so `npx streamsim` finds this checkout's bin (tools/link-bin.mjs). */
export const SANDBOX_ROOT = join(REPO_ROOT, '.docs-sandbox');
/** Longest a single documented command may run. */
export const COMMAND_TIMEOUT_MS = 10 * 60_000;
/** The wildcard of expected output: a line that is only `…` matches any lines (or none), `…` in a line any text. */
export const ELLIPSIS = '…';

export interface CodeBlock {
  /** The info string after the opening fence, e.g. `console`, `yaml file=my-sink.yaml`. */
  info: string;
  language: string;
  /** `file=NAME` from the info string. */
  file?: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

/** Every fenced code block of a Markdown text, in order. */
export function code_blocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)(```+|~~~+)\s*(.*)$/.exec(lines[index] as string);
    if (open === null) continue;
    const fence = open[2] as string;
    const info = (open[3] as string).trim();
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !(lines[end] as string).trim().startsWith(fence)) body.push(lines[end++] as string);
    const file = /(?:^|\s)file=(\S+)/.exec(info)?.[1];
    blocks.push({ info, language: info.split(/\s+/)[0] ?? '', ...(file !== undefined ? { file } : {}), line: index + 1, text: body.join('\n') });
    index = end;
  }
  return blocks;
}

/** One `$ command` of a console block and the output shown under it. */
export interface ConsoleStep {
  command: string;
  expected: string[];
  /** 1-based line of the command in the document. */
  line: number;
}

/** The commands of a console block (`$ ` prompts; a trailing `\` continues a command) with their shown output. */
export function console_steps(block: CodeBlock): ConsoleStep[] {
  const steps: ConsoleStep[] = [];
  const lines = block.text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] as string;
    if (text.startsWith('$ ')) {
      let command = text.slice(2);
      const line = block.line + 1 + index;
      while (command.endsWith('\\') && index + 1 < lines.length) command = `${command.slice(0, -1)}\n${(lines[++index] as string).replace(/^> ?/, '')}`;
      steps.push({ command, expected: [], line });
    } else {
      const step = steps[steps.length - 1];
      if (step !== undefined) step.expected.push(text);
    }
  }
  for (const step of steps) while (step.expected.length > 0 && (step.expected[step.expected.length - 1] as string).trim() === '') step.expected.pop();
  return steps;
}

/** Output as compared: no colour codes, no trailing spaces, no carriage returns, no trailing blank lines. */
export function normalize_output(text: string): string[] {
  const lines = text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function line_pattern(expected: string): RegExp {
  const parts = expected.replace(/\s+$/, '').split(ELLIPSIS).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/** Whether the actual lines match the expected ones (with `…` wildcards); the first unmatched expected line if not. */
export function match_output(expected: readonly string[], actual: readonly string[]): { ok: true } | { ok: false; expected_line: number; best_actual: number } {
  const patterns = expected.map((line) => (line.trim() === ELLIPSIS ? undefined : line_pattern(line)));
  const memo = new Map<number, boolean>();
  let deepest = { expected_line: 0, best_actual: 0 };
  const matches = (i: number, j: number): boolean => {
    const key = i * (actual.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (i > deepest.expected_line) deepest = { expected_line: i, best_actual: j };
    let result: boolean;
    if (i === patterns.length) result = j === actual.length;
    else {
      const pattern = patterns[i];
      if (pattern === undefined) result = matches(i + 1, j) || (j < actual.length && matches(i, j + 1));
      else result = j < actual.length && pattern.test(actual[j] as string) && matches(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return matches(0, 0) ? { ok: true } : { ok: false, ...deepest };
}

/**
 * `npx streamsim …` runs the bin that npx would find (node_modules/.bin/streamsim, linked by `npm ci`) without npm's
 * own start-up, a few seconds per command on a loaded machine; any other npx call goes to npx.
 */
const NPX_STREAMSIM = [
  'npx() {',
  `  if [ "$1" = streamsim ] && [ -x ${JSON.stringify(join(REPO_ROOT, 'node_modules', '.bin', 'streamsim'))} ]; then`,
  `    shift; ${JSON.stringify(join(REPO_ROOT, 'node_modules', '.bin', 'streamsim'))} "$@"`,
  '  else command npx "$@"; fi',
  '}',
].join('\n');

/** A scratch directory that sees the checkout (every top-level entry linked in) but keeps what commands write. */
export class DocSandbox {
  readonly path: string;
  private last_exit_code = 0;

  constructor(name: string) {
    this.path = join(SANDBOX_ROOT, `${name.replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(this.path, { recursive: true });
    const skipped = new Set(['.git', '.docs-sandbox', 'streamsim-reports', '.stryker-tmp', '.vitest-tmp']);
    for (const entry of readdirSync(REPO_ROOT)) {
      if (skipped.has(entry)) continue;
      symlinkSync(join(REPO_ROOT, entry), join(this.path, entry));
    }
  }

  write(file: string, text: string): void {
    if (file.includes('..') || file.startsWith('/')) throw new Error(`file=${file}: a documented file must stay inside the sandbox`);
    mkdirSync(dirname(join(this.path, file)), { recursive: true });
    writeFileSync(join(this.path, file), text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Runs one documented command with bash; `$?` is the previous command's exit code. Output: stdout and stderr together. */
  run(command: string): { output: string; exit_code: number } {
    const script = `exec 2>&1\n${NPX_STREAMSIM}\n(exit ${this.last_exit_code})\n${command}`;
    const result = spawnSync('bash', ['-c', script], {
      cwd: this.path,
      encoding: 'utf8',
      timeout: COMMAND_TIMEOUT_MS,
      maxBuffer: 64 << 20,
      env: {
        ...process.env,
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        NO_UPDATE_NOTIFIER: '1',
        npm_config_update_notifier: 'false',
        npm_config_yes: 'false',
      },
    });
    this.last_exit_code = result.status ?? 128;
    return { output: (result.stdout ?? '') + (result.error !== undefined ? `\n[doc-test: ${result.error.message}]` : ''), exit_code: this.last_exit_code };
  }

  dispose(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** What checking one documented command found. */
export interface StepResult {
  doc: string;
  line: number;
  command: string;
  ok: boolean;
  /** Why not: the first expected line that did not match, and the whole actual output to paste back. */
  message?: string;
  output: string;
}

/**
 * Runs every console block of a document in one sandbox, in order; `yaml file=NAME` blocks (and any other
 * `file=NAME` block) are written into it when reached.
 */
export function run_console_blocks(doc_path: string, options: { keep_sandbox?: boolean } = {}): StepResult[] {
  const markdown = readFileSync(doc_path, 'utf8');
  const blocks = code_blocks(markdown);
  const results: StepResult[] = [];
  if (!blocks.some((block) => block.language === 'console')) return results;
  const sandbox = new DocSandbox(basename(doc_path, '.md'));
  try {
    for (const block of blocks) {
      if (block.file !== undefined) {
        sandbox.write(block.file, block.text);
        continue;
      }
      if (block.language !== 'console' || /(?:^|\s)no-run(?:\s|$)/.test(block.info)) continue;
      for (const step of console_steps(block)) {
        const { output } = sandbox.run(step.command);
        const actual = normalize_output(output);
        const verdict = match_output(step.expected, actual);
        const result: StepResult = { doc: doc_path, line: step.line, command: step.command, ok: verdict.ok, output: actual.join('\n') };
        if (!verdict.ok) {
          const wanted = step.expected[verdict.expected_line] ?? '(end of output)';
          const got = actual[verdict.best_actual] ?? '(end of output)';
          result.message = `${doc_path}:${step.line}: $ ${step.command}\n  expected line ${verdict.expected_line + 1}: ${wanted}\n  got:                ${got}\n  whole output:\n${actual.map((line) => `    ${line}`).join('\n')}`;
        }
        results.push(result);
      }
    }
  } finally {
    if (options.keep_sandbox !== true) sandbox.dispose();
  }
  return results;
}

/** YAML blocks that look like scenarios (a mapping with `name` and `job`), with their document line. */
export function scenario_examples(markdown: string): { line: number; data: unknown; text: string; file?: string }[] {
  return code_blocks(markdown)
    .filter((block) => block.language === 'yaml' || block.language === 'yml')
    .flatMap((block) => {
      let data: unknown;
      try {
        data = parse_yaml(block.text);
      } catch {
        return [{ line: block.line, data: undefined, text: block.text }];
      }
      const is_scenario = typeof data === 'object' && data !== null && 'name' in data && 'job' in data;
      return is_scenario ? [{ line: block.line, data, text: block.text, ...(block.file !== undefined ? { file: block.file } : {}) }] : [];
    });
}

/** `npx streamsim <command> …` lines of sh/bash/shell blocks: the command and the flags they use. */
export function documented_invocations(markdown: string): { line: number; command: string; flags: string[]; text: string }[] {
  const out: { line: number; command: string; flags: string[]; text: string }[] = [];
  for (const block of code_blocks(markdown)) {
    if (!['sh', 'bash', 'shell'].includes(block.language)) continue;
    block.text.split('\n').forEach((raw, offset) => {
      const text = raw.replace(/\s#.*$/, '').trim();
      const match = /^npx streamsim(?:\s+(\S+))?(.*)$/.exec(text);
      if (match === null) return;
      const flags = [...(match[2] ?? '').matchAll(/(?:^|\s|\[)(--[a-z][a-z-]*)/g)].map((flag) => flag[1] as string);
      out.push({ line: block.line + 1 + offset, command: match[1] ?? '', flags, text });
    });
  }
  return out;
}

/** The Markdown files the documentation test covers: README.md and every docs/*.md. */
export function documentation_files(): string[] {
  const docs_dir = join(REPO_ROOT, 'docs');
  const docs = existsSync(docs_dir) ? readdirSync(docs_dir).filter((name) => name.endsWith('.md')).sort().map((name) => join(docs_dir, name)) : [];
  return [join(REPO_ROOT, 'README.md'), ...docs];
}

// `npx tsx docs/doc-test.ts docs/walkthrough.md`: runs a document's console blocks and prints what each command
// printed, marking the ones whose output no longer matches (to update a document after a change to the tool).
const is_main = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (is_main) {
  let failed = 0;
  for (const doc of process.argv.slice(2)) {
    for (const result of run_console_blocks(doc)) {
      process.stdout.write(`${result.ok ? 'ok ' : 'DIFFERS'} ${doc}:${result.line}\n$ ${result.command}\n${result.output}\n\n`);
      if (!result.ok) failed++;
    }
  }
  process.exitCode = failed === 0 ? 0 : 1;
}
