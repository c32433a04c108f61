/**
 * `input$` by completion around a bulk transfer: an arrival of 32 KiB or more hands the stream to
 * a readiness reader, and once the transfer is over (16 chunks in a row below 32 KiB) the kernel
 * request takes it back. Every byte arrives once, in order, across the switches. Needs receiving
 * by completion (Linux 6.0 or later with io_uring allowed): where it is missing, this fails and
 * says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take } from 'rxjs';
import { C, Socket, receptionStats } from '@rxsock/core';
import { BURSTS_AND_PACED_WRITES, pythonWriter } from '@rxsock/testing';
import { connect, tcpServer, type Connection } from '../src/index.js';
import { waitFor } from './support/helpers.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function stats(): { live: number; delivered: number; handOffs: number } {
  const s = receptionStats();
  if (s === null) throw new Error('this kernel cannot receive by completion (needs Linux 6.0 or later with io_uring allowed, and RXSOCK_IO_URING unset)');
  return s;
}

async function pair(): Promise<[client: Connection, accepted: Connection]> {
  const s = tcpServer({ host: '127.0.0.1', noDelay: true });
  cleanup.push(() => s.close());
  const accepted = firstValueFrom(s.connections$.pipe(take(1)));
  const c = await connect('127.0.0.1', s.port, { noDelay: true });
  const a = await accepted;
  cleanup.push(() => (c.close(), a.close()));
  return [c, a];
}

/** Bytes 0..255 repeating from `start`: a stream whose every byte says where it belongs. */
function pattern(start: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (start + i) & 0xff;
  return b;
}

describe('input$ around a bulk transfer', () => {
  it('goes back to completions once the transfer is over, and to readiness at the next one: every byte once, in order', async () => {
    const [client, accepted] = await pair();
    const chunks: Buffer[] = [];
    let received = 0;
    let ended = false;
    accepted.input$.subscribe({
      next: (chunk) => {
        chunks.push(Buffer.from(chunk));
        received += chunk.length;
      },
      complete: () => (ended = true),
    });
    let sent = 0;
    const send = async (length: number): Promise<void> => {
      if (!client.write(pattern(sent, length))) await client.drain();
      sent += length;
      await waitFor(() => received === sent, `${sent} bytes received`);
    };
    const live = stats().live;
    await send(10);
    expect(stats().live).toBe(live); // the request was posted at subscribe

    let handOffs = stats().handOffs;
    await send(8 << 20);
    expect(stats().handOffs).toBeGreaterThan(handOffs);
    await waitFor(() => stats().live === live - 1, 'the request ended');
    // Right after the transfer: on readiness, no request posted.
    for (let i = 0; i < 5; i++) await send(10);
    expect(stats().live).toBe(live - 1);
    // Once 16 chunks in a row were small, the request is back and delivers what follows.
    for (let i = 0; i < 15; i++) await send(10);
    expect(stats().live).toBe(live);
    const delivered = stats().delivered;
    for (let i = 0; i < 10; i++) await send(10);
    expect(stats().delivered - delivered).toBe(10);

    handOffs = stats().handOffs;
    await send(8 << 20);
    expect(stats().handOffs).toBeGreaterThan(handOffs);
    for (let i = 0; i < 20; i++) await send(100);
    expect(stats().live).toBe(live);
    client.close();
    await waitFor(() => ended, 'the end of stream');
    expect(Buffer.concat(chunks).equals(pattern(0, sent))).toBe(true);
  });

  it("a peer in another process (Python's socket module) alternating bulk bursts and paced small messages: both switches every time, every byte once, in order", async () => {
    const s = tcpServer({ host: '127.0.0.1' });
    cleanup.push(() => s.close());
    const accepted = firstValueFrom(s.connections$.pipe(take(1)));
    const written = pythonWriter(s.port, BURSTS_AND_PACED_WRITES);
    const conn = await accepted;
    cleanup.push(() => conn.close());
    const before = stats();
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => conn.input$.subscribe({ next: (c) => chunks.push(Buffer.from(c)), error: reject, complete: resolve }));
    const data = Buffer.concat(chunks);
    expect(data.length).toBe(await written);
    expect(data.every((byte, k) => byte === k % 251)).toBe(true);
    expect(stats().handOffs - before.handOffs).toBeGreaterThanOrEqual(5);
    expect(stats().delivered - before.delivered).toBeGreaterThanOrEqual(5 * 20);
  });
});

/** A connected pair of core TCP Sockets on loopback, TCP_NODELAY on both: [client, accepted]. */
async function socketPair(): Promise<[Socket, Socket]> {
  const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
  listener.bind(['127.0.0.1', 0]);
  listener.listen(1);
  const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
  const [[accepted]] = await Promise.all([listener.accept(), client.connect(['127.0.0.1', (listener.getsockname() as { port: number }).port])]);
  listener.close();
  for (const s of [client, accepted]) s.setOption('TCP_NODELAY', true);
  return [client, accepted];
}

describe('input$ beside core Sockets that take arrivals before they wait', () => {
  it("a Socket's read about to wait leaves a Connection's arrivals to the reactor: input$ never runs inside the Socket's call, both exchanges carry every message", async () => {
    const [client, accepted] = await pair();
    const [socketClient, socketServer] = await socketPair();
    cleanup.push(() => (socketClient.close(), socketServer.close()));

    // Set while a Socket call runs: an input$ handler called then ran inside it.
    let insideSocketCall = false;
    let inside = 0;
    const during = <T>(call: () => T): T => {
      insideSocketCall = true;
      try {
        return call();
      } finally {
        insideSocketCall = false;
      }
    };
    // The Connection exchange: one byte echoed back and forth through input$ and write().
    let running = true;
    let connectionTrips = 0;
    accepted.input$.subscribe((chunk) => {
      if (insideSocketCall) inside++;
      accepted.write(chunk);
    });
    client.input$.subscribe((chunk) => {
      if (insideSocketCall) inside++;
      expect(chunk.length).toBe(1);
      connectionTrips++;
      if (running) client.write(Buffer.from('c'));
    });
    client.write(Buffer.from('c'));
    // The Socket exchange beside it, each call marked.
    const echoing = (async () => {
      const buf = Buffer.alloc(64);
      for (;;) {
        const n = await during(() => socketServer.recvInto(buf));
        if (n === 0) return;
        await during(() => socketServer.send(buf.subarray(0, n)));
      }
    })();
    const pong = Buffer.alloc(64);
    for (let i = 0; i < 3000; i++) {
      await during(() => socketClient.send(Buffer.from([i & 0xff])));
      expect(await during(() => socketClient.recvInto(pong))).toBe(1);
      expect(pong[0]).toBe(i & 0xff);
    }
    running = false;
    socketClient.shutdown('write');
    await echoing;
    expect(inside).toBe(0);
    expect(connectionTrips).toBeGreaterThan(100);
  });

  it("a Socket read that waits inside an input$ handler takes nothing early: the arrival queued behind the handler's comes once", async () => {
    const server = tcpServer({ host: '127.0.0.1', noDelay: true });
    cleanup.push(() => server.close());
    const accepted = firstValueFrom(server.connections$.pipe(take(1)));
    // A plain Socket as the Connection's peer: its send is one system call, so the order of the
    // two arrivals in the completion ring is the order of the two sends below.
    const raw = Socket.create(C.AF_INET, C.SOCK_STREAM);
    await raw.connect(['127.0.0.1', server.port]);
    const conn = await accepted;
    const [socketClient, socketServer] = await socketPair();
    cleanup.push(() => (raw.close(), conn.close(), socketClient.close(), socketServer.close()));
    const buf = Buffer.alloc(64);
    // A read that waits first: the Socket's request is posted, and its next arrival comes by
    // completion.
    const first = socketServer.recvInto(buf);
    await socketClient.send(Buffer.from('0'));
    expect(await first).toBe(1);
    const reads: string[] = [];
    let inHandler: Promise<number> | undefined;
    conn.input$.subscribe(() => {
      // Called while the reactor takes the ring: this read waits, and the arrival behind the
      // handler's is the one it waits for.
      inHandler ??= socketServer.recvInto(buf);
    });
    await Promise.all([raw.send(Buffer.from('a')), socketClient.send(Buffer.from('b'))]);
    await waitFor(() => inHandler !== undefined, 'the input$ handler ran');
    expect(await inHandler!).toBe(1);
    reads.push(buf.toString('latin1', 0, 1));
    await socketClient.send(Buffer.from('c'));
    const n = await socketServer.recvInto(buf);
    reads.push(buf.toString('latin1', 0, n));
    expect(reads).toEqual(['b', 'c']);
  });
});
