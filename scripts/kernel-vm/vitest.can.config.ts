// The CAN suite (`pnpm test:can`): every test under packages/can/test, the AF_CAN ones under
// packages/can/test/vm included, run in the kernel VM (or on a host kernel with vcan).
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// Software emulation is slow and uneven: nothing here is judged on time, so the timeouts only
// catch hangs. Two workers for the guest's two CPUs; each file in its own process (forks).
const guestTimeoutMs = 300_000;

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...base.test,
    include: ['packages/can/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: guestTimeoutMs,
    hookTimeout: guestTimeoutMs,
    teardownTimeout: 60_000,
  },
});
