// Makes `npx streamsim` run this checkout: npm links the bins of a project's dependencies into node_modules/.bin,
// never the project's own, so `npm ci` (its prepare step) runs this to link node_modules/.bin/streamsim to cli/bin.mjs.
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin_dir = join(root, 'node_modules', '.bin');
const link = join(bin_dir, 'streamsim');
const target = relative(bin_dir, join(root, 'cli', 'bin.mjs'));

if (!existsSync(join(root, 'node_modules'))) process.exit(0); // installed as a dependency: npm links the bin itself
mkdirSync(bin_dir, { recursive: true });
let current;
try {
  current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : undefined;
} catch {
  current = undefined;
}
if (current !== target) {
  rmSync(link, { force: true });
  symlinkSync(target, link);
}
