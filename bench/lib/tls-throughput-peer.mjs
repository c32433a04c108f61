// One side of bench/tls-throughput: `recv IMPL KEY CERT` listens for TLS on 127.0.0.1:0 and
// counts decrypted bytes to EOF; `send IMPL CERT PORT BYTES CHUNK` connects with TLS (verifying
// the certificate as CA), writes BYTES in CHUNK-sized writes, then ends. Both sides use TLS 1.3
// with TLS_AES_128_GCM_SHA256, by node:tls.
// IMPL `rxsock`: @rxsock/inet tlsServer() + TlsConnection.input$ receiving, connectTls() +
// write()/drain()/end() sending (the defaults: rxsock accepts or connects, then hands the fd to
// Node's TCP handle, Connection.toNetSocket(), under node:tls). IMPL `duplex`: node:tls over
// core's SocketDuplex (`toDuplex(connection)`, the path any rxsock stream can take), with the
// same faces through core's fromDuplex. IMPL `net`: tls.createServer() + 'data' receiving,
// tls.connect() + write()/'drain'/end() sending (node:tls over node:net). IMPL `jsstream`: the
// same as `net`, but node:tls runs over a minimal JS Duplex wrapping the net.Socket
// (lib/js-stream-duplex.mjs), so node:tls takes its JSStreamSocket path as it does over
// SocketDuplex while the bytes move through libuv. IMPL `jsloaded`: `jsstream` with rxsock
// loaded in the process (see below). Each reports wall time (first byte to EOF on the receiver)
// and process CPU time over the transfer.
import tls from 'node:tls';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { JsStreamDuplex } from './js-stream-duplex.mjs';
import { childMain, cpuSince, tell } from './ipc.mjs';

const [role, implArg, ...rest] = process.argv.slice(2);
// `jsloaded`: `jsstream` in a process that has also imported @rxsock/inet and subscribed an idle
// tcpServer's connections$, to measure what having rxsock in the process costs node:tls.
const loaded = implArg === 'jsloaded';
const impl = loaded ? 'jsstream' : implArg;
const HOST = '127.0.0.1';
const TLS = { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' };
const API = {
  rxsock: { recv: 'inet tlsServer().connections$ + TlsConnection.input$', send: 'inet connectTls() + write()/drain()/end()' },
  duplex: { recv: 'inet tcpServer() + tls.TLSSocket(toDuplex(conn), isServer) + fromDuplex().input$', send: 'inet connect() + tls.connect({ socket: toDuplex(conn) }) + fromDuplex() write()/drain()/end()' },
  net: { recv: "tls.createServer() + 'data'", send: "tls.connect() + write()/'drain'/end()" },
  jsstream: { recv: "net.createServer() + tls.TLSSocket(JS Duplex over net.Socket, isServer) + 'data'", send: "tls.connect({ socket: JS Duplex over net.Socket }) + write()/'drain'/end()" },
};

childMain(async () => {
  if (loaded) {
    const { tcpServer } = await import('@rxsock/inet');
    const idle = tcpServer({ host: HOST, port: 0 });
    idle.connections$.subscribe();
  }
  if (role === 'recv') await recv(readFileSync(rest[0]), readFileSync(rest[1]));
  else await send(readFileSync(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]));
  process.exit(0);
});

/** Counts bytes from `subscribe(onChunk, onEnd)` between the first byte and the end. */
async function count(subscribe) {
  let bytes = 0;
  let t0 = 0n;
  let cpu0;
  await new Promise((resolve, reject) =>
    subscribe((chunk) => {
      if (bytes === 0) {
        t0 = process.hrtime.bigint();
        cpu0 = process.cpuUsage();
      }
      bytes += chunk.length;
    }, resolve, reject),
  );
  return { bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: cpuSince(cpu0) };
}

async function recv(key, cert) {
  if (impl === 'duplex') {
    const { tcpServer } = await import('@rxsock/inet');
    const { toDuplex, fromDuplex } = await import('@rxsock/core');
    const secureContext = tls.createSecureContext({ key, cert, ...TLS });
    const server = tcpServer({ host: HOST, port: 0 });
    const first = new Promise((resolve, reject) => {
      const sub = server.connections$.subscribe((raw) => {
        sub.unsubscribe();
        const sock = new tls.TLSSocket(toDuplex(raw, { allowHalfOpen: true, lendChunks: true }), { isServer: true, secureContext });
        sock.once('secure', () => resolve(sock));
        sock.once('error', reject);
      });
    });
    await tell({ type: 'listening', port: server.port });
    const sock = await first;
    server.close();
    const protocol = sock.getProtocol();
    const cipher = sock.getCipher().standardName;
    const conn = fromDuplex(sock);
    const r = await count((next, done, fail) => conn.input$.subscribe({ next, complete: done, error: fail }));
    conn.close();
    await tell({ type: 'done', ...r, protocol, cipher, api: API.duplex.recv });
  } else if (impl === 'rxsock') {
    const { tlsServer } = await import('@rxsock/inet');
    const server = tlsServer({ host: HOST, port: 0, key, cert, ...TLS });
    const first = new Promise((resolve) => {
      const sub = server.connections$.subscribe((conn) => {
        sub.unsubscribe();
        resolve(conn);
      });
    });
    await tell({ type: 'listening', port: server.port });
    const conn = await first;
    server.close();
    const protocol = conn.protocol;
    const cipher = conn.cipher.standardName;
    const r = await count((next, done, fail) => conn.input$.subscribe({ next, complete: done, error: fail }));
    conn.close();
    await tell({ type: 'done', ...r, protocol, cipher, api: API.rxsock.recv });
  } else {
    let server;
    let first;
    if (impl === 'net') {
      server = tls.createServer({ key, cert, ...TLS });
      first = new Promise((resolve) => server.once('secureConnection', resolve));
    } else {
      const secureContext = tls.createSecureContext({ key, cert, ...TLS });
      server = net.createServer();
      first = new Promise((resolve, reject) =>
        server.once('connection', (raw) => {
          const sock = new tls.TLSSocket(new JsStreamDuplex(raw), { isServer: true, secureContext });
          sock.once('secure', () => resolve(sock));
          sock.once('error', reject);
        }),
      );
    }
    await new Promise((resolve) => server.listen(0, HOST, resolve));
    await tell({ type: 'listening', port: server.address().port });
    const sock = await first;
    server.close();
    const protocol = sock.getProtocol();
    const cipher = sock.getCipher().standardName;
    const r = await count((next, done, fail) => {
      sock.on('data', next);
      sock.on('end', done);
      sock.on('error', fail);
    });
    sock.destroy();
    await tell({ type: 'done', ...r, protocol, cipher, api: API[impl].recv });
  }
}

async function send(ca, port, total, chunkSize) {
  const chunk = Buffer.alloc(chunkSize, 0x61);
  let conn;
  if (impl === 'rxsock' || impl === 'duplex') {
    let c;
    if (impl === 'rxsock') {
      const { connectTls } = await import('@rxsock/inet');
      c = await connectTls(HOST, port, { ca, servername: 'localhost', ...TLS });
    } else {
      const { connect } = await import('@rxsock/inet');
      const { toDuplex, fromDuplex } = await import('@rxsock/core');
      const s = tls.connect({ socket: toDuplex(await connect(HOST, port), { allowHalfOpen: true, lendChunks: true }), ca, servername: 'localhost', ...TLS });
      await new Promise((resolve, reject) => {
        s.once('secureConnect', resolve);
        s.once('error', reject);
      });
      c = fromDuplex(s);
    }
    conn = { write: (b) => c.write(b), drain: () => c.drain(), end: () => c.end(), close: () => c.close() };
  } else {
    let socket;
    if (impl === 'jsstream') {
      const raw = net.connect({ host: HOST, port });
      await new Promise((resolve, reject) => {
        raw.once('connect', resolve);
        raw.once('error', reject);
      });
      socket = new JsStreamDuplex(raw);
    }
    const s = tls.connect({ host: HOST, port, ca, servername: 'localhost', ...TLS, ...(socket ? { socket } : {}) });
    await new Promise((resolve, reject) => {
      s.once('secureConnect', resolve);
      s.once('error', reject);
    });
    conn = {
      write: (b) => s.write(b),
      drain: () => new Promise((resolve) => s.once('drain', resolve)),
      end: () => new Promise((resolve) => s.end(resolve)),
      close: () => s.destroy(),
    };
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let sent = 0;
  while (sent < total) {
    const piece = total - sent >= chunkSize ? chunk : chunk.subarray(0, total - sent);
    sent += piece.length;
    if (!conn.write(piece)) await conn.drain();
  }
  await conn.end();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSince(cpu0);
  await tell({ type: 'done', bytes: sent, seconds, cpu, api: API[impl].send });
  conn.close();
}
