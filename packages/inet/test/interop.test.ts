import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer as netServer, type AddressInfo, type Socket as NetSocket } from 'node:net';
import { firstValueFrom, take, toArray, timeout } from 'rxjs';
import { tempSocketPath } from '@rxsock/testing';
import {
  connect,
  connectSeqpacket,
  connectUnix,
  seqpacketServer,
  tcpServer,
  udpSocket,
  unixDatagram,
  unixServer,
  type Connection,
  type UdpSocket,
  type UnixConnection,
} from '../src/index.js';
import { freePort, python, readAll, run, serveEcho, sleep, stop, waitFor, type Child } from './support/helpers.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function netRead(sock: NetSocket): Promise<Buffer> {
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    sock.on('data', (d: Buffer) => parts.push(d));
    sock.on('end', () => resolve(Buffer.concat(parts)));
    sock.on('error', reject);
  });
}

describe('node:net peers', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`node:net client -> rxsock server over ${host}, 2 MiB echoed with half-close`, async () => {
      const server = tcpServer({ host });
      cleanup.push(serveEcho(server), () => server.close());
      const payload = randomBytes(2 << 20);
      const sock = netConnect({ host, port: server.port });
      const back = netRead(sock);
      sock.end(payload);
      expect(sha(await back)).toBe(sha(payload));
      sock.destroy();
    });

    it(`rxsock client -> node:net server over ${host}`, async () => {
      const srv = netServer({ allowHalfOpen: true }, (s) => {
        const parts: Buffer[] = [];
        s.on('data', (d: Buffer) => parts.push(d));
        s.on('end', () => s.end(Buffer.concat([Buffer.from('node saw: '), ...parts])));
      });
      await new Promise<void>((r) => srv.listen(0, host, r));
      cleanup.push(() => new Promise<void>((r) => srv.close(() => r())));
      const conn = await connect(host, (srv.address() as AddressInfo).port);
      conn.write(Buffer.from('hi from rxsock'));
      await conn.end();
      expect((await readAll(conn)).toString()).toBe('node saw: hi from rxsock');
    });
  }

  it('a node:net client that resets is a typed ECONNRESET on the rxsock side', async () => {
    const server = tcpServer({ host: '127.0.0.1' });
    cleanup.push(() => server.close());
    const accepted = firstValueFrom(server.connections$.pipe(take(1)));
    const sock = netConnect({ host: '127.0.0.1', port: server.port });
    const conn: Connection = await accepted;
    const outcome = new Promise<unknown>((resolve) => conn.input$.subscribe({ error: resolve, complete: () => resolve('complete') }));
    await new Promise<void>((r) => (sock.connecting ? sock.once('connect', () => r()) : r()));
    sock.write('some');
    await sleep(20);
    sock.resetAndDestroy();
    expect(await outcome).toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('node:dgram peers', () => {
  for (const [type, host] of [
    ['udp4', '127.0.0.1'],
    ['udp6', '::1'],
  ] as const) {
    it(`node:dgram (${type}) <-> rxsock UDP both ways`, async () => {
      const ours = udpSocket({ host });
      cleanup.push(() => ours.close());
      const theirs = createSocket(type);
      await new Promise<void>((r) => theirs.bind(0, host, r));
      cleanup.push(() => void theirs.close());
      const theirPort = theirs.address().port;
      const fromNode = firstValueFrom(ours.datagrams$.pipe(take(1), timeout(3000)));
      theirs.send('from node:dgram', ours.address().port, host);
      const d = await fromNode;
      expect(d.data.toString()).toBe('from node:dgram');
      expect(d.address).toMatchObject({ host, port: theirPort });
      const fromUs = new Promise<[Buffer, { address: string; port: number }]>((r) => theirs.once('message', (m, info) => r([m, info])));
      await ours.send(Buffer.from('from rxsock'), d.address);
      const [msg, info] = await fromUs;
      expect(msg.toString()).toBe('from rxsock');
      expect(info.port).toBe(ours.address().port);
    });
  }
});

describe('Python socket module peers', () => {
  it('Python UDP client <-> rxsock UDP echo (IPv4 and IPv6)', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const echo: UdpSocket = udpSocket({ host });
      cleanup.push(() => echo.close());
      const sub = echo.datagrams$.subscribe((d) => void echo.send(Buffer.concat([Buffer.from('echo:'), d.data]), d.address));
      cleanup.push(() => sub.unsubscribe());
      const out = await python(
        `
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b'py-datagram', (host, port))
data, addr = s.recvfrom(100)
print(data.decode(), addr[1] == port)
`,
        [host, String(echo.address().port)],
      );
      expect(out.trim()).toBe('echo:py-datagram True');
    }
  });

  it('rxsock UDP client -> Python UDP server', async () => {
    const py: Child = run('python3', [
      '-c',
      `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1], flush=True)
data, addr = s.recvfrom(100)
s.sendto(b'python got ' + data, addr)
`,
    ]);
    cleanup.push(() => stop(py));
    const port = Number((await py.line(/^(\d+)$/m))[1]);
    const ours = udpSocket({ host: '127.0.0.1' });
    cleanup.push(() => ours.close());
    const reply = firstValueFrom(ours.datagrams$.pipe(take(1), timeout(5000)));
    await ours.send(Buffer.from('rxsock'), ['127.0.0.1', port]);
    expect((await reply).data.toString()).toBe('python got rxsock');
  });

  it('Python UNIX stream client passes descriptors to an rxsock server, which sees its credentials', async () => {
    const path = tempSocketPath();
    const server = unixServer({ path });
    cleanup.push(() => server.close());
    const file = tempSocketPath('from-python.txt');
    writeFileSync(file, 'opened by python');
    const got = new Promise<{ text: string; fdText: string; pid: number }>((resolve) => {
      server.connections$.pipe(take(1)).subscribe(async (conn: UnixConnection) => {
        const pid = conn.peerCredentials().pid;
        const m = await conn.receive();
        const b = Buffer.alloc(64);
        const fdText = b.toString('utf8', 0, readSync(m.fds[0]!, b, 0, 64, 0));
        for (const fd of m.fds) closeSync(fd);
        await conn.send({ data: Buffer.from('thanks') });
        resolve({ text: m.data.toString(), fdText, pid });
        cleanup.push(() => conn.close());
      });
    });
    const py = run('python3', [
      '-c',
      `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
fd = os.open(sys.argv[2], os.O_RDONLY)
socket.send_fds(s, [b'here is a file'], [fd])
print(os.getpid(), s.recv(100).decode(), flush=True)
`,
      path,
      file,
    ]);
    cleanup.push(() => stop(py));
    const [, pyPid, reply] = await py.line(/^(\d+) (\w+)$/m);
    const r = await got;
    expect(r).toEqual({ text: 'here is a file', fdText: 'opened by python', pid: Number(pyPid) });
    expect(reply).toBe('thanks');
  });

  it('rxsock UNIX client passes a descriptor to a Python server and Python sees our credentials', async () => {
    const path = tempSocketPath();
    const py = run('python3', [
      '-c',
      `
import os, socket, struct, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(1)
print('ready', flush=True)
conn, _ = srv.accept()
pid, uid, gid = struct.unpack('3i', conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
msg, fds, flags, addr = socket.recv_fds(conn, 100, 4)
text = os.read(fds[0], 100).decode()
print(pid, msg.decode(), text, flush=True)
`,
      path,
    ]);
    cleanup.push(() => stop(py));
    await py.line(/^ready$/m);
    const conn = await connectUnix(path);
    cleanup.push(() => conn.close());
    const file = tempSocketPath('from-node.txt');
    writeFileSync(file, 'opened-by-rxsock');
    const fd = openSync(file, 'r');
    await conn.send({ data: Buffer.from('take-this'), fds: [fd] });
    closeSync(fd);
    const [, pid, msg, text] = await py.line(/^(\d+) (\S+) (\S+)$/m);
    expect(Number(pid)).toBe(process.pid);
    expect(msg).toBe('take-this');
    expect(text).toBe('opened-by-rxsock');
  });

  it('Python seqpacket and datagram peers keep record boundaries', async () => {
    const seqPath = tempSocketPath();
    const seq = seqpacketServer({ path: seqPath });
    cleanup.push(() => seq.close());
    const records = new Promise<string[]>((resolve) =>
      seq.connections$.pipe(take(1)).subscribe((c) => c.messages$.pipe(toArray()).subscribe((ms) => resolve(ms.map((m) => m.data.toString())))),
    );
    const dgPath = tempSocketPath();
    const dg = unixDatagram({ path: dgPath });
    cleanup.push(() => dg.close());
    const dgrams = firstValueFrom(dg.messages$.pipe(take(2), toArray(), timeout(5000)));
    await python(
      `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for r in (b'alpha', b'beta', b'gamma'):
    s.send(r)
s.close()
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.sendto(b'dgram-1', sys.argv[2])
d.sendto(b'dgram-2', sys.argv[2])
`,
      [seqPath, dgPath],
    );
    expect(await records).toEqual(['alpha', 'beta', 'gamma']);
    expect((await dgrams).map((m) => m.data.toString())).toEqual(['dgram-1', 'dgram-2']);
    // And the other direction: rxsock seqpacket client to a Python seqpacket server.
    const pyPath = tempSocketPath();
    const py = run('python3', [
      '-c',
      `
import socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(sys.argv[1]); srv.listen(1)
print('ready', flush=True)
c, _ = srv.accept()
print('|'.join(c.recv(100).decode() for _ in range(2)), flush=True)
`,
      pyPath,
    ]);
    cleanup.push(() => stop(py));
    await py.line(/^ready$/m);
    const client = await connectSeqpacket(pyPath);
    cleanup.push(() => client.close());
    await client.send({ data: Buffer.from('one') });
    await client.send({ data: Buffer.from('two') });
    expect((await py.line(/^(\S+\|\S+)$/m))[1]).toBe('one|two');
  });
});

describe('socat relaying between two rxsock endpoints', () => {
  beforeAll(() => {
    try {
      execFileSync('socat', ['-V'], { stdio: 'ignore' });
    } catch {
      throw new Error('socat is required for the interop tests and was not found on PATH: install it (apt-get install -y socat); .ci/run does this');
    }
  });

  async function retry<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (i > 100) throw e;
        await sleep(20);
      }
    }
  }

  it('TCP: rxsock client -> socat -> rxsock server and back, 1 MiB intact', async () => {
    const server = tcpServer({ host: '127.0.0.1' });
    cleanup.push(serveEcho(server), () => server.close());
    const relayPort = freePort();
    const socat = run('socat', [`TCP4-LISTEN:${relayPort},bind=127.0.0.1,reuseaddr`, `TCP4:127.0.0.1:${server.port}`]);
    cleanup.push(() => stop(socat));
    const conn = await retry(() => connect('127.0.0.1', relayPort));
    const payload = randomBytes(1 << 20);
    const back = readAll(conn);
    for (let off = 0; off < payload.length; off += 65536) {
      if (!conn.write(payload.subarray(off, off + 65536))) await conn.drain();
    }
    await conn.end();
    expect(sha(await back)).toBe(sha(payload));
    await waitFor(() => server.counters.accepted === 1, 'the relay reached the server');
  });

  it('UNIX -> TCP: socat bridges an rxsock UNIX client to an rxsock TCP server', async () => {
    const server = tcpServer({ host: '::1' });
    cleanup.push(serveEcho(server), () => server.close());
    const path = tempSocketPath();
    const socat = run('socat', [`UNIX-LISTEN:${path}`, `TCP6:[::1]:${server.port}`]);
    cleanup.push(() => stop(socat));
    const conn = await retry(() => connectUnix(path));
    conn.write(Buffer.from('through socat'));
    void conn.end();
    expect((await readAll(conn)).toString()).toBe('through socat');
  });

  it('UDP: socat relays datagrams between two rxsock UDP sockets', async () => {
    const target = udpSocket({ host: '127.0.0.1' });
    cleanup.push(() => target.close());
    const sub = target.datagrams$.subscribe((d) => void target.send(Buffer.concat([Buffer.from('re:'), d.data]), d.address));
    cleanup.push(() => sub.unsubscribe());
    const relayPort = freePort();
    const socat = run('socat', [`UDP4-LISTEN:${relayPort},bind=127.0.0.1,reuseaddr`, `UDP4:127.0.0.1:${target.address().port}`]);
    cleanup.push(() => stop(socat));
    const client = udpSocket({ host: '127.0.0.1' });
    cleanup.push(() => client.close());
    const replies = client.datagrams$;
    const reply = await retry(async () => {
      const next = firstValueFrom(replies.pipe(take(1), timeout(200)));
      await client.send(Buffer.from('dgram'), ['127.0.0.1', relayPort]);
      return next;
    });
    expect(reply.data.toString()).toBe('re:dgram');
  });
});
