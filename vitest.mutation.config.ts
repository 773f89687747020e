// Test selection for mutation testing (npm run mutation): the specifications of the code Stryker mutates —
// checkpoint coordination, recovery and restart strategies, heartbeats, state backends and sinks, plus the model check
// of the restart strategies against Flink's rules — so every mutant is judged by the tests that speak about it. Whole-
// job scenario tests are left out: they cover nearly every mutant, and each takes seconds to run.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  resolve: base.resolve,
  ssr: base.ssr,
  test: {
    include: [
      'engine/checkpoint/**/*.test.ts',
      'engine/recovery/**/*.test.ts',
      'engine/cluster/**/*.test.ts',
      'engine/connectors/**/*.test.ts',
      'engine/state/**/*.test.ts',
      'engine/savepoint/**/*.test.ts',
      'engine/ha/**/*.test.ts',
      'properties/restart-strategy-model.test.ts',
    ],
    // Rescaling to 86 and 129 subtasks takes seconds per run; key-group assignment is judged by key-groups.test.ts.
    exclude: ['**/node_modules/**', 'engine/savepoint/max-parallelism.test.ts'],
    pool: 'forks',
    env: base.test?.env,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
