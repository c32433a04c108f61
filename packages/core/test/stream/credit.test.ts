import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Socket } from '../../src/index.js';
import { ChunkReader } from '../../src/stream/index.js';
import { PatternSource, sendAll, sendUntilFull, sleep, tcpPair, waitFor } from './helpers.js';

const transports: [string, () => Promise<[Socket, Socket]>][] = [
  ['UNIX socketpair', async () => Socket.pair()],
  ['TCP loopback', tcpPair],
];

describe.each(transports)('ChunkReader credit over %s', (_name, makePair) => {
  it('stops reading without credit until the sender is refused, then delivers every byte in order', async () => {
    const [a, b] = await makePair();
    const chunkSize = 16 * 1024;
    const highWaterMark = 64 * 1024;
    const reader = new ChunkReader(b, { chunkSize, highWaterMark });
    const received = createHash('sha256');
    let receivedBytes = 0;
    let completed = false;
    reader.chunks$.subscribe({
      next: (c) => {
        received.update(c);
        receivedBytes += c.length;
      },
      complete: () => (completed = true),
    });

    // No credit: the reader reads ahead to its high-water mark, then the kernel buffers fill.
    const source = new PatternSource();
    const pending: { rest: Buffer | null } = { rest: null };
    let sentBeforeStall = 0;
    let stableRounds = 0;
    let maxBuffered = 0;
    while (stableRounds < 5) {
      const n = sendUntilFull(a, source, pending);
      sentBeforeStall += n;
      stableRounds = n === 0 ? stableRounds + 1 : 0;
      await sleep(20);
      maxBuffered = Math.max(maxBuffered, reader.buffered);
    }
    expect(a.trySendv([Buffer.alloc(1)])).toBe(-1);
    expect(receivedBytes).toBe(0);
    expect(reader.buffered).toBeGreaterThanOrEqual(highWaterMark);
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + chunkSize);
    expect(reader.reading).toBe(false);
    expect(b.pendingOperations).toBe(0);
    console.info(
      `[credit ${_name}] paused: reader.buffered=${reader.buffered} B (hwm ${highWaterMark} + chunk ${chunkSize}), ` +
        `sent before the sender was refused: ${sentBeforeStall} B, held by the kernel: ${sentBeforeStall - reader.buffered} B`,
    );

    // Credit again: everything queued is read at once (no new edge needed) and the rest flows.
    reader.request(Infinity);
    expect(receivedBytes).toBeGreaterThan(0);
    const total = sentBeforeStall + (pending.rest?.length ?? 0) + 4 * 1024 * 1024;
    if (pending.rest) {
      // the block the kernel refused goes first, to keep the byte order
      let rest: Buffer | null = pending.rest;
      while (rest) {
        const n = a.trySendv([rest]);
        if (n < 0) await a.waitWritable();
        else rest = n < rest.length ? rest.subarray(n) : null;
      }
    }
    await sendAll(a, source, total);
    a.shutdown('write');
    await waitFor(() => completed, 'end of stream');
    expect(receivedBytes).toBe(source.produced);
    expect(received.digest('hex')).toBe(source.digest());
    reader.close();
    a.close();
    b.close();
  });
});

describe('ChunkReader read-ahead bound', () => {
  it('never buffers more than highWaterMark + chunkSize while credit trickles in', async () => {
    const [a, b] = await tcpPair();
    // Small kernel buffers, so the sender meets the closed window within a short test.
    a.setOption('SO_SNDBUF', 16384);
    b.setOption('SO_RCVBUF', 16384);
    const chunkSize = 4096;
    const highWaterMark = 32 * 1024;
    const reader = new ChunkReader(b, { chunkSize, highWaterMark });
    const chunks: Buffer[] = [];
    let maxBuffered = 0;
    let done = false;
    reader.chunks$.subscribe({ next: (c) => chunks.push(c), complete: () => (done = true) });
    const source = new PatternSource(7);
    const sending = sendAll(a, source, 2 * 1024 * 1024, 8192).then((r) => {
      a.shutdown('write');
      return r;
    });
    while (!done) {
      maxBuffered = Math.max(maxBuffered, reader.buffered);
      reader.request(2);
      await sleep(1);
    }
    const { refusals } = await sending;
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + chunkSize);
    expect(refusals).toBeGreaterThan(0);
    const h = createHash('sha256');
    for (const c of chunks) h.update(c);
    expect(h.digest('hex')).toBe(source.digest());
    a.close();
    b.close();
  });
});
