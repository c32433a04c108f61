import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { firstValueFrom, take } from 'rxjs';
import { C, Socket } from '@rxsock/core';
import { checkFdLeak } from '@rxsock/testing';
import { Connection, connect, createTcpServer, listen, tcpServer, type TcpServer } from '../src/index.js';
import { readAll, serveEcho, sleep, waitFor } from './support/helpers.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function server(options: Parameters<typeof tcpServer>[0] = {}): TcpServer {
  const s = tcpServer(options);
  cleanup.push(() => s.close());
  return s;
}

function echo(options: Parameters<typeof tcpServer>[0] = {}): TcpServer {
  const s = server(options);
  cleanup.push(serveEcho(s));
  return s;
}

/** The next connection of a server, as a promise. */
function nextConnection(s: TcpServer): Promise<Connection> {
  return firstValueFrom(s.connections$.pipe(take(1)));
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

for (const [name, host] of [
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
] as const) {
  describe(`TCP echo over ${name}`, () => {
    it('moves 4 MiB through input$ and the writer intact, then both sides close', async () => {
      const s = echo({ host });
      const conn = await connect(host, s.port);
      expect(conn.localAddress).toMatchObject({ host });
      expect(conn.remoteAddress).toMatchObject({ host, port: s.port });
      const payload = randomBytes(4 << 20);
      const got = readAll(conn);
      for (let off = 0; off < payload.length; off += 100_000) {
        if (!conn.write(payload.subarray(off, off + 100_000))) await conn.drain();
      }
      await conn.end();
      expect(sha(await got)).toBe(sha(payload));
      await conn.closed; // read EOF + write ended: closed by itself
      expect(conn.isOpen).toBe(false);
      expect(conn.socket.closed).toBe(true);
    });
  });
}

describe('TCP server', () => {
  it('binds "::" dual-stack by default: an IPv4 client reaches it as ::ffff:127.0.0.1', async () => {
    const s = echo();
    expect(s.address()).toMatchObject({ family: 'inet6', host: '::' });
    expect(s.socket.getOption('IPV6_V6ONLY')).toBe(false);
    const accepted = nextConnection(s);
    const conn = await connect('127.0.0.1', s.port);
    expect((await accepted).remoteAddress).toMatchObject({ family: 'inet6', host: '::ffff:127.0.0.1', port: (conn.localAddress as { port: number }).port });
    const conn6 = await connect('::1', s.port);
    for (const c of [conn, conn6]) {
      c.write(Buffer.from('dual'));
      void c.end();
      expect((await readAll(c)).toString()).toBe('dual');
    }
  });

  it('ipv6Only refuses IPv4 clients', async () => {
    const s = echo({ host: '::', ipv6Only: true });
    await expect(connect('127.0.0.1', s.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    (await connect('::1', s.port)).close();
  });

  it('SO_REUSEPORT lets two listeners share a port and the kernel spreads clients over both', async () => {
    const a = server({ host: '127.0.0.1', reusePort: true });
    const b = server({ host: '127.0.0.1', port: a.port, reusePort: true });
    expect(b.port).toBe(a.port);
    const seen = { a: 0, b: 0 };
    const subs = [a.connections$.subscribe((c) => (seen.a++, c.close())), b.connections$.subscribe((c) => (seen.b++, c.close()))];
    cleanup.push(() => subs.forEach((x) => x.unsubscribe()));
    for (let i = 0; i < 64 && (seen.a === 0 || seen.b === 0); i++) {
      const c = await connect('127.0.0.1', a.port);
      await waitFor(() => seen.a + seen.b === i + 1, 'accept');
      c.close();
    }
    expect(seen.a).toBeGreaterThan(0);
    expect(seen.b).toBeGreaterThan(0);
  });

  it('without SO_REUSEPORT a second listener on the port fails with EADDRINUSE', () => {
    const a = server({ host: '127.0.0.1' });
    expect(() => tcpServer({ host: '127.0.0.1', port: a.port })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
  });

  it('reuseAddress (default) rebinds at once while the old connection sits in TIME_WAIT', async () => {
    const first = tcpServer({ host: '127.0.0.1' });
    const port = first.port;
    const accepted = nextConnection(first);
    const client = await connect('127.0.0.1', port);
    const conn = await accepted;
    conn.close(); // the server closes first: its side of the port goes to TIME_WAIT
    await readAll(client);
    client.close();
    first.close();
    expect(() => tcpServer({ host: '127.0.0.1', port, reuseAddress: false })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    const again = server({ host: '127.0.0.1', port });
    expect(again.port).toBe(port);
  });

  it('listen() is cold: the listening callback gets the port, unsubscribing closes the listener', async () => {
    let srv: TcpServer | undefined;
    const conns: Connection[] = [];
    const sub = listen({ host: '127.0.0.1', listening: (s) => (srv = s) }).subscribe((c) => conns.push(c));
    expect(srv).toBeDefined();
    const port = srv!.port;
    const client = await connect('127.0.0.1', port);
    await waitFor(() => conns.length === 1, 'accept');
    sub.unsubscribe();
    expect(srv!.isClosed).toBe(true);
    await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // The live connection is not the listener's: it still works both ways.
    conns[0]!.write(Buffer.from('after close'));
    void conns[0]!.end();
    const got = readAll(client);
    client.write(Buffer.from('client too'));
    void client.end();
    expect((await got).toString()).toBe('after close');
    expect((await readAll(conns[0]!)).toString()).toBe('client too');
  });

  it('listen() and createTcpServer() resolve host names', async () => {
    const s = await createTcpServer({ host: 'localhost' });
    cleanup.push(() => s.close());
    expect(s.address()).toMatchObject({ host: '127.0.0.1' });
    let port = 0;
    const sub = listen({ host: 'localhost', listening: (x) => (port = x.port) }).subscribe((c) => c.close());
    cleanup.push(() => sub.unsubscribe());
    await waitFor(() => port > 0, 'listening');
    (await connect('localhost', port, { family: 'inet' })).close();
  });

  it('counts accepted and active connections', async () => {
    const s = echo({ host: '127.0.0.1' });
    const clients = await Promise.all([1, 2, 3].map(() => connect('127.0.0.1', s.port)));
    await waitFor(() => s.counters.accepted === 3 && s.counters.active === 3, 'three accepted');
    clients[0]!.close();
    await waitFor(() => s.counters.active === 2, 'one gone');
    clients.forEach((c) => c.close());
    await waitFor(() => s.counters.active === 0, 'all gone');
    expect(s.counters).toEqual({ accepted: 3, acceptErrors: 0, active: 0 });
  });

  it('closing the server completes connections$', async () => {
    const s = server({ host: '127.0.0.1' });
    let done = false;
    s.connections$.subscribe({ complete: () => (done = true) });
    s.close();
    await waitFor(() => done, 'complete');
  });

  it('applies noDelay / keepAlive to accepted connections', async () => {
    const s = server({ host: '127.0.0.1', noDelay: true, keepAlive: true, keepAliveInitialDelay: 10_000 });
    const accepted = nextConnection(s);
    const c = await connect('127.0.0.1', s.port);
    const conn = await accepted;
    expect(conn.socket.getOption('TCP_NODELAY')).toBe(true);
    expect(conn.socket.getOption('SO_KEEPALIVE')).toBe(true);
    expect(conn.socket.getOption('TCP_KEEPIDLE')).toBe(10);
    c.close();
    conn.close();
  });
});

describe('Connection read side', () => {
  async function pair(): Promise<[Connection, Connection]> {
    const s = server({ host: '127.0.0.1' });
    const accepted = nextConnection(s);
    const c = await connect('127.0.0.1', s.port);
    const a = await accepted;
    cleanup.push(() => (c.close(), a.close()));
    return [c, a];
  }

  it('unsubscribing from input$ before the end closes the connection (the peer reads EOF)', async () => {
    const [c, a] = await pair();
    const sub = a.input$.subscribe();
    await sleep(10);
    sub.unsubscribe();
    expect(a.isOpen).toBe(false);
    expect((await readAll(c)).length).toBe(0);
  });

  it('the peer’s half-close completes input$ and writing still works', async () => {
    const [c, a] = await pair();
    c.write(Buffer.from('request'));
    await c.end();
    expect((await readAll(a)).toString()).toBe('request');
    expect(a.isOpen).toBe(true);
    a.write(Buffer.from('response after your FIN'));
    await a.end();
    expect((await readAll(c)).toString()).toBe('response after your FIN');
    await Promise.all([a.closed, c.closed]);
  });

  it('close() completes a current input$ subscriber', async () => {
    const [, a] = await pair();
    let completed = false;
    a.input$.subscribe({ complete: () => (completed = true) });
    a.close();
    expect(completed).toBe(true);
    await a.closed;
  });

  it('reader gives explicit credit: one chunk per request, the rest stays in the kernel', async () => {
    const [c, a] = await pair();
    const reader = a.reader;
    const got: Buffer[] = [];
    reader.chunks$.subscribe((b) => got.push(b));
    c.write(Buffer.from('one'));
    await sleep(20);
    expect(got).toHaveLength(0);
    reader.request(1);
    await waitFor(() => got.length === 1, 'first chunk');
    expect(got[0]!.toString()).toBe('one');
  });

  it('the read side can be consumed only one way', async () => {
    const [, a] = await pair();
    void a.reader;
    expect(() => a[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_SOURCE_BUSY' }));
    await expect(firstValueFrom(a.input$)).rejects.toMatchObject({ code: 'ERR_RXSOCK_SOURCE_BUSY' });
  });

  it('for await reads chunk by chunk until the peer finishes', async () => {
    const [c, a] = await pair();
    c.write(Buffer.from('abc'));
    void c.end();
    let text = '';
    for await (const chunk of a) text += chunk.toString();
    expect(text).toBe('abc');
  });

  it('pipeTo keeps the writer under its high mark while the destination does not read', async () => {
    const [c, a] = await pair();
    // a echoes to c, but c never reads: the pipe must stall instead of buffering everything.
    const piping = a.pipeTo(a);
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 7);
    while (sent < 64 << 20) {
      if (!c.write(chunk)) {
        const drained = await Promise.race([c.drain().then(() => true), sleep(300).then(() => false)]);
        if (!drained) break;
      }
      sent += chunk.length;
    }
    expect(sent).toBeLessThan(64 << 20); // the client's writer stalled: backpressure reached it
    expect(a.writer.bufferedAmount).toBeLessThanOrEqual(a.writer.highWaterMark + 64 * 1024);
    c.close();
    await piping.catch(() => {});
  });
});

describe('no hidden framing', () => {
  it('a raw core Socket can talk to a Connection (no hidden framing)', async () => {
    const s = echo({ host: '127.0.0.1' });
    const raw = Socket.create(C.AF_INET, C.SOCK_STREAM);
    await raw.connect(['127.0.0.1', s.port]);
    await raw.sendAll(Buffer.from('raw bytes'));
    raw.shutdown('write');
    const parts: Buffer[] = [];
    for (;;) {
      const b = await raw.recv(100);
      if (b.length === 0) break;
      parts.push(b);
    }
    raw.close();
    expect(Buffer.concat(parts).toString()).toBe('raw bytes');
  });
});

describe('fd hygiene', () => {
  it('a hundred connect/echo/close rounds leave no socket open', async () => {
    const s = echo({ host: '127.0.0.1' });
    const report = await checkFdLeak(async () => {
      for (let i = 0; i < 100; i++) {
        const c = await connect('127.0.0.1', s.port);
        c.write(Buffer.from(`#${i}`));
        void c.end();
        expect((await readAll(c)).toString()).toBe(`#${i}`);
        await c.closed;
      }
      await waitFor(() => s.counters.active === 0, 'server side closed');
    });
    expect(report.leaked).toEqual([]);
  });
});
