// Test runner configuration: every *.test.ts(x) under the project's folders, run in forked workers. The package's
// own entry ('streamsim') resolves to its TypeScript source here (the `streamsim-source` export condition), so tests,
// examples and the engine share one copy of the engine.
import { defineConfig } from 'vitest/config';

const SOURCE_CONDITIONS = ['streamsim-source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS, externalConditions: ['streamsim-source'] } },
  test: {
    include: ['{entry,examples,docs,engine,sim,scenarios,properties,reports,cli,bench,tools}/**/*.test.{ts,tsx}'],
    pool: 'forks',
    // The explorer specs drive an interactive ink UI; ink renders nothing until exit when CI is set (CI sets it),
    // and ink-testing-library loads ink before any explorer code runs. Nothing else in the project reads CI.
    env: { CI: 'false', CONTINUOUS_INTEGRATION: 'false' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that spawn `node cli/bin.mjs` run the compiled dist/: rebuilt first when a source is newer.
    globalSetup: ['tools/dist-fresh.ts'],
  },
});
