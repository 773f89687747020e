// Test runner configuration: every *.test.ts(x) under the project's folders, run in forked workers.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{engine,sim,scenarios,properties,reports,cli,bench,tools}/**/*.test.{ts,tsx}'],
    pool: 'forks',
    // The explorer specs drive an interactive ink UI; ink renders nothing until exit when CI is set (CI sets it),
    // and ink-testing-library loads ink before any explorer code runs. Nothing else in the project reads CI.
    env: { CI: 'false', CONTINUOUS_INTEGRATION: 'false' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
