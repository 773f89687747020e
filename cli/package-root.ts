// Where the package is installed and its version: found by walking up from this file to streamsim's package.json,
// so the answer is the same whether this file runs as TypeScript source or as compiled JavaScript under dist/.
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
