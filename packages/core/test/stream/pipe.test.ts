import { describe, expect, it } from 'vitest';
import { Socket, SocketError } from '../../src/index.js';
import { ChunkReader, consumeChunks, pipeSocket, readChunks, SocketWriter, type WriterOptions } from '../../src/stream/index.js';
import { digestOf, PatternSource, sendAll, sendUntilFull, sleep, tcpPair, waitFor } from './helpers.js';

/** A writer that records the largest buffer it ever held (the peak is always right after a write). */
class ProbeWriter extends SocketWriter {
  peak = 0;
  writes = 0;
  constructor(socket: Socket, options?: WriterOptions) {
    super(socket, options);
  }
  override write(chunk: Uint8Array): boolean {
    const below = super.write(chunk);
    this.writes++;
    this.peak = Math.max(this.peak, this.bufferedAmount);
    return below;
  }
}

describe('pipeSocket', () => {
  it('between two socketpairs with a slow final consumer: the middle writer stays under its high mark + one chunk', async () => {
    const [source, middleIn] = Socket.pair();
    const [middleOut, sink] = Socket.pair();
    const chunkSize = 16 * 1024;
    const highWaterMark = 64 * 1024;
    const reader = new ChunkReader(middleIn, { chunkSize, highWaterMark: 64 * 1024 });
    const writer = new ProbeWriter(middleOut, { highWaterMark, lowWaterMark: 16 * 1024 });
    let pauses = 0;
    const pause = reader.pause.bind(reader);
    reader.pause = () => {
      pauses++;
      pause();
    };

    const pattern = new PatternSource(99);
    const total = 4 * 1024 * 1024;
    const sending = sendAll(source, pattern, total).then((r) => {
      source.shutdown('write');
      return r;
    });
    const piping = pipeSocket(reader, writer);
    const received: Buffer[] = [];
    let n = 0;
    await consumeChunks(
      sink,
      async (chunk) => {
        received.push(chunk);
        if (++n % 8 === 0) await sleep(1);
      },
      { chunkSize: 8 * 1024, highWaterMark: 16 * 1024 },
    );
    await piping;
    const { refusals } = await sending;

    expect(writer.peak).toBeLessThanOrEqual(highWaterMark + chunkSize);
    expect(pauses).toBeGreaterThan(0);
    expect(refusals).toBeGreaterThan(0);
    expect(received.reduce((s, c) => s + c.length, 0)).toBe(total);
    expect(digestOf(received)).toBe(pattern.digest());
    console.info(
      `[pipe] ${writer.writes} chunks piped, middle writer peak ${writer.peak} B (bound ${highWaterMark + chunkSize}), ` +
        `reader paused ${pauses} times, original sender refused ${refusals} times`,
    );
    for (const s of [source, middleIn, middleOut, sink]) s.close();
  });

  it('over TCP: a stalled final reader stalls the original sender (end to end)', async () => {
    const [client, serverIn] = await tcpPair();
    const [serverOut, far] = await tcpPair();
    for (const s of [client, serverOut]) s.setOption('SO_SNDBUF', 32 * 1024);
    for (const s of [serverIn, far]) s.setOption('SO_RCVBUF', 32 * 1024);
    const reader = new ChunkReader(serverIn, { chunkSize: 16 * 1024, highWaterMark: 32 * 1024 });
    const writer = new ProbeWriter(serverOut, { highWaterMark: 32 * 1024, lowWaterMark: 8 * 1024 });
    const piping = pipeSocket(reader, writer, { end: false });
    // Nobody reads `far`: everything must stop somewhere bounded.
    const pattern = new PatternSource(1);
    const pending: { rest: Buffer | null } = { rest: null };
    let sent = 0;
    let stable = 0;
    while (stable < 5) {
      const n = sendUntilFull(client, pattern, pending);
      sent += n;
      stable = n > 0 ? 0 : stable + 1;
      await sleep(20);
    }
    expect(client.trySendv([Buffer.alloc(1)])).toBe(-1);
    expect(reader.paused).toBe(true);
    expect(reader.reading).toBe(false);
    expect(writer.peak).toBeLessThanOrEqual(32 * 1024 + 16 * 1024);
    console.info(
      `[pipe tcp] original sender stalled after ${sent} B; middle writer holds ${writer.bufferedAmount} B, ` +
        `middle reader ${reader.buffered} B, the rest sits in kernel buffers`,
    );

    // The far end starts reading: everything flows again, in order, to the last byte.
    const received: Buffer[] = [];
    const farDone = consumeChunks(far, (c) => {
      received.push(c);
    });
    let rest = pending.rest;
    while (rest) {
      const n = client.trySendv([rest]);
      if (n < 0) await client.waitWritable();
      else rest = n < rest.length ? rest.subarray(n) : null;
    }
    client.shutdown('write');
    await piping;
    serverOut.shutdown('write');
    await farDone;
    expect(received.reduce((t, c) => t + c.length, 0)).toBe(pattern.produced);
    expect(digestOf(received)).toBe(pattern.digest());
    expect(writer.peak).toBeLessThanOrEqual(32 * 1024 + 16 * 1024);
    for (const s of [client, serverIn, serverOut, far]) s.close();
  });

  it('an abort signal stops the pipe; the reader is left unpaused and free for another subscriber', async () => {
    const [a, b] = Socket.pair();
    const [c, d] = Socket.pair();
    const reader = new ChunkReader(b);
    const writer = new SocketWriter(c);
    const controller = new AbortController();
    const piping = pipeSocket(reader, writer, { signal: controller.signal });
    a.trySendv([Buffer.from('through the pipe')]);
    const first: Buffer[] = [];
    const farSub = readChunks(d).subscribe((x) => first.push(x));
    await waitFor(() => first.length > 0, 'piped data');
    controller.abort(new Error('stop piping'));
    await expect(piping).rejects.toThrow('stop piping');
    expect(reader.paused).toBe(false);
    expect(b.pendingOperations).toBe(0);
    a.trySendv([Buffer.from('after')]);
    const later: Buffer[] = [];
    reader.chunks$.subscribe((x) => later.push(x));
    reader.request(1);
    await waitFor(() => later.length > 0, 'direct read');
    expect(Buffer.concat(later).toString()).toBe('after');
    expect(Buffer.concat(first).toString()).toBe('through the pipe');
    farSub.unsubscribe();
    reader.close();
    for (const s of [a, b, c, d]) s.close();
  });

  it('a writer failure rejects the pipe with the typed error', async () => {
    const [a, b] = Socket.pair();
    const [c, d] = Socket.pair();
    const reader = new ChunkReader(b);
    const writer = new SocketWriter(c);
    const piping = pipeSocket(reader, writer);
    d.close();
    a.trySendv([Buffer.alloc(1000)]);
    const error = await piping.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SocketError);
    expect(['EPIPE', 'ECONNRESET']).toContain((error as SocketError).code);
    for (const s of [a, b, c]) s.close();
  });
});
