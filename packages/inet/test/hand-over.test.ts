/**
 * Connection.toNetSocket(): a connection rxsock made, handed to Node's own TCP or pipe handle
 * (what connectTls and tlsServer do before node:tls), against node:net peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket as NetSocket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take } from 'rxjs';
import { SocketError } from '@rxsock/core';
import { checkFdLeak } from '@rxsock/testing';
import { connect, connectUnix, tcpServer, type Connection } from '../src/index.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** A node:net echo server on `where` (a port on 127.0.0.1, or a UNIX path). */
async function nodeEcho(where: number | string = 0): Promise<Server> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => (typeof where === 'string' ? server.listen(where, resolve) : server.listen(where, '127.0.0.1', resolve)));
  cleanup.push(() => server.close());
  return server;
}

/** Writes `text` on `socket`, half-closes, and reads everything back. */
async function roundTrip(socket: NetSocket, text: string): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  socket.end(text);
  await ended;
  return Buffer.concat(chunks).toString();
}

describe('Connection.toNetSocket', () => {
  it('a TCP connection becomes a net.Socket: bytes both ways, the rxsock side closed, its addresses kept, no fd left', async () => {
    const server = await nodeEcho();
    const port = (server.address() as { port: number }).port;
    const report = await checkFdLeak(async () => {
      const conn = await connect('127.0.0.1', port);
      const local = conn.localAddress;
      const socket = conn.toNetSocket();
      expect(conn.isOpen).toBe(false);
      await conn.closed;
      expect(conn.socket.closed).toBe(true);
      expect(conn.remoteAddress).toEqual({ family: 'inet', host: '127.0.0.1', port });
      expect(socket.remotePort).toBe(port);
      expect(socket.localPort).toBe(local.family === 'inet' ? local.port : -1);
      expect(await roundTrip(socket, 'through node:net now')).toBe('through node:net now');
      socket.destroy();
      await new Promise((resolve) => socket.once('close', resolve));
    });
    expect(report.leaked).toEqual([]);
  });

  it('an accepted connection too: a node:net client talks to the handed-over server side', async () => {
    const server = tcpServer({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => server.close());
    const accepted = firstValueFrom(server.connections$.pipe(take(1)));
    const { connect: netConnect } = await import('node:net');
    const client = netConnect(server.port, '127.0.0.1');
    const serverSide = (await accepted).toNetSocket();
    serverSide.pipe(serverSide);
    expect(await roundTrip(client, 'accepted by rxsock, served by node:net')).toBe('accepted by rxsock, served by node:net');
    serverSide.destroy();
  });

  it('a UNIX stream connection becomes a net.Socket over a pipe handle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-handover-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'echo.sock');
    await nodeEcho(path);
    const socket = (await connectUnix(path)).toNetSocket();
    expect(await roundTrip(socket, 'over a UNIX socket')).toBe('over a UNIX socket');
    socket.destroy();
  });

  it('keeps an unref()ed socket unref()ed', async () => {
    const server = await nodeEcho();
    const conn = await connect('127.0.0.1', (server.address() as { port: number }).port);
    conn.socket.unref();
    const socket = conn.toNetSocket();
    const handle = (socket as unknown as { _handle: { hasRef(): boolean } })._handle;
    expect(handle.hasRef()).toBe(false);
    socket.destroy();
  });

  it('refuses a connection already read from or holding queued bytes (ERR_RXSOCK_SOURCE_BUSY), which stays usable; a closed one is EBADF', async () => {
    const server = await nodeEcho();
    const port = (server.address() as { port: number }).port;
    const expectBusy = (conn: Connection, why: RegExp): void => {
      let error: unknown;
      try {
        conn.toNetSocket();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SocketError);
      expect((error as SocketError).code).toBe('ERR_RXSOCK_SOURCE_BUSY');
      expect((error as SocketError).message).toMatch(why);
      expect(conn.isOpen).toBe(true);
    };

    const reading = await connect('127.0.0.1', port);
    const iterator = reading[Symbol.asyncIterator]();
    expectBusy(reading, /read side is consumed through iterator/);
    reading.write(Buffer.from('still mine'));
    expect((await iterator.next()).value.toString()).toBe('still mine');
    reading.close();

    const writing = await connect('127.0.0.1', port);
    writing.write(Buffer.from('queued, not yet sent'));
    expectBusy(writing, /writer holds bytes/);
    await writing.writer.flush();
    const socket = writing.toNetSocket(); // flushed now: nothing is left behind
    const echoed = await new Promise<string>((resolve) => socket.once('data', (c: Buffer) => resolve(c.toString())));
    expect(echoed).toBe('queued, not yet sent');
    socket.destroy();

    const closed = await connect('127.0.0.1', port);
    closed.close();
    expect(() => closed.toNetSocket()).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('refuses a socket Node cannot wrap (ERR_INVALID_FD_TYPE) before giving its fd away', async () => {
    const { Socket, C } = await import('@rxsock/core');
    const { Connection } = await import('../src/index.js');
    const udp = new Connection(Socket.create(C.AF_INET, C.SOCK_DGRAM));
    expect(() => udp.toNetSocket()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_FD_TYPE' }));
    expect(udp.socket.closed).toBe(false);
    udp.close();
  });
});
