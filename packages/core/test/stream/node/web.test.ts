import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { CompressionStream, DecompressionStream, ReadableStream } from 'node:stream/web';
import { gunzipSync } from 'node:zlib';
import { Socket, SocketError, SocketWriter } from '../../../src/index.js';
import { toWebStreams } from '../../../src/stream/node/index.js';
import { sleep, tcpPair, waitFor } from '../helpers.js';

function patternStream(total: number, chunk = 65536): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= total) return controller.close();
      const len = Math.min(chunk, total - at);
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = (at + i) % 251;
      at += len;
      controller.enqueue(b);
    },
  });
}
async function digest(stream: ReadableStream<Uint8Array>): Promise<{ bytes: number; sha: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of stream) {
    h.update(c);
    bytes += c.byteLength;
  }
  return { bytes, sha: h.digest('hex') };
}

describe('toWebStreams', () => {
  it('a BYOB read lands in the caller\'s buffer, at the caller\'s offset', async () => {
    const [client, server] = await tcpPair();
    const { readable } = toWebStreams(server);
    await client.sendAll(Buffer.from('hello, byob'));
    const reader = readable.getReader({ mode: 'byob' });
    const buffer = new ArrayBuffer(4096);
    const { value, done } = await reader.read(new Uint8Array(buffer, 100, 1000));
    expect(done).toBe(false);
    expect(value!.byteOffset).toBe(100);
    expect(value!.buffer.byteLength).toBe(4096);
    expect(Buffer.from(value!).toString()).toBe('hello, byob');
    client.shutdown('write');
    const end = await reader.read(new Uint8Array(16));
    expect(end.done).toBe(true);
    reader.releaseLock();
    client.close();
    server.close();
  });

  it('pipeTo across two rxsock connections, and pipeThrough CompressionStream: 8 MiB intact', async () => {
    // A -> (b | c) -> D: what arrives at b is piped into c's writable
    const [a, b] = await tcpPair();
    const [c, d] = await tcpPair();
    const total = 8 * 2 ** 20;
    const A = toWebStreams(a);
    const B = toWebStreams(b);
    const C2 = toWebStreams(c);
    const D = toWebStreams(d);
    const relay = B.readable.pipeTo(C2.writable);
    const sending = patternStream(total).pipeThrough(new CompressionStream('gzip')).pipeTo(A.writable);
    const [got, want] = await Promise.all([
      digest(D.readable.pipeThrough(new DecompressionStream('gzip'))),
      digest(patternStream(total)),
      sending,
      relay,
    ]);
    expect(got).toEqual(want);
    // A's writable closed (half-close), D read EOF; closing D's writable closes the chain back
    await D.writable.close();
    await waitFor(() => d.closed, 'd closed once both of its sides finished');
    for (const s of [a, b, c]) s.close();
  });

  it('nobody reading: the readable stops reading the socket, the sender stalls, and resumes when read', async () => {
    const [client, server] = await tcpPair();
    const writer = new SocketWriter(client, { highWaterMark: 1 << 20, maxBuffered: 256 << 20 });
    const { readable } = toWebStreams(server);
    // 64 MiB into a connection whose reader nobody pulls
    for (let i = 0; i < 1024; i++) writer.write(Buffer.alloc(65536, i));
    await sleep(300);
    const stuck = writer.bufferedAmount;
    expect(stuck).toBeGreaterThan(32 << 20);
    await sleep(200);
    expect(writer.bufferedAmount).toBe(stuck);
    const done = writer.end();
    const { bytes } = await digest(readable);
    await done;
    expect(bytes).toBe(64 << 20);
    client.close();
    server.close();
  });

  it('the writable side: desiredSize falls below zero when the peer does not read, and ready waits', async () => {
    const [client, server] = await tcpPair();
    const { writable } = toWebStreams(client, { writableHighWaterMark: 256 * 1024 });
    const w = writable.getWriter();
    let queued = 0;
    for (let i = 0; i < 4096 && (w.desiredSize ?? 0) > 0; i++) {
      void w.write(new Uint8Array(65536)).catch(() => {});
      queued++;
      await sleep(0);
    }
    expect(w.desiredSize!).toBeLessThanOrEqual(0);
    expect(queued).toBeLessThan(4096);
    let ready = false;
    void w.ready.then(() => (ready = true));
    await sleep(100);
    expect(ready).toBe(false);
    const { readable } = toWebStreams(server);
    const reading = digest(readable);
    await w.ready;
    await w.close();
    expect((await reading).bytes).toBe(queued * 65536);
    client.close();
    server.close();
  });

  it('a peer reset errors the readable with the typed error, and the socket is closed', async () => {
    const [client, server] = await tcpPair();
    const { readable } = toWebStreams(server);
    client.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    const error = (await digest(readable).catch((e: unknown) => e)) as SocketError;
    expect(error).toBeInstanceOf(SocketError);
    expect(error.code).toBe('ECONNRESET');
    expect(error.syscall).toBeDefined();
    expect(server.closed).toBe(true);
  });

  it('abort() on the writable closes the connection', async () => {
    const [client, server] = await tcpPair();
    const { writable } = toWebStreams(client);
    await writable.abort(new Error('stop'));
    expect(client.closed).toBe(true);
    const n = await server.recv(10);
    expect(n.length).toBe(0);
    server.close();
  });
});
