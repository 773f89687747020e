// Specification of failure lines (what broke, whether an expected violation was missing, the seed and the replay) and
// of the colour decision (--no-color, NO_COLOR, FORCE_COLOR, a terminal).
import { describe, expect, it } from 'vitest';
import { failure_lines, use_color } from './output.js';
import { run_scenario } from './test-support/fake-runner.js';

const scenario = { name: 'flaky', description: 'd', job: { name: 'word_count' as const } };

describe('failure_lines', () => {
  it('lists the violation, the seed and the replay command', () => {
    const result = run_scenario(scenario, { seed: 3, scenario_file: 'flaky.yaml' });
    expect(failure_lines(result, 'npx streamsim replay 3 flaky.yaml', 'f.json')).toEqual([
      '  exactly_once_output violated at 1.23 s: fake violation of exactly_once_output',
      '  seed: 3',
      '  replay: npx streamsim replay 3 flaky.yaml',
      '  failure file: f.json',
    ]);
  });

  it('says when an expected violation did not happen, and how the property was judged instead', () => {
    const passing = run_scenario(scenario, { seed: 1, scenario_file: 'x.yaml' });
    const result = { ...passing, expected_violation: 'liveness' as const, expectation_met: false, outcome: 'violation' as const };
    const lines = failure_lines(result, 'cmd');
    expect(lines).toContain('  expected liveness to be violated, but it was not checked');
    expect(lines.join('\n')).not.toMatch(/a property was violated/);
    const held = { ...result, properties: [{ property: 'liveness' as const, status: 'pass' as const, checks: 1 }] };
    expect(failure_lines(held, 'cmd')).toContain('  expected liveness to be violated, but it held (checked 1 time(s))');
    const skipped = { ...result, properties: [{ property: 'liveness' as const, status: 'skipped' as const, checks: 0, message: 'unrestricted mode' }] };
    expect(failure_lines(skipped, 'cmd')).toContain('  expected liveness to be violated, but it was not judged: unrestricted mode');
  });

  it('does not claim a missing expectation for a plain unexpected violation', () => {
    const result = { ...run_scenario(scenario, { seed: 3, scenario_file: 'x.yaml' }), expectation_met: false };
    expect(failure_lines(result, 'cmd').join('\n')).not.toMatch(/expect/);
  });

  it('strips control characters from run data', () => {
    const base = run_scenario(scenario, { seed: 3, scenario_file: 'x.yaml' });
    const result = { ...base, violations: [{ property: 'liveness' as const, message: 'bad\u001b[2Jthing', time_ms: 1 }] };
    expect(failure_lines(result, 'cmd')[0]).toBe('  liveness violated at 1 ms: bad [2Jthing');
  });
});

describe('use_color', () => {
  it('colours a terminal only, unless a flag or the environment says otherwise', () => {
    expect(use_color(undefined, {}, true)).toBe(true);
    expect(use_color(undefined, {}, false)).toBe(false);
    expect(use_color(false, {}, true)).toBe(false);
    expect(use_color(undefined, { NO_COLOR: '1' }, true)).toBe(false);
    expect(use_color(undefined, { NO_COLOR: '' }, true)).toBe(true);
    expect(use_color(undefined, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(use_color(undefined, { FORCE_COLOR: '0' }, true)).toBe(false);
    expect(use_color(false, { FORCE_COLOR: '1' }, true)).toBe(false);
    expect(use_color(undefined, { NO_COLOR: 'yes', FORCE_COLOR: '1' }, true)).toBe(false);
  });
});
