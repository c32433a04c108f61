import { describe, expect, it } from 'vitest';
import { C, Socket, SocketError, SocketTimeoutError } from '../../src/index.js';

function freePort(): number {
  const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
  s.bind(['127.0.0.1', 0]);
  const port = (s.getsockname() as { port: number }).port;
  s.close();
  return port;
}

async function rejection(p: Promise<unknown>): Promise<SocketError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SocketError);
    return e as SocketError;
  }
  throw new Error('expected a rejection');
}

describe('typed errors', () => {
  it('ECONNREFUSED carries code, errno, syscall and address', async () => {
    const port = freePort();
    const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
    const e = await rejection(s.connect(['127.0.0.1', port]));
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.errno).toBe(111);
    expect(e.syscall).toBe('connect');
    expect(e.address).toBe(`127.0.0.1:${port}`);
    expect(e.message).toMatch(/connect ECONNREFUSED 127\.0\.0\.1:\d+ \(Connection refused\)/);
    s.close();
  });

  it('EADDRINUSE while a closed connection sits in TIME_WAIT, fixed by SO_REUSEADDR (Python docs example)', async () => {
    const listen = (reuse: boolean, port: number) => {
      const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
      if (reuse) s.setOption('SO_REUSEADDR', true);
      try {
        s.bind(['127.0.0.1', port]);
      } catch (e) {
        s.close();
        throw e;
      }
      s.listen();
      return s;
    };
    /** Runs a server that closes its side of a connection first, then stops; returns its port. */
    const serveOnce = async (reuse: boolean) => {
      const server = listen(reuse, 0);
      const port = (server.getsockname() as { port: number }).port;
      const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
      const [[conn]] = await Promise.all([server.accept(), client.connect(['127.0.0.1', port])]);
      conn.close(); // the server's end of the connection goes to TIME_WAIT
      expect((await client.recv(1)).length).toBe(0);
      client.close();
      server.close();
      return port;
    };
    const port = await serveOnce(false);
    let err: unknown;
    try {
      listen(false, port).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SocketError);
    expect((err as SocketError).code).toBe('EADDRINUSE');
    expect((err as SocketError).syscall).toBe('bind');
    expect((err as SocketError).address).toBe(`127.0.0.1:${port}`);
    // The docs' fix: every run of the server sets SO_REUSEADDR, and the restart binds at once.
    const port2 = await serveOnce(true);
    const restarted = listen(true, port2);
    expect((restarted.getsockname() as { port: number }).port).toBe(port2);
    restarted.close();
  });

  it('EPIPE when writing after the peer is gone, ECONNRESET when it reset', async () => {
    const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    const port = (listener.getsockname() as { port: number }).port;
    const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
    const [[server]] = await Promise.all([listener.accept(), client.connect(['127.0.0.1', port])]);
    // Reset: SO_LINGER with 0 seconds makes close() send RST.
    server.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    server.close();
    const e1 = await rejection(
      (async () => {
        for (;;) {
          await client.send(Buffer.alloc(1024));
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
    );
    expect(['ECONNRESET', 'EPIPE']).toContain(e1.code);
    // The process is still alive (no SIGPIPE), and later writes keep failing typed.
    const e2 = await rejection(client.send(Buffer.alloc(1)));
    expect(e2.code).toBe('EPIPE');
    client.close();
    listener.close();
  });

  it('bad addresses are refused before any system call', async () => {
    const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
    expect(() => s.bind(['300.1.1.1', 80])).toThrow(SocketError);
    expect(() => s.bind(['127.0.0.1', 70000])).toThrow(SocketError);
    expect(() => s.bind(['localhost', 80])).toThrow(/numeric/);
    expect(() => s.bind(['::1', 80])).toThrow(SocketError);
    await expect(s.connect('/tmp/x')).rejects.toBeInstanceOf(SocketError);
    const u = Socket.create(C.AF_UNIX, C.SOCK_STREAM);
    expect(() => u.bind('/tmp/' + 'x'.repeat(200))).toThrow(SocketError);
    s.close();
    u.close();
  });

  it('every operation after close is a typed EBADF, and close is idempotent', async () => {
    const [a, b] = Socket.pair();
    const pending = a.recv(10);
    a.close();
    a.close();
    const e = await rejection(pending);
    expect(e.code).toBe('EBADF');
    expect(a.closed).toBe(true);
    expect(a.fileno()).toBe(-1);
    expect(() => a.bind('/tmp/x')).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'bind' }));
    await expect(a.send(Buffer.from('x'))).rejects.toMatchObject({ code: 'EBADF' });
    expect(() => a.getsockname()).toThrow(SocketError);
    b.close();
  });

  it('timeouts reject with a typed ETIMEDOUT and leave the socket usable', async () => {
    const [a, b] = Socket.pair();
    const e = await rejection(a.recv(10, 0, { timeout: 30 }));
    expect(e).toBeInstanceOf(SocketTimeoutError);
    expect(e.code).toBe('ETIMEDOUT');
    expect(e.syscall).toBe('recv');
    a.timeout = 20; // Python's settimeout()
    await expect(a.recv(10)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    a.timeout = null;
    await b.send(Buffer.from('late'));
    expect((await a.recv(10)).toString()).toBe('late');
    expect(a.pendingOperations).toBe(0);
    a.close();
    b.close();
  });

  it('an AbortSignal cancels a waiting operation', async () => {
    const [a, b] = Socket.pair();
    const ac = new AbortController();
    const p = a.recv(10, 0, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(a.pendingOperations).toBe(0);
    a.close();
    b.close();
  });
});

describe('fromNodeSystemError', () => {
  it("turns node:net's system error into a SocketError naming the address; other errors pass unchanged", async () => {
    const { connect } = await import('node:net');
    const { fromNodeSystemError } = await import('../../src/index.js');
    const port = freePort();
    const nodeError = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').once('error', resolve));
    const typed = fromNodeSystemError(nodeError, `127.0.0.1:${port}`) as SocketError;
    expect(typed).toBeInstanceOf(SocketError);
    expect(typed).toMatchObject({ code: 'ECONNREFUSED', errno: 111, syscall: 'connect', address: `127.0.0.1:${port}` });
    expect(typed.cause).toBe(nodeError);
    expect(typed.message).toContain(`connect ECONNREFUSED 127.0.0.1:${port}`);
    const plain = new Error('not a system error');
    expect(fromNodeSystemError(plain)).toBe(plain);
    expect(fromNodeSystemError(typed)).toBe(typed);
    expect(fromNodeSystemError('a string')).toBe('a string');
  });
});
