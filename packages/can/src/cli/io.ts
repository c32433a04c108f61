/**
 * What a command needs from its process: output streams, input, and a way to learn of Ctrl-C.
 * Commands take it as a parameter so that tests can run them in-process.
 */
import type { Readable, Writable } from 'node:stream';
import { systemError } from '@rxsock/core';

/** A command's process environment. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  /** Working directory (where `candump -l` writes its file). */
  readonly cwd: string;
  /** Registers a handler for SIGINT/SIGTERM/SIGHUP; returns its removal. */
  onSignal(handler: () => void): () => void;
}

/** The running process's streams and signals. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    onSignal(handler) {
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      for (const s of signals) process.on(s, handler);
      return () => {
        for (const s of signals) process.off(s, handler);
      };
    },
  };
}

/** Writes and resolves once the stream took it (waiting for `drain` when it is full). */
export function writeOut(stream: Writable, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  if (stream.write(text)) return Promise.resolve();
  return new Promise((resolve) => stream.once('drain', resolve));
}

/**
 * C's `perror(prefix)`: `prefix: <strerror text>` for a system error (from its errno, through
 * core's describer), rxsock's own message for an rxsock condition (it says what to do, such as
 * loading the CAN modules), else the error's message.
 */
export function perror(prefix: string, error: unknown): string {
  const e = error as { code?: unknown; errno?: unknown; message?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  if (typeof e.code === 'string' && e.code.startsWith('ERR_')) return `${prefix}: ${message}\n`;
  if (typeof e.errno === 'number' && e.errno > 0) {
    const m = /\(([^()]*)\)\s*$/.exec(systemError(prefix, e.errno).message);
    if (m) return `${prefix}: ${m[1]}\n`;
  }
  // Node's own system errors: 'ENOENT: no such file or directory, open ...'
  const node = /^E[A-Z]+: ([^,]+)/.exec(message);
  if (node) return `${prefix}: ${node[1]![0]!.toUpperCase()}${node[1]!.slice(1)}\n`;
  return `${prefix}: ${message}\n`;
}
