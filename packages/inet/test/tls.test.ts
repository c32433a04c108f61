/**
 * TLS through node:tls over rxsock connections, against peers nobody here wrote: `openssl
 * s_client`/`s_server` and Python's `ssl` module. Certificates are made at test time (openssl).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { firstValueFrom, map, take, toArray } from 'rxjs';
import { TLSSocket, connect as connectNodeTls, createSecureContext } from 'node:tls';
import { C, Socket, SocketError, fromDuplex, toDuplex } from '@rxsock/core';
import { checkFdLeak, PatternSource } from '@rxsock/testing';
import { connect, connectTls, tcpServer, tlsServer, type TlsConnection, type TlsServer } from '../src/index.js';
import { makeTestCerts, type TestCerts } from './support/certs.js';
import { freePort, python, run, sleep, stop, waitFor } from './support/helpers.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.remove());

/** A TLS echo server: every handshaken connection's bytes go back to it (pipeTo). */
function echoServer(extra: Partial<Parameters<typeof tlsServer>[0]> = {}): TlsServer {
  const server = tlsServer({ host: '127.0.0.1', port: 0, key: certs.key, cert: certs.cert, ...extra });
  server.connections$.subscribe((conn) => void conn.pipeTo(conn).catch(() => conn.close()));
  return server;
}

async function readText(conn: TlsConnection): Promise<string> {
  const chunks = await firstValueFrom(conn.input$.pipe(toArray()));
  return Buffer.concat(chunks).toString();
}

describe('tlsServer', () => {
  it('serves openssl s_client over TLS 1.3 (echo)', async () => {
    const server = echoServer();
    const client = run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', certs.caPath, '-servername', 'localhost', '-tls1_3', '-quiet', '-verify_return_error']);
    client.proc.stdin!.write('hello from s_client\n');
    await client.line(/hello from s_client/);
    client.proc.stdin!.end();
    await stop(client);
    expect(server.counters.handshakes).toBe(1);
    server.close();
  });

  it('serves Python ssl with a client certificate (mutual TLS), ALPN and TLS 1.3 AES-128-GCM', async () => {
    const server = tlsServer({ host: '127.0.0.1', port: 0, key: certs.key, cert: certs.cert, ca: certs.ca, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['rxsock/1'], ciphers: 'TLS_AES_128_GCM_SHA256' });
    const seen = firstValueFrom(server.connections$.pipe(take(1), map((c) => ({ authorized: c.authorized, cn: c.getPeerCertificate().subject.CN, alpn: c.alpnProtocol, cipher: c.cipher.name }))));
    server.connections$.subscribe((conn) => void conn.pipeTo(conn));
    const out = await python(
      `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
ctx.set_alpn_protocols(['rxsock/1'])
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
with socket.create_connection(('127.0.0.1', int(sys.argv[4]))) as raw:
    with ctx.wrap_socket(raw, server_hostname='localhost') as s:
        s.sendall(b'x' * 100000)
        got = b''
        while len(got) < 100000:
            got += s.recv(65536)
        print(s.version(), s.cipher()[0], s.selected_alpn_protocol(), len(got), got == b'x' * 100000)
`,
      [certs.caPath, certs.clientCertPath, certs.clientKeyPath, String(server.port)],
    );
    expect(out.trim()).toBe('TLSv1.3 TLS_AES_128_GCM_SHA256 rxsock/1 100000 True');
    expect(await seen).toEqual({ authorized: true, cn: 'rxsock test client', alpn: 'rxsock/1', cipher: 'TLS_AES_128_GCM_SHA256' });
    server.close();
  });

  it('a client without a certificate is refused when one is required; the server keeps serving', async () => {
    const server = tlsServer({ host: '127.0.0.1', port: 0, key: certs.key, cert: certs.cert, ca: certs.ca, requestCert: true, rejectUnauthorized: true });
    server.connections$.subscribe((conn) => void conn.pipeTo(conn));
    const errors: unknown[] = [];
    server.acceptErrors$.subscribe((e) => errors.push(e));
    const refused = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost' }).then(
      async (c) => {
        // TLS 1.3: the client finishes first; the refusal arrives as an alert on the next read
        return readText(c).then(() => undefined, (e: unknown) => e);
      },
      (e: unknown) => e,
    );
    expect((refused as { code?: string }).code).toMatch(/ERR_SSL|ECONNRESET/);
    await waitFor(() => errors.length === 1, 'the refused handshake reported');
    expect((errors[0] as { code?: string }).code).toMatch(/ERR_SSL|CERT/);
    const ok = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost', cert: certs.clientCert, key: certs.clientKey });
    ok.write(Buffer.from('still serving'));
    void ok.end();
    expect(await readText(ok)).toBe('still serving');
    expect(server.counters.handshakeErrors).toBe(1);
    expect(server.counters.handshakes).toBe(1);
    server.close();
  });

  it('a peer reset during the handshake, garbage, and a client that never speaks: typed errors, no fd leak, others served', async () => {
    const report = await checkFdLeak(async () => {
      const server = echoServer({ handshakeTimeout: 300 });
      const errors: Array<{ code?: string }> = [];
      server.acceptErrors$.subscribe((e) => errors.push(e as { code?: string }));
      // 1: a ClientHello cut short by a RST
      const reset = await connect('127.0.0.1', server.port);
      reset.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
      await reset.writer.flush();
      await sleep(50);
      reset.socket.setOption('SO_LINGER', { enabled: true, seconds: 0 });
      reset.close();
      // 2: not TLS at all
      const garbage = await connect('127.0.0.1', server.port);
      garbage.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      // 3: silent until the handshake timeout
      const silent = await connect('127.0.0.1', server.port);
      // meanwhile a good client is served
      const good = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost' });
      good.write(Buffer.from('fine'));
      void good.end();
      expect(await readText(good)).toBe('fine');
      await waitFor(() => errors.length === 3, `three handshake errors (have ${errors.map((e) => e.code).join(', ')})`);
      const codes = errors.map((e) => e.code).sort();
      expect(codes).toContain('ECONNRESET');
      expect(codes).toContain('ETIMEDOUT');
      expect(codes.some((c) => c?.startsWith('ERR_SSL'))).toBe(true);
      for (const e of errors) expect(e).toBeInstanceOf(Error);
      expect(server.counters.handshakeErrors).toBe(3);
      garbage.close();
      silent.close();
      await good.closed;
      server.close();
      await sleep(50);
    });
    expect(report.leaked).toEqual([]);
  });

  it('a client that never reads: the server\'s writes stall (bounded), other clients are served, closing frees everything', async () => {
    const report = await checkFdLeak(async () => {
      const server = tlsServer({ host: '127.0.0.1', port: 0, key: certs.key, cert: certs.cert });
      let stalled: TlsConnection | undefined;
      let stalledWritten = 0;
      server.connections$.subscribe((conn) => {
        if (stalled === undefined) {
          stalled = conn;
          // write until the writer says stop, then wait for a drain that does not come
          const block = Buffer.alloc(65536, 1);
          const pump = async () => {
            for (;;) {
              stalledWritten += block.length;
              if (!conn.write(block)) await conn.drain();
            }
          };
          pump().catch(() => {});
        } else void conn.pipeTo(conn);
      });
      const lazy = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost' });
      lazy.reader; // claims the read side and grants nothing: nobody reads
      await sleep(500);
      const written = stalledWritten;
      await sleep(300);
      expect(stalledWritten).toBe(written);
      expect(written).toBeLessThan(32 * 2 ** 20);
      const other = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost' });
      other.write(Buffer.from('served'));
      void other.end();
      expect(await readText(other)).toBe('served');
      lazy.close();
      await lazy.closed;
      await waitFor(() => stalled !== undefined && !stalled.isOpen, 'the stalled server side closed after the client left');
      await stalled!.closed;
      server.close();
      await sleep(50);
    });
    expect(report.leaked).toEqual([]);
  });

  it('half-close: the client ends its side, the server reads EOF and still answers', async () => {
    const server = tlsServer({ host: '127.0.0.1', port: 0, key: certs.key, cert: certs.cert });
    server.connections$.subscribe(async (conn) => {
      const question = await readText(conn);
      conn.write(Buffer.from(`answer to ${question}`));
      await conn.end();
    });
    const conn = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost', allowHalfOpen: true } as never);
    conn.write(Buffer.from('question'));
    await conn.end();
    expect(await readText(conn)).toBe('answer to question');
    await conn.closed;
    await waitFor(() => conn.transport.destroyed, 'the TCP socket under TLS closed');
    server.close();
  });

  it('32 MiB rxsock TLS client -> rxsock TLS server and back, intact, with credit backpressure on the reader', async () => {
    const server = echoServer();
    const conn = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost' });
    expect(conn.protocol).toBe('TLSv1.3');
    const total = 32 * 2 ** 20;
    const block = Buffer.alloc(65536);
    const want = createHash('sha256');
    const sending = (async () => {
      for (let sent = 0, i = 0; sent < total; sent += block.length, i++) {
        block.fill(i & 0xff);
        const copy = Buffer.from(block);
        want.update(copy);
        if (!conn.write(copy)) await conn.drain();
      }
      await conn.end();
    })();
    const got = createHash('sha256');
    let n = 0;
    for await (const chunk of conn) {
      got.update(chunk);
      n += chunk.length;
    }
    await sending;
    expect(n).toBe(total);
    expect(got.digest('hex')).toBe(want.digest('hex'));
    server.close();
  });
});

describe('node:tls over toDuplex, made where the connection arrives', () => {
  // Inside the poller's callback Node runs ticks in the middle of TLSSocket's constructor; a
  // Duplex that read at once would hand the ClientHello over before node:tls listens for it.
  for (const where of ['in the connections$ subscriber', 'after await accept()'] as const) {
    it(`a server-side TLSSocket made ${where} answers openssl s_client`, async () => {
      const server = tcpServer({ host: '127.0.0.1', port: 0 });
      const secureContext = createSecureContext({ key: certs.key, cert: certs.cert });
      const serve = (conn: Parameters<typeof toDuplex>[0]): void => {
        const tlsSocket = new TLSSocket(toDuplex(conn), { isServer: true, secureContext });
        tlsSocket.on('error', () => tlsSocket.destroy());
        tlsSocket.pipe(tlsSocket); // echo
      };
      if (where === 'in the connections$ subscriber') server.connections$.subscribe(serve);
      else void server.accept().then(serve);
      const client = run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', certs.caPath, '-servername', 'localhost', '-quiet', '-verify_return_error']);
      client.proc.stdin!.write('hello over a bare TLSSocket\n');
      await client.line(/hello over a bare TLSSocket/);
      client.proc.stdin!.end();
      await stop(client);
      server.close();
    });
  }
});

describe('node:tls client over toDuplex', () => {
  it('tls.connect({ socket: toDuplex(conn) }) to a tlsServer echo: 8 MiB there and back intact, typed faces through fromDuplex', async () => {
    const server = echoServer();
    const duplex = toDuplex(await connect('127.0.0.1', server.port), { lendChunks: true });
    const secure = connectNodeTls({ socket: duplex, ca: certs.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    expect(secure.authorized).toBe(true);
    const conn = fromDuplex(secure);
    const source = new PatternSource(7);
    const total = 8 * 2 ** 20;
    const sending = (async () => {
      for (let sent = 0; sent < total; sent += 65536) if (!conn.write(source.next(65536))) await conn.drain();
      await conn.end();
    })();
    const check = new PatternSource(7);
    let n = 0;
    for await (const chunk of conn) {
      expect(chunk.equals(check.next(chunk.length))).toBe(true);
      n += chunk.length;
    }
    await sending;
    expect(n).toBe(total);
    server.close();
  });
});

describe('TLS under backpressure, two connections at once', () => {
  it('two clients at once into a slow consumer and a paused/resumed one: every byte intact, none of the other stream', async () => {
    const server = tlsServer({ host: '127.0.0.1', port: 0, key: certs.key, cert: certs.cert });
    const accepted: TlsConnection[] = [];
    server.connections$.subscribe((conn) => accepted.push(conn));
    const total = 8 * 2 ** 20;
    // Patterns that never repeat with a short period: a byte of the other stream shows.
    const payloads = [new PatternSource(21).next(total), new PatternSource(22).next(total)];
    const clients = await Promise.all(payloads.map(() => connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'localhost' })));
    await waitFor(() => accepted.length === 2, 'both handshakes');
    const sending = clients.map(async (client, i) => {
      for (let at = 0; at < total; at += 65536) if (!client.write(payloads[i]!.subarray(at, at + 65536))) await client.drain();
      await client.end();
    });
    // Slow: credit for one chunk at a time, granted after a timer; the rest waits in the kernel
    // (TCP's window closes) and in the layers above it.
    const slow = (async () => {
      const got: Buffer[] = [];
      let n = 0;
      for await (const chunk of accepted[0]!) {
        got.push(chunk);
        n += chunk.length;
        if (got.length % 16 === 0) await sleep(2);
      }
      expect(n).toBe(total);
      return Buffer.concat(got);
    })();
    // Paused and resumed every 256 KiB for a few milliseconds: the Duplex under TLS queues
    // (copies) what arrives meanwhile.
    const paused = (async () => {
      const reader = accepted[1]!.reader;
      const got: Buffer[] = [];
      let n = 0;
      let nextPause = 256 * 1024;
      await new Promise<void>((resolve, reject) => {
        reader.attachSink({
          closed: false,
          next: (chunk: Buffer) => {
            got.push(chunk);
            n += chunk.length;
            if (n >= nextPause) {
              nextPause += 256 * 1024;
              reader.pause();
              setTimeout(() => reader.resume(), 3);
            }
          },
          error: reject,
          complete: resolve,
        });
        reader.request(Infinity);
      });
      expect(n).toBe(total);
      return Buffer.concat(got);
    })();
    const [a, b] = await Promise.all([slow, paused, ...sending]);
    // Which client each server connection is depends on accept order: match by content.
    const received = [a!, b!];
    const order = received[0]!.subarray(0, 16).equals(payloads[0]!.subarray(0, 16)) ? [0, 1] : [1, 0];
    received.forEach((r, k) => expect(r.equals(payloads[order[k]!]!)).toBe(true));
    for (const c of [...clients, ...accepted]) c.close();
    server.close();
  });
});

describe('connectTls', () => {
  it('talks to openssl s_server (-rev), verifying its certificate by name', async () => {
    const port = freePort();
    const server = run('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certs.certPath, '-key', certs.keyPath, '-rev', '-naccept', '1']);
    await sleep(100);
    let conn: TlsConnection | undefined;
    for (let i = 0; i < 50 && !conn; i++) {
      conn = await connectTls('localhost', port, { ca: certs.ca, tcp: { family: 'inet' } }).catch(async (e: { code?: string }) => {
        if (e.code !== 'ECONNREFUSED') throw e;
        await sleep(100);
        return undefined;
      });
    }
    expect(conn!.authorized).toBe(true);
    expect(conn!.remoteAddress).toMatchObject({ host: '127.0.0.1', port });
    conn!.write(Buffer.from('rxsock\n'));
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      conn!.input$.subscribe((c) => {
        text += c.toString();
        if (text.includes('kcosxr')) resolve(text);
      });
    });
    expect(reply).toContain('kcosxr');
    conn!.close();
    await stop(server);
  });

  it('talks to a Python ssl server', async () => {
    const port = freePort();
    const py = run('python3', [
      '-c',
      `
import socket, ssl, sys
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
with socket.create_server(('127.0.0.1', int(sys.argv[3]))) as srv:
    print('ready', flush=True)
    raw, _ = srv.accept()
    with ctx.wrap_socket(raw, server_side=True) as s:
        data = b''
        while not data.endswith(b'\\n'):
            data += s.recv(100)
        s.sendall(b'python got ' + data + s.version().encode())
`,
      certs.certPath,
      certs.keyPath,
      String(port),
    ]);
    await py.line(/ready/);
    const conn = await connectTls('127.0.0.1', port, { ca: certs.ca, servername: 'localhost' });
    conn.write(Buffer.from('hi\n'));
    expect(await readText(conn)).toBe('python got hi\nTLSv1.3');
    await stop(py);
  });

  it('an untrusted certificate is a typed TLS error and leaves no socket open', async () => {
    const server = echoServer();
    const report = await checkFdLeak(async () => {
      const error = await connectTls('127.0.0.1', server.port, { servername: 'localhost' }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
      const wrongName = await connectTls('127.0.0.1', server.port, { ca: certs.ca, servername: 'example.com' }).catch((e: unknown) => e);
      expect((wrongName as { code?: string }).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      await sleep(50);
    });
    expect(report.leaked).toEqual([]);
    server.close();
  });

  it('a server that resets mid-handshake: ECONNRESET (typed), no fd left', async () => {
    const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
    listener.bind(['127.0.0.1', 0]);
    listener.listen(1);
    const port = (listener.getsockname() as { port: number }).port;
    void listener.accept().then(async ([s]) => {
      await s.recv(10); // the start of the ClientHello
      s.setOption('SO_LINGER', { enabled: true, seconds: 0 });
      s.close();
    });
    const report = await checkFdLeak(async () => {
      const error = await connectTls('127.0.0.1', port, { ca: certs.ca, servername: 'localhost' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SocketError);
      expect((error as SocketError).code).toBe('ECONNRESET');
      expect((error as SocketError).syscall).toBeDefined();
      await sleep(50);
    });
    listener.close();
    expect(report.leaked).toEqual([]);
  });

  it('times out a handshake the server never answers (ETIMEDOUT), closing the socket', async () => {
    const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
    listener.bind(['127.0.0.1', 0]);
    listener.listen(1);
    const port = (listener.getsockname() as { port: number }).port;
    const t0 = Date.now();
    const error = await connectTls('127.0.0.1', port, { ca: certs.ca, servername: 'localhost', timeout: 300 }).catch((e: unknown) => e);
    expect((error as SocketError).code).toBe('ETIMEDOUT');
    expect(Date.now() - t0).toBeLessThan(3000);
    listener.close();
  });
});
