import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources (the `source` export condition), so no build is
    // needed for in-process tests; tests that spawn Node processes use the built `dist/`.
    conditions: ['source'],
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'packages/*/test/**/*.test.tsx',
      'test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so real-server tests are not starved.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
