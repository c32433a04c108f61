import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that need AF_CAN. The host's kernel has none, so they run only in the kernel VM
 * (`pnpm test:can`, scripts/test-can.mjs), never in this run.
 */
export const kernelVmTests = 'packages/can/test/vm/**';

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
    exclude: [...configDefaults.exclude, kernelVmTests],
    globalSetup: ['./vitest.global-setup.ts'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
