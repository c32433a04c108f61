import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the TypeScript sources of every workspace package (their "source" export
  // condition), so a test and the packages it imports share one copy of core.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    // koffi callbacks and uv_default_loop() belong to the main thread: every test file runs
    // in its own child process, never in a worker thread.
    pool: 'forks',
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
