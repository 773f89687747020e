// Specification of failure files and replay commands: paths as the user types them, shell quoting, names that never
// collide within a command, and a reader that treats the file as untrusted input (size, UTF-8, format, seed, hash and
// the embedded scenario are all checked).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import {
  MAX_FAILURE_FILE_BYTES,
  display_path,
  failure_file_name,
  read_failure_file,
  replay_command_for_seed,
  shell_quote,
  FailureFiles,
} from './failure-file.js';
import { run_scenario } from './test-support/fake-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'streamsim-failure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scenario = { name: 'flaky', description: 'd', job: { name: 'word_count' as const }, sink: { kind: 'at_least_once' as const } };

describe('replay commands', () => {
  it('quote paths a shell would split or expand', () => {
    expect(shell_quote('scenarios/a.yaml')).toBe('scenarios/a.yaml');
    expect(shell_quote('my scenarios/a.yaml')).toBe("'my scenarios/a.yaml'");
    expect(shell_quote("it's.yaml")).toBe("'it'\\''s.yaml'");
    expect(shell_quote('$(rm -rf x).yaml')).toBe("'$(rm -rf x).yaml'");
  });

  it('use a path relative to the current directory when the file is inside it', () => {
    expect(display_path('/work/p/scenarios/a.yaml', '/work/p')).toBe('scenarios/a.yaml');
    expect(display_path('/elsewhere/a.yaml', '/work/p')).toBe('/elsewhere/a.yaml');
    expect(replay_command_for_seed(42, '/work/p/my dir/a.yaml', '/work/p')).toBe("npx streamsim replay 42 'my dir/a.yaml'");
  });

  it('name failure files after the scenario and seed, and refuse unsafe names', () => {
    expect(failure_file_name('tm-crash', 7)).toBe('tm-crash-seed-7.json');
    expect(failure_file_name('tm-crash', 7, 2)).toBe('tm-crash-seed-7-2.json');
    expect(() => failure_file_name('../../etc/passwd', 7)).toThrow();
  });
});

describe('read_failure_file', () => {
  const result = run_scenario(scenario, { seed: 3, scenario_file: 'flaky.yaml' });
  const files = new FailureFiles(dir, dir);
  const written = files.write(scenario, join(dir, 'flaky.yaml'), result);

  it('reads back what a failing run wrote', () => {
    expect(written).toBe(join(dir, 'failures', 'flaky-seed-3.json'));
    expect(read_failure_file(written)).toMatchObject({ seed: 3, trace_hash: result.trace_hash, scenario_file: 'flaky.yaml', scenario });
  });

  it('gives two scenarios of the same name their own files, each replaying its own scenario', () => {
    const other = { ...scenario, description: 'another file, the same name' };
    const second = files.write(other, join(dir, 'elsewhere', 'flaky.yaml'), result);
    expect(second).toBe(join(dir, 'failures', 'flaky-seed-3-2.json'));
    expect(files.write(scenario, join(dir, 'flaky.yaml'), result)).toBe(written);
    expect(read_failure_file(written).scenario.description).toBe('d');
    expect(read_failure_file(second)).toMatchObject({ scenario_file: 'elsewhere/flaky.yaml', scenario: { description: 'another file, the same name' } });
  });

  it('names the files of a shared name in the order the scenarios were registered, whichever fails first', () => {
    const ordered = new FailureFiles(join(dir, 'ordered'), dir);
    ordered.register('flaky', join(dir, 'a', 'flaky.yaml'));
    ordered.register('flaky', join(dir, 'b', 'flaky.yaml'));
    expect(ordered.write(scenario, join(dir, 'b', 'flaky.yaml'), result)).toBe(join(dir, 'ordered', 'failures', 'flaky-seed-3-2.json'));
    expect(ordered.write(scenario, join(dir, 'a', 'flaky.yaml'), result)).toBe(join(dir, 'ordered', 'failures', 'flaky-seed-3.json'));
  });

  const cases: [string, string, RegExp][] = [
    ['not-json.json', '{', /not a JSON failure file/],
    ['array.json', '[]', /expected a JSON object/],
    ['format.json', JSON.stringify({ format: 'other' }), /format: expected "streamsim-failure"/],
    ['seed.json', JSON.stringify({ format: 'streamsim-failure', version: 1, seed: -1 }), /seed: expected a whole number/],
    ['hash.json', JSON.stringify({ format: 'streamsim-failure', version: 1, seed: 1, trace_hash: 5 }), /trace_hash: expected a string/],
    [
      'scenario.json',
      JSON.stringify({ format: 'streamsim-failure', version: 1, seed: 1, trace_hash: 'h', scenario_file: 'x', scenario: { name: 'x' } }),
      /scenario: missing required field "description"/,
    ],
    ['big.json', ' '.repeat(MAX_FAILURE_FILE_BYTES + 1), /may be at most/],
  ];
  it.each(cases)('refuses %s with a usage error', (name, text, message) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    expect(() => read_failure_file(path)).toThrow(UsageError);
    expect(() => read_failure_file(path)).toThrow(message);
  });

  it('refuses a file that is not UTF-8', () => {
    const path = join(dir, 'latin1.json');
    writeFileSync(path, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    expect(() => read_failure_file(path)).toThrow(/not UTF-8 text: invalid byte 0xe9 at byte 2/);
  });
});
