/** Child processes for the CLI tests: started inside a namespace, stopped like a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `rxsock-raw` bin. */
export const RXSOCK_RAW = fileURLToPath(new URL('../../bin/rxsock-raw.mjs', import.meta.url));

/** A running command with its output collected. */
export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stderr contains `text` (rejects after `ms`). */
  waitFor(text: string, ms?: number): Promise<void>;
  /** Resolves with the exit status once the process ends. */
  exited: Promise<number>;
  /** SIGINT, then the exit status. */
  interrupt(): Promise<number>;
}

/** Runs `cmd args` in network namespace `ns` (`ip netns exec`). */
export function runIn(ns: string, cmd: string, args: string[]): Running {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`'${text}' did not appear within ${ms} ms; stderr: ${err}`)), ms);
        const check = () => {
          if (err.includes(text)) {
            clearTimeout(timer);
            child.stderr!.off('data', check);
            resolve();
          }
        };
        child.stderr!.on('data', check);
        check();
      }),
    exited,
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
