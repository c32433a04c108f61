/**
 * Fresh temporary paths for UNIX sockets, and their removal. Kept apart from the socket helpers
 * and free of @rxsock/core, so that the repository's vitest setup can load it in every test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The directories {@link tempSocketPath} made and not yet removed, where a test runner can find
 * them: vitest ends its workers with SIGTERM, so no exit handler runs there, and the repository's
 * vitest setup (vitest.setup.ts) removes them after each test file instead.
 */
export const TEMP_SOCKET_DIRECTORIES = Symbol.for('rxsock.testing.tempSocketDirectories');

function madeDirectories(): string[] {
  const registry = globalThis as { [TEMP_SOCKET_DIRECTORIES]?: string[] };
  if (registry[TEMP_SOCKET_DIRECTORIES] === undefined) {
    registry[TEMP_SOCKET_DIRECTORIES] = [];
    process.once('exit', removeTempSocketDirectories);
  }
  return registry[TEMP_SOCKET_DIRECTORIES];
}

/**
 * A fresh path for a UNIX socket in a new temporary directory. The directory, and whatever the
 * test put in it, is removed by {@link removeTempSocketDirectories}, which runs when the process
 * exits: a test run leaves nothing in the temp dir.
 */
export function tempSocketPath(name = 'sock'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rxsock-'));
  madeDirectories().push(dir);
  return join(dir, name);
}

/** Removes every directory {@link tempSocketPath} made so far, with what is in it. */
export function removeTempSocketDirectories(): void {
  for (const dir of madeDirectories().splice(0)) rmSync(dir, { recursive: true, force: true });
}
