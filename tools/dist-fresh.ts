// vitest global setup: the tests that spawn the real command line (`node cli/bin.mjs`) and import the installed
// package run the compiled code in dist/, so dist/ is rebuilt first when any source it is built from is newer.
// A clean clone builds it on `npm ci` (prepare); this keeps a working tree from testing stale JavaScript.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The folders tsconfig.build.json compiles. */
const BUILT_FOLDERS = ['entry', 'engine', 'sim', 'scenarios', 'properties', 'reports', 'cli'];

function newest_mtime_ms(dir: string, keep: (name: string) => boolean): number {
  let newest = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'fixtures') stack.push(path);
      } else if (keep(entry.name)) {
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  }
  return newest;
}

/** True when some compiled source or schema is newer than the oldest moment dist/ could have been built. */
export function dist_is_stale(root = ROOT): boolean {
  const marker = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(marker)) return true;
  const built_ms = statSync(marker).mtimeMs;
  const source = (name: string): boolean => /\.(ts|tsx|json)$/.test(name) && !/\.test\.tsx?$/.test(name);
  return BUILT_FOLDERS.some((folder) => existsSync(join(root, folder)) && newest_mtime_ms(join(root, folder), source) > built_ms);
}

export default function setup(): void {
  if (!dist_is_stale()) return;
  process.stderr.write('dist/ is older than the sources: npm run build\n');
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}
