// Test selection for mutation testing (npm run mutation): the specifications of the code Stryker mutates —
// checkpoint coordination, recovery and sinks — so every mutant is judged by the tests that speak about it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'engine/checkpoint/**/*.test.ts',
      'engine/recovery/**/*.test.ts',
      'engine/connectors/**/*.test.ts',
      'engine/state/**/*.test.ts',
      'engine/ha/**/*.test.ts',
    ],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
