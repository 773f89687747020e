// docs/your-own-job.md runs as written: its files are written into an empty folder beside this repository, its
// commands run there in order (each with the exit code the guide states), and each quoted output must appear in what
// the command printed. `npm install` of streamsim and vitest is stood in for by links to this repository's copies (CI
// has no registry); the interactive explorer is driven through its model on the trace the guide opens.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ExplorerModel } from '../reports/explorer/explorer-model.js';
import { TraceIndex } from '../reports/explorer/trace-index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GUIDE = join(ROOT, 'docs', 'your-own-job.md');

export interface GuideStep {
  kind: 'file' | 'commands' | 'output';
  /** file: its path; commands: the fence's options (exit=N, interactive). */
  info: string;
  body: string;
}

/** The guide's fenced blocks that mean something to run: files to write, commands, and outputs to find. */
export function guide_steps(markdown: string): GuideStep[] {
  const steps: GuideStep[] = [];
  for (const match of markdown.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const [, language, info = '', body = ''] = match;
    const options = info.trim();
    if (options.startsWith('file=')) steps.push({ kind: 'file', info: options.slice('file='.length), body });
    else if (language === 'sh') steps.push({ kind: 'commands', info: options, body });
    else if (language === 'text') steps.push({ kind: 'output', info: options, body });
  }
  return steps;
}

const strip_ansi = (text: string): string => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

describe('docs/your-own-job.md', () => {
  const base = mkdtempSync(join(tmpdir(), 'streamsim-guide-'));
  const project = join(base, 'my-job');
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /** `npm install ../streamsim` and `npm install --save-dev vitest`: links to this repository's copies. */
  function install(spec: string): void {
    const modules = join(project, 'node_modules');
    mkdirSync(join(modules, '.bin'), { recursive: true });
    const link = (name: string, target: string, bin: string): void => {
      symlinkSync(target, join(modules, name), 'dir');
      symlinkSync(join('..', name, bin), join(modules, '.bin', name));
    };
    if (spec === '../streamsim') {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
      link('streamsim', join(base, 'streamsim'), manifest.bin['streamsim']!);
    } else if (spec === 'vitest') {
      link('vitest', join(ROOT, 'node_modules', 'vitest'), 'vitest.mjs');
    } else {
      throw new Error(`the guide installs ${spec}, which this test does not know how to stand in for`);
    }
  }

  it('runs from an empty folder to a failing seed, replayed and explored, and a property test in vitest', () => {
    symlinkSync(ROOT, join(base, 'streamsim'), 'dir');
    mkdirSync(project);
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'NODE_OPTIONS') delete env[name];
    const steps = guide_steps(readFileSync(GUIDE, 'utf8'));
    expect(steps.filter((step) => step.kind === 'commands').length).toBeGreaterThanOrEqual(6);
    let last_output: string | undefined;
    let last_command = '';
    let explored = false;
    for (const step of steps) {
      if (step.kind === 'file') {
        const path = join(project, step.info);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, step.body);
        continue;
      }
      if (step.kind === 'output') {
        expect(last_output, `an output block with no command before it:\n${step.body}`).toBeDefined();
        for (const line of step.body.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)) {
          expect(last_output, `the output of \`${last_command}\``).toContain(line);
        }
        continue;
      }
      const exit = Number(/exit=(\d+)/.exec(step.info)?.[1] ?? 0);
      for (const command of step.body.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'))) {
        last_command = command;
        const install_spec = /^npm install (?:--save-dev )?(\S+)$/.exec(command)?.[1];
        if (install_spec !== undefined) {
          install(install_spec);
          last_output = '';
          continue;
        }
        if (step.info.includes('interactive')) {
          // The explorer needs a terminal: open the trace it names with the explorer's own model and do what the
          // guide says (it opens at the violation; R goes back to the restore, N to the crash before it).
          const trace = /explore (\S+)/.exec(command)?.[1];
          expect(trace, command).toBeDefined();
          const index = TraceIndex.open(join(project, trace!));
          const model = new ExplorerModel(index);
          expect(model.status).toMatch(/opened at the first violation \(exactly_once_output\)/);
          expect(model.jump('recovery', -1)).toBe(true);
          expect(model.jump('fault', -1)).toBe(true);
          index.close();
          explored = true;
          continue;
        }
        const child = spawnSync(command, { cwd: project, env, shell: true, encoding: 'utf8', timeout: 300_000 });
        last_output = strip_ansi(`${child.stdout}${child.stderr}`);
        expect(child.status, `\`${command}\` exited ${child.status}:\n${last_output.slice(-3000)}`).toBe(exit);
      }
    }
    expect(explored).toBe(true);
  }, 900_000);
});
