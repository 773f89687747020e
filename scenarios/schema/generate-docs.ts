// Generates docs/scenario-format.md from scenario.schema.json (titles, descriptions, types, defaults) plus the
// project's notes on Flink configuration. Run with `npx tsx scenarios/schema/generate-docs.ts`; a test fails when stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_IN_JOBS } from '../../engine/examples/index.js';
import { describe_params } from '../job-params.js';
import { ENGINE_EVENT_NAMES, ENGINE_EVENT_REGISTRY, type EngineEventSpec } from '../../engine/events.js';

const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));
const SCHEMA_PATH = join(SCHEMA_DIR, 'scenario.schema.json');
export const DOCS_PATH = join(SCHEMA_DIR, '..', '..', 'docs', 'scenario-format.md');

interface SchemaNode {
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  $ref?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  oneOf?: SchemaNode[];
  definitions?: Record<string, SchemaNode>;
}

const REF_NAMES: Record<string, string> = {
  duration: 'duration',
  memory_size: 'memory size',
  process_id: 'process id',
  property_name: 'property name',
  latency_model: '[latency model](#latency-model)',
  on_event: '[engine event trigger](#engine-event-trigger)',
  fault: '[fault](#fault-plan)',
};

function ref_name(ref: string): string {
  const name = ref.replace('#/definitions/', '');
  return REF_NAMES[name] ?? name;
}

function escape_cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Patterns of named definitions inlined into fields (e.g. process ids), so the docs can name them. */
let named_patterns: ReadonlyMap<string, string> = new Map();

/** Longer enums are listed in a table of their own instead of inline. */
const MAX_INLINE_ENUM = 12;

function type_of(node: SchemaNode): string {
  if (node.$ref !== undefined) return ref_name(node.$ref);
  const named = node.pattern === undefined ? undefined : named_patterns.get(node.pattern);
  if (named !== undefined) return named;
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (node.enum !== undefined && node.enum.length > MAX_INLINE_ENUM) return `one of ${node.enum.length} names (listed below)`;
  if (node.enum !== undefined) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.type === 'array' && node.items !== undefined) return `list of ${type_of(node.items)}`;
  const base = Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
  if ((base === 'integer' || base === 'number') && node.exclusiveMinimum !== undefined) {
    return `${base} > ${node.exclusiveMinimum}${node.maximum !== undefined ? `, ≤ ${node.maximum}` : ''}`;
  }
  if ((base === 'integer' || base === 'number') && (node.minimum !== undefined || node.maximum !== undefined)) {
    return `${base} ${node.minimum ?? '…'}–${node.maximum ?? '…'}`;
  }
  return base;
}

function default_of(node: SchemaNode): string {
  return node.default === undefined ? '' : `\`${typeof node.default === 'string' ? node.default : JSON.stringify(node.default)}\``;
}

let definitions_in_use: Readonly<Record<string, SchemaNode>> = {};

function field_table(node: SchemaNode): string[] {
  const required = new Set(node.required ?? []);
  const lines = ['| field | type | default | description |', '|---|---|---|---|'];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const referenced = child.$ref === undefined ? undefined : definitions_in_use[child.$ref.replace('#/definitions/', '')];
    const description = child.description ?? referenced?.description ?? '';
    const title_text = child.title ?? referenced?.title;
    const title = title_text !== undefined ? `**${title_text}.** ` : '';
    lines.push(
      `| \`${name}\`${required.has(name) ? ' (required)' : ''} | ${type_of(child)} | ${default_of(child)} | ${escape_cell(title + description)} |`,
    );
  }
  return lines;
}

const FLINK_NOTES = [
  '### How streamsim reads Flink configuration',
  '',
  '- Keys are flat, exactly as in a Flink configuration file (`execution.checkpointing.interval: 10s`); the nested',
  '  YAML form of Flink 2\'s `config.yaml` is not read. Unknown keys are rejected rather than ignored.',
  '- Durations follow Flink\'s `TimeUtils` syntax (whole number, optional unit: `d`, `h`, `min`/`m`, `s`, `ms` and long',
  '  forms; plain number = ms). Virtual time counts whole milliseconds, so `µs` and `ns` are refused. The schema',
  '  accepts lower-case units only; the parser, like Flink, also accepts upper case.',
  '- Memory sizes follow Flink\'s `MemorySize` syntax (1024-based; plain number = bytes).',
  '- Defaults are Flink\'s: checkpointing off unless an interval is set, `EXACTLY_ONCE`, timeout 10 min, min-pause 0,',
  '  1 concurrent checkpoint, 0 tolerable failures, 1 retained checkpoint, `hashmap` backend, heartbeats every 10 s',
  '  with a 50 s timeout. With checkpointing on and no `restart-strategy.type`, the strategy is `exponential-delay`',
  '  (initial 1 s, max 1 min, multiplier 1.5, reset after 1 h, jitter 0.1), as in Flink 1.19+; without checkpointing',
  '  it is `none`.',
  '- Deviations, all of them errors where Flink would silently ignore or fail later: an interval or timeout below',
  '  10 ms; `state.backend.incremental: true` with the `hashmap` backend; unaligned checkpoints with `AT_LEAST_ONCE`',
  '  or more than one concurrent checkpoint; `restart-strategy.<other>.*` keys that the chosen strategy ignores;',
  '  `heartbeat.timeout` below `heartbeat.interval`; an exponential max-backoff below the initial backoff;',
  '  `state.backend.rocksdb.writebuffer.size` with the `hashmap` backend or of 0 bytes; `state.storage.fs.memory-threshold`',
  '  with the `rocksdb` backend (its runs are always files).',
  '- `rocksdb` selects streamsim\'s own embedded LSM store, which plays RocksDB\'s role: full snapshots by default,',
  '  incremental ones with `state.backend.incremental: true`, and `state.backend.rocksdb.writebuffer.size` as the',
  '  memtable size (a memtable that reaches it is flushed to a sorted run). With `hashmap`, a keyed snapshot up to',
  '  `state.storage.fs.memory-threshold` (at most 1 mb, as in Flink) goes inline in the checkpoint metadata.',
  '- `execution.buffer-timeout.interval` defaults to Flink\'s 100 ms. "Only full buffers" is `-1` as a plain number',
  '  (the older Flink spelling); Flink 1.19+ spells it `execution.buffer-timeout.enabled: false`, not a key here.',
];

/** The engine events a trigger may name (engine/events.ts): when each is logged and what a scenario needs for it. */
function engine_events_table(): string[] {
  const lines = [
    '#### Engine events',
    '',
    'Every event the engine logs, from its registry (`engine/events.ts`). "Needs" is what the scenario must configure for the',
    'event to happen at all (`validate` refuses a trigger on an event that cannot happen). Events marked ⚠ often explain a',
    'failure; the explorer and the HTML report mark them.',
    '',
    '| event | when the engine logs it | needs |',
    '|---|---|---|',
  ];
  for (const name of ENGINE_EVENT_NAMES) {
    const spec: EngineEventSpec = ENGINE_EVENT_REGISTRY[name];
    lines.push(`| \`${name}\`${spec.suspicious === true ? ' ⚠' : ''} | ${escape_cell(spec.about)} | ${(spec.requires ?? []).join(', ')} |`);
  }
  lines.push('');
  return lines;
}

/** The Markdown text the schema generates, byte for byte what docs/scenario-format.md must hold. */
export function generate_docs_source(): string {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as SchemaNode;
  const definitions = schema.definitions ?? {};
  definitions_in_use = definitions;
  named_patterns = new Map(
    Object.entries(definitions).flatMap(([name, node]) => (node.pattern !== undefined && name === 'process_id' ? [[node.pattern, REF_NAMES[name] ?? name]] : [])),
  );
  const out: string[] = [
    '<!-- Generated from scenarios/schema/scenario.schema.json by scenarios/schema/generate-docs.ts. Do not edit. -->',
    '',
    '# Scenario file format',
    '',
    schema.description ?? '',
    '',
    'A scenario is a UTF-8 YAML (1.2, plain data: no tags) or JSON file of at most 256 KiB, nested at most 32 levels deep. Add',
    '`$schema: ../schema/scenario.schema.json` (path relative to the file) for editor completion. Check files with',
    '`npx streamsim validate <file or dir>…`: mistakes are reported as `file:line: field.path: what was expected` and',
    'exit with code 2. A scenario never names files to write: traces and reports go where command-line flags say.',
    '',
    '## Top-level fields',
    '',
    ...field_table(schema),
    '',
  ];
  const sections: [string, SchemaNode | undefined][] = [
    ['cluster', schema.properties?.['cluster']],
    ['sink', schema.properties?.['sink']],
    ['workload', schema.properties?.['workload']],
    ['network', schema.properties?.['network']],
    ['storage', schema.properties?.['storage']],
    ['nemesis', schema.properties?.['nemesis']],
    ['nemesis.rates', schema.properties?.['nemesis']?.properties?.['rates']],
    ['phases', schema.properties?.['phases']],
  ];
  const job = schema.properties?.['job'];
  out.push('## job', '', job?.description ?? '', '');
  if (job !== undefined) out.push(...field_table(job), '');
  out.push('The built-in jobs (`job: { name: … }`) are defined with the same contract as a job from a module (`defineJob`).', '');
  for (const [name, definition] of BUILT_IN_JOBS) {
    out.push(`### job \`${name}\``, '', `${definition.description.charAt(0).toUpperCase()}${definition.description.slice(1)}.`, '');
    const params = describe_params(definition.params);
    if (params.length === 0) out.push('It has no parameters of its own.', '');
    else {
      out.push(`Parameters (\`job.params\`) of \`${name}\`:`, '', '| field | type | default | description |', '|---|---|---|---|');
      for (const param of params) out.push(`| \`${param.name}\` | ${escape_cell(param.type)} | ${param.default === '' ? '' : `\`${param.default}\``} | ${escape_cell(param.description)} |`);
      out.push('');
    }
  }
  out.push('## flink', '', schema.properties?.['flink']?.description ?? '', '');
  const flink = schema.properties?.['flink'];
  if (flink !== undefined) out.push(...field_table(flink), '', ...FLINK_NOTES, '');
  for (const [name, node] of sections) {
    if (node === undefined) continue;
    out.push(`## ${name}`, '', node.description ?? '', '', ...field_table(node), '');
  }
  out.push('## Fault plan', '', schema.properties?.['faults']?.description ?? '', '');
  for (const branch of definitions['fault']?.oneOf ?? []) {
    const node = definitions[(branch.$ref ?? '').replace('#/definitions/', '')];
    if (node === undefined) continue;
    const kind = String(node.properties?.['kind']?.const ?? '');
    out.push(`### \`kind: ${kind}\` — ${node.title ?? ''}`, '', node.description ?? '', '', ...field_table(node), '');
  }
  const on_event = definitions['on_event'];
  if (on_event !== undefined) out.push('### Engine event trigger', '', on_event.description ?? '', '', ...field_table(on_event), '', ...engine_events_table());
  const latency = definitions['latency_model'];
  if (latency !== undefined) out.push('## Latency model', '', latency.description ?? '', '', ...field_table(latency), '');
  out.push('## Value syntax', '');
  for (const name of ['duration', 'memory_size', 'process_id', 'property_name']) {
    const node = definitions[name];
    if (node === undefined) continue;
    out.push(`- **${node.title ?? name}**: ${node.description ?? ''}${node.enum !== undefined ? ` One of ${type_of(node)}.` : ''}`);
  }
  out.push('');
  return out.join('\n');
}

const is_main = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (is_main) {
  writeFileSync(DOCS_PATH, generate_docs_source());
  console.log(`wrote ${DOCS_PATH}`);
}
