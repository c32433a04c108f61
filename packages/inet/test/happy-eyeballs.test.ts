import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { firstValueFrom, take } from 'rxjs';
import { C, Socket, type SocketAddress } from '@rxsock/core';
import { checkFdLeak } from '@rxsock/testing';
import {
  ConnectError,
  connect,
  connect$,
  inetAddress,
  interleaveFamilies,
  raceAttempts,
  tcpServer,
  type Resolver,
  type TcpServer,
} from '../src/index.js';
import { readAll, serveEcho, sleep, waitFor } from './support/helpers.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** A resolver that returns fixed addresses, as a name with both ::1 and 127.0.0.1 would. */
function fixed(...addresses: SocketAddress[]): Resolver {
  return async () => addresses;
}

/**
 * A listener that never completes a handshake: backlog 0 and one connection parked in its
 * accept queue, so Linux drops further SYNs (the client retransmits, as towards a black hole),
 * all on loopback.
 */
async function blackhole(host: string): Promise<{ address: SocketAddress; close(): void }> {
  const af = host.includes(':') ? C.AF_INET6 : C.AF_INET;
  const listener = Socket.create(af, C.SOCK_STREAM);
  listener.bind([host, 0]);
  listener.listen(0);
  const address = listener.getsockname();
  const parked: Socket[] = [];
  // Fill the queue until a connect stalls; the stalled one proves the hole.
  for (let i = 0; i < 4; i++) {
    const s = Socket.create(af, C.SOCK_STREAM);
    parked.push(s);
    try {
      await s.connect(address, { timeout: 100 });
    } catch {
      break;
    }
  }
  return {
    address,
    close() {
      for (const s of parked) s.close();
      listener.close();
    },
  };
}

function echo(host: string): TcpServer {
  const server = tcpServer({ host, port: 0 });
  const stop = serveEcho(server);
  cleanup.push(() => {
    stop();
    server.close();
  });
  return server;
}

describe('interleaveFamilies (RFC 8305 §4)', () => {
  const families = fc
    .array(fc.constantFrom('inet' as const, 'inet6' as const), { maxLength: 12 })
    .map((fams) => fams.map((family, id) => ({ family, id })));

  it('is a permutation that keeps the order within each family and starts with the first address', () => {
    fc.assert(
      fc.property(families, (list) => {
        const out = interleaveFamilies(list);
        expect([...out].sort((a, b) => a.id - b.id)).toEqual([...list].sort((a, b) => a.id - b.id));
        for (const fam of ['inet', 'inet6'] as const) {
          expect(out.filter((a) => a.family === fam)).toEqual(list.filter((a) => a.family === fam));
        }
        if (list.length) expect(out[0]).toBe(list[0]);
      }),
    );
  });

  it('alternates families while both have addresses left', () => {
    fc.assert(
      fc.property(families, (list) => {
        const out = interleaveFamilies(list);
        const v4 = list.filter((a) => a.family === 'inet').length;
        const v6 = list.length - v4;
        const alternating = 2 * Math.min(v4, v6);
        for (let i = 1; i < alternating; i++) expect(out[i]!.family).not.toBe(out[i - 1]!.family);
      }),
    );
  });

  it('honours a First Address Family Count', () => {
    const list = ['6a', '6b', '6c', '4a', '4b'].map((id) => ({ family: id[0] === '6' ? ('inet6' as const) : ('inet' as const), id }));
    expect(interleaveFamilies(list, 2).map((a) => a.id)).toEqual(['6a', '6b', '4a', '6c', '4b']);
    expect(interleaveFamilies(list).map((a) => a.id)).toEqual(['6a', '4a', '6b', '4b', '6c']);
  });
});

describe('raceAttempts scheduling', () => {
  it('a quick success never starts the second attempt', async () => {
    const started: number[] = [];
    const r = await raceAttempts([1, 2], async (c) => (started.push(c), c), { delay: 50 });
    expect(r).toMatchObject({ ok: true, value: 1 });
    await sleep(80);
    expect(started).toEqual([1]);
  });

  it('a hanging attempt gets `delay` alone, then the next runs beside it; the winner aborts the loser', async () => {
    const t0 = Date.now();
    const times: Record<number, number> = {};
    let loserAborted = false;
    const r = await raceAttempts(
      [1, 2],
      (c, signal) => {
        times[c] = Date.now() - t0;
        if (c === 1) {
          return new Promise<number>((_, reject) =>
            signal.addEventListener('abort', () => {
              loserAborted = true;
              reject(signal.reason);
            }),
          );
        }
        return sleep(10).then(() => c);
      },
      { delay: 100 },
    );
    expect(r).toMatchObject({ ok: true, value: 2, candidate: 2 });
    expect(times[2]).toBeGreaterThanOrEqual(95);
    expect(loserAborted).toBe(true);
  });

  it('a failure starts the next attempt at once, and every failure is reported in candidate order', async () => {
    const t0 = Date.now();
    const r = await raceAttempts(['a', 'b', 'c'], async (c) => {
      await sleep(c === 'a' ? 30 : 5);
      throw new Error(`no ${c}`);
    }, { delay: 1000 });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(r.ok).toBe(false);
    expect(r.failures.map((f) => [f.candidate, (f.error as Error).message])).toEqual([
      ['a', 'no a'],
      ['b', 'no b'],
      ['c', 'no c'],
    ]);
  });

  it('a success that lands after the winner is disposed of', async () => {
    const disposed: number[] = [];
    const r = await raceAttempts(
      [1, 2],
      // the first ignores its abort and succeeds late, as a connect completing in the same tick would
      async (c) => (c === 1 ? (await sleep(60), 1) : (await sleep(5), 2)),
      { delay: 10, dispose: (v) => disposed.push(v) },
    );
    expect(r).toMatchObject({ ok: true, value: 2 });
    await waitFor(() => disposed.length === 1, 'late success disposed');
    expect(disposed).toEqual([1]);
  });

  it('the caller’s signal rejects the race and aborts every attempt', async () => {
    const controller = new AbortController();
    const aborted: number[] = [];
    const race = raceAttempts(
      [1, 2],
      (c, signal) => new Promise<number>((_, reject) => signal.addEventListener('abort', () => (aborted.push(c), reject(signal.reason)))),
      { delay: 10, signal: controller.signal },
    );
    await sleep(40);
    controller.abort(new Error('stop'));
    await expect(race).rejects.toThrow('stop');
    expect(aborted.sort()).toEqual([1, 2]);
  });

  it('the delay is never below 10 ms (RFC 8305 §5)', async () => {
    const t0 = Date.now();
    const times: number[] = [];
    await raceAttempts([1, 2], (c, signal) => {
      times.push(Date.now() - t0);
      return c === 2 ? Promise.resolve(2) : new Promise<number>((_, rej) => signal.addEventListener('abort', () => rej(signal.reason)));
    }, { delay: 0 });
    expect(times[1]).toBeGreaterThanOrEqual(9);
  });
});

describe('connect() with Happy Eyeballs over real loopback sockets', () => {
  it('a name resolving to ::1 and 127.0.0.1 reaches a dual-stack listener over ::1 first', async () => {
    const server = echo('::');
    const conn = await connect('dual.test', server.port, {
      resolver: fixed(inetAddress('::1', server.port), inetAddress('127.0.0.1', server.port)),
    });
    expect(conn.remoteAddress).toMatchObject({ family: 'inet6', host: '::1', port: server.port });
    conn.write(Buffer.from('ping'));
    void conn.end();
    expect((await readAll(conn)).toString()).toBe('ping');
  });

  it('the resolver is asked for the host, port and family, and its IPv4-first order is kept', async () => {
    const server = echo('::');
    const asked: unknown[] = [];
    const conn = await connect('v4first.test', server.port, {
      resolver: async (req) => {
        asked.push({ host: req.host, port: req.port, family: req.family });
        return [inetAddress('127.0.0.1', req.port), inetAddress('::1', req.port)];
      },
    });
    expect(asked).toEqual([{ host: 'v4first.test', port: server.port, family: undefined }]);
    expect(conn.remoteAddress).toMatchObject({ family: 'inet', host: '127.0.0.1' });
    conn.close();
  });

  it('a refused first address falls through to the second at once, without waiting the delay', async () => {
    const server = echo('127.0.0.1');
    const closed = Socket.create(C.AF_INET6, C.SOCK_STREAM);
    closed.bind(['::1', 0]); // bound, not listening: connects are refused
    const refusedPort = (closed.getsockname() as { port: number }).port;
    cleanup.push(() => closed.close());
    const t0 = Date.now();
    const conn = await connect('x.test', 0, {
      attemptDelay: 2000,
      resolver: fixed(inetAddress('::1', refusedPort), inetAddress('127.0.0.1', server.port)),
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(conn.remoteAddress).toMatchObject({ host: '127.0.0.1', port: server.port });
    conn.close();
  });

  it('a blackholed first candidate loses to the second after the attempt delay, and leaves no socket behind', async () => {
    const hole = await blackhole('::1');
    cleanup.push(() => hole.close());
    const server = echo('127.0.0.1');
    const report = await checkFdLeak(async () => {
      const t0 = Date.now();
      const conn = await connect('hole.test', 0, {
        attemptDelay: 150,
        resolver: fixed(hole.address, inetAddress('127.0.0.1', server.port)),
      });
      const elapsed = Date.now() - t0;
      expect(conn.remoteAddress).toMatchObject({ family: 'inet', host: '127.0.0.1', port: server.port });
      conn.write(Buffer.from('still works'));
      void conn.end();
      expect((await readAll(conn)).toString()).toBe('still works');
      await conn.closed;
      await sleep(20);
      return elapsed;
    });
    expect(report.result).toBeGreaterThanOrEqual(145);
    expect(report.result).toBeLessThan(1500);
    expect(report.leaked).toEqual([]);
  });

  it('the default attempt delay is 250 ms', async () => {
    const hole = await blackhole('127.0.0.1');
    cleanup.push(() => hole.close());
    const server = echo('::1');
    const t0 = Date.now();
    const conn = await connect('hole.test', 0, { resolver: fixed(hole.address, inetAddress('::1', server.port)) });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(245);
    expect(conn.remoteAddress).toMatchObject({ family: 'inet6', host: '::1' });
    conn.close();
  });

  it('when every address fails, the error lists each attempt with its own error', async () => {
    const a = Socket.create(C.AF_INET6, C.SOCK_STREAM);
    const b = Socket.create(C.AF_INET, C.SOCK_STREAM);
    a.bind(['::1', 0]);
    b.bind(['127.0.0.1', 0]);
    cleanup.push(() => (a.close(), b.close()));
    const addrs = [a.getsockname(), b.getsockname()];
    const report = await checkFdLeak(async () => {
      const err = await connect('nowhere.test', 1, { resolver: fixed(...addrs) }).catch((e: unknown) => e);
      return err;
    });
    const err = report.result as ConnectError;
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.attempts.map((x) => x.address)).toEqual(addrs);
    expect(err.attempts.map((x) => (x.error as { code: string }).code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(err.errors).toHaveLength(2);
    expect(err.message).toMatch(/nowhere\.test:1.*\[::1\]:\d+ ECONNREFUSED; 127\.0\.0\.1:\d+ ECONNREFUSED/);
    expect(report.leaked).toEqual([]);
  });

  it('no addresses at all is a ConnectError too', async () => {
    await expect(connect('empty.test', 80, { resolver: fixed() })).rejects.toBeInstanceOf(ConnectError);
  });

  it('resolver errors reach the caller unchanged', async () => {
    const boom = Object.assign(new Error('getaddrinfo EAI_NONAME nope.test'), { code: 'EAI_NONAME' });
    await expect(connect('nope.test', 80, { resolver: async () => Promise.reject(boom) })).rejects.toBe(boom);
  });

  it('timeout covers the whole operation and closes every pending socket', async () => {
    const hole = await blackhole('127.0.0.1');
    cleanup.push(() => hole.close());
    const report = await checkFdLeak(async () => {
      const t0 = Date.now();
      const err = await connect('slow.test', 0, { timeout: 200, resolver: fixed(hole.address, hole.address) }).catch((e: unknown) => e);
      return { err, elapsed: Date.now() - t0 };
    });
    expect(report.result.err).toMatchObject({ code: 'ETIMEDOUT', name: 'SocketTimeoutError' });
    expect(report.result.elapsed).toBeLessThan(1000);
    expect(report.leaked).toEqual([]);
  });

  it('an AbortSignal cancels a pending connect', async () => {
    const hole = await blackhole('127.0.0.1');
    cleanup.push(() => hole.close());
    const controller = new AbortController();
    const pending = connect('slow.test', 0, { signal: controller.signal, resolver: fixed(hole.address) });
    await sleep(30);
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
  });

  it('sequential mode (happyEyeballs: false) waits for each attempt to fail, like create_connection', async () => {
    const hole = await blackhole('127.0.0.1');
    cleanup.push(() => hole.close());
    const server = echo('127.0.0.1');
    const pending = connect('seq.test', 0, {
      happyEyeballs: false,
      timeout: 600,
      resolver: fixed(hole.address, inetAddress('127.0.0.1', server.port)),
    });
    // The blackholed attempt never fails within the timeout, so the good address is never tried.
    await expect(pending).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('resolves real names with getaddrinfo (localhost from /etc/hosts)', async () => {
    const server = echo('127.0.0.1');
    const conn = await connect('localhost', server.port, { family: 'inet' });
    expect(conn.remoteAddress).toMatchObject({ host: '127.0.0.1', port: server.port });
    conn.close();
  });

  it('binds the requested source address and port, and applies TCP options', async () => {
    const server = echo('127.0.0.1');
    const probe = Socket.create(C.AF_INET, C.SOCK_STREAM);
    probe.bind(['127.0.0.1', 0]);
    const localPort = (probe.getsockname() as { port: number }).port;
    probe.close();
    const conn = await connect('127.0.0.1', server.port, { localAddress: '127.0.0.1', localPort, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 });
    expect(conn.localAddress).toEqual({ family: 'inet', host: '127.0.0.1', port: localPort });
    expect(conn.socket.getOption('TCP_NODELAY')).toBe(true);
    expect(conn.socket.getOption('SO_KEEPALIVE')).toBe(true);
    expect(conn.socket.getOption('TCP_KEEPIDLE')).toBe(30);
    conn.close();
  });
});

describe('connect$', () => {
  it('emits the connection and completes when it closes; unsubscribing closes it', async () => {
    const server = tcpServer({ host: '127.0.0.1' });
    const serverSide: Promise<Buffer>[] = [];
    const sub = server.connections$.subscribe((c) => serverSide.push(readAll(c)));
    cleanup.push(() => (sub.unsubscribe(), server.close()));
    let completed = false;
    const conns: unknown[] = [];
    const s = connect$('127.0.0.1', server.port).subscribe({ next: (c) => conns.push(c), complete: () => (completed = true) });
    await waitFor(() => conns.length === 1 && serverSide.length === 1, 'connection');
    expect(completed).toBe(false);
    s.unsubscribe();
    // The server reads EOF: the client side was closed by the unsubscription.
    expect((await serverSide[0]!).length).toBe(0);
  });

  it('unsubscribing before the connection is made cancels it without leaking', async () => {
    const hole = await blackhole('127.0.0.1');
    cleanup.push(() => hole.close());
    const report = await checkFdLeak(async () => {
      const s = connect$('slow.test', 0, { resolver: fixed(hole.address) }).subscribe();
      await sleep(50);
      s.unsubscribe();
      await sleep(20);
    });
    expect(report.leaked).toEqual([]);
  });

  it('errors with the ConnectError of a failed connect', async () => {
    const b = Socket.create(C.AF_INET, C.SOCK_STREAM);
    b.bind(['127.0.0.1', 0]);
    cleanup.push(() => b.close());
    await expect(firstValueFrom(connect$('127.0.0.1', (b.getsockname() as { port: number }).port).pipe(take(1)))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
