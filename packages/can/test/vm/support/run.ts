/**
 * Runs a peer program (can-utils, Debian's python3, ip, tc) from a guest test, with a timeout
 * that only catches hangs: nothing in the guest is judged on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** What a finished program left behind. */
export interface RunResult {
  /** Exit status, or null when killed by a signal (then `signal` says which). */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the timeout killed it. */
  timedOut: boolean;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Killed (SIGKILL) after this long. Default 120 s: emulation is slow, this only catches hangs. */
  timeoutMs?: number;
  /** Written to its stdin, which is then closed. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A program running in the background; `done` settles when it exits. */
export interface Running {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** Sends `signal` (default SIGINT, which makes candump flush and exit) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<RunResult>;
  /** Output so far. */
  stdout(): string;
}

/** Starts `command` and returns at once. */
export function start(command: string, args: readonly string[] = [], options: RunOptions = {}): Running {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  let out = '';
  let err = '';
  let timedOut = false;
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  child.stdin!.on('error', () => {});
  child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${e.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: out, stderr: err, timedOut });
    });
  });
  return {
    child,
    done,
    stdout: () => out,
    stop(signal: NodeJS.Signals = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return done;
    },
  };
}

/** Runs `command` to completion. */
export function run(command: string, args: readonly string[] = [], options: RunOptions = {}): Promise<RunResult> {
  return start(command, args, options).done;
}

/** Runs `command` and throws, with its output, unless it exits 0. Returns its stdout. */
export async function runOk(command: string, args: readonly string[] = [], options: RunOptions = {}): Promise<string> {
  const r = await run(command, args, options);
  if (r.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} ${r.timedOut ? 'timed out' : `exited ${r.status ?? r.signal}`}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  }
  return r.stdout;
}

/**
 * Debian's python3, which has python3-can and scapy (the `python3` first on PATH here may be
 * another build without them).
 */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Runs a Python script (its text) with Debian's python3; `args` become `sys.argv[1:]`. */
export function python(script: string, args: readonly string[] = [], options: RunOptions = {}): Promise<RunResult> {
  return run(DEBIAN_PYTHON, ['-c', script, ...args], options);
}

/** Runs a can-utils program (`cansend`, `candump`, `cangen`, `canplayer`...) to completion. */
export function canUtil(name: string, args: readonly string[] = [], options: RunOptions = {}): Promise<RunResult> {
  return run(name, args, options);
}
