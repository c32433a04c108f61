/**
 * A Node `stream.Duplex` over a stream socket, so that `node:tls`, `node:http`, `stream.pipeline`
 * and any code written for `net.Socket` can run on an rxsock connection with its backpressure
 * intact: a `push()` that returns false pauses the {@link ChunkReader} (its read interest is
 * dropped, the kernel buffer fills, TCP's window closes), and a chunk the {@link SocketWriter}
 * takes above its high-water mark holds the write callback until the writer has drained.
 */
import { Duplex } from 'node:stream';
import { formatAddress, type SocketAddress } from '../../codec/address.js';
import { Socket } from '../../socket/socket.js';
import { ChunkReader, DEFAULT_CHUNK_SIZE, type ChunkSink, type ReadOptions } from '../chunk-reader.js';
import { SocketWriter, type WriterOptions } from '../writer.js';
import { TurnBudget } from './turn-budget.js';
import { afterDispatch } from '../../poller/callback-scope.js';

/**
 * What {@link SocketDuplex} needs of a connection: its socket, one credit reader, one writer,
 * a half-close and a close. inet's `Connection` is one; a bare {@link Socket} is turned into one.
 */
export interface ByteStreamEndpoint {
  /** The connected stream socket (addresses, options, ref/unref). */
  readonly socket: Socket;
  /** The read side; the Duplex subscribes to it and is its only consumer. */
  readonly reader: ChunkReader;
  /** The write side. */
  readonly writer: SocketWriter;
  /** Flushes, then `shutdown(SHUT_WR)`. */
  end(): Promise<void>;
  /** Closes the socket at once. */
  close(error?: unknown): void;
}

/** Options of {@link SocketDuplex} and {@link toDuplex}. */
export interface SocketDuplexOptions {
  /**
   * Bytes the Duplex buffers for its consumer before `push()` returns false and reading pauses
   * (read interest dropped). Default 64 KiB (one full read).
   */
  readableHighWaterMark?: number;
  /**
   * `false` (the default, as for `net.Socket`): when the peer ends, the Duplex ends its writing
   * side too. `true`: it stays writable after the peer's end (half-open).
   */
  allowHalfOpen?: boolean;
  /**
   * `true`: a chunk that goes straight to the `'data'` listeners (nothing queued in the Duplex)
   * is valid only while they run; afterwards its memory is taken back for the next read (it
   * reads as empty from then on, never as other bytes). For a consumer that copies what it is
   * given, as `node:tls` does for a stream that is not a `net.Socket` (its JS stream wrapper
   * copies each chunk into OpenSSL's input buffer): a bulk transfer then reuses a few read
   * buffers instead of leaving one 64 KiB buffer per read to the garbage collector. Chunks read
   * with `read()` or queued while the consumer was busy stay valid. The price: a connection that
   * has read in bulk keeps one free read buffer (the reader's chunk size) until it closes, where
   * a plain one keeps none. Default `false`.
   */
  lendChunks?: boolean;
  /** For a bare {@link Socket}: reader options (chunk size). */
  read?: ReadOptions;
  /**
   * For a bare {@link Socket}: the writer's water marks. The Duplex's `writableHighWaterMark`
   * is always the writer's `highWaterMark`.
   */
  write?: WriterOptions;
}

/** A bare socket as an endpoint: its own reader and writer; closing closes the socket. */
function socketEndpoint(socket: Socket, options: SocketDuplexOptions): ByteStreamEndpoint {
  const reader = new ChunkReader(socket, { highWaterMark: 0, ...options.read });
  const writer = new SocketWriter(socket, options.write);
  return {
    socket,
    reader,
    writer,
    end: () => writer.end(),
    close: (error?: unknown) => {
      reader.close();
      writer.destroy(error);
      socket.close();
    },
  };
}

/** Chunks one `sendmsg` takes (the kernel's IOV_MAX). */
const MAX_IOV = 1024;

/** Up to this many bytes in several chunks are copied into one buffer for a plain `send()`. */
const GATHER_LIMIT = 4096;

/**
 * Several small chunks (an HTTP response's head and body) as one buffer: copying a few hundred
 * bytes costs less than laying out an iovec array and a msghdr for `sendmsg`. Larger batches
 * are returned as they are.
 */
function gatherSmall(chunks: Buffer[]): Buffer[] {
  let total = 0;
  for (let i = 0; i < chunks.length; i++) {
    total += chunks[i]!.length;
    if (total > GATHER_LIMIT) return chunks;
  }
  return [Buffer.concat(chunks, total)];
}

/** The reader's consumer: pushes into the Duplex and pauses the reader when the Duplex is full. */
class DuplexSink implements ChunkSink {
  closed = false;
  constructor(private readonly duplex: SocketDuplex) {}
  next(chunk: Buffer): void {
    this.duplex.received(chunk);
  }
  error(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.duplex.destroy(error as Error);
  }
  complete(): void {
    if (this.closed) return;
    this.closed = true;
    this.duplex.readEnded();
  }
}

/**
 * A `stream.Duplex` over a connected stream socket, with the parts of `net.Socket` that
 * `node:http`, `node:tls` and most libraries use (`remoteAddress`, `setNoDelay`, `setKeepAlive`,
 * `setTimeout`, `ref`/`unref`, `bytesRead`/`bytesWritten`).
 *
 * - Reading: the Duplex consumes the endpoint's {@link ChunkReader}. When `push()` returns false
 *   (its `readableHighWaterMark` reached) the reader is paused, which drops the fd's read
 *   interest; `_read()` resumes it. At most `readableHighWaterMark` plus one chunk is buffered.
 * - Writing: `writableHighWaterMark` is the {@link SocketWriter}'s high-water mark. A chunk is
 *   handed to the writer at once; while the writer is above its high mark the write callback
 *   waits for it to drain to its low mark (the moment its `writable$` turns true), so further
 *   writes queue in the Duplex, `write()` returns false, and `'drain'` follows the writer's.
 * - `end()` flushes and half-closes (`shutdown(SHUT_WR)`); `destroy()` closes the socket. Errors
 *   are the socket's typed {@link SocketError}s (`code`, `errno`, `syscall`).
 */
export class SocketDuplex extends Duplex {
  /** The connection under this stream. */
  readonly endpoint: ByteStreamEndpoint;
  /** Always false: the socket is connected before it is wrapped (for code written for `net.Socket`). */
  readonly connecting = false;
  /** Bytes handed to the Duplex by the reader. */
  bytesRead = 0;
  private written = 0;
  private attached = false;
  private readerPaused = false;
  private sink: DuplexSink | undefined;
  private detach: (() => void) | undefined;
  private idleTimeout = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private remote: SocketAddress | undefined;
  private local: SocketAddress | undefined;
  private readonly budget = new TurnBudget();
  private readonly lendChunks: boolean;
  private readonly resumeReader = (): void => {
    if (!this.readerPaused || this.destroyed) return;
    this.readerPaused = false;
    this.endpoint.reader.resume();
  };

  /**
   * @param target - A connection (inet's `Connection`, or any {@link ByteStreamEndpoint}) or a
   * connected stream {@link Socket}. The Duplex owns it from now on: destroying it closes it.
   * @param options - Read buffer, half-open, and for a bare socket its reader and writer options.
   */
  constructor(target: ByteStreamEndpoint | Socket, options: SocketDuplexOptions = {}) {
    const endpoint = target instanceof Socket ? socketEndpoint(target, options) : target;
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      readableHighWaterMark: options.readableHighWaterMark ?? DEFAULT_CHUNK_SIZE,
      writableHighWaterMark: endpoint.writer.highWaterMark,
      // Node's default: after 'end' and 'finish' (or an error) the socket is closed.
      autoDestroy: true,
    });
    this.endpoint = endpoint;
    this.lendChunks = options.lendChunks === true;
    if (this.lendChunks) endpoint.reader.enableRecycling();
    // A writer that fails between writes (EPIPE, ECONNRESET while flushing) fails the stream.
    endpoint.writer.closed.catch((error: unknown) => {
      this.destroy(error as Error);
    });
  }

  /** Bytes the writer has been handed (`net.Socket`'s `bytesWritten` counts the same way). */
  get bytesWritten(): number {
    return this.written;
  }

  /** The peer's address (`getpeername`), as in `net.Socket`: IP text, or the UNIX path. */
  get remoteAddress(): string | undefined {
    return hostOf(this.peer());
  }
  /** The peer's port, for IP sockets. */
  get remotePort(): number | undefined {
    return portOf(this.peer());
  }
  /** `'IPv4'` or `'IPv6'`, as `net.Socket` says it. */
  get remoteFamily(): string | undefined {
    return familyOf(this.peer());
  }
  /** This end's address. */
  get localAddress(): string | undefined {
    return hostOf(this.self());
  }
  /** This end's port. */
  get localPort(): number | undefined {
    return portOf(this.self());
  }
  /** This end's family, `'IPv4'` or `'IPv6'`. */
  get localFamily(): string | undefined {
    return familyOf(this.self());
  }
  /** `net.Socket`'s `readyState`. */
  get readyState(): 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  /** `net.Socket.address()`: `{ address, port, family }` of this end. */
  address(): { address: string; port: number; family: string } | Record<string, never> {
    const a = this.self();
    if (a === undefined || portOf(a) === undefined) return {};
    return { address: hostOf(a)!, port: portOf(a)!, family: familyOf(a)! };
  }

  /** `TCP_NODELAY` (ignored where the socket is not TCP, as `net.Socket` does for pipes). */
  setNoDelay(noDelay = true): this {
    this.trySetOption('TCP_NODELAY', noDelay);
    return this;
  }

  /** `SO_KEEPALIVE`, and `TCP_KEEPIDLE` from `initialDelay` (ms) when given. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.trySetOption('SO_KEEPALIVE', enable);
    if (enable && initialDelay > 0) this.trySetOption('TCP_KEEPIDLE', Math.max(1, Math.floor(initialDelay / 1000)));
    return this;
  }

  /**
   * Emits `'timeout'` after `ms` without reads or writes, as `net.Socket` does (0 turns it off);
   * the socket stays open: the listener decides.
   */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleTimeout = ms;
    if (callback) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    this.touch();
    return this;
  }

  /** Lets the process exit while this socket is open (`net.Socket.unref`). */
  unref(): this {
    if (!this.endpoint.socket.closed) this.endpoint.socket.unref();
    this.idleTimer?.unref();
    return this;
  }

  /** Undoes {@link SocketDuplex.unref}. */
  ref(): this {
    if (!this.endpoint.socket.closed) this.endpoint.socket.ref();
    this.idleTimer?.ref();
    return this;
  }

  /** Node's read hook: subscribes to the reader at first, afterwards resumes it if paused. */
  override _read(): void {
    if (!this.attached) {
      this.attached = true;
      // Inside the poller's callback, Node runs ticks in the middle of its own constructors
      // (see poller/callback-scope.ts): read at once and `new TLSSocket(duplex)` would see the
      // first bytes before it has put its TLS layer on the stream, and lose them. So the first
      // read waits for the end of the current dispatch.
      afterDispatch(() => this.startReading());
      return;
    }
    if (this.readerPaused) {
      // A consumer that asks again from its write callback would otherwise keep this socket
      // reading within one loop turn for as long as data comes.
      if (this.budget.take()) this.resumeReader();
      else this.budget.nextTurn(this.resumeReader);
    }
  }

  /** @internal Subscribes to the reader (the first `_read`). */
  startReading(): void {
    if (this.destroyed) return;
    this.sink = new DuplexSink(this);
    this.detach = this.endpoint.reader.attachSink(this.sink);
    this.endpoint.reader.request(Infinity);
  }

  /** @internal A chunk from the reader. */
  received(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    this.touch();
    // Emitted at once (flowing, nothing queued before it): the listeners have seen it by the
    // time push() returns.
    const lent = this.lendChunks && this.readableFlowing === true && this.readableLength === 0;
    const more = this.push(chunk);
    if (lent && this.readableLength === 0) this.endpoint.reader.recycle(chunk);
    if (!more && !this.readerPaused) {
      // Stops reading at once: the read loop sees the pause before its next recv.
      this.readerPaused = true;
      this.endpoint.reader.pause();
    }
  }

  /** @internal The peer finished sending. */
  readEnded(): void {
    this.push(null);
  }

  /** Node's write hook: hands the chunk to the writer (see the class notes on water marks). */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk], 0, callback);
  }

  /** Node's vectored write hook: the chunks Node buffered meanwhile go out in one `sendmsg`. */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.writeAll(
      chunks.map((c) => c.chunk),
      0,
      callback,
    );
  }

  private writeAll(chunks: Buffer[], from: number, callback: (error?: Error | null) => void): void {
    const writer = this.endpoint.writer;
    try {
      if (writer.bufferedAmount === 0 && !writer.finished) from = this.sendNow(chunks, from);
      for (let i = from; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        this.written += chunk.length;
        if (!writer.write(chunk)) {
          // Above the high mark: the rest (and Node's own queue) waits for the writer's drain.
          writer.drain().then(
            () => {
              this.writeAll(chunks, i + 1, callback);
            },
            (e: unknown) => {
              callback(e as Error);
            },
          );
          return;
        }
      }
    } catch (e) {
      callback(e as Error);
      return;
    }
    this.touch();
    if (this.writableNeedDrain && writer.bufferedAmount > writer.lowWaterMark) {
      // Node emits 'drain' right after this callback: hold it until the writer's own drain
      // (its writable$ turning true), so 'drain' means what writable$ means.
      writer.drain().then(
        () => {
          callback();
        },
        (e: unknown) => {
          callback(e as Error);
        },
      );
      return;
    }
    callback();
  }

  /**
   * With nothing queued, tries the kernel at once, as `net.Socket` does (libuv's `uv_try_write`):
   * a request/response protocol then answers within the readiness callback that brought the
   * request, instead of a microtask later (the poller's callbacks run outside Node's callback
   * scope, where a queued microtask can wait for the next unrelated event). What the kernel does
   * not take goes to the writer. Returns the index of the first chunk not fully sent, having
   * replaced a partly sent chunk by its rest.
   */
  private sendNow(chunks: Buffer[], from: number): number {
    const batch = from === 0 && chunks.length <= MAX_IOV ? chunks : chunks.slice(from, from + MAX_IOV);
    let sent = this.endpoint.socket.trySendv(batch.length > 1 ? gatherSmall(batch) : batch);
    if (sent <= 0) return from;
    this.written += sent;
    let i = from;
    while (i < chunks.length && sent >= chunks[i]!.length) sent -= chunks[i++]!.length;
    // The rest of a partly sent chunk goes to the writer (and is counted) like the others.
    if (sent > 0) chunks[i] = chunks[i]!.subarray(sent);
    return i;
  }

  /** Node's end hook: flush, then half-close (`shutdown(SHUT_WR)`). */
  override _final(callback: (error?: Error | null) => void): void {
    this.endpoint.end().then(
      () => {
        callback();
      },
      (e: unknown) => {
        callback(e as Error);
      },
    );
  }

  /** Node's destroy hook: the reader and timer stop and the socket is closed. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.sink) this.sink.closed = true;
    this.detach?.();
    // Keep the addresses readable after close, as net.Socket does.
    this.peer();
    this.self();
    const writer = this.endpoint.writer;
    if (writer.bufferedAmount > 0 && !writer.finished) {
      // net.Socket writes synchronously, so `write(reply); destroy()` (node:http's 400 answer)
      // gets the reply into the kernel. The writer flushes a microtask later: let it try once,
      // and close after that flush or one turn of the loop, whichever comes first.
      let closed = false;
      const close = (): void => {
        if (closed) return;
        closed = true;
        this.endpoint.close(error ?? undefined);
      };
      writer.flush().then(close, close);
      setImmediate(close);
    } else this.endpoint.close(error ?? undefined);
    callback(error);
  }

  private touch(): void {
    if (this.idleTimeout <= 0) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      return;
    }
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (!this.destroyed) this.emit('timeout');
      }, this.idleTimeout);
      if (!this.endpoint.socket.closed && !this.endpoint.socket.hasRef()) this.idleTimer.unref();
    }
  }

  private trySetOption(name: 'TCP_NODELAY' | 'SO_KEEPALIVE' | 'TCP_KEEPIDLE', value: boolean | number): void {
    try {
      this.endpoint.socket.setOption(name, value);
    } catch {
      // not TCP (a UNIX stream socket) or already closed: net.Socket ignores these too
    }
  }

  private peer(): SocketAddress | undefined {
    return (this.remote ??= this.ask(() => this.endpoint.socket.getpeername()));
  }
  private self(): SocketAddress | undefined {
    return (this.local ??= this.ask(() => this.endpoint.socket.getsockname()));
  }
  private ask(get: () => SocketAddress): SocketAddress | undefined {
    try {
      return this.endpoint.socket.closed ? undefined : get();
    } catch {
      return undefined;
    }
  }
}

function hostOf(a: SocketAddress | undefined): string | undefined {
  if (a === undefined) return undefined;
  if (a.family === 'inet' || a.family === 'inet6') return a.host;
  if (a.family === 'unix') return a.path;
  return formatAddress(a);
}
function portOf(a: SocketAddress | undefined): number | undefined {
  return a !== undefined && (a.family === 'inet' || a.family === 'inet6') ? a.port : undefined;
}
function familyOf(a: SocketAddress | undefined): string | undefined {
  if (a === undefined) return undefined;
  return a.family === 'inet' ? 'IPv4' : a.family === 'inet6' ? 'IPv6' : String(a.family);
}

/**
 * Wraps a connection or a connected stream socket in a Node `stream.Duplex`
 * ({@link SocketDuplex}): hand it to `stream.pipeline`, `tls.connect({ socket })`, or
 * `http.Server`'s `'connection'` event.
 *
 * @example
 * ```ts
 * const duplex = toDuplex(await connect('localhost', 7));
 * await pipeline(fs.createReadStream('in'), duplex, fs.createWriteStream('out'));
 * ```
 */
export function toDuplex(target: ByteStreamEndpoint | Socket, options?: SocketDuplexOptions): SocketDuplex {
  return new SocketDuplex(target, options);
}
