/**
 * The `input$` side of a {@link Connection}: the Observable, and the one object a subscription
 * costs. Until the first byte (or the end) arrives, a subscribed connection holds no reader at
 * all, only an armed readable listener: its {@link ChunkReader} (pump, queue, credit) is made at
 * the first readable edge. A server's idle connections each hold two small objects here.
 */
import type { Observable, Subscriber, TeardownLogic, Unsubscribable } from 'rxjs';
import { C, ChunkReception, rx, type ChunkReader, type ReadableListener, type Socket } from '@rxsock/core';
import type { Connection } from './connection.js';

/** One byte to peek into: peeks are synchronous, so every connection shares it. */
const peekScratch = Buffer.alloc(1);

/**
 * The subscribe function of every {@link InputObservable}: one function for all, finding the
 * connection through `this`, where a closure per connection would cost its own context.
 */
function subscribeInput(this: Observable<Buffer>, subscriber: Subscriber<Buffer>): TeardownLogic {
  return (this as InputObservable).connection.subscribeInput(subscriber);
}

/** A connection's `input$` type: an Observable that knows its connection. */
interface InputObservable extends Observable<Buffer> {
  readonly connection: Connection;
}

/** The class, defined at the first `input$`: rxjs is loaded on first use (see core's rx/load.ts). */
let InputObservableClass: (new (connection: Connection) => InputObservable) | undefined;

/** @internal A connection's `input$`. */
export function inputObservable(connection: Connection): Observable<Buffer> {
  if (InputObservableClass === undefined) {
    const Base = rx().Observable;
    InputObservableClass = class extends Base<Buffer> {
      constructor(readonly connection: Connection) {
        super(subscribeInput);
      }
    };
  }
  return new InputObservableClass(connection);
}

/**
 * @internal
 * One `input$` subscription: the reception the kernel delivers to by completion, or else the
 * sink its readiness reader delivers to and the listener that makes that reader at the first
 * edge; and the teardown RxJS calls on unsubscribe (no closure for any).
 */
export class InputSink extends ChunkReception implements ReadableListener, Unsubscribable {
  /** Set once the subscriber has had its complete/error, or left. */
  closed = false;
  /** Made at the first readable edge, when the socket is read on readiness. */
  private reader: ChunkReader | undefined;

  constructor(
    private readonly connection: Connection,
    readonly subscriber: Subscriber<Buffer>,
  ) {
    super();
  }

  /** {@link ChunkReception}: the socket received from. */
  get socket(): Socket {
    return this.connection.socket;
  }

  /**
   * Starts reading: by completion where the kernel can (everything is taken as it comes, which
   * is what a subscriber does), otherwise on readiness, now if a byte (or the end) is already
   * queued, or at the first edge.
   */
  start(): void {
    if (this.startReceiving(this.connection.readOptions?.chunkSize)) return;
    const socket = this.connection.socket;
    let queued: number;
    try {
      // A peek leaves the byte for the reader; an empty queue costs the same one EAGAIN as the
      // reader's own first read would have.
      queued = socket.tryRecvInto(peekScratch, 1, C.MSG_PEEK);
    } catch (error) {
      this.error(error);
      return;
    }
    if (queued < 0) socket.onNextReadable(this);
    else this.startReader();
  }

  /** {@link ReadableListener}: the first edge, or the error that closed the socket. */
  override onReadable(error?: unknown): void {
    if (this.receiving) {
      super.onReadable(error);
      return;
    }
    if (this.closed) return;
    if (error !== undefined) this.error(error);
    else this.startReader();
  }

  /**
   * {@link ChunkReception}: a bulk transfer goes on on readiness, through a ChunkReader, until
   * 16 chunks in a row below 32 KiB show it is over.
   */
  override receiveOnReadiness(): void {
    this.startReader();
  }

  next(chunk: Buffer): void {
    this.subscriber.next(chunk);
    // Read on readiness since a bulk transfer: once it is over, completions again.
    if (this.reader !== undefined && this.bulkOver(chunk.length)) this.receiveByCompletionAgain();
  }

  /**
   * The reader stops (inside its own delivery: it makes no read after this one) and the kernel
   * request takes over, with the bytes still in the socket. A reader drained the socket with its
   * last, short read, so nothing was read ahead for it; where no request can be posted now (512
   * sockets receive by completion), a new reader goes on on readiness.
   */
  private receiveByCompletionAgain(): void {
    const reader = this.reader!;
    if (this.closed || reader.buffered > 0 || this.connection.socket.closed) return;
    reader.handOver();
    this.reader = undefined;
    if (!this.restartReceiving(this.connection.readOptions?.chunkSize)) this.startReader();
  }

  error(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.inputFailed(this, error);
  }

  complete(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.inputEnded(this);
  }

  /** The subscription's teardown: stops reading, and closes the connection if input was not over. */
  unsubscribe(): void {
    const finished = this.closed;
    this.closed = true;
    const socket = this.connection.socket;
    if (this.receiving) this.stop();
    else if (this.reader) this.reader.close();
    else if (!socket.closed) socket.onNextReadable(undefined);
    this.connection.inputUnsubscribed(this, finished);
  }

  private startReader(): void {
    const reader = (this.reader = this.connection.makeInputReader());
    reader.attachSink(this);
    reader.request(Infinity);
  }
}
