/** Shared helpers of the stream tests: real sockets, deterministic payloads, waiting. */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PatternSource } from '@rxsock/testing';
import { C, Socket } from '../../src/index.js';
import type { SyscallBatch } from '../../src/sys/syscall-batch.js';
import { receptionStats } from '../../src/stream/received-chunks.js';

export { PatternSource };

export { sleep };

/** The receiver's counters (receptionStats); the test fails, saying why, where the kernel cannot receive by completion. */
export function stats(): { live: number; delivered: number; handOffs: number; takenEarly: number; poolSize: number } {
  const s = receptionStats();
  if (s === null) throw new Error('this kernel cannot receive by completion (needs Linux 6.0 or later with io_uring allowed, and RXSOCK_IO_URING unset)');
  return s;
}

/** A TCP connection over 127.0.0.1: `[client, accepted]`. */
export async function tcpPair(): Promise<[Socket, Socket]> {
  const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
  try {
    listener.bind(['127.0.0.1', 0]);
    listener.listen(1);
    const { port } = listener.getsockname() as { port: number };
    const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
    const [[server]] = await Promise.all([listener.accept(), client.connect(['127.0.0.1', port])]);
    return [client, server];
  } finally {
    listener.close();
  }
}

/** A bound UDP socket on 127.0.0.1 and its port. */
export function udpSocket(): [Socket, number] {
  const s = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  s.bind(['127.0.0.1', 0]);
  return [s, (s.getsockname() as { port: number }).port];
}

/** Polls `cond` every few ms until it holds; fails the test after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Sends from `source` until the kernel refuses (trySendv -1); returns the bytes sent. */
export function sendUntilFull(sock: Socket, source: PatternSource, pending: { rest: Buffer | null }, block = 16384): number {
  let sent = 0;
  for (;;) {
    const buf = pending.rest ?? source.next(block);
    const n = sock.trySendv([buf]);
    if (n < 0) {
      pending.rest = buf;
      return sent;
    }
    sent += n;
    pending.rest = n < buf.length ? buf.subarray(n) : null;
  }
}

/**
 * Sends `total` bytes of `source` as fast as the socket takes them, waiting for writability on
 * EAGAIN; counts how often the kernel refused (backpressure reached the sender).
 */
export async function sendAll(sock: Socket, source: PatternSource, total: number, block = 65536): Promise<{ refusals: number }> {
  let refusals = 0;
  let rest: Buffer | null = null;
  while (source.produced < total || rest) {
    const buf: Buffer = rest ?? source.next(Math.min(block, total - source.produced));
    const n = sock.trySendv([buf]);
    if (n < 0) {
      refusals++;
      rest = buf;
      await sock.waitWritable();
      continue;
    }
    rest = n < buf.length ? buf.subarray(n) : null;
  }
  return { refusals };
}

/** sha256 of a list of chunks. */
export function digestOf(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** A batch of system calls with what went through it counted: sends, receives, runs, results taken. */
export interface SpiedBatch extends SyscallBatch {
  runs: number;
  sends: number;
  recvs: number;
  /** Every result `take` handed out, in order. */
  results: number[];
}

/** Wraps the real batch `inner` (core's send or receive batch) and counts what goes through it. */
export function spyBatch(inner: SyscallBatch): SpiedBatch {
  const spy: SpiedBatch = {
    runs: 0,
    sends: 0,
    recvs: 0,
    results: [],
    get capacity() {
      return inner.capacity;
    },
    get staging() {
      return inner.staging;
    },
    get count() {
      return inner.count;
    },
    room: (bytes) => inner.room(bytes),
    stage: (bytes) => inner.stage(bytes),
    send: (fd, offset, length, flags) => {
      spy.sends++;
      return inner.send(fd, offset, length, flags);
    },
    recv: (fd, offset, length, flags) => {
      spy.recvs++;
      return inner.recv(fd, offset, length, flags);
    },
    run: () => {
      spy.runs++;
      inner.run();
    },
    result: (index) => inner.result(index),
    take: (index) => {
      const r = inner.take(index);
      spy.results.push(r);
      return r;
    },
    offsetOf: (index) => inner.offsetOf(index),
    lengthOf: (index) => inner.lengthOf(index),
  };
  return spy;
}
