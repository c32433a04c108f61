/**
 * Web Streams over a stream socket: a byte `ReadableStream` whose BYOB reads land straight in
 * the caller's buffer (`recvInto`), and a `WritableStream` in front of the {@link SocketWriter}.
 * Both are pull-based: the socket is read only while a read is pending (the read interest is
 * dropped otherwise, so the kernel buffer fills and TCP's window closes), and the writable side's
 * queuing strategy plus the writer's water marks hold a fast producer back.
 */
import type { ReadableByteStreamController, ReadableStream, WritableStream } from 'node:stream/web';
import { Socket } from '../../socket/socket.js';
import { DEFAULT_CHUNK_SIZE } from '../chunk-reader.js';
import { ReadPump, type PumpHost, type ReadStep } from '../source.js';
import { SocketWriter, type WriterOptions } from '../writer.js';
import { TurnBudget } from './turn-budget.js';

/**
 * What {@link toWebStreams} needs of a connection: its socket, its writer, a half-close and a
 * close. inet's `Connection` is one. The readable side reads the socket itself (`recvInto`), so
 * do not consume the connection's `input$`/`reader` as well.
 */
export interface WebStreamEndpoint {
  /** The connected stream socket. */
  readonly socket: Socket;
  /** The write side. */
  readonly writer: SocketWriter;
  /** Flushes, then `shutdown(SHUT_WR)`. */
  end(): Promise<void>;
  /** Closes the socket at once. */
  close(error?: unknown): void;
}

/** Options of {@link toWebStreams}. */
export interface WebStreamsOptions {
  /**
   * The readable side's queuing strategy, in bytes read ahead of the consumer's reads. Default 0:
   * the socket is read only for a pending `read()` (pure pull).
   */
  readableHighWaterMark?: number;
  /**
   * The writable side's queuing strategy, in bytes: `writer.desiredSize` goes to zero or below
   * (and `writer.ready` waits) once this much is queued in front of the socket's writer.
   * Default: the writer's high-water mark.
   */
  writableHighWaterMark?: number;
  /** Buffer size of a default (non-BYOB) read. Default 64 KiB. */
  chunkSize?: number;
  /** For a bare {@link Socket}: the writer's water marks. */
  write?: WriterOptions;
}

/** A readable and writable Web stream pair over one connection. */
export interface WebStreamPair {
  /** The bytes the peer sends; supports `getReader({ mode: 'byob' })`. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to send; `close()` half-closes, `abort()` closes the connection. */
  readonly writable: WritableStream<Uint8Array>;
}

/** Reads for one pending pull: the {@link PumpHost} of a {@link ReadPump}. */
class ByteSource implements PumpHost {
  controller!: ReadableByteStreamController;
  pump!: ReadPump;
  private pending: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private done = false;

  constructor(
    private readonly socket: Socket,
    private readonly finished: (error?: unknown) => void,
  ) {}

  private readonly budget = new TurnBudget();
  private readonly kick = (): void => this.pump.kick();

  pull(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject };
      // Each read's promise asks for the next one: past the turn's budget, go on next turn.
      if (this.budget.take()) this.pump.kick();
      else this.budget.nextTurn(this.kick);
    });
  }

  wantsRead(): boolean {
    return this.pending !== undefined && !this.done;
  }

  readOnce(): ReadStep {
    const request = this.controller.byobRequest!;
    const view = request.view!;
    const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const n = this.socket.tryRecvInto(target, target.byteLength);
    if (n < 0) return 'blocked';
    const pending = this.pending!;
    this.pending = undefined;
    if (n === 0) {
      this.done = true;
      this.controller.close();
      request.respond(0);
      pending.resolve();
      this.finished();
      return 'end';
    }
    request.respond(n);
    pending.resolve();
    return 'more';
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    const pending = this.pending;
    this.pending = undefined;
    this.controller.error(error);
    pending?.reject(error);
    this.finished(error);
  }

  cancel(): void {
    this.done = true;
    this.pump.stop();
    this.pending?.resolve();
    this.pending = undefined;
  }
}

/**
 * Turns a connection (or a connected stream {@link Socket}) into a `ReadableStream` and a
 * `WritableStream`. The connection closes once both are finished (the peer's end read and the
 * writable closed), or at once on an error, an `abort()` or a `cancel()` of a side while the
 * other is finished too.
 *
 * @example
 * ```ts
 * const { readable, writable } = toWebStreams(await connect('localhost', 7));
 * await readable.pipeThrough(new DecompressionStream('gzip')).pipeTo(fileSink);
 * ```
 */
export function toWebStreams(target: WebStreamEndpoint | Socket, options: WebStreamsOptions = {}): WebStreamPair {
  let endpoint: WebStreamEndpoint;
  if (target instanceof Socket) {
    const socket = target;
    const writer = new SocketWriter(socket, options.write);
    endpoint = {
      socket,
      writer,
      end: () => writer.end(),
      close: (error?: unknown) => {
        writer.destroy(error);
        socket.close();
      },
    };
  } else endpoint = target;
  const { socket, writer } = endpoint;

  let readDone = false;
  let writeDone = false;
  let closed = false;
  const close = (error?: unknown): void => {
    if (closed) return;
    closed = true;
    endpoint.close(error);
  };
  const sideFinished = (error?: unknown): void => {
    if (error !== undefined) close(error);
    else if (readDone && writeDone) close();
  };

  const source = new ByteSource(socket, (error) => {
    readDone = true;
    sideFinished(error);
  });
  source.pump = new ReadPump(socket, source);
  // Node's globals, the same classes as node:stream/web's, load web streams on first use:
  // importing node:stream/web here cost every process that loads core 0.9 MiB of RSS.
  const readable = new globalThis.ReadableStream(
    {
      type: 'bytes',
      autoAllocateChunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
      start(controller) {
        source.controller = controller;
      },
      pull: () => source.pull(),
      cancel: () => {
        source.cancel();
        readDone = true;
        sideFinished();
      },
    },
    { highWaterMark: options.readableHighWaterMark ?? 0 },
  ) as ReadableStream<Uint8Array>;

  const writable = new globalThis.WritableStream<Uint8Array>(
    {
      write(chunk) {
        // A write past the high mark waits for the writer's drain: the stream's own queue then
        // fills, and its desiredSize tells the producer to wait.
        if (!writer.write(chunk)) return writer.drain();
        return undefined;
      },
      async close() {
        await endpoint.end();
        writeDone = true;
        sideFinished();
      },
      abort(reason) {
        writeDone = true;
        source.cancel();
        close(reason);
      },
    },
    new globalThis.ByteLengthQueuingStrategy({ highWaterMark: options.writableHighWaterMark ?? writer.highWaterMark }),
  );
  // A writer that fails (EPIPE, ECONNRESET) takes the connection with it; the streams see the error.
  writer.closed.catch((error: unknown) => {
    source.fail(error);
    close(error);
  });
  return { readable, writable };
}
