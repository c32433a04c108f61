import { describe, expect, it } from 'vitest';
import { Socket, SocketError } from '../../src/index.js';
import { ChunkReader, chunksIterable, consumeChunks } from '../../src/stream/index.js';
import { digestOf, PatternSource, sendAll, sleep, tcpPair } from './helpers.js';

describe('consumeChunks', () => {
  it('with a slow async handler over TCP loopback: bounded read-ahead, sender slowed, order kept', async () => {
    const [client, server] = await tcpPair();
    client.setOption('SO_SNDBUF', 32 * 1024);
    server.setOption('SO_RCVBUF', 32 * 1024);
    const chunkSize = 8 * 1024;
    const highWaterMark = 32 * 1024;
    const reader = new ChunkReader(server, { chunkSize, highWaterMark });
    const source = new PatternSource(42);
    const total = 3 * 1024 * 1024;
    const sending = sendAll(client, source, total, 16 * 1024).then((r) => {
      client.shutdown('write');
      return r;
    });
    const chunks: Buffer[] = [];
    let maxBuffered = 0;
    let calls = 0;
    await consumeChunks(reader, async (chunk) => {
      maxBuffered = Math.max(maxBuffered, reader.buffered);
      chunks.push(chunk);
      // slow: every fourth chunk waits for a timer, the others for a macrotask
      if (++calls % 4 === 0) await sleep(1);
      else await new Promise((r) => setImmediate(r));
      maxBuffered = Math.max(maxBuffered, reader.buffered);
    });
    const { refusals } = await sending;
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + chunkSize);
    expect(refusals).toBeGreaterThan(0);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(total);
    expect(digestOf(chunks)).toBe(source.digest());
    console.info(`[consumeChunks] ${calls} chunks, max reader.buffered ${maxBuffered} B (bound ${highWaterMark + chunkSize}), sender refused ${refusals} times`);
    client.close();
    server.close();
  });

  it('resolves only after the last handler settled, even when end of stream came first', async () => {
    const [a, b] = Socket.pair();
    a.trySendv([Buffer.from('only chunk')]);
    a.shutdown('write');
    let handlerDone = false;
    await consumeChunks(b, async () => {
      await sleep(30);
      handlerDone = true;
    });
    expect(handlerDone).toBe(true);
    a.close();
    b.close();
  });

  it('a handler rejection rejects the promise and stops reading; the socket stays open', async () => {
    const [a, b] = Socket.pair();
    a.trySendv([Buffer.from('first')]);
    const boom = new Error('handler failed');
    await expect(consumeChunks(b, async () => Promise.reject(boom))).rejects.toBe(boom);
    a.trySendv([Buffer.from('second')]);
    await sleep(10);
    const buf = Buffer.alloc(32);
    expect(b.tryRecvInto(buf)).toBe(6);
    expect(b.pendingOperations).toBe(0);
    a.close();
    b.close();
  });

  it('an abort signal stops it with the abort reason', async () => {
    const [a, b] = Socket.pair();
    const controller = new AbortController();
    const done = consumeChunks(b, () => {}, { signal: controller.signal });
    await sleep(5);
    controller.abort(new Error('stop'));
    await expect(done).rejects.toThrow('stop');
    expect(b.pendingOperations).toBe(0);
    a.close();
    b.close();
  });

  it('socket errors arrive typed', async () => {
    const [client, server] = await tcpPair();
    const done = consumeChunks(server, () => {});
    client.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    const error = await done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe('ECONNRESET');
    server.close();
  });
});

describe('chunksIterable (for await)', () => {
  it('reads everything in order', async () => {
    const [client, server] = await tcpPair();
    const source = new PatternSource(3);
    const total = 2 * 1024 * 1024;
    const sending = sendAll(client, source, total).then(() => client.shutdown('write'));
    const chunks: Buffer[] = [];
    for await (const chunk of chunksIterable(server, { chunkSize: 32 * 1024 })) chunks.push(chunk);
    await sending;
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(total);
    expect(digestOf(chunks)).toBe(source.digest());
    client.close();
    server.close();
  });

  it('reads one chunk per next(): unread data stays in the kernel, and return() stops reading', async () => {
    const [a, b] = Socket.pair();
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
    a.trySendv([payload]);
    const seen: Buffer[] = [];
    for await (const chunk of chunksIterable(b, { chunkSize: 100 })) {
      seen.push(chunk);
      if (seen.length === 3) break;
    }
    expect(Buffer.concat(seen)).toEqual(payload.subarray(0, 300));
    expect(b.pendingOperations).toBe(0);
    a.trySendv([Buffer.from('more')]);
    await sleep(20);
    const rest = Buffer.alloc(2000);
    const n = b.tryRecvInto(rest);
    expect(rest.subarray(0, n)).toEqual(Buffer.concat([payload.subarray(300), Buffer.from('more')]));
    a.close();
    b.close();
  });

  it('a socket error rejects the pending next() with a typed error; then the iterator is done', async () => {
    const [client, server] = await tcpPair();
    const it = chunksIterable(server);
    const pending = it.next();
    client.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    await expect(pending).rejects.toBeInstanceOf(SocketError);
    await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
    server.close();
  });
});
