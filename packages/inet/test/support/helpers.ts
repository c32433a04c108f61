/** Shared helpers of the inet tests: waiting, collecting, child processes, echo servers, ports. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Observable, firstValueFrom, toArray } from 'rxjs';
import { C, Socket } from '@rxsock/core';
import type { Connection, TcpServer } from '../../src/index.js';

export { sleep };

/** Polls `cond` until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Every value of a finite Observable. */
export function collect<T>(source: Observable<T>): Promise<T[]> {
  return firstValueFrom(source.pipe(toArray()));
}

/** The bytes of an input$ until the peer finishes, as one buffer. */
export async function readAll(conn: Connection): Promise<Buffer> {
  return Buffer.concat(await collect(conn.input$));
}

/** Echoes every connection of `server` back to its client with backpressure (pipeTo). */
export function serveEcho(server: TcpServer): () => void {
  const sub = server.connections$.subscribe((conn) => {
    conn.pipeTo(conn).catch(() => conn.close());
  });
  return () => sub.unsubscribe();
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed). */
export function freePort(): number {
  const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
  s.bind(['127.0.0.1', 0]);
  const { port } = s.getsockname() as { port: number };
  s.close();
  return port;
}

/** A child process with its output collected. */
export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Spawns `cmd args`, collecting output; killed at the end of the test by the caller. */
export function run(cmd: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  let out = '';
  let err = '';
  const listeners: Array<() => void> = [];
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    line(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(timer);
            resolve(m);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`)), timeoutMs);
        if (!check()) listeners.push(() => void check());
        void exited.then(() => {
          if (!check()) {
            clearTimeout(timer);
            reject(new Error(`process exited before printing ${re}; stdout: ${out}; stderr: ${err}`));
          }
        });
      });
    },
  };
}

/** Stops a child if it still runs and waits for it. */
export async function stop(child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGTERM');
  await child.exited;
}

/** Runs a Python snippet to completion and returns its stdout (throws with stderr on failure). */
export async function python(code: string, args: readonly string[] = [], timeoutMs = 15_000): Promise<string> {
  const child = run('python3', ['-c', code, ...args]);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), timeoutMs);
  const status = await child.exited;
  clearTimeout(timer);
  if (status !== 0) throw new Error(`python exited with ${status}: ${child.stderr()}`);
  return child.stdout();
}
