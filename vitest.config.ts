import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of every workspace package, no build needed.
    conditions: ['source'],
  },
  test: {
    // koffi callbacks and uv_default_loop() belong to the main thread: every test file runs
    // in its own child process, never in a worker thread.
    pool: 'forks',
    include: ['packages/*/test/**/*.test.ts'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
