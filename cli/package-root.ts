// Where the package is installed, its version, and how to name its own modules: found from this file, so the answers
// hold whether the CLI runs as TypeScript source (tsx, vitest) or as compiled JavaScript under dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function find_package_root(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === 'streamsim') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('streamsim: package.json not found above the CLI');
    dir = parent;
  }
}

export const PACKAGE_ROOT = find_package_root();

export function package_version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** '.ts' when this code runs from the TypeScript source, '.js' when it runs compiled (dist/). */
export const MODULE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** True when this code runs compiled from dist/. */
export const RUNNING_COMPILED = MODULE_EXTENSION === '.js';

/** The URL of one of the package's modules, given relative to cli/ and without extension, in the form this code runs in. */
export function own_module(stem_from_cli: string): string {
  return new URL(`${stem_from_cli}${MODULE_EXTENSION}`, import.meta.url).href;
}
