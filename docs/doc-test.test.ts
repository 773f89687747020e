// Specification of the documentation test's conventions: transcripts split into commands and output, `…` as a
// wildcard line or text, files written by `file=` blocks, and the command lines and scenarios it checks.
import { describe, expect, it } from 'vitest';
import { code_blocks, console_steps, documented_invocations, DocSandbox, match_output, normalize_output, scenario_examples } from './doc-test.js';

const page = [
  'Intro.',
  '```yaml file=s.yaml',
  'name: s',
  'job: { name: word_count }',
  '```',
  '```console',
  '$ echo one \\',
  '  two',
  'one two',
  '$ false',
  '$ echo $?',
  '1',
  '',
  '```',
  '```sh',
  'npx streamsim swarm dir --seeds 5 [--shard 1/4]   # a comment --not-a-flag',
  'npm ci',
  '```',
].join('\n');

describe('reading a page', () => {
  it('finds fenced blocks with their info string, file name and line', () => {
    const blocks = code_blocks(page);
    expect(blocks.map((b) => [b.language, b.file, b.line])).toEqual([
      ['yaml', 's.yaml', 2],
      ['console', undefined, 6],
      ['sh', undefined, 15],
    ]);
  });

  it('splits a transcript into commands (continued lines joined) and their shown output', () => {
    const steps = console_steps(code_blocks(page)[1]!);
    expect(steps).toEqual([
      { command: 'echo one \n  two', expected: ['one two'], line: 7 },
      { command: 'false', expected: [], line: 10 },
      { command: 'echo $?', expected: ['1'], line: 11 },
    ]);
  });

  it('finds the npx streamsim lines of sh blocks with their flags, and the scenario examples', () => {
    expect(documented_invocations(page)).toEqual([{ line: 16, command: 'swarm', flags: ['--seeds', '--shard'], text: 'npx streamsim swarm dir --seeds 5 [--shard 1/4]' }]);
    expect(scenario_examples(page).map((e) => e.file)).toEqual(['s.yaml']);
  });
});

describe('matching output', () => {
  it('needs every line, in order, unless a … stands in', () => {
    expect(match_output(['a', 'b'], ['a', 'b']).ok).toBe(true);
    expect(match_output(['a', 'b'], ['a', 'c'])).toEqual({ ok: false, expected_line: 1, best_actual: 1 });
    expect(match_output(['a'], ['a', 'extra']).ok).toBe(false);
    expect(match_output(['a', '…', 'z'], ['a', 'x', 'y', 'z']).ok).toBe(true);
    expect(match_output(['a', '…', 'z'], ['a', 'z']).ok).toBe(true);
    expect(match_output(['took … s', 'hash (…)'], ['took 3.2 s', 'hash (12ab)']).ok).toBe(true);
    expect(match_output(['took … s'], ['took 3.2 min']).ok).toBe(false);
    expect(match_output(['a.c'], ['abc']).ok).toBe(false); // no accidental regular expressions
  });

  it('ignores colour codes, carriage returns and trailing spaces', () => {
    expect(normalize_output('\x1b[31mFAIL\x1b[0m   \r\nok\n\n')).toEqual(['FAIL', 'ok']);
  });
});

describe('the sandbox', () => {
  it('runs commands in a directory that sees the checkout, with the previous exit code as $?', () => {
    const sandbox = new DocSandbox('doc-test-spec');
    try {
      sandbox.write('note.txt', 'hello');
      expect(sandbox.run('cat note.txt && test -f package.json && echo linked').output.trim()).toBe('hello\nlinked');
      expect(sandbox.run('echo out; echo err >&2; exit 3').output).toBe('out\nerr\n');
      expect(sandbox.run('echo $?').output.trim()).toBe('3');
      expect(() => sandbox.write('../escape.txt', 'x')).toThrow(/inside the sandbox/);
      expect(sandbox.run('npx streamsim --help | head -1').output.trim()).toBe('Usage: streamsim [options] [command]');
    } finally {
      sandbox.dispose();
    }
  });
});
