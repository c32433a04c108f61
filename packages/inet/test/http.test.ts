/**
 * node:http and node:https over rxsock connections: servers fed through `serveHttp` (the
 * `'connection'` event), clients through `httpConnector`/`RxsockAgent` (`createConnection`), with
 * keep-alive. Peers nobody here wrote: curl, and node:http on node:net.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { RxsockAgent, httpConnector, serveHttp, tcpServer, tlsServer } from '../src/index.js';
import { makeTestCerts, type TestCerts } from './support/certs.js';
import { run } from './support/helpers.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.remove());

/** Answers GET with the path, POST with the sha256 and length of the body. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method === 'POST') {
    const hash = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      n += c.length;
    });
    req.on('end', () => res.end(`${n} ${hash.digest('hex')}`));
    return;
  }
  res.end(`you asked for ${req.url}`);
}

async function curl(args: string[]): Promise<{ status: number | string; stdout: string; stderr: string }> {
  const child = run('curl', args);
  child.proc.stdin!.end();
  const status = await child.exited;
  return { status, stdout: child.stdout(), stderr: child.stderr() };
}

describe('node:http server fed by an rxsock tcpServer', () => {
  it('serves curl with keep-alive: several requests on one connection, a 4 MiB upload intact', async () => {
    const server = tcpServer({ host: '127.0.0.1', port: 0 });
    const httpServer = http.createServer(handler);
    const stop = serveHttp(httpServer, server);
    const body = randomBytes(4 * 2 ** 20);
    const file = join(certs.dir, 'body.bin');
    writeFileSync(file, body);
    const base = `http://127.0.0.1:${server.port}`;
    const r = await curl(['-sv', `${base}/a`, `${base}/b`, '--next', '-sv', '--data-binary', `@${file}`, `${base}/upload`]);
    expect(r.status).toBe(0);
    const sha = createHash('sha256').update(body).digest('hex');
    expect(r.stdout).toBe(`you asked for /ayou asked for /b${body.length} ${sha}`);
    expect(r.stderr).toMatch(/Re-using existing connection/);
    expect(server.counters.accepted).toBe(1);
    stop();
    server.close();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections();
  });

  it('a client sending garbage gets 400 and is closed; the next client is served', async () => {
    const server = tcpServer({ host: '127.0.0.1', port: 0 });
    const httpServer = http.createServer(handler);
    serveHttp(httpServer, server);
    const { connect } = await import('../src/index.js');
    const bad = await connect('127.0.0.1', server.port);
    bad.write(Buffer.from('NOT HTTP AT ALL\r\n\r\n'));
    const reply = Buffer.concat(await new Promise<Buffer[]>((resolve) => {
      const chunks: Buffer[] = [];
      bad.input$.subscribe({ next: (c) => chunks.push(c), complete: () => resolve(chunks), error: () => resolve(chunks) });
    })).toString();
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    const r = await curl(['-s', `http://127.0.0.1:${server.port}/fine`]);
    expect(r.stdout).toBe('you asked for /fine');
    server.close();
    httpServer.closeAllConnections();
  });

  it('https.Server over rxsock connections (TLS by node:https), and http.Server over tlsServer connections; curl verifies both', async () => {
    const plain = tcpServer({ host: '127.0.0.1', port: 0 });
    const httpsServer = https.createServer({ key: certs.key, cert: certs.cert }, handler);
    serveHttp(httpsServer, plain);
    const secure = tlsServer({ host: '127.0.0.1', port: 0, key: certs.key, cert: certs.cert });
    const httpServer = http.createServer(handler);
    serveHttp(httpServer, secure);
    for (const port of [plain.port, secure.port]) {
      const r = await curl(['-sv', '--cacert', certs.caPath, '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/x`, `https://localhost:${port}/y`]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('you asked for /xyou asked for /y');
      expect(r.stderr).toMatch(/SSL connection using TLSv1\.3/);
      expect(r.stderr).toMatch(/Re-using existing connection/);
    }
    expect(plain.counters.accepted).toBe(1);
    expect(secure.counters.handshakes).toBe(1);
    plain.close();
    secure.close();
    httpsServer.closeAllConnections();
    httpServer.closeAllConnections();
  });
});

describe('node:http client over rxsock connections', () => {
  it('http.request with createConnection: httpConnector, against node:http on node:net', async () => {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/via-rxsock', createConnection: httpConnector() }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', reject);
      req.end();
    });
    expect(text).toBe('200 you asked for /via-rxsock');
    server.close();
  });

  it('RxsockAgent with keepAlive: sequential requests reuse one rxsock connection', async () => {
    let connections = 0;
    const server = http.createServer({ keepAliveTimeout: 5000 }, handler);
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new RxsockAgent({ keepAlive: true, maxSockets: 1 });
    const reused: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const body = randomBytes(100_000);
      const text = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: `/${i}`, method: 'POST', agent }, (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve(t));
        });
        req.on('error', reject);
        req.end(body);
        reused.push(req.reusedSocket);
      });
      expect(text).toBe(`100000 ${createHash('sha256').update(body).digest('hex')}`);
    }
    expect(connections).toBe(1);
    expect(reused).toEqual([false, true, true, true, true]);
    agent.destroy();
    server.close();
  });

  it('a refused connection is a typed error on the request', async () => {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await new Promise<{ code?: string }>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, createConnection: httpConnector() });
      req.on('error', (e) => resolve(e as { code?: string }));
      req.end();
    });
    expect(error.code).toBe('ECONNREFUSED');
  });
});
