import { describe, expect, it } from 'vitest';
import { randomBytes, createHash } from 'node:crypto';
import { C, Socket } from '../../src/index.js';

async function pair(af: number, host: string): Promise<[Socket, Socket, Socket]> {
  const listener = Socket.create(af, C.SOCK_STREAM);
  listener.bind([host, 0]);
  listener.listen();
  const client = Socket.create(af, C.SOCK_STREAM);
  const port = (listener.getsockname() as { port: number }).port;
  const [[server]] = await Promise.all([listener.accept(), client.connect([host, port])]);
  return [listener, client, server];
}

for (const [name, af, host] of [
  ['IPv4', C.AF_INET, '127.0.0.1'],
  ['IPv6', C.AF_INET6, '::1'],
] as const) {
  describe(`TCP over ${name} loopback`, () => {
    it('connects, accepts, and reports both addresses', async () => {
      const [listener, client, server] = await pair(af, host);
      const port = (listener.getsockname() as { port: number }).port;
      expect(client.getpeername()).toMatchObject({ host, port });
      expect(server.getsockname()).toMatchObject({ host, port });
      expect(server.getpeername()).toEqual(client.getsockname());
      for (const s of [listener, client, server]) s.close();
    });

    it('moves 8 MiB both ways intact with sendAll/recv', async () => {
      const [listener, client, server] = await pair(af, host);
      const payload = randomBytes(8 << 20);
      const readAll = async (s: Socket) => {
        const hash = createHash('sha256');
        let total = 0;
        for (;;) {
          const chunk = await s.recv(65536);
          if (chunk.length === 0) break;
          hash.update(chunk);
          total += chunk.length;
        }
        return { total, digest: hash.digest('hex') };
      };
      const serverRead = readAll(server);
      await client.sendAll(payload);
      client.shutdown('write'); // half-close: the server sees EOF, the client can still read
      const got = await serverRead;
      expect(got.total).toBe(payload.length);
      expect(got.digest).toBe(createHash('sha256').update(payload).digest('hex'));
      const back = randomBytes(1 << 20);
      const clientRead = readAll(client);
      await server.sendAll(back);
      server.close();
      const got2 = await clientRead;
      expect(got2.digest).toBe(createHash('sha256').update(back).digest('hex'));
      client.close();
      listener.close();
    });

    it('recvInto, MSG_PEEK and sendMsg gather', async () => {
      const [listener, client, server] = await pair(af, host);
      await client.sendMsg([Buffer.from('hello '), Buffer.from('world')]);
      const peek = await server.recv(64, C.MSG_PEEK);
      expect(peek.toString()).toBe('hello world'.slice(0, peek.length));
      const buf = Buffer.alloc(64);
      let n = 0;
      while (n < 11) n += await server.recvInto(buf.subarray(n));
      expect(buf.subarray(0, n).toString()).toBe('hello world');
      for (const s of [listener, client, server]) s.close();
    });
  });
}

describe('TCP behaviour', () => {
  it('accepts many pending clients in order of arrival', async () => {
    const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
    listener.bind(['127.0.0.1', 0]);
    listener.listen(64);
    const port = (listener.getsockname() as { port: number }).port;
    const clients = Array.from({ length: 50 }, () => Socket.create(C.AF_INET, C.SOCK_STREAM));
    await Promise.all(clients.map((c) => c.connect(['127.0.0.1', port])));
    const accepted = [];
    for (let i = 0; i < clients.length; i++) accepted.push((await listener.accept())[0]);
    const clientPorts = new Set(clients.map((c) => (c.getsockname() as { port: number }).port));
    const peerPorts = new Set(accepted.map((s) => (s.getpeername() as { port: number }).port));
    expect(peerPorts).toEqual(clientPorts);
    for (const s of [...clients, ...accepted, listener]) s.close();
  });

  it('tryAccept: null while nothing is queued, then each pending connection with its peer, without waiting', async () => {
    const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
    listener.bind(['127.0.0.1', 0]);
    listener.listen(8);
    expect(listener.tryAccept()).toBeNull();
    const clients = [Socket.create(C.AF_INET, C.SOCK_STREAM), Socket.create(C.AF_INET, C.SOCK_STREAM)];
    await Promise.all(clients.map((c) => c.connect(listener.getsockname())));
    await listener.waitReadable();
    const first = listener.tryAccept();
    const second = listener.tryAccept();
    expect(listener.tryAccept()).toBeNull();
    const port = (a: unknown) => (a as { port: number }).port;
    expect(new Set([port(first![1]), port(second![1])])).toEqual(new Set(clients.map((c) => port(c.getsockname()))));
    expect(first![0].getpeername()).toEqual(first![1]);
    for (const s of [...clients, first![0], second![0], listener]) s.close();
    expect(() => listener.tryAccept()).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('sets and reads typed TCP and socket options', async () => {
    const [listener, client, server] = await pair(C.AF_INET, '127.0.0.1');
    client.setOption('TCP_NODELAY', true);
    expect(client.getOption('TCP_NODELAY')).toBe(true);
    client.setOption('SO_KEEPALIVE', true);
    client.setOption('TCP_KEEPIDLE', 17);
    expect(client.getOption('TCP_KEEPIDLE')).toBe(17);
    client.setOption('SO_LINGER', { enabled: true, seconds: 3 });
    expect(client.getOption('SO_LINGER')).toEqual({ enabled: true, seconds: 3 });
    expect(client.getOption('SO_TYPE')).toBe(C.SOCK_STREAM);
    expect(client.getOption('SO_DOMAIN')).toBe(C.AF_INET);
    expect(listener.getOption('SO_ACCEPTCONN')).toBe(true);
    expect(typeof client.getOption('TCP_CONGESTION')).toBe('string');
    // raw form, as Python's getsockopt(level, optname) and (level, optname, buflen)
    expect(client.getOption(C.IPPROTO_TCP, C.TCP_NODELAY)).toBe(1);
    const info = client.getOption(C.IPPROTO_TCP, C.TCP_INFO, 104);
    expect(info[0]).toBe(1); // tcpi_state == TCP_ESTABLISHED
    for (const s of [listener, client, server]) s.close();
  });

  it('reports EOF as an empty recv after the peer closes', async () => {
    const [listener, client, server] = await pair(C.AF_INET, '127.0.0.1');
    const pending = server.recv(10);
    client.close();
    expect((await pending).length).toBe(0);
    server.close();
    listener.close();
  });
});
