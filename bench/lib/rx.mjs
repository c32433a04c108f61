// What the benchmarks use of rxsock, in one place: the built '@rxsock/core' (and '@rxsock/inet'
// when it is built and resolvable), with the stream layer's API where it exists and the core
// Socket API as the fallback. `rx.uses` says which path each benchmark actually took, so the
// printed results can say so.
import * as core from '@rxsock/core';

export { core };
export const { C, Socket, MessageBatch } = core;

let inetModule = null;
try {
  inetModule = await import('@rxsock/inet');
} catch {
  try {
    // The root package.json may not list @rxsock/inet yet; the built package is still usable.
    inetModule = await import(new URL('../../packages/inet/dist/index.js', import.meta.url).href);
  } catch {
    inetModule = null;
  }
}
export const inet = inetModule;

/** What was used, filled in as the helpers run (reported in the JSON lines). */
export const uses = new Set();

/**
 * Bench-side workaround for a core bug, applied only while the bug is there: Socket.accept()
 * (packages/core/src/socket/socket.ts, the EAGAIN branch of accept) does not clear
 * `io.readReady` when accept4 fails with EAGAIN, so `io.readable()` resolves at once and accept
 * spins in promise jobs, starving the event loop until a connection arrives (another process's
 * connect still gets through; anything in the same process never runs). A listening socket's
 * only reader is accept, and accept only waits after a failed attempt, so clearing readReady
 * on the listener's wait is exactly the missing line. Reported, never hidden: it shows in `uses`.
 */
function workAroundAcceptSpin() {
  const accept = Socket.prototype.accept;
  const src = accept.toString();
  const waitAt = src.indexOf('io.readable(');
  if (waitAt < 0 || /readReady\s*=\s*false/.test(src)) return; // fixed (or reshaped) upstream
  Socket.prototype.accept = function (options) {
    const io = this.io;
    if (io && !io.benchAcceptFix) {
      const readable = Object.getPrototypeOf(io).readable;
      io.readable = function (signal) {
        this.readReady = false;
        return readable.call(this, signal);
      };
      io.benchAcceptFix = true;
      uses.add('WORKAROUND(core Socket.accept EAGAIN spin)');
    }
    return accept.call(this, options);
  };
}
workAroundAcceptSpin();

/** Which APIs are there. */
export const has = {
  readChunks: typeof core.readChunks === 'function',
  consumeChunks: typeof core.consumeChunks === 'function',
  chunkReader: typeof core.ChunkReader === 'function',
  socketWriter: typeof core.SocketWriter === 'function',
  datagramReader: typeof core.DatagramReader === 'function',
  readDatagrams: typeof core.readDatagrams === 'function',
  inetListen: typeof inetModule?.listen === 'function',
  inetConnect: typeof inetModule?.connect === 'function',
  inetServer: typeof inetModule?.tcpServer === 'function',
  inetUdp: typeof inetModule?.udpSocket === 'function',
};

// ---- TCP ----------------------------------------------------------------------------------------

/** A listening TCP socket on host:0 (core Socket), with its port. */
export function tcpListener(host = '127.0.0.1', backlog = C.SOMAXCONN) {
  const af = host.includes(':') ? C.AF_INET6 : C.AF_INET;
  const listener = Socket.create(af, C.SOCK_STREAM);
  listener.setOption('SO_REUSEADDR', true);
  listener.bind([host, 0]);
  listener.listen(backlog);
  return { listener, port: listener.getsockname().port };
}

/**
 * A TCP client: `{socket, writer, input$?, close()}`. With @rxsock/inet: its `connect()` and the
 * Connection's own writer; otherwise Socket.connect and {@link writerFor}.
 */
export async function connectTcp(host, port) {
  if (has.inetConnect) {
    uses.add('inet.connect + Connection.writer');
    const conn = await inetModule.connect(host, port);
    return { socket: conn.socket, writer: conn.writer, connection: conn, close: () => conn.close() };
  }
  uses.add('Socket.connect');
  const af = host.includes(':') ? C.AF_INET6 : C.AF_INET;
  const socket = Socket.create(af, C.SOCK_STREAM);
  await socket.connect([host, port]);
  return { socket, writer: writerFor(socket), connection: null, close: () => socket.close() };
}

/**
 * A TCP server on host:0 calling `onConnection({socket, connection})` for each accepted
 * connection: @rxsock/inet's tcpServer().connections$ when built, else a Socket.accept loop.
 * Returns `{port, close()}`.
 */
export function serveTcp(host, onConnection, { backlog = 4096 } = {}) {
  if (has.inetServer) {
    uses.add('inet.tcpServer().connections$');
    const server = inetModule.tcpServer({ host, port: 0, backlog });
    const sub = server.connections$.subscribe({ next: (conn) => onConnection({ socket: conn.socket, connection: conn }) });
    return { port: server.port, close: () => (sub.unsubscribe(), server.close()) };
  }
  uses.add('Socket.accept loop');
  const { listener, port } = tcpListener(host, backlog);
  (async () => {
    for (;;) {
      let socket;
      try {
        [socket] = await listener.accept();
      } catch (e) {
        if (listener.closed) return;
        throw e;
      }
      onConnection({ socket, connection: null });
    }
  })();
  return { port, close: () => listener.close() };
}

/** The core Socket behind whatever inet returns (a Socket itself, or an object holding one). */
export function socketOf(x) {
  if (x instanceof Socket) return x;
  for (const k of ['socket', 'sock', 'raw']) if (x && x[k] instanceof Socket) return x[k];
  throw new Error('cannot find the core Socket of ' + Object.prototype.toString.call(x));
}

/**
 * Reads a connection to EOF, calling `onChunk(buffer)` synchronously for each chunk: inet's
 * `connection.input$`, the stream layer's readChunks(socket), or a tryRecvInto loop.
 */
export function readAll({ socket, connection }, onChunk, options = {}) {
  if (connection && connection.input$) {
    uses.add('Connection.input$');
    return new Promise((resolve, reject) => {
      connection.input$.subscribe({ next: onChunk, error: reject, complete: resolve });
    });
  }
  return readToEnd(socket, onChunk, options);
}

/**
 * Reads a stream socket to EOF, calling `onChunk(buffer)` synchronously for each chunk (the
 * Observable form of the stream layer, or a tryRecvInto loop). Resolves at EOF.
 */
export function readToEnd(sock, onChunk, { chunkSize = 65536 } = {}) {
  if (has.readChunks) {
    uses.add('readChunks');
    return new Promise((resolve, reject) => {
      core.readChunks(sock, { chunkSize }).subscribe({ next: onChunk, error: reject, complete: resolve });
    });
  }
  uses.add('tryRecvInto+waitReadable');
  return (async () => {
    const buf = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const n = sock.tryRecvInto(buf);
      if (n > 0) onChunk(buf.subarray(0, n));
      else if (n === 0) return;
      else await sock.waitReadable();
    }
  })();
}

/**
 * Reads a stream socket to EOF with an async consumer: the next chunk is asked for only when
 * `fn` settles (consumeChunks, or a ChunkReader with request(1), or a plain read loop).
 */
export async function consumeToEnd(sock, fn, options = {}) {
  if (has.consumeChunks) {
    uses.add('consumeChunks(socket)');
    return core.consumeChunks(sock, fn, options);
  }
  uses.add('recvInto loop (no stream layer)');
  const size = options.chunkSize ?? 65536;
  for (;;) {
    const buf = Buffer.allocUnsafe(size);
    const n = await sock.recvInto(buf);
    if (n === 0) return;
    await fn(buf.subarray(0, n));
  }
}

/**
 * Consumes a connection to EOF with an async handler, one chunk at a time (the next chunk only
 * when the handler settled): consumeChunks over the inet Connection's ChunkReader (or over the
 * socket), else a recvInto loop.
 */
export function consumeAll({ socket, connection }, fn, options = {}) {
  if (has.consumeChunks && connection && has.chunkReader) {
    uses.add('consumeChunks(Connection.reader)');
    return core.consumeChunks(connection.reader, fn, options);
  }
  return consumeToEnd(socket, fn, options);
}

/**
 * A writer with `write(chunk): boolean`, `drain()`, `end()`: the stream layer's SocketWriter, or
 * a minimal one on trySendv + waitWritable.
 */
export function writerFor(sock, options) {
  if (has.socketWriter) {
    uses.add('SocketWriter');
    return new core.SocketWriter(sock, options);
  }
  uses.add('trySendv+waitWritable');
  return new MiniWriter(sock, options);
}

class MiniWriter {
  constructor(sock, { highWaterMark = 65536, lowWaterMark = 32768 } = {}) {
    this.sock = sock;
    this.high = highWaterMark;
    this.low = lowWaterMark;
    this.queue = [];
    this.bufferedAmount = 0;
    this.flushing = false;
    this.flushed = Promise.resolve();
    this.drainWaiters = [];
  }
  write(chunk) {
    this.queue.push(chunk);
    this.bufferedAmount += chunk.byteLength;
    if (!this.flushing) {
      this.flushing = true;
      this.flushed = this.flushLoop();
    }
    return this.bufferedAmount < this.high;
  }
  async flushLoop() {
    while (this.queue.length) {
      const n = this.sock.trySendv(this.queue.slice(0, 64));
      if (n < 0) {
        await this.sock.waitWritable();
        continue;
      }
      this.bufferedAmount -= n;
      let left = n;
      while (left > 0) {
        const head = this.queue[0];
        if (head.byteLength <= left) {
          left -= head.byteLength;
          this.queue.shift();
        } else {
          this.queue[0] = head.subarray(left);
          left = 0;
        }
      }
      if (this.bufferedAmount <= this.low && this.drainWaiters.length) {
        const ws = this.drainWaiters;
        this.drainWaiters = [];
        for (const w of ws) w();
      }
    }
    this.flushing = false;
  }
  drain() {
    if (this.bufferedAmount <= this.low) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }
  async flush() {
    while (this.flushing) await this.flushed;
  }
  async end() {
    await this.flush();
    this.sock.shutdown('write');
  }
}

// ---- UDP ----------------------------------------------------------------------------------------

/** A UDP socket bound to host:0 (core Socket). */
export function udpBound(host = '127.0.0.1') {
  const af = host.includes(':') ? C.AF_INET6 : C.AF_INET;
  const s = Socket.create(af, C.SOCK_DGRAM);
  s.bind([host, 0]);
  return s;
}

/**
 * Sets the receive buffer of any socket fd (ours or node's): SO_RCVBUFFORCE when allowed (root /
 * CAP_NET_ADMIN), else SO_RCVBUF (capped by net.core.rmem_max). Works on a duplicate of the fd,
 * which shares the socket. Returns {method, effective} (effective: what the kernel reports, i.e.
 * twice the request).
 */
export function setReceiveBuffer(fd, bytes) {
  const s = Socket.fromFd(fd, { dup: true });
  try {
    let method = 'SO_RCVBUFFORCE';
    try {
      s.setOption('SO_RCVBUFFORCE', bytes);
    } catch {
      method = 'SO_RCVBUF';
      s.setOption('SO_RCVBUF', bytes);
    }
    return { method, effective: s.getOption('SO_RCVBUF') };
  } finally {
    s.close();
  }
}

/** The fd of a node:dgram socket (Linux; node keeps its handle behind a symbol). */
export function dgramFd(sock) {
  for (const k of Object.getOwnPropertySymbols(sock)) {
    const v = sock[k];
    if (v && v.handle && typeof v.handle.fd === 'number') return v.handle.fd;
  }
  throw new Error('cannot find the fd of the node:dgram socket');
}
