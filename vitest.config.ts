// Test runner configuration: every *.test.ts(x) under the project's folders, run in forked workers.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{engine,sim,scenarios,properties,reports,cli,bench,tools}/**/*.test.{ts,tsx}'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
