/**
 * File-descriptor leak checks: what a socket library's tests most need and most often lack.
 * Linux reads `/proc/self/fd`; elsewhere these throw, saying so.
 */
import { readdirSync, readlinkSync } from 'node:fs';

/** The open fds of this process with what each points to (`socket:[1234]`, a path...). */
export function openFds(): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    try {
      out.set(fd, readlinkSync(`/proc/self/fd/${name}`));
    } catch {
      // the fd readdir itself used is gone by now
    }
  }
  return out;
}

/** What {@link checkFdLeak} found. */
export interface FdLeakReport<T> {
  result: T;
  /** fds open after that were not before, with their targets. */
  leaked: Array<[fd: number, target: string]>;
  before: number;
  after: number;
}

/**
 * Runs `fn` and reports fds it left open. Sockets only by default (`socket:[...]`), because the
 * runtime itself opens files and pipes at its own pace.
 */
export async function checkFdLeak<T>(fn: () => Promise<T> | T, options: { socketsOnly?: boolean } = {}): Promise<FdLeakReport<T>> {
  const only = options.socketsOnly ?? true;
  const pick = (m: Map<number, string>) => new Map([...m].filter(([, t]) => !only || t.startsWith('socket:')));
  const before = pick(openFds());
  const result = await fn();
  const after = pick(openFds());
  const leaked = [...after].filter(([fd, t]) => before.get(fd) !== t);
  return { result, leaked, before: before.size, after: after.size };
}
