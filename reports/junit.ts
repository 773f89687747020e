// JUnit XML for CI: one <testsuite> per scenario, one <testcase> per seed, a <failure> for each run that failed
// (unexpected violations or a missed expected violation) carrying the messages and the replay command.
import { violation_lines } from './evidence-text.js';
import type { RunResult } from '../scenarios/result-format.js';
import { failure_reasons, run_failed } from './aggregate.js';
import { escape_xml, escape_xml_attribute } from './escape.js';

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attributes(pairs: [string, string | number][]): string {
  return pairs.map(([name, value]) => ` ${name}="${escape_xml_attribute(String(value))}"`).join('');
}

/** The test case name for a run: scenario and seed, unique within the suite. */
export function junit_testcase_name(result: RunResult): string {
  return `${result.scenario.name} seed=${result.seed}`;
}

function render_testcase(result: RunResult): string[] {
  const lines: string[] = [];
  lines.push(
    `    <testcase${attributes([
      ['name', junit_testcase_name(result)],
      ['classname', result.scenario.name],
      ['time', seconds(result.wall_ms)],
    ])}>`,
  );
  const properties: [string, string | number][] = [
    ['seed', result.seed],
    ['trace_hash', result.trace_hash],
    ['run_id', result.run_id],
    ['sink_kind', result.sink.kind],
    ['checkpointing_mode', result.checkpointing_mode],
    ['replay_command', result.replay_command],
  ];
  if (result.expected_violation !== undefined) {
    properties.push(['expected_violation', result.expected_violation], ['expectation_met', String(result.expectation_met)]);
  }
  lines.push('      <properties>');
  for (const [name, value] of properties) lines.push(`        <property${attributes([['name', name], ['value', value]])}/>`);
  lines.push('      </properties>');
  if (run_failed(result)) {
    const reasons = failure_reasons(result);
    const first_property = result.violations.find((v) => v.property !== result.expected_violation)?.property;
    const body = [
      ...reasons,
      ...result.violations
        .filter((v) => v.property !== result.expected_violation && (v.detail !== undefined || v.evidence !== undefined))
        .flatMap((v) => [...violation_lines(v, ''), ...(v.detail === undefined ? [] : [`  detail: ${JSON.stringify(v.detail)}`])]),
      `trace hash: ${result.trace_hash}`,
      `replay: ${result.replay_command}`,
    ].join('\n');
    lines.push(
      `      <failure${attributes([
        ['message', reasons.join('; ')],
        ['type', first_property ?? 'expected_violation_missed'],
      ])}>${escape_xml(body)}</failure>`,
    );
  }
  const unfired = (result.unfired_faults ?? []).map((note) => `planned fault never fired: ${note}`);
  lines.push(`      <system-out>${escape_xml([`replay: ${result.replay_command}`, ...unfired].join('\n'))}</system-out>`);
  lines.push('    </testcase>');
  return lines;
}

/** JUnit XML with every string escaped; suites in first-seen scenario order, cases in input order. */
export function to_junit_xml(results: readonly RunResult[]): string {
  const suites = new Map<string, RunResult[]>();
  for (const result of results) {
    const suite = suites.get(result.scenario.name) ?? [];
    suite.push(result);
    suites.set(result.scenario.name, suite);
  }
  const total_failures = results.filter(run_failed).length;
  const total_ms = results.reduce((sum, result) => sum + result.wall_ms, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes([
      ['name', 'streamsim'],
      ['tests', results.length],
      ['failures', total_failures],
      ['errors', 0],
      ['skipped', 0],
      ['time', seconds(total_ms)],
    ])}>`,
  ];
  for (const [scenario, suite_results] of suites) {
    const first = suite_results[0];
    lines.push(
      `  <testsuite${attributes([
        ['name', scenario],
        ['tests', suite_results.length],
        ['failures', suite_results.filter(run_failed).length],
        ['errors', 0],
        ['skipped', 0],
        ['time', seconds(suite_results.reduce((sum, result) => sum + result.wall_ms, 0))],
      ])}>`,
    );
    if (first) {
      lines.push('    <properties>');
      lines.push(`      <property${attributes([['name', 'scenario_file'], ['value', first.scenario.file]])}/>`);
      lines.push('    </properties>');
    }
    for (const result of suite_results) lines.push(...render_testcase(result));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
