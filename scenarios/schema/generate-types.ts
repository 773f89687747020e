// Generates scenarios/schema/scenario.generated.ts from scenario.schema.json with json-schema-to-typescript, after
// writing the engine's event names (engine/events.ts) into the schema's `on.event` enum. Run with `npm run gen:types`;
// scenarios/schema/schema.test.ts fails when either committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { ENGINE_EVENT_NAMES } from '../../engine/events.js';

export const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_PATH = join(SCHEMA_DIR, 'scenario.schema.json');
export const GENERATED_TYPES_PATH = join(SCHEMA_DIR, 'scenario.generated.ts');

const BANNER = [
  '// Scenario types generated from scenarios/schema/scenario.schema.json by scenarios/schema/generate-types.ts.',
  '// Do not edit by hand: change the schema and run `npm run gen:types`.',
].join('\n');

/** The schema text with `on.event` closed to the engine's event names, byte for byte what the committed file must hold. */
export function schema_source(): string {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { definitions: { on_event: { properties: { event: Record<string, unknown> } } } };
  schema.definitions.on_event.properties.event = {
    title: 'Engine event',
    description:
      'An engine event name as the engine writes it to the trace, e.g. `checkpoint.completed`, `sink.precommitted`, `recovery.restored`. ' +
      'The list is the engine\'s own (engine/events.ts); the table of engine events below says when each is logged and what it needs. ' +
      '`validate` refuses a name the engine never logs, and an event this scenario cannot produce (e.g. `sink.precommitted` without a two-phase-commit sink).',
    type: 'string',
    enum: [...ENGINE_EVENT_NAMES],
  };
  return JSON.stringify(schema, null, 2) + '\n';
}

/** The TypeScript source the schema generates, byte for byte what the committed file must hold. */
export async function generate_types_source(): Promise<string> {
  const schema = JSON.parse(schema_source()) as JSONSchema;
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
  const schema = schema_source();
  if (readFileSync(SCHEMA_PATH, 'utf8') !== schema) {
    writeFileSync(SCHEMA_PATH, schema);
    console.log(`wrote ${SCHEMA_PATH} (on.event: the engine's ${ENGINE_EVENT_NAMES.length} event names)`);
  }
  const source = await generate_types_source();
  writeFileSync(GENERATED_TYPES_PATH, source);
  console.log(`wrote ${GENERATED_TYPES_PATH}`);
}
