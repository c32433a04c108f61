// The CAN suite (`pnpm test:can`): the tests that need SocketCAN (packages/can/test/vm), run in
// the kernel VM (or on a host kernel with vcan). The rest of packages/can/test needs no CAN and
// runs in the host suite (`pnpm vitest`), so nothing runs twice.
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import base, { kernelVmTests } from '../../vitest.config.js';

// Software emulation is slow and uneven: nothing here is judged on time, so the timeouts only
// catch hangs. Two workers for the guest's two CPUs, in child processes (forks: koffi wants the
// main thread). `isolate: false` lets each worker process run file after file: loading
// @rxsock/core and vitest costs 10-30 s per process under emulation, so a process per file spent
// more time importing than testing. The files clean up after themselves (interfaces, sockets).
const guestTimeoutMs = 300_000;

// The workspace packages as built JavaScript (dist), imported by node itself: the host suite runs
// their TypeScript sources through vite (the "source" condition), which under emulation cost more
// than the tests (transform 93 s + import 153 s of a 270 s run). test-can.mjs builds first.
const { resolve: _sourceCondition, ssr: _ssrSourceCondition, ...baseWithoutSource } = base;

export default defineConfig({
  ...baseWithoutSource,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...base.test,
    include: [`${kernelVmTests}/*.test.ts`],
    exclude: [...configDefaults.exclude],
    pool: 'forks',
    isolate: false,
    maxWorkers: 2,
    testTimeout: guestTimeoutMs,
    hookTimeout: guestTimeoutMs,
    teardownTimeout: 60_000,
    server: { deps: { external: [/\/packages\/(core|inet|can|raw)\/dist\//] } },
  },
});
