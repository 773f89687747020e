// Test selection for mutation testing (npm run mutation): the specifications of the code Stryker mutates —
// checkpoint coordination, recovery and restart strategies, heartbeats, state backends and sinks — plus the scenario
// tests that drive that code through whole jobs, so every mutant is judged by the tests that speak about it.
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
      'scenarios/heartbeats.test.ts',
      'properties/restart-strategy-model.test.ts',
    ],
    pool: 'forks',
    env: base.test?.env,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
