import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { firstValueFrom, take, toArray, timeout } from 'rxjs';
import { C, Socket } from '@rxsock/core';
import { checkFdLeak, tempSocketPath } from '@rxsock/testing';
import {
  abstractName,
  connectSeqpacket,
  connectUnix,
  listenUnix,
  seqpacketPair,
  seqpacketServer,
  unixDatagram,
  unixPair,
  unixServer,
  UnixDatagramSocket,
  type SeqpacketConnection,
  type UnixConnection,
  type UnixMessage,
} from '../src/index.js';
import { readAll, sleep, waitFor } from './support/helpers.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

const me = () => ({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });

function tempFile(text: string): string {
  const path = tempSocketPath('data.txt');
  writeFileSync(path, text);
  return path;
}

/** Reads up to 100 bytes at offset 0 through a descriptor that came over the socket. */
function readVia(fd: number): string {
  const b = Buffer.alloc(100);
  return b.toString('utf8', 0, readSync(fd, b, 0, 100, 0));
}

function firstN<T>(source: import('rxjs').Observable<T>, n: number, ms = 3000): Promise<T[]> {
  return firstValueFrom(source.pipe(take(n), toArray(), timeout(ms)));
}

describe('UNIX stream', () => {
  for (const [kind, name] of [
    ['path', () => tempSocketPath()],
    ['abstract name', () => abstractName(`rxsock-inet-${process.pid}-${Math.random().toString(36).slice(2)}`)],
  ] as const) {
    it(`echo over a ${kind}, with the peer's credentials`, async () => {
      const path = name();
      const server = unixServer({ path });
      cleanup.push(() => server.close());
      expect(existsSync(path)).toBe(kind === 'path');
      const accepted: UnixConnection[] = [];
      server.connections$.subscribe((conn) => {
        accepted.push(conn);
        void conn.pipeTo(conn);
      });
      const client = await connectUnix(path);
      expect(client.remoteAddress).toEqual({ family: 'unix', path });
      expect(client.peerCredentials()).toEqual(me());
      await waitFor(() => accepted.length === 1, 'accepted');
      expect(accepted[0]!.peerCredentials()).toEqual(me());
      client.write(Buffer.from('over unix'));
      void client.end();
      expect((await readAll(client)).toString()).toBe('over unix');
      server.close();
      expect(existsSync(path)).toBe(false); // the server removes its file
    });
  }

  it('refuses a stale path unless unlinkExisting, and never removes a non-socket file', async () => {
    const path = tempSocketPath();
    const stale = Socket.create(C.AF_UNIX, C.SOCK_STREAM);
    stale.bind(path);
    stale.close(); // a crashed server leaves its file behind
    expect(() => unixServer({ path })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    const server = unixServer({ path, unlinkExisting: true, mode: 0o600 });
    cleanup.push(() => server.close());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    (await connectUnix(path)).close();

    const notASocket = tempFile('precious');
    expect(() => unixServer({ path: notASocket, unlinkExisting: true })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    expect(existsSync(notASocket)).toBe(true);
  });

  it('connecting to a missing path fails with ENOENT, to a stale one with ECONNREFUSED', async () => {
    await expect(connectUnix(tempSocketPath())).rejects.toMatchObject({ code: 'ENOENT' });
    const path = tempSocketPath();
    const stale = Socket.create(C.AF_UNIX, C.SOCK_STREAM);
    stale.bind(path);
    stale.close();
    await expect(connectUnix(path)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('passes descriptors with bytes: the receiver reads a file and uses a socket it never opened', async () => {
    const [a, b] = unixPair();
    cleanup.push(() => (a.close(), b.close()));
    const file = tempFile('secret contents');
    const fileFd = openSync(file, 'r');
    const udpIn = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    udpIn.bind(['127.0.0.1', 0]);
    cleanup.push(() => (closeSync(fileFd), udpIn.close()));
    const got = firstN(b.messages$, 2);
    await a.send({ data: Buffer.from('a file'), fds: [fileFd] });
    await a.send({ data: [Buffer.from('a '), Buffer.from('socket')], fds: [udpIn.fileno()] });
    const [m1, m2] = (await got) as [UnixMessage, UnixMessage];
    expect(m1.data.toString()).toBe('a file');
    expect(m1.fds).toHaveLength(1);
    expect(m1.fds[0]).not.toBe(fileFd); // a new descriptor, same open file
    expect(readVia(m1.fds[0]!)).toBe('secret contents');
    closeSync(m1.fds[0]!);
    expect(m2.data.toString()).toBe('a socket');
    const passed = Socket.fromFd(m2.fds[0]!);
    expect(passed.getsockname()).toEqual(udpIn.getsockname());
    const sender = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    await sender.sendTo(Buffer.from('via passed fd'), udpIn.getsockname());
    expect((await passed.recv(100)).toString()).toBe('via passed fd');
    sender.close();
    passed.close();
  });

  it('messages$ completes at end of stream and unsubscribing closes the connection', async () => {
    const [a, b] = unixPair();
    await a.send({ data: Buffer.from('last words') });
    await a.end();
    const all = await firstValueFrom(b.messages$.pipe(toArray()));
    expect(all.map((m) => m.data.toString())).toEqual(['last words']);
    const [c, d] = unixPair();
    const sub = d.messages$.subscribe();
    sub.unsubscribe();
    expect(d.isOpen).toBe(false);
    expect((await readAll(c)).length).toBe(0);
    a.close();
  });

  it('listenUnix is cold and closes (and removes) the listener on unsubscribe', async () => {
    const path = tempSocketPath();
    const conns: UnixConnection[] = [];
    const sub = listenUnix({ path }).subscribe((c) => conns.push(c));
    const client = await connectUnix(path);
    await waitFor(() => conns.length === 1, 'accept');
    sub.unsubscribe();
    expect(existsSync(path)).toBe(false);
    conns[0]!.write(Buffer.from('still here'));
    void conns[0]!.end();
    expect((await readAll(client)).toString()).toBe('still here');
    client.close();
  });

  it('descriptors of messages nobody received are closed, not leaked', async () => {
    const report = await checkFdLeak(async () => {
      const [a, b] = unixPair();
      const extra = Socket.create(C.AF_INET, C.SOCK_DGRAM);
      await a.send({ data: Buffer.from('x'), fds: [extra.fileno()] });
      extra.close();
      await sleep(10);
      a.close();
      b.close(); // closing with the message unread: the kernel drops the in-flight fd
      await sleep(10);
    });
    expect(report.leaked).toEqual([]);
  });
});

describe('UNIX seqpacket', () => {
  it('keeps record boundaries, carries descriptors, ends with the peer', async () => {
    const path = tempSocketPath();
    const server = seqpacketServer({ path });
    cleanup.push(() => server.close());
    const accepted = firstValueFrom(server.connections$);
    const client = await connectSeqpacket(path);
    const conn = await accepted;
    expect(conn.peerCredentials()).toEqual(me());
    const file = tempFile('seq file');
    const fd = openSync(file, 'r');
    await client.send({ data: Buffer.from('one') });
    await client.send({ data: Buffer.from('two two') });
    await client.send({ data: Buffer.from('three'), fds: [fd] });
    closeSync(fd);
    client.end();
    const records = await firstValueFrom(conn.messages$.pipe(toArray()));
    expect(records.map((r) => r.data.toString())).toEqual(['one', 'two two', 'three']);
    expect(records[2]!.fds).toHaveLength(1);
    expect(readVia(records[2]!.fds[0]!)).toBe('seq file');
    closeSync(records[2]!.fds[0]!);
    // The half-closed client can still receive.
    await conn.send({ data: Buffer.from('reply') });
    expect((await client.receive())!.data.toString()).toBe('reply');
    conn.close();
    expect(await client.receive()).toBeNull();
    client.close();
  });

  it('a pair exchanges records both ways and close() completes messages$', async () => {
    const [a, b]: [SeqpacketConnection, SeqpacketConnection] = seqpacketPair();
    const got = firstN(b.messages$, 1);
    await a.send({ data: Buffer.from('r1') });
    expect((await got)[0]!.data.toString()).toBe('r1');
    const back = firstN(a.messages$, 1);
    await b.send({ data: Buffer.from('r2') });
    expect((await back)[0]!.data.toString()).toBe('r2');
    let done = false;
    b.messages$.subscribe({ complete: () => (done = true) });
    b.close();
    await waitFor(() => done, 'complete on close');
    a.close();
  });

  it('a zero-length record reads like end of stream (recvmsg returns 0 for both), so messages$ ends there', async () => {
    const [a, b] = seqpacketPair();
    await a.send({ data: Buffer.from('before') });
    await a.send({ data: Buffer.alloc(0) });
    expect((await firstValueFrom(b.messages$.pipe(toArray()))).map((m) => m.data.toString())).toEqual(['before']);
    a.close();
    b.close();
  });
});

describe('UNIX datagram', () => {
  it('sends to a path, reports the bound sender, passes descriptors', async () => {
    const serverPath = tempSocketPath();
    const clientPath = tempSocketPath();
    const server = unixDatagram({ path: serverPath });
    const client = unixDatagram({ path: clientPath });
    cleanup.push(() => (server.close(), client.close()));
    expect(server.address()).toEqual({ family: 'unix', path: serverPath });
    const got = firstN(server.messages$, 2);
    const fd = openSync(tempFile('dgram file'), 'r');
    await client.send({ data: Buffer.from('hello') }, serverPath);
    await client.send({ data: Buffer.from('with fd'), fds: [fd] }, serverPath);
    closeSync(fd);
    const [m1, m2] = (await got) as [UnixMessage, UnixMessage];
    expect(m1.data.toString()).toBe('hello');
    expect(m1.address).toEqual({ family: 'unix', path: clientPath });
    expect(m2.fds).toHaveLength(1);
    expect(readVia(m2.fds[0]!)).toBe('dgram file');
    closeSync(m2.fds[0]!);
    // Reply to the sender's address, connected this time.
    await server.connect(clientPath);
    const reply = firstN(client.messages$, 1);
    await server.send({ data: Buffer.from('reply') });
    expect((await reply)[0]!.data.toString()).toBe('reply');
    server.close();
    expect(existsSync(serverPath)).toBe(false);
  });

  it('abstract names and socketpairs work, and empty datagrams pass through', async () => {
    const name = abstractName(`rxsock-dgram-${process.pid}`);
    const r = unixDatagram({ path: name });
    const s = unixDatagram();
    cleanup.push(() => (r.close(), s.close()));
    const got = firstN(r.messages$, 2);
    await s.send({ data: Buffer.alloc(0) }, name);
    await s.send({ data: Buffer.from('after empty') }, name);
    expect((await got).map((m) => m.data.toString())).toEqual(['', 'after empty']);
    const [x, y] = UnixDatagramSocket.pair();
    cleanup.push(() => (x.close(), y.close()));
    const fromPair = firstN(y.messages$, 1);
    await x.send({ data: Buffer.from('paired') });
    expect((await fromPair)[0]!.data.toString()).toBe('paired');
    expect(x.remoteAddress()).toEqual({ family: 'unix', path: '' });
  });
});
