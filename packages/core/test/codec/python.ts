/**
 * Runs one python3 script for a whole batch of cases: JSON in on stdin, JSON out on stdout.
 * One process per batch keeps a few hundred comparisons with CPython (glibc underneath) cheap.
 */
import { spawnSync } from 'node:child_process';

/** Whether python3 can be run here; differential tests skip without it. */
export const hasPython: boolean = spawnSync('python3', ['-c', 'pass']).status === 0;

/** Runs `script` (which reads `json.load(sys.stdin)` and prints JSON) on `input`. */
export function python<T>(script: string, input: unknown): T {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
