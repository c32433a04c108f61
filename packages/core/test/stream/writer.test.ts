import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { from, Observable } from 'rxjs';
import { Socket, SocketError } from '../../src/index.js';
import { consumeChunks, readChunks, sinkTo, SocketWriter, StreamErrorCode } from '../../src/stream/index.js';
import { digestOf, PatternSource, sendUntilFull, sleep, waitFor } from './helpers.js';

/** Reads everything until end of stream. */
async function readAll(sock: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await consumeChunks(sock, (c) => {
    chunks.push(c);
  });
  return Buffer.concat(chunks);
}

/** Counts trySendv calls and the largest vector, by wrapping the socket's hot-path write. */
function spySends(sock: Socket): { calls: number; maxChunks: number; multi: number } {
  const stats = { calls: 0, maxChunks: 0, multi: 0 };
  const original = sock.trySendv.bind(sock);
  sock.trySendv = (buffers) => {
    stats.calls++;
    stats.maxChunks = Math.max(stats.maxChunks, buffers.length);
    if (buffers.length > 1) stats.multi++;
    return original(buffers);
  };
  return stats;
}

describe('SocketWriter', () => {
  it('write() returns false at the high mark, writable$ goes false then true, drain() waits for the low mark', async () => {
    const [a, b] = Socket.pair();
    // The kernel is full before the writer starts, so nothing it queues can leave yet.
    sendUntilFull(a, new PatternSource(), { rest: null });
    const writer = new SocketWriter(a, { highWaterMark: 16 * 1024, lowWaterMark: 4 * 1024 });
    const states: boolean[] = [];
    writer.writable$.subscribe((s) => states.push(s));
    expect(writer.write(Buffer.alloc(8 * 1024, 1))).toBe(true);
    expect(writer.write(Buffer.alloc(8 * 1024, 2))).toBe(false);
    expect(writer.bufferedAmount).toBe(16 * 1024);
    expect(states).toEqual([true, false]);
    let drained = false;
    const draining = writer.drain().then(() => (drained = true));
    await sleep(20);
    expect(drained).toBe(false);
    // The peer reads: the kernel takes the queue, writable$ turns true.
    const sub = readChunks(b).subscribe();
    await draining;
    expect(writer.bufferedAmount).toBeLessThanOrEqual(4 * 1024);
    await waitFor(() => states.length === 3, 'writable$ true');
    expect(states).toEqual([true, false, true]);
    sub.unsubscribe();
    writer.destroy();
    a.close();
    b.close();
  });

  it('flush() resolves once every byte has left the writer', async () => {
    const [a, b] = Socket.pair();
    const writer = new SocketWriter(a, { highWaterMark: 1024 * 1024, maxBuffered: 8 * 1024 * 1024 });
    const source = new PatternSource(11);
    for (let i = 0; i < 64; i++) writer.write(source.next(32 * 1024));
    const reading = readAll(b);
    await writer.flush();
    expect(writer.bufferedAmount).toBe(0);
    // Destroying drops the queue: with nothing queued, nothing can be lost.
    writer.destroy();
    a.shutdown('write');
    const got = await reading;
    expect(got.length).toBe(source.produced);
    expect(digestOf([got])).toBe(source.digest());
    a.close();
    b.close();
  });

  it('end() flushes and half-closes: the peer reads everything then EOF, and can still answer', async () => {
    const [a, b] = Socket.pair();
    const writer = new SocketWriter(a);
    writer.write(Buffer.from('hello, '));
    writer.write(Buffer.from('world'));
    const ended = writer.end();
    expect(() => writer.write(Buffer.from('late'))).toThrowError(expect.objectContaining({ code: StreamErrorCode.WRITE_AFTER_END }));
    expect(await readAll(b)).toEqual(Buffer.from('hello, world'));
    await ended;
    await expect(writer.closed).resolves.toBeUndefined();
    // half-close: the other direction still works
    b.trySendv([Buffer.from('reply')]);
    b.shutdown('write');
    expect((await readAll(a)).toString()).toBe('reply');
    a.close();
    b.close();
  });

  it('many small writes go out in few vectored calls and arrive intact', async () => {
    const [a, b] = Socket.pair();
    const stats = spySends(a);
    const writer = new SocketWriter(a, { highWaterMark: 4 * 1024 * 1024 });
    const source = new PatternSource(5);
    const writes = 20_000;
    for (let i = 0; i < writes; i++) writer.write(source.next(1 + (i % 37)));
    const reading = readAll(b);
    await writer.end();
    const got = await reading;
    expect(digestOf([got])).toBe(source.digest());
    expect(stats.maxChunks).toBe(1024);
    expect(stats.multi).toBeGreaterThan(0);
    expect(stats.calls).toBeLessThan(writes / 100);
    console.info(`[writer] ${writes} writes (${source.produced} B) went out in ${stats.calls} sendmsg calls`);
    a.close();
    b.close();
  });

  it('property: any sequence of writes arrives byte for byte, whatever the water marks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 3000 }), { maxLength: 200 }),
        fc.integer({ min: 2, max: 64 * 1024 }),
        fc.integer({ min: 1, max: 1024 }),
        async (parts, highWaterMark, maxChunksPerCall) => {
          const [a, b] = Socket.pair();
          try {
            const writer = new SocketWriter(a, { highWaterMark, lowWaterMark: highWaterMark >>> 1, maxChunksPerCall, maxBuffered: Infinity });
            const reading = readAll(b);
            for (const p of parts) if (!writer.write(p)) await writer.drain();
            await writer.end();
            const got = await reading;
            expect(got).toEqual(Buffer.concat(parts));
          } finally {
            a.close();
            b.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses a write past maxBuffered with a typed error and keeps what it has', async () => {
    const [a, b] = Socket.pair();
    sendUntilFull(a, new PatternSource(), { rest: null });
    const writer = new SocketWriter(a, { highWaterMark: 1024, maxBuffered: 4096 });
    writer.write(Buffer.alloc(3000));
    expect(() => writer.write(Buffer.alloc(2000))).toThrowError(expect.objectContaining({ code: StreamErrorCode.WRITE_OVERFLOW }));
    expect(writer.bufferedAmount).toBe(3000);
    writer.destroy();
    a.close();
    b.close();
  });

  it('a broken connection destroys the writer with a typed error: pending flush and closed reject, writable$ errors', async () => {
    const [a, b] = Socket.pair();
    sendUntilFull(a, new PatternSource(), { rest: null });
    const writer = new SocketWriter(a);
    let writableError: unknown;
    writer.writable$.subscribe({ error: (e: unknown) => (writableError = e) });
    writer.write(Buffer.alloc(1000));
    const flushing = writer.flush();
    b.close();
    const error = await flushing.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SocketError);
    expect(['EPIPE', 'ECONNRESET']).toContain((error as SocketError).code);
    await expect(writer.closed).rejects.toBe(error);
    expect(writableError).toBe(error);
    expect(() => writer.write(Buffer.alloc(1))).toThrow(error as Error);
    expect(a.pendingOperations).toBe(0);
    a.close();
  });
});

describe('sinkTo', () => {
  it('writes an Observable through and ends the writer', async () => {
    const [a, b] = Socket.pair();
    const writer = new SocketWriter(a);
    const parts = Array.from({ length: 100 }, (_, i) => Buffer.from(`part ${i};`));
    const reading = readAll(b);
    await sinkTo(writer, from(parts));
    expect(await reading).toEqual(Buffer.concat(parts));
    a.close();
    b.close();
  });

  it('a producer that ignores backpressure fails with ERR_RXSOCK_WRITE_OVERFLOW instead of growing memory', async () => {
    const [a, b] = Socket.pair();
    const writer = new SocketWriter(a, { highWaterMark: 16 * 1024 });
    let emitted = 0;
    let unsubscribed = false;
    const flood = new Observable<Uint8Array>((s) => {
      const timer = setInterval(() => {
        for (let i = 0; i < 64; i++) {
          emitted++;
          s.next(Buffer.alloc(4096));
        }
      }, 1);
      return () => {
        unsubscribed = true;
        clearInterval(timer);
      };
    });
    const error = await sinkTo(writer, flood).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe(StreamErrorCode.WRITE_OVERFLOW);
    expect(unsubscribed).toBe(true);
    // 16 x highWaterMark by default, never more
    expect(writer.bufferedAmount).toBeLessThanOrEqual(16 * 16 * 1024);
    expect(writer.bufferedAmount).toBeGreaterThan(15 * 16 * 1024);
    expect(emitted).toBeGreaterThan(64);
    writer.destroy();
    a.close();
    b.close();
  });

  it('the cap is configurable', async () => {
    const [a, b] = Socket.pair();
    sendUntilFull(a, new PatternSource(), { rest: null });
    const writer = new SocketWriter(a, { highWaterMark: 1024 });
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(1000));
    await expect(sinkTo(writer, from(chunks), { maxBuffered: 2500 })).rejects.toMatchObject({ code: StreamErrorCode.WRITE_OVERFLOW });
    expect(writer.bufferedAmount).toBe(2000);
    writer.destroy();
    a.close();
    b.close();
  });

  it('a writer destroyed while the source is quiet fails the sink and unsubscribes the source', async () => {
    const [a, b] = Socket.pair();
    const writer = new SocketWriter(a);
    let unsubscribed = false;
    const quiet = new Observable<Uint8Array>(() => () => (unsubscribed = true));
    const sinking = sinkTo(writer, quiet);
    writer.destroy();
    await expect(sinking).rejects.toMatchObject({ code: StreamErrorCode.WRITER_DESTROYED });
    expect(unsubscribed).toBe(true);
    a.close();
    b.close();
  });

  it('a source error rejects the sink with that error', async () => {
    const [a, b] = Socket.pair();
    const writer = new SocketWriter(a);
    const boom = new Error('source failed');
    const source = new Observable<Uint8Array>((s) => {
      s.next(Buffer.from('x'));
      s.error(boom);
    });
    await expect(sinkTo(writer, source)).rejects.toBe(boom);
    a.close();
    b.close();
  });
});
