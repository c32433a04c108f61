/**
 * Byte chunks from a stream socket with explicit credit: the consumer says how many chunks it can
 * take, the reader reads ahead up to a high-water mark, and past that it drops the fd's read
 * interest so the kernel buffer fills and TCP's receive window closes on the sender.
 */
import type { Observable, Subscriber } from 'rxjs';
import { rx } from '../rx/index.js';
import { invalidArgument } from '../errors.js';
import type { Socket } from '../socket/socket.js';
import { QueuedSource } from './queued-source.js';
import { RecycledBuffers } from './recycled-buffers.js';
import { allocateReadBuffer, noteHandedOver } from './read-buffers.js';
import { DEFAULT_READS_PER_TURN, ReadPump, type PumpHost, type ReadStep } from './source.js';
import { unlimitedCredit } from './credit.js';

/** Options of the byte-stream readers ({@link ChunkReader}, {@link readChunks} and friends). */
export interface ReadOptions {
  /** Largest chunk one read returns, in bytes. Default 64 KiB. */
  chunkSize?: number;
  /**
   * Bytes read ahead of the consumer's credit before reading pauses. Default 1 MiB. The queue
   * never holds more than `highWaterMark + chunkSize - 1` bytes; 0 reads only against credit.
   */
  highWaterMark?: number;
  /** Reads per readiness wake-up before yielding to the event loop (fairness). Default 16. */
  readsPerTurn?: number;
}

/** Default {@link ReadOptions.chunkSize}. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** Default {@link ReadOptions.highWaterMark}. */
export const DEFAULT_READ_HIGH_WATER_MARK = 1024 * 1024;

function positiveInt(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw invalidArgument(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/**
 * @internal Throws the `EINVAL` error {@link ChunkReader}'s constructor would throw for
 * `options`, without making a reader: for consumers that make theirs only once there is data.
 */
export function checkReadOptions(options: ReadOptions = {}): void {
  positiveInt(options.chunkSize, DEFAULT_CHUNK_SIZE, 'chunkSize', 1);
  positiveInt(options.highWaterMark, DEFAULT_READ_HIGH_WATER_MARK, 'highWaterMark', 0);
  positiveInt(options.readsPerTurn, DEFAULT_READS_PER_TURN, 'readsPerTurn', 1);
}

/**
 * @internal The plain consumer {@link ChunkReader.attachSink} takes: what a subscriber offers.
 * `closed` must turn true once it has had its complete/error or no longer wants chunks.
 */
export interface ChunkSink {
  closed: boolean;
  next(chunk: Buffer): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * One read buffer shared by every reader: reads are synchronous, so an idle connection holds no
 * buffer at all (10,000 idle connections would otherwise pin 64 KiB each).
 */
let scratchBuffer: Buffer | undefined;

function sharedScratch(size: number): Buffer {
  if (scratchBuffer === undefined || scratchBuffer.length < size) scratchBuffer = allocateReadBuffer(Math.max(size, DEFAULT_CHUNK_SIZE));
  return scratchBuffer;
}

/**
 * Free buffers a recycling reader keeps beyond its read-ahead: enough for the chunk being read
 * while the consumer still holds one or two.
 */
const RECYCLED_SPARE = 4;
/** The most free buffers a recycling reader keeps, whatever its read-ahead. */
const RECYCLED_MAX = 64;

/** A chunk's weight in {@link ChunkReader.buffered}; one function for every reader. */
const chunkBytes = (chunk: Buffer): number => chunk.length;

/**
 * A credit-driven reader of a stream socket (TCP, UNIX stream, ...).
 *
 * `chunks$` delivers at most as many chunks as were granted with {@link ChunkReader.request}.
 * While subscribed, the reader reads ahead into its queue until `buffered` reaches
 * `highWaterMark`; then it stops asking the kernel for readability until the consumer catches up.
 * One subscriber at a time; unsubscribing stops reading (the queue is kept for the next
 * subscriber) and {@link ChunkReader.close} releases the socket's read side. The socket itself
 * is never closed here: its owner decides.
 *
 * @example
 * ```ts
 * const reader = new ChunkReader(sock, { highWaterMark: 256 * 1024 });
 * reader.chunks$.subscribe((chunk) => {
 *   void handle(chunk).then(() => reader.request(1));
 * });
 * reader.request(1);
 * ```
 */
export class ChunkReader implements PumpHost {
  /**
   * The chunks, as granted. Completes at end of stream (after the queue is delivered), errors
   * with the socket's typed {@link SocketError}. A second concurrent subscriber gets an
   * `ERR_RXSOCK_SOURCE_BUSY` error.
   */
  get chunks$(): Observable<Buffer> {
    return (this.chunksObservable ??= new (rx().Observable)<Buffer>((subscriber) => this.source.attach(subscriber)));
  }

  private readonly chunkSize: number;
  private readonly highWaterMark: number;
  private readonly pump: ReadPump;
  /** Subscriber, queue, credit, pause and endings. */
  private readonly source: QueuedSource<Buffer>;
  private chunksObservable: Observable<Buffer> | undefined;
  /** Set by {@link ChunkReader.enableRecycling}: the chunks it hands out may be given back. */
  private recycled: RecycledBuffers | undefined;

  /**
   * @param socket - A connected stream socket. The reader takes over its read side.
   * @param options - Chunk size, read-ahead and fairness.
   * @throws {@link SocketError} `EINVAL` for options out of range.
   */
  constructor(
    private readonly socket: Socket,
    options: ReadOptions = {},
  ) {
    this.chunkSize = positiveInt(options.chunkSize, DEFAULT_CHUNK_SIZE, 'chunkSize', 1);
    this.highWaterMark = positiveInt(options.highWaterMark, DEFAULT_READ_HIGH_WATER_MARK, 'highWaterMark', 0);
    const turn = positiveInt(options.readsPerTurn, DEFAULT_READS_PER_TURN, 'readsPerTurn', 1);
    // The reader is its own pump host: no closures per reader (a server may hold thousands).
    this.pump = new ReadPump(socket, this, turn);
    this.source = new QueuedSource<Buffer>(this.pump, chunkBytes);
  }

  /**
   * @internal Delivers to `sink` exactly as to a subscriber of {@link ChunkReader.chunks$}, but
   * without an Observable and its subscriber chain: a server's idle connections each hold one
   * small sink object instead. Returns the detach function.
   */
  attachSink(sink: ChunkSink): () => void {
    return this.source.attach(sink as unknown as Subscriber<Buffer>);
  }

  /** Bytes read from the kernel and not yet delivered. */
  get buffered(): number {
    return this.source.bytes;
  }

  /** Whether {@link ChunkReader.pause} is in effect. */
  get paused(): boolean {
    return this.source.paused;
  }

  /**
   * Whether the reader is currently asking the kernel for data (read interest armed). False
   * while paused, out of credit with a full queue, unsubscribed, ended or closed.
   */
  get reading(): boolean {
    return this.pump.armed;
  }

  /** Chunks the consumer may still be sent (`Infinity` for an unbounded grant). */
  get pendingCredit(): number {
    return this.source.credit;
  }

  /**
   * Allows `n` more chunks to be delivered (`Infinity`: no limit, like a plain Observable).
   * Delivery may happen synchronously, inside this call.
   * @throws {@link SocketError} `EINVAL` for a negative or fractional `n`.
   */
  request(n: number): void {
    this.source.request(n);
    this.pump.kick();
  }

  /** Stops delivering and reading until {@link ChunkReader.resume}, whatever the credit. */
  pause(): void {
    this.source.paused = true;
    this.pump.kick();
  }

  /** Undoes {@link ChunkReader.pause}: delivers queued chunks against credit and reads at once. */
  resume(): void {
    if (!this.source.paused) return;
    this.source.paused = false;
    this.source.deliver();
    this.pump.kick();
  }

  /**
   * Stops reading for good and drops the queue; a current subscriber completes. The socket keeps
   * whatever the kernel still holds, and gets its read interest back for whoever reads next.
   */
  close(): void {
    this.source.close();
  }

  /**
   * @internal Stops reading for good without completing the subscriber, whose owner reads the
   * socket another way from here (inet's `input$` going back to receiving by completion). Call it
   * with nothing {@link ChunkReader.buffered}: a queue would be dropped.
   */
  handOver(): void {
    this.source.close(false);
  }

  /**
   * Gives a delivered chunk's memory back for a later read, once you are done with it (after
   * {@link ChunkReader.enableRecycling}; otherwise it returns false and does nothing): a busy
   * stream then reuses a few buffers instead of leaving one dead 64 KiB buffer per read to the
   * garbage collector (see {@link ConsumeOptions.recycle}). The chunk is detached: it reads as
   * empty from now on, so a reference kept by mistake cannot see later data. Chunks the reader
   * copied (short reads), chunks of another reader and anything else are left alone.
   * @returns Whether the memory was taken back.
   */
  recycle(chunk: Uint8Array): boolean {
    return this.recycled?.giveBack(chunk) ?? false;
  }

  /**
   * Lets the chunks read from now on be given back with {@link ChunkReader.recycle}
   * (`consumeChunks` with `recycle: true` does this). Off by default: remembering which buffers
   * are yours to give back costs every chunk a weak-set entry, which readers that never recycle
   * should not pay.
   */
  enableRecycling(): void {
    // A buffer is either queued (read ahead, up to the high-water mark), with the consumer, or
    // free. The free list must take back a whole read-ahead's worth: a reader that refills its
    // queue in one turn (16 reads after TCP's window reopened) and could keep only 4 of them
    // when they came back would leave the other 12 to the garbage collector every cycle.
    // (bench/backpressure, 1 GiB: with 4 the recycling consumer peaked at 74-98 MiB by run.)
    const readAhead = Math.ceil(this.highWaterMark / this.chunkSize);
    this.recycled ??= new RecycledBuffers(Math.min(readAhead + RECYCLED_SPARE, RECYCLED_MAX));
  }

  /** @internal {@link PumpHost}: whether the consumer can take more now. */
  wantsRead(): boolean {
    const q = this.source;
    if (!q.consumer || q.paused || q.ended || q.closed) return false;
    // Credit beyond the queued chunks means the consumer waits for bytes not read yet.
    return q.bytes < this.highWaterMark || q.credit > q.queue.length;
  }

  /** @internal {@link PumpHost}: what {@link ChunkReader.readOnce} asks `recv` for. */
  readSize(): number {
    return this.chunkSize;
  }

  /** @internal {@link PumpHost}: one non-blocking read. */
  readOnce(): ReadStep {
    const recycled = this.recycled;
    const reused = recycled?.take();
    const target = reused ?? sharedScratch(this.chunkSize);
    const n = this.socket.tryRecvInto(target, this.chunkSize);
    if (n <= 0) {
      if (reused) recycled!.untake(reused);
      if (n < 0) return 'blocked';
      this.source.end();
      return 'end';
    }
    let chunk: Buffer;
    if (n >= this.chunkSize >>> 1) {
      // Mostly full: hand the buffer over instead of copying it.
      chunk = target.subarray(0, n);
      if (!reused) {
        scratchBuffer = undefined;
        noteHandedOver(target.length);
      }
      recycled?.lend(chunk);
    } else {
      // Mostly empty: a copy, so a small chunk does not pin a chunkSize allocation.
      chunk = Buffer.from(target.subarray(0, n));
      if (reused) recycled!.untake(reused);
    }
    this.source.push(chunk);
    return 'more';
  }

  /** @internal {@link PumpHost}: the read or the wait failed. */
  fail(error: unknown): void {
    this.source.fail(error, true);
  }
}

/**
 * The socket's bytes as an Observable of chunks. A synchronous `next()` counts as consumed, so
 * the reader keeps reading while the subscriber keeps up and its queue stays empty; a subscriber
 * that needs backpressure across async work should use {@link consumeChunks} or a
 * {@link ChunkReader}. Completes at end of stream; errors with typed {@link SocketError}s;
 * unsubscribing stops reading and leaves unread data in the kernel (the socket stays open).
 *
 * @param socket - A connected stream socket.
 * @param options - Chunk size, read-ahead and fairness.
 */
export function readChunks(socket: Socket, options?: ReadOptions): Observable<Buffer> {
  return unlimitedCredit(() => new ChunkReader(socket, options), (reader) => reader.chunks$);
}
