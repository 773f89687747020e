// Specification of scenario loading: a good file loads; every kind of bad file comes back as errors naming the file,
// the field path, the line and what was expected — never as an exception.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_IN_JOB_NAMES } from './job-under-test.js';
import {
  MAX_SCENARIO_FILE_BYTES,
  format_path,
  load_scenario,
  parse_scenario_text,
  scenario_process_ids,
} from './load.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'streamsim-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `# a small, complete scenario
name: tm_crash
description: A TaskManager crashes mid-run; state and output stay exactly-once.
cluster:
  task_managers: 2
  slots_per_task_manager: 2
job:
  name: word_count
  parallelism: 2
  params:
    words_per_line: 3
flink:
  execution.checkpointing.interval: 1s
  execution.checkpointing.mode: EXACTLY_ONCE
  restart-strategy.type: fixed-delay
  restart-strategy.fixed-delay.attempts: 3
  restart-strategy.fixed-delay.delay: 500 ms
sink:
  kind: two_phase_commit
  transaction_timeout: 1 min
workload:
  records: 2000
  keys: 50
faults:
  - kind: crash
    target: tm-1
    at: 2s
    restart_after: 1s
properties: [exactly_once_state, exactly_once_output, liveness]
seeds: [1, 2, 3]
`;

function errors_of(text: string, name = 'scenario.yaml') {
  const result = load_scenario(write(name, text));
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe('load_scenario', () => {
  it('loads a good file with its source and normalized Flink configuration', () => {
    const path = write('good.yaml', GOOD);
    const result = load_scenario(path);
    expect(result).toMatchObject({ ok: true, source: GOOD });
    if (!result.ok) return;
    expect(result.scenario.name).toBe('tm_crash');
    expect(result.scenario.job).toEqual({ name: 'word_count', parallelism: 2, params: { words_per_line: 3 } });
    expect(result.scenario.faults?.[0]).toEqual({ kind: 'crash', target: 'tm-1', at: '2s', restart_after: '1s' });
    expect(result.flink.checkpointing.interval_ms).toBe(1000);
    expect(result.flink.restart_strategy).toEqual({ type: 'fixed-delay', attempts: 3, delay_ms: 500 });
  });

  it('loads the same scenario written as JSON', () => {
    const json = JSON.stringify({ name: 'j', description: 'json form', job: { name: 'sequence_check' }, flink: { 'heartbeat.timeout': '60s' }, sink: { kind: 'at_least_once' } });
    const result = load_scenario(write('good.json', json));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.flink.heartbeat.timeout_ms).toBe(60_000);
  });

  it('rejects an unknown field with its path, line and the fields that are allowed', () => {
    const errors = errors_of(GOOD.replace('  keys: 50\n', '  keys: 50\n  speed: fast\n'));
    expect(errors).toEqual([
      expect.objectContaining({ path: 'workload.speed', line: 24, message: expect.stringMatching(/unknown field "speed"; expected one of: records, keys/) }),
    ]);
  });

  it('rejects a field of the wrong type', () => {
    const errors = errors_of(GOOD.replace('records: 2000', 'records: many'));
    expect(errors).toEqual([expect.objectContaining({ path: 'workload.records', line: 22, message: 'expected integer; got "many"' })]);
  });

  it('rejects a negative duration, naming the Flink key and the expected syntax', () => {
    const errors = errors_of(GOOD.replace('execution.checkpointing.interval: 1s', 'execution.checkpointing.interval: -5s'));
    expect(errors).toEqual([
      expect.objectContaining({
        path: 'flink."execution.checkpointing.interval"',
        line: 13,
        message: expect.stringMatching(/expected a Flink duration.*'10s'.*never negative.*got "-5s"/),
      }),
    ]);
    const numeric = errors_of(GOOD.replace('at: 2s', 'at: -2000'));
    expect(numeric[0]).toMatchObject({ path: 'faults[0].at', message: expect.stringMatching(/Flink duration/) });
  });

  it('rejects an unparseable duration', () => {
    const errors = errors_of(GOOD.replace('delay: 500 ms', 'delay: half a second'));
    expect(errors[0]).toMatchObject({ path: 'flink."restart-strategy.fixed-delay.delay"', line: 17 });
  });

  it('rejects an unknown job and lists the known ones', () => {
    const errors = errors_of(GOOD.replace('name: word_count', 'name: page_rank'));
    expect(errors).toEqual([
      expect.objectContaining({ path: 'job.name', line: 8, message: `unknown job "page_rank"; known jobs: ${BUILT_IN_JOB_NAMES.join(', ')}` }),
    ]);
    expect(BUILT_IN_JOB_NAMES).toEqual(expect.arrayContaining(['word_count', 'sequence_check', 'windowed_sum']));
  });

  it('validates job params per job', () => {
    const errors = errors_of(GOOD.replace('words_per_line: 3', 'window_size: 1s'));
    expect(errors[0]).toMatchObject({ path: 'job.params.window_size', message: expect.stringMatching(/unknown parameter "window_size"; word_count's parameters: words_per_line/) });
  });

  it('reports malformed YAML with its line', () => {
    const errors = errors_of('name: x\ndescription: [unclosed\njob:\n  name: word_count\n');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ path: '', message: expect.stringMatching(/^malformed YAML/) });
    expect(errors[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports duplicate keys as malformed YAML', () => {
    const errors = errors_of('name: x\nname: y\ndescription: d\njob: {name: word_count}\n');
    expect(errors[0]).toMatchObject({ line: 2, message: expect.stringMatching(/unique/) });
  });

  it('reports a missing file without throwing', () => {
    const result = load_scenario(join(dir, 'nope.yaml'));
    expect(result).toEqual({ ok: false, errors: [{ file: join(dir, 'nope.yaml'), path: '', message: 'file not found' }] });
  });

  it('refuses a file larger than 256 KiB before reading it', () => {
    const path = write('big.yaml', `name: big\ndescription: "${'x'.repeat(MAX_SCENARIO_FILE_BYTES)}"\n`);
    const result = load_scenario(path);
    expect(result).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/at most 262144 bytes \(256 KiB\)/) }] });
  });

  it('refuses custom and explicit tags: a scenario is plain data', () => {
    const errors = errors_of(GOOD.replace('description: A', 'description: !!js/function A'));
    expect(errors[0]).toMatchObject({ line: 3 });
    const local = errors_of(GOOD.replace('records: 2000', 'records: !include other.yaml'));
    expect(local[0]).toMatchObject({ line: 22 });
  });

  it('limits alias expansion (no billion laughs)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 10; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
    const errors = errors_of(lines.join('\n') + '\n');
    expect(errors[0]?.message).toMatch(/alias/i);
  });

  it('keeps __proto__ keys as inert data and rejects them as unknown fields', () => {
    const errors = errors_of(GOOD.replace('workload:\n', 'workload:\n  __proto__: {polluted: true}\n'));
    expect(errors[0]).toMatchObject({ path: 'workload.__proto__', message: expect.stringMatching(/unknown field/) });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const json = errors_of('{"name":"x","description":"d","job":{"name":"word_count"},"__proto__":{"polluted":1}}', 'p.json');
    expect(json[0]).toMatchObject({ path: '__proto__' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses output paths in the file: only command-line flags choose where to write', () => {
    const errors = errors_of(GOOD.replace('seeds: [1, 2, 3]', 'seeds: [1]\ntrace_path: /etc/passwd'));
    expect(errors[0]).toMatchObject({ path: 'trace_path', message: expect.stringMatching(/only by command-line flags/) });
  });

  it('rejects fault targets that are not in the cluster', () => {
    const errors = errors_of(GOOD.replace('target: tm-1', 'target: tm-7'));
    expect(errors).toEqual([
      expect.objectContaining({ path: 'faults[0].target', line: 26, message: expect.stringMatching(/no process "tm-7".*jm, tm-1, tm-2, broker, txstore, collector/) }),
    ]);
    const ha = errors_of(GOOD.replace('target: tm-1', 'target: jm-standby'));
    expect(ha[0]?.message).toMatch(/job_manager_ha: true/);
  });

  it('rejects a disk fault on a process that keeps nothing on its disk (it could reach nothing), and accepts one on the transactional store', () => {
    const on = (target: string): string =>
      GOOD.replace('  - kind: crash\n    target: tm-1\n    at: 2s\n    restart_after: 1s', `  - { kind: storage_fault, store: disk, target: ${target}, mode: disk_full, at: 2s, duration: 1s }`);
    const errors = errors_of(on('tm-1'));
    expect(errors).toEqual([
      expect.objectContaining({ path: 'faults[0].target', line: 25, message: expect.stringMatching(/tm-1 keeps nothing on its local disk.*checkpoint_store.*ha, txstore, broker/) }),
    ]);
    expect(errors_of(on('jm'))[0]?.message).toMatch(/jm keeps nothing on its local disk/);
    expect(load_scenario(write('scenario.yaml', on('txstore'))).ok).toBe(true);
  });

  it('rejects fault times beyond the run', () => {
    const errors = errors_of(GOOD.replace('at: 2s', 'at: 45s'));
    expect(errors[0]).toMatchObject({ path: 'faults[0].at', message: expect.stringMatching(/45000 ms is beyond the run.*30000 ms \(phases.safety_duration\)/) });
  });

  it('rejects an unknown fault kind and lists the known ones', () => {
    const errors = errors_of(GOOD.replace('kind: crash', 'kind: meteor'));
    expect(errors[0]).toMatchObject({ path: 'faults[0].kind', message: expect.stringMatching(/unknown kind "meteor"; expected one of: crash, restart, pause/) });
  });

  it('reports Flink configuration mistakes at the key', () => {
    const errors = errors_of(GOOD.replace('restart-strategy.type: fixed-delay', 'restart-strategy.type: sometimes'));
    expect(errors[0]).toMatchObject({ path: 'flink."restart-strategy.type"', line: 15, message: expect.stringMatching(/"none" \| "fixed-delay"/) });
  });

  it('checks cross-field rules: parallelism vs slots, at xor on', () => {
    const errors = errors_of(GOOD.replace('parallelism: 2', 'parallelism: 5').replace('at: 2s', 'on: {event: checkpoint.triggered}\n    at: 2s'));
    expect(errors.map((e) => e.path)).toEqual(['job.parallelism', 'faults[0]']);
  });

  it('never throws on arbitrary text', () => {
    for (const text of ['', '---', '- a\n- b', '42', 'a: [', '{{{', '\u0000\u0001', 'job: {name: word_count}']) {
      expect(parse_scenario_text(text, 'x.yaml').ok).toBe(false);
    }
  });
});

describe('limits and values the schema alone would let through', () => {
  it('refuses durations too large to run, as text or as a number, instead of falling back to a default', () => {
    const text = errors_of(GOOD.replace("seeds: [1, 2, 3]", "seeds: [1, 2, 3]\nphases: { safety_duration: '99999999999999999999 d' }"));
    expect(text).toEqual([expect.objectContaining({ path: 'phases.safety_duration', line: 31, message: expect.stringMatching(/too large: a duration may be at most 1000000000000000 ms/) })]);
    const number = errors_of(GOOD.replace('at: 2s', 'at: 1e300'));
    expect(number).toEqual([expect.objectContaining({ path: 'faults[0].at', message: expect.stringMatching(/too large/) })]);
    const flink = errors_of(GOOD.replace('delay: 500 ms', 'delay: 99999999999 d'));
    expect(flink[0]).toMatchObject({ path: 'flink."restart-strategy.fixed-delay.delay"', message: expect.stringMatching(/too large/) });
  });

  it('names .nan and .inf as written, not as null', () => {
    expect(errors_of(GOOD.replace('records: 2000', 'records: .nan'))[0]?.message).toBe('expected integer; got .nan');
    expect(errors_of(GOOD.replace('records: 2000', 'records: -.inf'))[0]?.message).toBe('expected integer; got -.inf');
    expect(errors_of(GOOD.replace('at: 2s', 'at: .inf'))[0]?.message).toMatch(/got \.inf/);
  });

  it('refuses text that is not UTF-8, naming the byte and line; a byte-order mark is fine', () => {
    const latin1 = Buffer.concat([Buffer.from('name: tm_crash\ndescription: d\n# caf'), Buffer.from([0xe9, 0x0a]), Buffer.from(GOOD)]);
    writeFileSync(join(dir, 'latin1.yaml'), latin1);
    expect(load_scenario(join(dir, 'latin1.yaml'))).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/not UTF-8 text: invalid byte 0xe9 at byte \d+ \(line 3\)/) }] });
    writeFileSync(join(dir, 'bom.yaml'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]));
    expect(load_scenario(join(dir, 'bom.yaml')).ok).toBe(true);
  });

  it('refuses deep nesting quickly, before the parser sees it', () => {
    for (const text of ['['.repeat(MAX_SCENARIO_FILE_BYTES - 1), '- '.repeat(MAX_SCENARIO_FILE_BYTES / 2 - 1), '{a: '.repeat(MAX_SCENARIO_FILE_BYTES / 4 - 1)]) {
      const started = performance.now();
      const result = parse_scenario_text(text, 'deep.yaml');
      expect(result).toMatchObject({ ok: false, errors: [{ line: 1, message: expect.stringMatching(/nested more than 32 levels deep/) }] });
      expect(performance.now() - started).toBeLessThan(5_000);
    }
    const indented = Array.from({ length: 40 }, (_, depth) => `${'  '.repeat(depth)}k${depth}:`).join('\n') + ' 1\n';
    expect(parse_scenario_text(indented, 'deep.yaml')).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/nested more than 32/) }] });
  });

  it('finds a repeated key in a mapping of many keys in one pass', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1`).join('\n');
    const started = performance.now();
    const errors = errors_of(`${GOOD}params:\n${keys}\n  k7: 2\n`);
    expect(errors[0]).toMatchObject({ line: 20_032, message: expect.stringMatching(/unique; "k7" appears more than once/) });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reads Flink enum values in any case, as Flink does', () => {
    const result = load_scenario(
      write(
        'lower.yaml',
        GOOD.replace('mode: EXACTLY_ONCE', 'mode: at_least_once').replace('restart-strategy.type: fixed-delay', 'restart-strategy.type: Fixed-Delay\n  state.backend.type: RocksDB'),
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.scenario.flink).toMatchObject({ 'execution.checkpointing.mode': 'AT_LEAST_ONCE', 'state.backend.type': 'rocksdb', 'restart-strategy.type': 'fixed-delay' });
    expect(result.flink.checkpointing.mode).toBe('AT_LEAST_ONCE');
    expect(errors_of(GOOD.replace('mode: EXACTLY_ONCE', 'mode: exactly-once'))[0]?.message).toMatch(/"EXACTLY_ONCE" \| "AT_LEAST_ONCE"; got "exactly-once"/);
  });

  it('refuses a two-phase-commit sink without checkpointing: it would never commit', () => {
    const off = GOOD.replace('  execution.checkpointing.interval: 1s\n', '');
    expect(errors_of(off)).toEqual([expect.objectContaining({ path: 'sink.kind', message: expect.stringMatching(/commits only when a checkpoint completes, and checkpointing is off/) })]);
    const by_default = errors_of(off.replace('  kind: two_phase_commit\n  transaction_timeout: 1 min\n', '  kind: two_phase_commit\n').replace('sink:\n  kind: two_phase_commit\n', ''));
    expect(by_default[0]?.message).toMatch(/\(the default sink\)/);
    expect(load_scenario(write('alo.yaml', off.replace('  kind: two_phase_commit\n  transaction_timeout: 1 min\n', '  kind: at_least_once\n'))).ok).toBe(true);
  });
});

describe('helpers', () => {
  it('formats field paths as a reader would write them', () => {
    expect(format_path(['faults', 2, 'at'])).toBe('faults[2].at');
    expect(format_path(['flink', 'execution.checkpointing.interval'])).toBe('flink."execution.checkpointing.interval"');
    expect(format_path([])).toBe('');
  });

  it('names the processes of a cluster in a fixed order', () => {
    const base = { name: 'x', description: 'd', job: { name: 'word_count' as const } };
    expect(scenario_process_ids({ ...base, cluster: { task_managers: 3, job_manager_ha: true } })).toEqual([
      'jm', 'jm-standby', 'ha', 'tm-1', 'tm-2', 'tm-3', 'broker', 'txstore', 'collector',
    ]);
  });
});

describe('robustness', () => {
  test.prop([fc.string({ maxLength: 400 })], { numRuns: runs })('arbitrary text never throws and never pollutes prototypes', (text) => {
    const result = parse_scenario_text(text, 'fuzz.yaml');
    expect(typeof result.ok).toBe('boolean');
    if (!result.ok) for (const error of result.errors) expect(error.message.length).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test.prop([fc.jsonValue({ maxDepth: 4 })], { numRuns: runs })('arbitrary JSON never throws', (value) => {
    const result = parse_scenario_text(JSON.stringify(value) ?? 'null', 'fuzz.json');
    expect(result.ok).toBe(false);
  });

  test.prop(
    [fc.constantFrom('workload', 'cluster', 'flink', 'sink', 'phases'), fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })],
    { numRuns: runs },
  )('an extra field anywhere in a good file is an error at that path, with a line', (section, key, value) => {
    const good: Record<string, Record<string, unknown>> = { flink: { 'execution.checkpointing.interval': '1s' }, sink: { kind: 'two_phase_commit' } };
    const base = { name: 'x', description: 'd', job: { name: 'word_count' }, ...good, [section]: { ...good[section], [key]: value } };
    const result = parse_scenario_text(JSON.stringify(base, null, 1), 'x.json');
    if (result.ok) return; // the key happened to be a valid field with a valid value
    for (const error of result.errors) {
      expect(error.path.startsWith(section)).toBe(true);
      expect(error.line).toBeGreaterThan(0);
    }
  });
});
