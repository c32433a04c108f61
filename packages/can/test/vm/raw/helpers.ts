/** Helpers of the CAN_RAW guest tests: frame collection, can-utils and /usr/bin/python3 runs. */
import { spawn, execFileSync } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { firstValueFrom, take, toArray, timeout } from 'rxjs';
import { openCanRaw, type CanFdFrame, type CanRawOptions, type CanRawSocket, type ClassicCanFrame, type ReceivedCanFrame } from '@rxsock/can';

/** A received classic or FD frame (what a socket without xlFrames receives). */
export type Rx = ReceivedCanFrame<ClassicCanFrame | CanFdFrame>;

const opened: CanRawSocket[] = [];
let defaultInterface = 'vcan0';

/**
 * Gives a test file vcan interfaces of its own (created before its tests, deleted after): test
 * files run two at a time in the guest, and frames on a shared vcan0 would cross between them.
 * The first name becomes the default interface of {@link raw}.
 */
export function useVcan(names: string[], mtu?: number): void {
  beforeAll(() => {
    for (const n of names) {
      try {
        ip('link', 'del', n);
      } catch {
        // not there: the usual case
      }
      ip('link', 'add', 'dev', n, 'type', 'vcan');
      if (mtu) ip('link', 'set', n, 'mtu', String(mtu));
      ip('link', 'set', n, 'up');
    }
    defaultInterface = names[0]!;
  });
  afterAll(() => {
    for (const n of names) ip('link', 'del', n);
  });
}

/** Opens a CAN_RAW socket that {@link closeAll} closes after the test. */
export function raw(options: CanRawOptions = {}): CanRawSocket {
  const s = openCanRaw({ interface: defaultInterface, ...options });
  opened.push(s);
  return s;
}

export function closeAll(): void {
  for (const s of opened.splice(0)) s.close();
}

/** The next `n` frames of `socket`, failing when they do not all come within `ms`. */
export function collect(socket: CanRawSocket, n: number, ms = 60_000): Promise<Rx[]> {
  return firstValueFrom(socket.frames$.pipe(take(n), toArray(), timeout(ms))) as unknown as Promise<Rx[]>;
}

/** Frames that arrive within `ms` (for "nothing else came" checks). */
export function collectFor(socket: CanRawSocket, ms: number): Promise<Rx[]> {
  return new Promise((resolve) => {
    const got: Rx[] = [];
    const sub = socket.frames$.subscribe((f) => got.push(f as Rx));
    setTimeout(() => {
      sub.unsubscribe();
      resolve(got);
    }, ms);
  });
}

/** Runs a program to completion with a hard timeout; resolves with stdout, rejects on failure. */
export function run(cmd: string, args: string[], timeoutS = 120, input?: string): Promise<string> {
  const p = new Promise<string>((resolve, reject) => {
    const child = spawn('timeout', [String(timeoutS), cmd, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (err += d));
    if (input !== undefined) child.stdin!.end(input);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}${out}`))));
  });
  // Started before the test awaits it: a failure meanwhile is not an unhandled rejection.
  p.catch(() => {});
  return p;
}

/** `candump -L -n count args...`: the lines, without their timestamps. */
export async function candump(args: string[], count: number, timeoutS = 120): Promise<string[]> {
  const out = await run('candump', ['-L', '-n', String(count), ...args], timeoutS);
  return out.trim().split('\n').map((l) => l.split(' ').slice(1).join(' '));
}

/** A started process whose readiness is a line it prints; resolves its full output on exit. */
export function startReady(cmd: string, args: string[], readyLine: string, timeoutS = 180): { ready: Promise<void>; done: Promise<string> } {
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const done = new Promise<string>((resolve, reject) => {
    const child = spawn('timeout', [String(timeoutS), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes(readyLine)) markReady();
    });
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}${out}`))));
  });
  done.catch(() => {});
  return { ready, done };
}

/** Debian's python3 with python3-can (the python3 first on PATH lacks it). */
export const PYTHON = '/usr/bin/python3';

/** Runs `ip` in the guest. */
export function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** Whether we are in the kernel VM (or a host with vcan0). */
export const inGuest = process.env.RXSOCK_KERNEL_VM === '1';

/** Small pause so a just-started peer has its socket bound (counts, not timing, are judged). */
export const settle = (ms = 500): Promise<void> => new Promise((r) => setTimeout(r, ms));
