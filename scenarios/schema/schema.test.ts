// The schema's derived artefacts stay in step with it: generated types, generated docs (with the built-in jobs'
// parameters), and every catalogue scenario validates.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_JOBS } from '../../engine/examples/index.js';
import { load_scenario } from '../load.js';
import { GENERATED_TYPES_PATH, SCHEMA_PATH, generate_types_source, schema_source } from './generate-types.js';
import { DOCS_PATH, generate_docs_source } from './generate-docs.js';

const CATALOGUE_DIR = join(SCHEMA_PATH, '..', '..', 'catalogue');

describe('scenario schema artefacts', () => {
  it('scenario.generated.ts is what the schema generates (run `npm run gen:types` when this fails)', async () => {
    expect(readFileSync(GENERATED_TYPES_PATH, 'utf8')).toBe(await generate_types_source());
  });

  it("scenario.schema.json's on.event enum is the engine's event registry (run `npm run gen:types` when this fails)", () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schema_source());
  });

  it('docs/scenario-format.md is what the schema generates (run `npx tsx scenarios/schema/generate-docs.ts`)', () => {
    expect(readFileSync(DOCS_PATH, 'utf8')).toBe(generate_docs_source());
  });

  it('the docs describe every built-in job and its parameters', () => {
    const docs = generate_docs_source();
    for (const [name, job] of BUILT_IN_JOBS) {
      expect(docs).toContain(`### job \`${name}\``);
      for (const param of Object.keys(job.params)) expect(docs).toContain(`| \`${param}\``);
    }
  });

  it('has an $id and a description on every property', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    expect(schema['$id']).toMatch(/^https:\/\//);
    const missing: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      const properties = record['properties'] as Record<string, Record<string, unknown>> | undefined;
      for (const [name, child] of Object.entries(properties ?? {})) {
        if (typeof child['description'] !== 'string' && typeof child['$ref'] !== 'string') missing.push(`${at}.${name}`);
        walk(child, `${at}.${name}`);
      }
      for (const [name, child] of Object.entries((record['definitions'] as Record<string, unknown>) ?? {})) walk(child, `#${name}`);
      if (record['items'] !== undefined) walk(record['items'], `${at}[]`);
    };
    walk(schema, '');
    expect(missing).toEqual([]);
  });
});

describe('scenario catalogue', () => {
  const files = readdirSync(CATALOGUE_DIR).filter((f) => f.endsWith('.yaml')).sort();

  it('holds at least 15 scenarios', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s validates, is named after its file and keeps its run small', (file) => {
    const result = load_scenario(join(CATALOGUE_DIR, file));
    if (!result.ok) expect.fail(JSON.stringify(result.errors, null, 2));
    expect(result.scenario.name).toBe(file.replace(/\.yaml$/, ''));
    expect(result.scenario.description.length).toBeGreaterThan(80);
    expect(result.scenario.workload?.records ?? 5000).toBeLessThanOrEqual(10_000);
    expect(result.scenario.seeds?.length ?? 0).toBeGreaterThan(0);
  });

  it('proves its checks bite: some scenarios expect a violation, and they cover state, output and liveness', () => {
    const expected = files
      .map((file) => load_scenario(join(CATALOGUE_DIR, file)))
      .flatMap((result) => (result.ok && result.scenario.expect_violation !== undefined ? [result.scenario.expect_violation] : []));
    expect(new Set(expected)).toEqual(new Set(['exactly_once_state', 'exactly_once_output', 'liveness']));
  });
});
