// Fuzzes the scenario loader through the command line: random YAML trees and mutated catalogue scenarios (values,
// keys, types and text changed) must make `validate` exit 0 or 2 — never 3, never a stack trace — quickly and without
// a runaway in memory; a mutant that validates must also run (within a small budget) without an internal error.
// STREAMSIM_PROPERTY_RUNS sets the number of cases per property, STREAMSIM_FUZZ_VALID_RUNS how many valid mutants run.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect } from 'vitest';
import { EXIT } from './errors.js';
import { CATALOGUE_DIR, run_cli } from './program.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 40);
/** One validation may take this long at most (it takes milliseconds; the bound is for a loaded machine). */
const VALIDATE_LIMIT_MS = 5_000;
/** Resident memory may grow this much over the whole fuzz at most. */
const RSS_GROWTH_LIMIT_BYTES = 768 * 1024 * 1024;
/** Mutants that validate are also run, this many per property at most (STREAMSIM_FUZZ_VALID_RUNS), each within this budget. */
const RUNS_OF_VALID_MUTANTS = Number(process.env['STREAMSIM_FUZZ_VALID_RUNS'] ?? 4);
const RUN_BUDGET = ['--max-events', '30000', '--max-run-time', '5s'];
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

const dir = mkdtempSync(join(tmpdir(), 'streamsim-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rss_at_start = process.memoryUsage().rss;
let file_number = 0;

async function cli(argv: readonly string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const sink = { write: (text: string) => (output += text) };
  const code = await run_cli(argv, { cwd: dir, stdout: sink, stderr: sink, env: {} });
  return { code, output };
}

/** Validates the text as a scenario file; returns whether it is valid. Asserts exit 0 or 2, no stack, in time. */
async function validate(text: string): Promise<{ valid: boolean; file: string }> {
  const file = `f${++file_number}.yaml`;
  writeFileSync(join(dir, file), text);
  const started_ms = performance.now();
  const { code, output } = await cli(['validate', file]);
  const context = `${text.slice(0, 2000)}\n---\n${output.slice(0, 2000)}`;
  expect(performance.now() - started_ms, context).toBeLessThan(VALIDATE_LIMIT_MS);
  expect(output, context).not.toMatch(STACK_TRACE);
  expect([EXIT.ok, EXIT.usage], context).toContain(code);
  return { valid: code === EXIT.ok, file };
}

/** Runs a file that validated, within a small budget: a result, a violation or over budget — never an internal error. */
async function run_valid(file: string, text: string): Promise<void> {
  const { code, output } = await cli(['run', file, '--quiet', ...RUN_BUDGET]);
  const context = `${text.slice(0, 2000)}\n---\n${output.slice(0, 3000)}`;
  expect(output, context).not.toMatch(STACK_TRACE);
  expect([EXIT.ok, EXIT.violation, EXIT.usage], context).toContain(code);
}

// Scalars a scenario may meet: edge numbers, YAML specials, strings with units, control and non-ASCII characters.
const scalar = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1e300, -1e300, Number.MAX_SAFE_INTEGER + 2, 4294967296, 0.5, NaN, Infinity, -Infinity),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('1s', '500 ms', '-5s', '99999999999999999999 d', '5 us', 'EXACTLY_ONCE', 'exactly_once', 'tm-1', 'tm-99', 'jm-standby', 'word_count', 'crash', '~', ''),
);
/** Keys drawn mostly from the scenario's own vocabulary, so trees reach deep into the schema. */
const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('name', 'description', 'job', 'workload', 'flink', 'sink', 'faults', 'phases', 'cluster', 'network', 'storage', 'nemesis', 'properties', 'seeds', 'params', 'kind', 'at', 'on', 'target', 'records', 'keys', 'parallelism', 'execution.checkpointing.interval', 'execution.checkpointing.mode', 'restart-strategy.type', 'model', 'value', 'safety_duration', 'groups', 'between', 'rates', '__proto__', 'constructor') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const { tree } = fc.letrec<{ tree: unknown }>((self) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(self('tree'), { maxLength: 4 }),
    fc.dictionary(key, self('tree'), { maxKeys: 6 }),
  ),
}));

const catalogue = readdirSync(CATALOGUE_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => readFileSync(join(CATALOGUE_DIR, name), 'utf8'));

type Path = (string | number)[];

/** Every path to a value in a parsed scenario. */
function paths_of(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => paths_of(item, [...prefix, index], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths_of(v, [...prefix, k], out);
  return out;
}

/** A copy of `root` with the value at `path` replaced (`undefined` deletes it; an empty path replaces the root). */
function replace_at(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else {
    node[last] = value;
  }
  return copy;
}

const data_mutation = fc.record({ path_choice: fc.nat(), kind: fc.constantFrom('replace', 'delete', 'add_key', 'nest'), value: tree, new_key: key });

function mutate_data(data: unknown, mutation: { path_choice: number; kind: string; value: unknown; new_key: string }): unknown {
  const paths = paths_of(data);
  const path = paths[mutation.path_choice % paths.length] ?? [];
  switch (mutation.kind) {
    case 'delete':
      return path.length === 0 ? data : replace_at(data, path, undefined);
    case 'add_key': {
      let target: unknown = data;
      for (const segment of path) target = (target as Record<string | number, unknown>)[segment];
      if (target === null || typeof target !== 'object' || Array.isArray(target)) return replace_at(data, path, mutation.value);
      return replace_at(data, [...path, mutation.new_key], mutation.value);
    }
    case 'nest':
      return replace_at(data, path, [[[[[[[[mutation.value]]]]]]]]);
    default:
      return replace_at(data, path, mutation.value);
  }
}

const text_mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('delete', 'insert', 'duplicate_line', 'swap_case'),
  length: fc.integer({ min: 1, max: 40 }),
  text: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('[', '{', ': ', '- ', '&a ', '*a', '!!str ', '\t', '"', "'", '#', '\n  ', '\u0000', '\u00e9')),
});

function mutate_text(text: string, mutation: { at: number; kind: string; length: number; text: string }): string {
  const at = mutation.at % Math.max(1, text.length);
  switch (mutation.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + mutation.length);
    case 'duplicate_line': {
      const lines = text.split('\n');
      const index = at % lines.length;
      lines.splice(index, 0, lines[index] ?? '');
      return lines.join('\n');
    }
    case 'swap_case':
      return text.slice(0, at) + text.slice(at, at + mutation.length).toUpperCase() + text.slice(at + mutation.length);
    default:
      return text.slice(0, at) + mutation.text + text.slice(at);
  }
}

describe('the scenario loader under fuzzing (validate exits 0 or 2, never 3)', () => {
  test.prop([tree], { numRuns: runs })('random YAML trees', async (value) => {
    await validate(stringify(value));
  });

  let valid_data_mutants_run = 0;
  test.prop([fc.nat({ max: catalogue.length - 1 }), fc.array(data_mutation, { minLength: 1, maxLength: 3 })], { numRuns: runs })(
    'catalogue scenarios with values, keys and types changed',
    async (index, mutations) => {
      let data = parse(catalogue[index] ?? '') as unknown;
      for (const mutation of mutations) data = mutate_data(data, mutation);
      const text = stringify(data);
      const { valid, file } = await validate(text);
      if (valid && valid_data_mutants_run++ < RUNS_OF_VALID_MUTANTS) await run_valid(file, text);
    },
  );

  let valid_text_mutants_run = 0;
  test.prop([fc.nat({ max: catalogue.length - 1 }), fc.array(text_mutation, { minLength: 1, maxLength: 4 })], { numRuns: runs })(
    'catalogue scenario files with their text changed',
    async (index, mutations) => {
      let text = catalogue[index] ?? '';
      for (const mutation of mutations) text = mutate_text(text, mutation);
      const { valid, file } = await validate(text);
      if (valid && valid_text_mutants_run++ < RUNS_OF_VALID_MUTANTS) await run_valid(file, text);
    },
  );

  test.prop([fc.constant(null)], { numRuns: 1 })('memory stays bounded over the whole fuzz', () => {
    expect(process.memoryUsage().rss - rss_at_start).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
  });
});
