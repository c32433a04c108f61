import { describe, expect, it } from 'vitest';
import { Readable, Writable, PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { C, Socket, SocketError } from '../../../src/index.js';
import { SocketDuplex, toDuplex } from '../../../src/stream/node/index.js';
import { sleep, tcpPair, waitFor } from '../helpers.js';

/** Deterministic bytes: `n` bytes of a counter pattern, in `chunk`-sized buffers. */
function* pattern(n: number, chunk = 65536): Generator<Buffer> {
  let at = 0;
  while (at < n) {
    const len = Math.min(chunk, n - at);
    const b = Buffer.allocUnsafe(len);
    for (let i = 0; i < len; i++) b[i] = (at + i) % 251;
    at += len;
    yield b;
  }
}
const sha = (chunks: Iterable<Buffer>) => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
};

describe('SocketDuplex', () => {
  it('carries 16 MiB both ways through stream.pipeline with a node:net echo peer, intact', async () => {
    const server = net.createServer((c) => c.pipe(c));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const sock = Socket.create(C.AF_INET, C.SOCK_STREAM);
    await sock.connect(['127.0.0.1', port]);
    const duplex = toDuplex(sock);
    expect(duplex.remotePort).toBe(port);
    expect(duplex.remoteAddress).toBe('127.0.0.1');
    expect(duplex.remoteFamily).toBe('IPv4');
    const total = 16 * 2 ** 20;
    const hash = createHash('sha256');
    let received = 0;
    await pipeline(
      Readable.from(pattern(total)),
      duplex,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          hash.update(chunk);
          received += chunk.length;
          cb();
        },
      }),
    );
    expect(received).toBe(total);
    expect(hash.digest('hex')).toBe(sha(pattern(total)));
    expect(duplex.bytesWritten).toBe(total);
    expect(duplex.bytesRead).toBe(total);
    // end() half-closed, the peer's end came back, and autoDestroy closed the socket
    await waitFor(() => sock.closed, 'socket closed');
    server.close();
  });

  it('a consumer that stops reading pauses the reader (read interest dropped) and the sender is held back', async () => {
    const [client, server] = await tcpPair();
    const duplex = new SocketDuplex(server, { readableHighWaterMark: 32 * 1024 });
    const sender = toDuplex(client);
    duplex.pause();
    // a first read attaches the reader; then nobody reads
    duplex.once('readable', () => {});
    let sent = 0;
    let stalled = false;
    let pendingDrain: Promise<void> | undefined;
    for (const chunk of pattern(256 * 2 ** 20)) {
      sent += chunk.length;
      if (sender.write(chunk)) continue;
      pendingDrain = new Promise<void>((r) => sender.once('drain', r));
      const drainedInTime = await Promise.race([pendingDrain.then(() => true), sleep(500).then(() => false)]);
      if (!drainedInTime) {
        stalled = true;
        break;
      }
    }
    const reader = (duplex.endpoint as unknown as { reader: { reading: boolean } }).reader;
    expect(stalled).toBe(true);
    // what was sent sits in the Duplex (bounded), the two kernel buffers and the sender's writer
    expect(duplex.readableLength).toBeLessThanOrEqual(32 * 1024 + 65536);
    expect(reader.reading).toBe(false);
    expect(sent).toBeLessThan(64 * 2 ** 20);
    // now read everything; the sender gets its 'drain'
    let got = 0;
    duplex.on('data', (c: Buffer) => (got += c.length));
    duplex.resume();
    await pendingDrain;
    await waitFor(() => got === sent, `all ${sent} bytes read (got ${got})`);
    sender.destroy();
    duplex.destroy();
  });

  it("write() false while the writer is above its high mark, 'drain' when it drained to its low mark", async () => {
    const [client, server] = await tcpPair();
    client.setOption('SO_SNDBUF', 32 * 1024);
    const duplex = new SocketDuplex(client, { write: { highWaterMark: 128 * 1024, lowWaterMark: 16 * 1024 } });
    expect(duplex.writableHighWaterMark).toBe(128 * 1024);
    const writer = duplex.endpoint.writer;
    let writes = 0;
    while (duplex.write(Buffer.alloc(16 * 1024))) writes++;
    expect(writer.bufferedAmount + duplex.writableLength).toBeGreaterThanOrEqual(128 * 1024 - 16 * 1024);
    const drained = new Promise<void>((r) => duplex.once('drain', r));
    // the peer reads: the writer drains and the Duplex says so
    const sink = toDuplex(server);
    sink.resume();
    await drained;
    expect(writer.bufferedAmount).toBeLessThanOrEqual(16 * 1024);
    expect(writes).toBeGreaterThan(0);
    duplex.destroy();
    sink.destroy();
  });

  it('end() is a half-close: the peer reads EOF and can still answer', async () => {
    const [client, server] = await tcpPair();
    const a = toDuplex(client, { allowHalfOpen: true });
    const b = toDuplex(server, { allowHalfOpen: true });
    a.end('question');
    let heard = '';
    b.on('data', (c: Buffer) => (heard += c.toString()));
    await new Promise((r) => b.once('end', r));
    expect(heard).toBe('question');
    b.end('answer');
    let answer = '';
    a.on('data', (c: Buffer) => (answer += c.toString()));
    await new Promise((r) => a.once('end', r));
    expect(answer).toBe('answer');
    await waitFor(() => client.closed && server.closed, 'both closed after both ends');
  });

  it('a peer reset is a typed error with code, errno and syscall; pipeline tears both ends down', async () => {
    const [client, server] = await tcpPair();
    const duplex = toDuplex(server);
    const other = new PassThrough();
    const piping = pipeline(duplex, other);
    other.resume();
    // SO_LINGER 0 then close: the kernel sends RST
    client.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    const error = (await piping.catch((e: unknown) => e)) as SocketError;
    expect(error).toBeInstanceOf(SocketError);
    expect(error.code).toBe('ECONNRESET');
    expect(error.errno).toBeGreaterThan(0);
    expect(error.syscall).toMatch(/recv|read/);
    expect(duplex.destroyed).toBe(true);
    expect(other.destroyed).toBe(true);
    expect(server.closed).toBe(true);
  });

  it('destroy() closes the socket; a write after destroy is an error, not a crash', async () => {
    const [client, server] = await tcpPair();
    const duplex = toDuplex(client);
    duplex.destroy();
    expect(client.closed).toBe(true);
    const err = await new Promise<Error>((r) => duplex.write('x', (e) => r(e as Error)));
    expect((err as { code?: string }).code).toBe('ERR_STREAM_DESTROYED');
    server.close();
  });

  it("setTimeout emits 'timeout' after idleness, like net.Socket", async () => {
    const [client, server] = await tcpPair();
    const duplex = toDuplex(client);
    const t0 = Date.now();
    await new Promise<void>((r) => duplex.setTimeout(50, r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    duplex.destroy();
    server.close();
  });
  it('lendChunks: a chunk emitted straight to a copying listener is taken back after it ran; queued chunks stay valid', async () => {
    const [a, b] = await tcpPair();
    const duplex = toDuplex(b, { lendChunks: true });
    const total = 4 * 2 ** 20;
    const copies: Buffer[] = [];
    const seen: Buffer[] = [];
    duplex.on('data', (chunk: Buffer) => {
      seen.push(chunk);
      copies.push(Buffer.from(chunk));
    });
    const sender = toDuplex(a);
    await pipeline(Readable.from(pattern(total)), sender);
    await waitFor(() => copies.reduce((n, c) => n + c.length, 0) === total, 'all bytes copied');
    expect(sha(copies)).toBe(sha(pattern(total)));
    // Bulk reads (at least half a read buffer) were lent: their memory went back to the reader,
    // so the references kept here read as empty instead of as later bytes.
    const taken = seen.filter((c) => c.length === 0).length;
    expect(taken).toBeGreaterThan(0);
    expect(seen.every((c, i) => c.length === 0 || c.equals(copies[i]!))).toBe(true);

    // Paused: what arrives is queued in the Duplex and stays valid when read later.
    duplex.removeAllListeners('data');
    duplex.pause();
    const [c, d] = await tcpPair();
    const paused = toDuplex(d, { lendChunks: true });
    paused.pause();
    const more = Buffer.concat([...pattern(512 * 1024)]);
    await c.send(more);
    paused.resume();
    paused.pause();
    await waitFor(() => paused.readableLength >= 64 * 1024, 'queued while paused');
    const queued: Buffer[] = [];
    let chunk: Buffer | null;
    while ((chunk = paused.read() as Buffer | null) !== null) queued.push(chunk);
    const got = Buffer.concat(queued);
    expect(got.length).toBeGreaterThan(0);
    expect(got.equals(more.subarray(0, got.length))).toBe(true);
    duplex.destroy();
    paused.destroy();
    c.close();
  });
  it('small corked writes go out as one send, in order, also when the kernel takes only part of them', async () => {
    const [a, b] = await tcpPair();
    a.setOption('SO_SNDBUF', 4096);
    const duplex = toDuplex(a);
    const expected: Buffer[] = [];
    const write = (buf: Buffer) => {
      expected.push(buf);
      return duplex.write(buf);
    };
    // A head and a body, as node:http writes a response.
    duplex.cork();
    write(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n'));
    write(Buffer.from('hello'));
    duplex.uncork();
    // Then enough small corked batches that the send buffer fills while nobody reads: some are
    // taken in part, the rest queues in the writer.
    for (let n = 0; n < 400; n++) {
      duplex.cork();
      for (let k = 0; k < 3; k++) write(Buffer.alloc(700 + k, (n * 3 + k) % 256));
      duplex.uncork();
    }
    const want = Buffer.concat(expected);
    const got: Buffer[] = [];
    let have = 0;
    const reader = toDuplex(b);
    reader.on('data', (c: Buffer) => {
      got.push(Buffer.from(c));
      have += c.length;
    });
    await waitFor(() => have >= want.length, 'all bytes');
    expect(Buffer.concat(got).equals(want)).toBe(true);
    expect(duplex.bytesWritten).toBe(want.length);
    duplex.destroy();
    reader.destroy();
  });
});
