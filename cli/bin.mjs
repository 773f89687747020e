#!/usr/bin/env node
// The package bin (`npx streamsim`): registers tsx for TypeScript and runs cli/main.ts in this process, so stdio
// and the exit code pass straight through. Paths resolve from this file, not from the caller's directory.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('./main.ts', import.meta.url).href);
await main(process.argv.slice(2));
