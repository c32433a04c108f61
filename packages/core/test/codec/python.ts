/**
 * Runs one python3 script for a whole batch of cases: JSON in on stdin, JSON out on stdout.
 * One process per batch keeps a few hundred comparisons with CPython (glibc underneath) cheap.
 * Also the codec tests' shared check of which error a call refuses an argument with.
 */
import { spawnSync } from 'node:child_process';
import { SocketError } from '../../src/index.js';

/** Whether python3 can be run here; differential tests skip without it. */
export const hasPython: boolean = spawnSync('python3', ['-c', 'pass']).status === 0;

/** Runs `script` (which reads `json.load(sys.stdin)` and prints JSON) on `input`. */
export function python<T>(script: string, input: unknown): T {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The `code` of the {@link SocketError} `fn` throws, or undefined when it returns; other errors are rethrown. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SocketError)) throw e;
    return e.code;
  }
  return undefined;
}
