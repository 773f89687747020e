#!/usr/bin/env node
// The package bin (`npx streamsim`): runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` runs as
// `prepare`), so a command starts without compiling TypeScript. Without dist/, or with STREAMSIM_FROM_SOURCE=1 (while
// changing the CLI's source), it runs cli/main.ts through tsx instead. Either way in this process, so stdio and the exit
// code pass straight through.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.STREAMSIM_FROM_SOURCE !== '1' && existsSync(compiled)) {
  const { main } = await import(compiled.href);
  await main(process.argv.slice(2));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(new URL('./main.ts', import.meta.url).href);
  await main(process.argv.slice(2));
}
