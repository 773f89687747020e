// The event registry is the engine's whole vocabulary: every name the engine's source logs is registered, and every
// registered name is still logged somewhere (a renamed event cannot leave a stale trigger name behind).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_EVENT_NAMES, SUSPICIOUS_ENGINE_EVENTS, is_engine_event } from './events.js';

const ENGINE_DIR = new URL('.', import.meta.url).pathname;

function source_files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : source_files(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('test-support.ts') ? [path] : [];
  });
}

/** Every `.log('name'` (also `log(\n 'name'`) in the engine's source, with where it is. */
function logged_names(): { name: string; at: string }[] {
  const found: { name: string; at: string }[] = [];
  for (const file of source_files(ENGINE_DIR)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\blog\(\s*['"`]([^'"`]+)['"`]/g)) {
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ name: match[1] as string, at: `engine/${relative(ENGINE_DIR, file)}:${line}` });
    }
  }
  return found;
}

describe('engine event registry (engine/events.ts)', () => {
  const logged = logged_names();

  it('lists every event the engine logs', () => {
    const missing = logged.filter((entry) => !is_engine_event(entry.name)).map((entry) => `${entry.name} (logged at ${entry.at})`);
    expect(missing, 'add these to ENGINE_EVENT_REGISTRY in engine/events.ts, then run `npm run gen:types` and `npm run gen:docs`').toEqual([]);
  });

  it('lists only events the engine still logs', () => {
    const names = new Set(logged.map((entry) => entry.name));
    expect(ENGINE_EVENT_NAMES.filter((name) => !names.has(name))).toEqual([]);
  });

  it('uses dotted lower-case names and marks the events that explain failures', () => {
    for (const name of ENGINE_EVENT_NAMES) expect(name).toMatch(/^[a-z_]+(\.[a-z_]+)+$/);
    expect(SUSPICIOUS_ENGINE_EVENTS).toEqual(
      expect.arrayContaining(['sink.data_loss', 'sink.commit_failed', 'txstore.txn_expired', 'checkpoint.aborted', 'recovery.restore_failed']),
    );
  });
});
