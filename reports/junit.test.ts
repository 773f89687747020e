// Specification of the JUnit XML: suites per scenario, cases per seed, failures with messages and replay, and
// escaping of every run-provided string (checked by parsing the document back with a strict reader).
import { describe, expect, it } from 'vitest';
import { make_fixture_results, make_passing_fixture } from './fixtures/run-results.js';
import { to_junit_xml } from './junit.js';
import { children_named, parse_xml, type XmlElement } from './test-support/xml.js';

function case_properties(testcase: XmlElement): Record<string, string> {
  const properties = children_named(testcase, 'properties')[0];
  return Object.fromEntries(children_named(properties!, 'property').map((p) => [p.attributes.name ?? '', p.attributes.value ?? '']));
}

describe('to_junit_xml', () => {
  const results = make_fixture_results();
  const root = parse_xml(to_junit_xml(results));

  it('has one testsuite per scenario and one testcase per seed, with counts', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attributes.tests).toBe(String(results.length));
    expect(root.attributes.failures).toBe('1');
    const suites = children_named(root, 'testsuite');
    expect(suites.map((s) => s.attributes.name)).toEqual([...new Set(results.map((r) => r.scenario.name))]);
    const word_count = suites.find((s) => s.attributes.name === 'word-count-2pc-crash')!;
    const cases = children_named(word_count, 'testcase');
    expect(word_count.attributes.tests).toBe('3');
    expect(cases.map((c) => c.attributes.name)).toEqual(['word-count-2pc-crash seed=1', 'word-count-2pc-crash seed=2', 'word-count-2pc-crash seed=3']);
    expect(cases.every((c) => c.attributes.classname === 'word-count-2pc-crash')).toBe(true);
  });

  it('puts the trace hash and replay command in each case’s properties', () => {
    for (const suite of children_named(root, 'testsuite')) {
      for (const testcase of children_named(suite, 'testcase')) {
        const seed = Number(case_properties(testcase).seed);
        const result = results.find((r) => r.scenario.name === suite.attributes.name && r.seed === seed)!;
        expect(case_properties(testcase)).toMatchObject({ trace_hash: result.trace_hash, replay_command: result.replay_command });
      }
    }
  });

  it('gives unexpected violations a failure with the messages and the replay command; expected ones pass', () => {
    const suites = children_named(root, 'testsuite');
    const failing = children_named(suites.find((s) => s.attributes.name === 'two-phase-commit-tx-timeout')!, 'testcase')[0]!;
    const failure = children_named(failing, 'failure')[0];
    expect(failure?.attributes.type).toBe('exactly_once_output');
    expect(failure?.attributes.message).toContain('aborted by the broker: 1,288 records lost');
    expect(failure?.text).toContain('replay: npx streamsim replay scenarios/catalogue/two-phase-commit-tx-timeout.yaml --seed 42');
    expect(failure?.text).toContain('"lost_records":1288');
    const expected = children_named(suites.find((s) => s.attributes.name === 'at-least-once-sink-duplicates')!, 'testcase')[0]!;
    expect(children_named(expected, 'failure')).toHaveLength(0);
    expect(case_properties(expected)).toMatchObject({ expected_violation: 'exactly_once_output', expectation_met: 'true' });
  });

  it('fails a case whose expected violation did not happen', () => {
    const missed = { ...make_passing_fixture(), expected_violation: 'liveness' as const, expectation_met: false };
    const testcase = children_named(children_named(parse_xml(to_junit_xml([missed])), 'testsuite')[0]!, 'testcase')[0]!;
    const failure = children_named(testcase, 'failure')[0];
    expect(failure?.attributes.type).toBe('expected_violation_missed');
    expect(failure?.attributes.message).toBe('expected violation of liveness did not happen');
  });

  it('escapes every run-provided string so the document stays well-formed and round-trips', () => {
    const nasty = `<script>alert("x") & 'y'</script>\u0001]]>`;
    const hostile = make_passing_fixture();
    hostile.scenario = { name: nasty, file: `a&b<c>.yaml` };
    hostile.trace_hash = `"><evil/>`;
    hostile.replay_command = `streamsim replay --scenario "${nasty}"`;
    hostile.outcome = 'violation';
    hostile.violations = [{ property: 'liveness', message: `key <${nasty}>\nline two`, time_ms: 5, detail: { [`k<&>"`]: `v</failure>` } }];
    const xml = to_junit_xml([hostile]);
    expect(xml).not.toContain('<script');
    expect(xml).not.toContain('<evil');
    expect(xml).not.toContain('\u0001');
    const suite = children_named(parse_xml(xml), 'testsuite')[0]!;
    const readable = nasty.replace('\u0001', '\uFFFD');
    expect(suite.attributes.name).toBe(readable);
    const testcase = children_named(suite, 'testcase')[0]!;
    expect(testcase.attributes.classname).toBe(readable);
    expect(testcase.attributes.name).toBe(`${readable} seed=${hostile.seed}`);
    expect(case_properties(testcase).trace_hash).toBe(`"><evil/>`);
    const failure = children_named(testcase, 'failure')[0]!;
    expect(failure.attributes.message).toBe(`liveness: key <${readable}>\nline two`);
    expect(failure.text).toContain(JSON.stringify({ [`k<&>"`]: `v</failure>` }));
  });

  it('is a valid empty document for no runs', () => {
    const empty = parse_xml(to_junit_xml([]));
    expect(empty.attributes).toMatchObject({ tests: '0', failures: '0' });
    expect(empty.children).toHaveLength(0);
  });
});
