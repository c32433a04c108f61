import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, openSync } from 'node:fs';
import { firstValueFrom, take } from 'rxjs';
import { C, Socket, SocketError } from '@rxsock/core';
import { checkFdLeak, openFds } from '@rxsock/testing';
import { connect, tcpServer, type Connection, type TcpServer } from '../src/index.js';
import { readAll, serveEcho, sleep, waitFor } from './support/helpers.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function server(options: Parameters<typeof tcpServer>[0] = {}): TcpServer {
  const s = tcpServer({ host: '127.0.0.1', ...options });
  cleanup.push(() => s.close());
  return s;
}

function nextConnection(s: TcpServer): Promise<Connection> {
  return firstValueFrom(s.connections$.pipe(take(1)));
}

describe('TCP faults', () => {
  it('a peer reset mid-stream errors input$ with a typed ECONNRESET and closes the connection', async () => {
    const s = server();
    const accepted = nextConnection(s);
    const client = await connect('127.0.0.1', s.port);
    const conn = await accepted;
    const received: Buffer[] = [];
    const outcome = new Promise<unknown>((resolve) =>
      conn.input$.subscribe({ next: (b) => received.push(b), error: resolve, complete: () => resolve('completed') }),
    );
    client.write(Buffer.from('partial request'));
    await client.writer.flush();
    await waitFor(() => received.length > 0, 'first bytes');
    // SO_LINGER 0 turns close() into an RST: the abortive close of a crashed peer.
    client.socket.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    const error = await outcome;
    expect(error).toBeInstanceOf(SocketError);
    expect(error).toMatchObject({ code: 'ECONNRESET', syscall: 'recv' });
    await conn.closed;
    expect(conn.socket.closed).toBe(true);
  });

  it('writing to a reset peer fails the writer and closes the connection without crashing', async () => {
    const s = server();
    const accepted = nextConnection(s);
    const client = await connect('127.0.0.1', s.port);
    const conn = await accepted;
    client.socket.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    await sleep(20);
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 20 && conn.isOpen; i++) {
      try {
        if (!conn.write(chunk)) await conn.drain();
      } catch {
        break;
      }
      await sleep(1);
    }
    await conn.closed;
    await expect(conn.writer.closed).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
  });

  it('1,000 clients connecting at once are all served, and the fd count returns to its baseline', async () => {
    const s = server({ backlog: 2048 });
    const stop = serveEcho(s);
    cleanup.push(stop);
    const report = await checkFdLeak(async () => {
      const clients = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          const c = await connect('127.0.0.1', s.port);
          c.write(Buffer.from(`client ${i}`));
          void c.end();
          const answer = (await readAll(c)).toString();
          await c.closed;
          return answer;
        }),
      );
      expect(clients).toEqual(Array.from({ length: 1000 }, (_, i) => `client ${i}`));
      await waitFor(() => s.counters.active === 0, 'every server-side connection closed');
    });
    expect(s.counters.accepted).toBe(1000);
    expect(s.counters.acceptErrors).toBe(0);
    expect(report.leaked).toEqual([]);
    expect(report.after).toBe(report.before);
  }, 60_000);

  it('a client that never reads stops the server’s writer at its high mark; other clients are still served', async () => {
    const s = server();
    const writers: Connection[] = [];
    let maxBuffered = 0;
    const sub = s.connections$.subscribe((conn) => {
      conn.input$.subscribe({
        next: (b) => {
          if (b.toString() === 'flood') {
            writers.push(conn);
            // A well-behaved producer: write while the writer says yes, then wait for drain.
            void (async () => {
              const chunk = Buffer.alloc(16 * 1024, 1);
              try {
                for (;;) {
                  const more = conn.write(chunk);
                  maxBuffered = Math.max(maxBuffered, conn.writer.bufferedAmount);
                  if (!more) await conn.drain();
                }
              } catch {
                // the connection was closed at the end of the test
              }
            })();
          } else {
            conn.write(b);
          }
        },
        error: () => {},
      });
    });
    cleanup.push(() => sub.unsubscribe());
    const lazy = await connect('127.0.0.1', s.port);
    lazy.write(Buffer.from('flood'));
    cleanup.push(() => lazy.close());
    await waitFor(() => writers.length === 1, 'flooding');
    await sleep(200);
    const stalled = writers[0]!.writer;
    expect(stalled.bufferedAmount).toBeGreaterThanOrEqual(stalled.highWaterMark);
    expect(maxBuffered).toBeLessThan(stalled.highWaterMark + 16 * 1024);
    let writable: boolean | undefined;
    stalled.writable$.pipe(take(1)).subscribe((w) => (writable = w));
    expect(writable).toBe(false);
    // Meanwhile other clients get answers.
    for (let i = 0; i < 5; i++) {
      const c = await connect('127.0.0.1', s.port);
      const reply = firstValueFrom(c.input$);
      c.write(Buffer.from(`ping ${i}`));
      expect((await reply).toString()).toBe(`ping ${i}`);
      c.close();
    }
    writers[0]!.close();
  });

  it('EMFILE on accept is counted and retried after a back-off; the server keeps serving', async () => {
    const s = server({ acceptBackoff: 5, maxAcceptBackoff: 20 });
    cleanup.push(serveEcho(s));
    const errors: unknown[] = [];
    const sub = s.acceptErrors$.subscribe((e) => errors.push(e));
    cleanup.push(() => sub.unsubscribe());
    // The client's socket exists before the process runs out of descriptors.
    const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
    cleanup.push(() => client.close());
    const fillers: number[] = [];
    try {
      for (;;) fillers.push(openSync('/dev/null', 'r'));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('EMFILE');
    }
    try {
      // The handshake completes in the kernel; only accept() needs a descriptor.
      await client.connect(['127.0.0.1', s.port]);
      await waitFor(() => s.counters.acceptErrors >= 2, 'accept failing with EMFILE', 5000);
    } finally {
      for (const fd of fillers) closeSync(fd);
    }
    expect(errors[0]).toMatchObject({ code: 'EMFILE', syscall: 'accept' });
    await client.sendAll(Buffer.from('served after all'));
    client.shutdown('write');
    const parts: Buffer[] = [];
    for (;;) {
      const b = await client.recv(1024, 0, { timeout: 5000 });
      if (b.length === 0) break;
      parts.push(b);
    }
    expect(Buffer.concat(parts).toString()).toBe('served after all');
    expect(s.counters.accepted).toBe(1);
    expect(openFds().size).toBeLessThan(1000);
  });
});
