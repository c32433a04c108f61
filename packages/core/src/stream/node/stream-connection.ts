/**
 * The reverse adapter: a connection face (`input$`, a credit `reader`, `for await`, a `writer`
 * with `writable$`, `end`, `close`, `closed`) over any Node `stream.Duplex` or Web stream pair,
 * so that rxsock's framing operators, `sinkTo` and `pipeSocket` run over TLS sockets, HTTP/2
 * streams, child processes or anything else Node offers as a stream. Backpressure is Node's: a
 * reader without credit pauses the Duplex, whose buffer then fills and stops its source.
 */
import { Duplex } from 'node:stream';
import type { ReadableStream, WritableStream } from 'node:stream/web';
import type { Observable, Subscriber } from 'rxjs';
import { SocketError, invalidArgument } from '../../errors.js';
import { LazySubject, rx } from '../../rx/index.js';
import type { ChunkSink } from '../chunk-reader.js';
import { DEFAULT_MAX_BUFFERED_FACTOR } from '../writer.js';
import { StreamErrorCode, streamError } from '../errors.js';
import { pipeSocket, type PipeTarget } from '../pipe.js';

/**
 * Credit-driven chunks from a Node Readable: the same interface as a {@link ChunkReader}
 * (`chunks$`, `request`, `pause`, `resume`, `close`), so {@link pipeSocket} and
 * {@link consumeChunks}-style loops take it. Without credit the stream is paused: its buffer fills
 * to its `readableHighWaterMark` and it stops reading its own source.
 */
export class StreamReader {
  private sink: ChunkSink | undefined;
  private credit = 0;
  private isPaused = false;
  private done: { error?: unknown } | undefined;
  private observable: Observable<Buffer> | undefined;

  constructor(private readonly stream: Duplex) {
    stream.pause();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.finish());
    stream.on('error', (error) => this.finish(error));
    // Destroyed without an error before its end: the owner closed it; the subscriber completes.
    stream.on('close', () => this.finish());
  }

  /** The chunks, as granted with {@link StreamReader.request}. One subscriber at a time. */
  get chunks$(): Observable<Buffer> {
    return (this.observable ??= new (rx().Observable)<Buffer>((subscriber) => this.attachSink(subscriber as unknown as ChunkSink)));
  }

  /** Bytes the stream holds for the consumer (its `readableLength`). */
  get buffered(): number {
    return this.stream.readableLength;
  }

  /** Chunks the consumer may still be sent. */
  get pendingCredit(): number {
    return this.credit;
  }

  /** Whether {@link StreamReader.pause} is in effect. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** @internal Delivers to `sink` as to a subscriber; returns the detach function. */
  attachSink(sink: ChunkSink): () => void {
    if (this.sink && !this.sink.closed) {
      sink.error(streamError(StreamErrorCode.SOURCE_BUSY, 'this reader already has a subscriber'));
      return () => {};
    }
    if (this.done) {
      if (this.done.error !== undefined) sink.error(this.done.error);
      else sink.complete();
      return () => {};
    }
    this.sink = sink;
    this.flow();
    return () => {
      if (this.sink !== sink) return;
      this.sink = undefined;
      this.flow();
    };
  }

  /** Allows `n` more chunks (`Infinity`: no limit). */
  request(n: number): void {
    if (!(n >= 0) || (n !== Infinity && !Number.isSafeInteger(n))) throw invalidArgument(`request(n) needs a count >= 0, got ${String(n)}`);
    this.credit += n;
    this.flow();
  }

  /** Stops delivery (and the stream's reading, once its buffer is full) whatever the credit. */
  pause(): void {
    this.isPaused = true;
    this.flow();
  }

  /** Undoes {@link StreamReader.pause}. */
  resume(): void {
    this.isPaused = false;
    this.flow();
  }

  /** Stops delivering for good; a current subscriber completes. The stream is left as it is. */
  close(): void {
    this.finish();
  }

  private flow(): void {
    const wants = this.sink !== undefined && !this.sink.closed && !this.isPaused && this.credit > 0 && !this.done;
    if (wants && this.stream.isPaused()) this.stream.resume();
    else if (!wants && !this.stream.isPaused()) this.stream.pause();
  }

  private onData(chunk: Buffer): void {
    const sink = this.sink;
    if (!sink || sink.closed) {
      // Paused too late to stop this one: keep it for the next consumer.
      this.stream.pause();
      this.stream.unshift(chunk);
      return;
    }
    this.credit--;
    if (this.credit <= 0) this.stream.pause();
    sink.next(chunk);
    this.flow();
  }

  private finish(error?: unknown): void {
    if (this.done) return;
    this.done = error === undefined ? {} : { error };
    const sink = this.sink;
    this.sink = undefined;
    if (sink && !sink.closed) {
      if (error !== undefined) sink.error(error);
      else sink.complete();
    }
  }
}

/**
 * The write side of a Node Writable with {@link SocketWriter}'s interface: `write()` returns
 * false at the stream's `writableHighWaterMark`, `writable$` turns false then and true at its
 * `'drain'`, `end()` resolves at `'finish'`. {@link sinkTo} and {@link pipeSocket} take it.
 */
export class StreamWriter implements PipeTarget {
  /** The stream's `writableHighWaterMark`. */
  readonly highWaterMark: number;
  /** Node streams drain to empty: 0. */
  readonly lowWaterMark = 0;
  /** {@link sinkTo}'s default cap: 16 × the high-water mark. */
  readonly maxBuffered: number;
  /** Settles once the stream is finished or destroyed (rejects with its error). */
  readonly closed: Promise<void>;
  private readonly writable = new LazySubject<boolean>({ initial: true });
  private pendingWrites = 0;
  private readonly flushWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private readonly drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private failure: unknown;
  private ending: Promise<void> | undefined;
  private readonly written = (error?: Error | null): void => {
    this.pendingWrites--;
    if (error) return;
    if (this.pendingWrites === 0) for (const w of this.flushWaiters.splice(0)) w.resolve();
  };

  constructor(private readonly stream: Duplex) {
    this.highWaterMark = stream.writableHighWaterMark;
    this.maxBuffered = DEFAULT_MAX_BUFFERED_FACTOR * this.highWaterMark;
    this.closed = new Promise<void>((resolve, reject) => {
      stream.on('drain', () => {
        this.writable.next(true);
        this.settleDrain();
      });
      stream.on('finish', () => {
        this.writable.complete();
        resolve();
      });
      stream.on('error', (error) => {
        this.failure = error;
        this.writable.error(error);
        for (const w of this.flushWaiters.splice(0)) w.reject(error);
        this.settleDrain();
        reject(error);
      });
      stream.on('close', () => {
        if (this.failure === undefined) {
          this.failure = streamError(StreamErrorCode.WRITER_DESTROYED, 'the stream was closed');
          for (const w of this.flushWaiters.splice(0)) w.reject(this.failure);
          this.writable.complete();
          resolve();
        }
        this.settleDrain();
      });
    });
    this.closed.catch(() => {});
  }

  /** Bytes the stream holds and has not written yet (`writableLength`). */
  get bufferedAmount(): number {
    return this.stream.writableLength;
  }

  /** True once `true`/`false` was last reported; see {@link SocketWriter.writable$}. */
  get writable$(): Observable<boolean> {
    return this.writable.asObservable();
  }

  /** Whether `end()` was called or the stream is gone. */
  get finished(): boolean {
    return this.ending !== undefined || this.stream.destroyed || this.stream.writableEnded;
  }

  /**
   * Writes `chunk`; false once the stream is at its high-water mark (wait for {@link StreamWriter.drain}).
   * @throws {@link SocketError} `ERR_RXSOCK_WRITE_AFTER_END` after `end()`, the stream's error after a failure.
   */
  write(chunk: Uint8Array): boolean {
    if (this.failure !== undefined) throw this.failure;
    if (this.finished) throw streamError(StreamErrorCode.WRITE_AFTER_END, 'write after end()', 'write');
    if (!(chunk instanceof Uint8Array)) throw invalidArgument('write() takes a Uint8Array', 'write', 'ERR_INVALID_ARG_TYPE');
    this.pendingWrites++;
    const below = this.stream.write(chunk, this.written);
    if (!below && this.writable.value) this.writable.next(false);
    return below;
  }

  /** Resolves at the stream's `'drain'` (at once when it needs none). */
  drain(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    // One waiter list settled by the listeners the constructor added: a bulk writer waits for
    // 'drain' once per high-water mark, and three listeners added and removed each time cost
    // more than the write they wait for.
    return new Promise<void>((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Settles the {@link StreamWriter.drain} waiters: resolved at 'drain', rejected once failed or closed. */
  private settleDrain(): void {
    if (this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters.splice(0);
    for (const w of waiters) {
      if (this.failure !== undefined) w.reject(this.failure);
      else w.resolve();
    }
  }

  /** Resolves once every write so far has been handed on by the stream. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pendingWrites === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
  }

  /** Ends the stream's writing side (for a socket: a half-close); resolves at `'finish'`. */
  end(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!this.ending) {
      this.ending = this.closed;
      this.stream.end();
    }
    return this.ending;
  }

  /** Destroys the stream (with `error`, if given). */
  destroy(error?: unknown): void {
    this.stream.destroy(error as Error | undefined);
  }
}

type Waiter = { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: unknown) => void };

/**
 * A connection over a Node `stream.Duplex` (or a Web stream pair): the faces of inet's
 * `Connection` (`input$`, `reader`, `for await`, `writer`, `write`/`drain`/`end`/`close`,
 * `closed`, `pipeTo`), so code written for rxsock connections runs over any Node stream.
 * The read side is consumed one way, chosen by first use, as on a `Connection`.
 *
 * @example
 * ```ts
 * const conn = fromDuplex(tls.connect({ socket: toDuplex(tcp), servername: 'example.com' }));
 * conn.input$.pipe(lines()).subscribe(console.log);
 * ```
 */
export class StreamConnection {
  /** The Duplex underneath (a `TLSSocket`, a `Duplex.fromWeb` pair...). */
  readonly stream: Duplex;
  /** Settles (always resolves) once the stream has closed. */
  readonly closed: Promise<void>;
  private streamReader: StreamReader | undefined;
  private streamWriter: StreamWriter | undefined;
  private readMode: 'input$' | 'reader' | 'iterator' | undefined;
  private inputObservable: Observable<Buffer> | undefined;

  /** @param stream - The Duplex; the connection owns it from now on (close() destroys it). */
  constructor(stream: Duplex) {
    this.stream = stream;
    this.closed = new Promise<void>((resolve) => {
      if (stream.destroyed) resolve();
      else stream.once('close', () => resolve());
    });
    // Errors go to whoever consumes; an unobserved one must not crash the process.
    stream.on('error', () => {});
  }

  /**
   * The bytes, as chunks: completes at the stream's end, errors with its error. Unsubscribing
   * before the end closes the connection, as on a `Connection`. One subscriber.
   */
  get input$(): Observable<Buffer> {
    return (this.inputObservable ??= new (rx().Observable)<Buffer>((subscriber: Subscriber<Buffer>) => {
      try {
        this.claim('input$');
      } catch (e) {
        subscriber.error(e);
        return;
      }
      const reader = this.readSide();
      let finished = false;
      const detach = reader.attachSink({
        get closed() {
          return subscriber.closed;
        },
        next: (chunk) => subscriber.next(chunk),
        error: (e) => {
          finished = true;
          subscriber.error(e);
        },
        complete: () => {
          finished = true;
          subscriber.complete();
        },
      });
      reader.request(Infinity);
      return () => {
        detach();
        if (!finished) this.close();
      };
    }));
  }

  /** The credit form of the read side (see {@link StreamReader}). */
  get reader(): StreamReader {
    this.claim('reader');
    return this.readSide();
  }

  /** The write side (see {@link StreamWriter}). */
  get writer(): StreamWriter {
    return (this.streamWriter ??= new StreamWriter(this.stream));
  }

  /** `for await (const chunk of conn)`: one chunk per iteration; `break` stops reading. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    this.claim('iterator');
    const reader = this.readSide();
    const ready: Buffer[] = [];
    const waiters: Waiter[] = [];
    let end: { error?: unknown } | undefined;
    const settle = (): void => {
      while (waiters.length > 0 && ready.length > 0) waiters.shift()!.resolve({ done: false, value: ready.shift()! });
      if (end && ready.length === 0) {
        for (const w of waiters.splice(0)) {
          if (end.error !== undefined) w.reject(end.error);
          else w.resolve({ done: true, value: undefined });
        }
        if (end.error !== undefined) end = {};
      }
    };
    const detach = reader.attachSink({
      get closed() {
        return end !== undefined;
      },
      next: (chunk) => {
        ready.push(chunk);
        settle();
      },
      error: (e) => {
        end = { error: e };
        settle();
      },
      complete: () => {
        end ??= {};
        settle();
      },
    });
    return {
      next: () =>
        new Promise<IteratorResult<Buffer>>((resolve, reject) => {
          waiters.push({ resolve, reject });
          if (ready.length === 0 && !end) reader.request(1);
          settle();
        }),
      return: () => {
        end ??= {};
        detach();
        settle();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Writes `chunk`; false at the stream's high-water mark (wait for `drain()`). */
  write(chunk: Uint8Array): boolean {
    return this.writer.write(chunk);
  }

  /** Resolves at the stream's `'drain'`. */
  drain(): Promise<void> {
    return this.writer.drain();
  }

  /** Ends the writing side (a half-close where the stream supports one) once written. */
  end(): Promise<void> {
    return this.writer.end();
  }

  /** Destroys the stream at once (with `error`, if given). Safe to call more than once. */
  close(error?: unknown): void {
    this.stream.destroy(error as Error | undefined);
  }

  /** Calls `listener` once the stream has closed. */
  onClose(listener: () => void): void {
    void this.closed.then(listener);
  }

  /** Whether the stream is not destroyed yet. */
  get isOpen(): boolean {
    return !this.stream.destroyed;
  }

  /**
   * Pipes this connection's bytes into `target` (another connection, a `SocketWriter` or a
   * {@link StreamWriter}) with backpressure, as `Connection.pipeTo` does; ends the target at the
   * end unless `end: false`.
   */
  async pipeTo(target: { readonly writer: PipeTarget } | PipeTarget, options: { end?: boolean } = {}): Promise<void> {
    const writer = 'writer' in target ? target.writer : target;
    await pipeSocket(this.reader, writer, { end: options.end ?? true });
  }

  /** `await using` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private readSide(): StreamReader {
    return (this.streamReader ??= new StreamReader(this.stream));
  }

  private claim(mode: 'input$' | 'reader' | 'iterator'): void {
    if (this.readMode === undefined) this.readMode = mode;
    else if (this.readMode !== mode) {
      throw new SocketError(`the read side is already consumed through ${this.readMode}`, { code: StreamErrorCode.SOURCE_BUSY });
    }
  }
}

/**
 * Wraps a Node `stream.Duplex` (a `TLSSocket`, a `net.Socket`, an HTTP/2 stream...) as a
 * {@link StreamConnection}.
 */
export function fromDuplex(stream: Duplex): StreamConnection {
  return new StreamConnection(stream);
}

/**
 * Wraps a Web `ReadableStream`/`WritableStream` pair as a {@link StreamConnection}. The two
 * sides are independent (half-open): the readable's end does not close the writable.
 */
export function fromWebStreams(pair: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }): StreamConnection {
  return new StreamConnection(Duplex.fromWeb(pair as never, { allowHalfOpen: true }));
}
