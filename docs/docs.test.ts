// The documentation is tested: README.md and every docs/*.md run their console blocks and must print what they
// show, their scenario examples must validate, and the `npx streamsim` lines of their sh blocks must use real commands
// and flags. Conventions: docs/README.md.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run_cli } from '../cli/program.js';
import { validate_scenario_data, format_scenario_errors } from '../scenarios/load.js';
import { code_blocks, documentation_files, documented_invocations, REPO_ROOT, run_console_blocks, scenario_examples } from './doc-test.js';

const docs = documentation_files().map((path) => ({ path, name: relative(REPO_ROOT, path) }));

async function help_of(command: string): Promise<string> {
  let text = '';
  const sink = { write: (chunk: string) => ((text += chunk), true) };
  await run_cli([...(command === '' ? [] : [command]), '--help'], { cwd: REPO_ROOT, stdout: sink, stderr: sink });
  return text;
}

describe.each(docs)('$name', ({ path, name }) => {
  const markdown = readFileSync(path, 'utf8');

  it('shows only scenario examples that validate', () => {
    for (const example of scenario_examples(markdown)) {
      if (example.data === undefined) expect.fail(`${name}:${example.line}: a yaml block that does not parse`);
      const validated = validate_scenario_data(example.data, `${name}:${example.line}`, example.text);
      if (!validated.ok) expect.fail(format_scenario_errors(validated.errors));
    }
  });

  it('names only real commands and flags in its command lines', async () => {
    const top = await help_of('');
    for (const invocation of documented_invocations(markdown)) {
      const where = `${name}:${invocation.line}: ${invocation.text}`;
      if (invocation.command.startsWith('-')) {
        expect(top, where).toContain(invocation.command);
        continue;
      }
      expect(top, `${where}: no such command`).toMatch(new RegExp(`^\\s+${invocation.command}\\b`, 'm'));
      const help = await help_of(invocation.command);
      for (const flag of invocation.flags) expect(help, `${where}: ${flag} is not a flag of ${invocation.command}`).toContain(flag);
    }
  });

  const runs = code_blocks(markdown).some((block) => block.language === 'console' && !/\bno-run\b/.test(block.info));
  it.runIf(runs)('prints what its console blocks show', () => {
    const failures = run_console_blocks(path).filter((result) => !result.ok);
    expect(failures.map((failure) => failure.message).join('\n\n')).toBe('');
  }, 20 * 60_000);
});
