// Runs in every test file's process. vitest ends its workers with SIGTERM, so no exit handler
// runs there: the directories @rxsock/testing's tempSocketPath made (listed under this symbol,
// see packages/testing/src/loopback.ts) are removed after each test file instead. Read through
// the symbol, not imported, so that a test file that never uses @rxsock/testing loads nothing.
import { afterAll } from 'vitest';
import { rmSync } from 'node:fs';

const TEMP_SOCKET_DIRECTORIES = Symbol.for('rxsock.testing.tempSocketDirectories');

afterAll(() => {
  const made = (globalThis as { [TEMP_SOCKET_DIRECTORIES]?: string[] })[TEMP_SOCKET_DIRECTORIES];
  for (const dir of made?.splice(0) ?? []) rmSync(dir, { recursive: true, force: true });
});
