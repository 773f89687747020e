// Generates scenarios/schema/scenario.generated.ts from scenario.schema.json with json-schema-to-typescript.
// Run with `npm run gen:types`; scenarios/schema/schema.test.ts fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

export const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_PATH = join(SCHEMA_DIR, 'scenario.schema.json');
export const GENERATED_TYPES_PATH = join(SCHEMA_DIR, 'scenario.generated.ts');

const BANNER = [
  '// Scenario types generated from scenarios/schema/scenario.schema.json by scenarios/schema/generate-types.ts.',
  '// Do not edit by hand: change the schema and run `npm run gen:types`.',
].join('\n');

/** The TypeScript source the schema generates, byte for byte what the committed file must hold. */
export async function generate_types_source(): Promise<string> {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as JSONSchema;
  return compile(schema, 'Scenario', {
    bannerComment: BANNER,
    additionalProperties: false,
    strictIndexSignatures: true,
    maxItems: -1,
    format: true,
    cwd: SCHEMA_DIR,
    style: { singleQuote: true, printWidth: 120 },
  });
}

const is_main = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (is_main) {
  const source = await generate_types_source();
  writeFileSync(GENERATED_TYPES_PATH, source);
  console.log(`wrote ${GENERATED_TYPES_PATH}`);
}
