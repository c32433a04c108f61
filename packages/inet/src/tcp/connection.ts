/**
 * A connected stream socket (TCP, or UNIX stream through its subclass) with the stream layer
 * attached: one read side offered in three forms, one writer with water marks, half-close and
 * close, and a `closed` promise.
 */
import { Socket as NetSocket } from 'node:net';
import type { Observable, Subscriber, TeardownLogic } from 'rxjs';
import {
  C,
  ChunkReader,
  checkReadOptions,
  chunksIterable,
  pipeSocket,
  SocketError,
  SocketWriter,
  formatAddress,
  type ReadOptions,
  Socket,
  type SocketAddress,
  type WriterOptions,
  rx,
} from '@rxsock/core';
import { InputSink, inputObservable } from './input.js';

/** Stream-layer tuning of a {@link Connection}. */
export interface ConnectionOptions {
  /** Reader options (chunk size, read-ahead high-water mark) for `input$`, `reader` and `for await`. */
  read?: ReadOptions;
  /** Writer water marks (defaults 64 KiB high, 32 KiB low). */
  write?: WriterOptions;
}

/** The ways a connection's read side can be consumed; one per connection, chosen by first use. */
export type ReadMode = 'input$' | 'reader' | 'iterator' | 'messages';

// Connection.state: three flags and the read mode in one field instead of four (a server holds
// thousands of idle connections).
const CLOSED = 1;
const READ_ENDED = 2;
const WRITE_ENDED = 4;
/** The read mode sits above the flags, as its index in READ_MODES plus one (0: none yet). */
const MODE_SHIFT = 3;
const READ_MODES: readonly ReadMode[] = ['input$', 'reader', 'iterator', 'messages'];

/**
 * One connection. The read side can be consumed in exactly one of three ways, chosen by first
 * use: {@link Connection.input$} (an Observable; unsubscribing closes the connection),
 * {@link Connection.reader} (explicit credit) or `for await (const chunk of connection)`.
 * Mixing them would split the byte stream between consumers, so it throws.
 *
 * The connection closes itself once the peer has finished sending (`input$` completed) and
 * {@link Connection.end} has flushed and shut down the writing side; otherwise the owner calls
 * {@link Connection.close}.
 *
 * @example
 * ```ts
 * const conn = await connect('example.com', 80);
 * conn.input$.subscribe({ next: (chunk) => process.stdout.write(chunk) });
 * conn.write(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
 * ```
 */
export class Connection {
  /** The underlying socket, for options and anything this class does not wrap. */
  readonly socket: Socket;
  private local: SocketAddress | undefined;
  private remote: SocketAddress | undefined;
  private socketWriter: SocketWriter | undefined;
  private inputObservable: Observable<Buffer> | undefined;
  private closedPromise: Promise<void> | undefined;
  private readonly options: ConnectionOptions;
  /**
   * The consumer of the read side, by mode: the `reader`'s ChunkReader, the `for await`
   * iterator, or the current `input$` subscription's sink.
   */
  private readSide: ChunkReader | AsyncIterableIterator<Buffer> | InputSink | undefined;
  private state = 0;
  private closeListeners: (() => void) | Array<() => void> | undefined;

  /**
   * Wraps a connected stream socket; the connection owns it from now on. Normally made by
   * `connect()` or a server, not directly.
   */
  constructor(socket: Socket, options: ConnectionOptions = {}, remoteAddress?: SocketAddress) {
    this.socket = socket;
    this.options = options;
    this.remote = remoteAddress;
    // Everything else (addresses, input$, reader, writer, the closed promise) is made on first
    // use: a server holding thousands of idle connections pays only for what they use.
  }

  /**
   * The bytes the peer sends, as chunks. Completes when the peer half-closes or closes (writing
   * still works), errors with a typed {@link SocketError} (`ECONNRESET`...) and then closes the
   * connection. Unsubscribing before the end closes the connection: nobody reads any more, and a
   * half-read connection is of no use. A synchronous `next()` counts as consumed; for async
   * consumers with backpressure use {@link Connection.reader} or `for await`. One subscriber.
   */
  get input$(): Observable<Buffer> {
    return (this.inputObservable ??= inputObservable(this));
  }

  /** This end's address (`getsockname`, asked once and kept after close). */
  get localAddress(): SocketAddress {
    return (this.local ??= this.socket.getsockname());
  }

  /** The peer's address (`getpeername`, asked once and kept after close). */
  get remoteAddress(): SocketAddress {
    return (this.remote ??= this.socket.getpeername());
  }

  /** The write side: queue, water marks, `writable$`, vectored flushes. Created on first use. */
  get writer(): SocketWriter {
    let writer = this.socketWriter;
    if (writer === undefined) {
      writer = this.socketWriter = new SocketWriter(this.socket, this.options.write);
      // A failed write (EPIPE, ECONNRESET) means the connection is gone: close it, and tell the
      // reader through input$ so the error is seen once, where the data is consumed.
      writer.closed.catch((error: unknown) => this.close(error));
    }
    return writer;
  }

  /** Settles (always resolves) once the connection is closed, by either side or by an error. */
  get closed(): Promise<void> {
    if (this.closedPromise === undefined) {
      this.closedPromise = this.isClosed ? Promise.resolve() : new Promise<void>((resolve) => this.onClose(resolve));
    }
    return this.closedPromise;
  }

  /**
   * The credit form of the read side: `reader.request(n)` lets `n` more chunks through
   * `reader.chunks$`, and reading stops (TCP's window closes) while credit is exhausted and the
   * read-ahead queue is full. Created on first use.
   */
  get reader(): ChunkReader {
    this.claim('reader');
    return (this.readSide ??= new ChunkReader(this.socket, this.options.read)) as ChunkReader;
  }

  /** `for await (const chunk of conn)`: each iteration reads one chunk; `break` stops reading. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    this.claim('iterator');
    const inner = (this.readSide ??= chunksIterable(this.socket, this.options.read)) as AsyncIterableIterator<Buffer>;
    const onDone = (r: IteratorResult<Buffer>): IteratorResult<Buffer> => {
      if (r.done) this.readFinished();
      return r;
    };
    return {
      next: () => inner.next().then(onDone),
      return: () => inner.return!().then(onDone),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Queues `chunk` on the writer; false when the writer is above its high mark (wait for `drain()`). */
  write(chunk: Uint8Array): boolean {
    return this.writer.write(chunk);
  }

  /** Resolves when the writer's queue is back under its low mark. */
  drain(): Promise<void> {
    return this.writer.drain();
  }

  /**
   * Half-close: flushes what is queued, then shuts down the writing side (the peer reads EOF).
   * Reading goes on until the peer finishes too.
   */
  async end(): Promise<void> {
    if (this.isClosed) return;
    await this.writer.end();
    this.state |= WRITE_ENDED;
    this.maybeFinished();
  }

  /**
   * Pipes this connection's bytes into `target` with real backpressure: reading pauses while
   * the target's writer is above its high mark. Resolves when this side reaches EOF (and, with
   * `end` — the default — after the target was half-closed).
   */
  async pipeTo(target: Connection | SocketWriter, options: { end?: boolean } = {}): Promise<void> {
    const writer = target instanceof Connection ? target.writer : target;
    const end = options.end ?? true;
    await pipeSocket(this.reader, writer, { end: false });
    this.readFinished();
    if (end) {
      if (target instanceof Connection) await target.end();
      else await writer.end();
    }
  }

  /**
   * Closes at once: queued writes are dropped, a current `input$` subscriber completes (or
   * errors with `error`), and the fd is released. Safe to call more than once.
   */
  close(error?: unknown): void {
    if (this.isClosed) return;
    this.state |= CLOSED;
    const side = this.readSide;
    if (this.readMode === 'input$') {
      // The subscriber hears first, so its teardown stops the reader while the fd is still valid.
      this.readSide = undefined;
      if (side) {
        const subscriber = (side as InputSink).subscriber;
        if (error === undefined) subscriber.complete();
        else subscriber.error(error);
      }
    } else if (this.readMode === 'reader') (side as ChunkReader | undefined)?.close();
    else if (this.readMode === 'iterator') void (side as AsyncIterableIterator<Buffer> | undefined)?.return?.();
    this.socketWriter?.destroy();
    if (!this.socket.closed) {
      this.rememberAddresses();
      this.socket.close();
    }
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (typeof listeners === 'function') listeners();
    else if (listeners) for (const listener of listeners) listener();
  }

  /**
   * Hands the connection over to Node: its fd becomes a `net.Socket` (Node's own TCP or pipe
   * handle, driven by libuv), and this connection closes without closing the fd. This is the way
   * to give a connection to code that runs natively only over a `net.Socket`: `node:tls` reads
   * and writes its handle in C++ (`tls.connect({ socket })`, `new tls.TLSSocket(socket)`), where
   * any other stream (core's `toDuplex` included) goes through Node's slower JS stream path.
   * Socket options set so far stay with the fd; the connection's reader and writer options do not
   * (the `net.Socket` has its own buffering). The `net.Socket` keeps this socket's ref/unref state.
   *
   * Nothing may have been read or queued yet, so that no byte is left behind.
   *
   * @param options.allowHalfOpen As `net.Socket`'s: keep writing after the peer ended (default false).
   * @throws `SocketError` `EBADF` if the connection is closed; `ERR_RXSOCK_SOURCE_BUSY` if its
   * read side was already consumed or its writer holds bytes; `ERR_INVALID_FD_TYPE` if it is not
   * a TCP or UNIX stream socket. The connection is left as it was in each case.
   *
   * @example
   * ```ts
   * const conn = await connect('example.com', 443);
   * const tlsSocket = tls.connect({ socket: conn.toNetSocket(), servername: 'example.com' });
   * ```
   */
  toNetSocket(options: { allowHalfOpen?: boolean } = {}): NetSocket {
    // Node wraps only stream sockets (TCP, UNIX stream); check before the fd is given away.
    if (this.socket.type !== C.SOCK_STREAM || (this.socket.family !== C.AF_INET && this.socket.family !== C.AF_INET6 && this.socket.family !== C.AF_UNIX)) {
      throw new SocketError(`a socket of family ${this.socket.family}, type ${this.socket.type} cannot be handed to Node: only TCP and UNIX stream sockets can`, { code: 'ERR_INVALID_FD_TYPE' });
    }
    const busy = this.readMode !== undefined ? `its read side is consumed through ${this.readMode}` : (this.socketWriter?.bufferedAmount ?? 0) > 0 ? 'its writer holds bytes' : undefined;
    if (busy !== undefined) throw new SocketError(`${this.toString()} cannot be handed to Node: ${busy}`, { code: 'ERR_RXSOCK_SOURCE_BUSY' });
    const referenced = this.socket.hasRef();
    this.rememberAddresses();
    const fd = this.socket.detach();
    let netSocket: NetSocket;
    try {
      netSocket = new NetSocket({ fd, readable: true, writable: true, allowHalfOpen: options.allowHalfOpen ?? false });
    } catch (error) {
      // Node refused the fd after all: it is still ours to close.
      Socket.fromFd(fd).close();
      this.close(error);
      throw error;
    }
    if (!referenced) netSocket.unref();
    this.close();
    return netSocket;
  }

  /**
   * Calls `listener` once the connection is closed (at once if it already is). The promise-free
   * form of {@link Connection.closed}.
   */
  onClose(listener: () => void): void {
    if (this.isClosed) return listener();
    const current = this.closeListeners;
    this.closeListeners = current === undefined ? listener : Array.isArray(current) ? [...current, listener] : [current, listener];
  }

  /** Keeps the addresses readable after close (logs, error handlers): asked now if never asked. */
  private rememberAddresses(): void {
    try {
      this.local ??= this.socket.getsockname();
      this.remote ??= this.socket.getpeername();
    } catch {
      // the peer may already be gone (ENOTCONN): what was learned stays
    }
  }

  /** Whether {@link Connection.close} has run. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  private get isClosed(): boolean {
    return (this.state & CLOSED) !== 0;
  }

  private get readMode(): ReadMode | undefined {
    const mode = this.state >> MODE_SHIFT;
    return mode === 0 ? undefined : READ_MODES[mode - 1];
  }

  /** `await using conn = await connect(...)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** `Connection(127.0.0.1:5000 -> 127.0.0.1:80)`. */
  toString(): string {
    return `${this.constructor.name}(${formatAddress(this.localAddress)} -> ${formatAddress(this.remoteAddress)})`;
  }

  /** @internal Marks the read side as consumed one way; subclasses add message forms. */
  protected claim(mode: ReadMode): void {
    const current = this.readMode;
    if (current === undefined) this.state |= (READ_MODES.indexOf(mode) + 1) << MODE_SHIFT;
    else if (current !== mode) {
      throw new SocketError(`the read side of ${this.toString()} is already consumed through ${current}`, {
        code: 'ERR_RXSOCK_SOURCE_BUSY',
      });
    }
  }

  /** @internal The peer finished sending and the consumer saw it. */
  protected readFinished(): void {
    this.state |= READ_ENDED;
    this.maybeFinished();
  }

  private maybeFinished(): void {
    if ((this.state & (READ_ENDED | WRITE_ENDED)) === (READ_ENDED | WRITE_ENDED)) this.close();
  }

  /** @internal The subscribe function of {@link Connection.input$}. */
  subscribeInput(subscriber: Subscriber<Buffer>): TeardownLogic {
    try {
      this.claim('input$');
    } catch (e) {
      subscriber.error(e);
      return;
    }
    if (this.readSide) {
      subscriber.error(new SocketError('input$ takes one subscriber at a time', { code: 'ERR_RXSOCK_SOURCE_BUSY' }));
      return;
    }
    if (this.state & (CLOSED | READ_ENDED)) {
      subscriber.complete();
      return;
    }
    // The reader is made at the first edge; bad options must still fail the subscription now.
    checkReadOptions(this.options.read);
    const sink = new InputSink(this, subscriber);
    this.readSide = sink;
    sink.start();
    return sink;
  }

  /** @internal The reader options this connection was made with. */
  get readOptions(): ReadOptions | undefined {
    return this.options.read;
  }

  /** @internal The reader of an `input$` subscription, made once there is something to read. */
  makeInputReader(): ChunkReader {
    return new ChunkReader(this.socket, this.options.read);
  }

  /** @internal The input reader failed: the subscriber hears it, then the connection closes. */
  inputFailed(sink: InputSink, error: unknown): void {
    if (this.readSide === sink) this.readSide = undefined;
    sink.subscriber.error(error);
    this.close();
  }

  /** @internal The peer finished sending and the subscriber has had everything. */
  inputEnded(sink: InputSink): void {
    if (this.readSide === sink) this.readSide = undefined;
    sink.subscriber.complete();
    this.readFinished();
  }

  /** @internal The subscription's teardown ran; `finished`: input had ended or failed first. */
  inputUnsubscribed(sink: InputSink, finished: boolean): void {
    if (this.readSide === sink) this.readSide = undefined;
    if (!finished) this.close();
  }
}
