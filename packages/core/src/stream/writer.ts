/**
 * A buffered writer for a stream socket with high/low water marks, in the manner of Netty's
 * `ChannelOutboundBuffer`: writes queue up, a microtask later the queue goes out in vectored
 * `sendmsg` calls, and `writable$` tells producers when to stop and when to go on.
 */
import type { Observable } from 'rxjs';
import { LazySubject } from '../rx/index.js';
import { invalidArgument } from '../errors.js';
import type { Socket } from '../socket/socket.js';
import { StreamErrorCode, streamError } from './errors.js';
import { Ring } from './ring.js';
import { CALL_NOT_MADE, sendBatch, type SyscallBatch } from '../sys/syscall-batch.js';

/** Options of a {@link SocketWriter}. */
export interface WriterOptions {
  /** `write()` returns false and `writable$` turns false at this many queued bytes. Default 64 KiB. */
  highWaterMark?: number;
  /** `writable$` turns true again at or below this many queued bytes. Default 32 KiB. */
  lowWaterMark?: number;
  /**
   * Hard cap on queued bytes: a write that would take the queue past it throws
   * `ERR_RXSOCK_WRITE_OVERFLOW` (a write into an empty queue is always taken). Default
   * 16 × `highWaterMark`.
   */
  maxBuffered?: number;
  /** Chunks gathered into one `sendmsg` (the kernel's IOV_MAX is 1024). Default 1024. */
  maxChunksPerCall?: number;
  /** `sendmsg` calls per turn of the event loop before yielding (fairness). Default 16. */
  callsPerTurn?: number;
}

/** Default {@link WriterOptions.highWaterMark}. */
export const DEFAULT_WRITE_HIGH_WATER_MARK = 64 * 1024;
/** Default {@link WriterOptions.lowWaterMark}. */
export const DEFAULT_WRITE_LOW_WATER_MARK = 32 * 1024;
/** How many times the high-water mark the default {@link WriterOptions.maxBuffered} is. */
export const DEFAULT_MAX_BUFFERED_FACTOR = 16;

const EMPTY = new Uint8Array(0);

type Deferred = { resolve: () => void; reject: (e: unknown) => void };

// Writers with bytes queued in the current job, flushed together by ONE microtask: a server
// echoing on thousands of connections per wake-up pays one microtask per wake-up instead of one
// per connection (and Node's queueMicrotask allocates an AsyncResource and a bound function per
// call; a resolved promise's then() does not).
let flushQueue: SocketWriter[] = [];
let spareQueue: SocketWriter[] = [];
let flushQueued = false;
const resolvedPromise = Promise.resolve();

function flushQueuedWriters(): void {
  flushQueued = false;
  const writers = flushQueue;
  flushQueue = spareQueue;
  spareQueue = writers;
  const batch = writers.length >= BATCH_MIN_WRITERS ? sendBatch() : null;
  if (batch === null) for (let i = 0; i < writers.length; i++) writers[i]!.runScheduledFlush();
  else flushInBatches(writers, batch);
  writers.length = 0;
}

/**
 * A flush with fewer writers sends directly: one writer's send is one system call either way,
 * and a direct send does not copy.
 */
const BATCH_MIN_WRITERS = 2;
/**
 * A writer with more queued sends directly (vectored, no copy): copying 16 KiB costs about what
 * the system call saved, and a larger queue is a bulk transfer whose calls are few anyway.
 */
const BATCH_MAX_BYTES = 16 * 1024;

/** What {@link SocketWriter.stageFlush} did with a writer. */
type Staging = 'staged' | 'direct' | 'full';

/** Writers whose send is in the batch being filled. */
const staged: SocketWriter[] = [];
/** Writers of the current flush that send directly, after the batch: see flushInBatches. */
const direct: SocketWriter[] = [];

/**
 * The shared flush with a {@link SyscallBatch}: every writer with a small queue is copied into
 * the batch and all go out in one system call. The writers that send directly do so after the
 * batch ran: their flush can run a producer's code (writable$), which could close a staged
 * writer's socket, and its fd number must not be reused before the batch sends on it.
 */
function flushInBatches(writers: SocketWriter[], batch: SyscallBatch): void {
  for (let i = 0; i < writers.length; i++) {
    const writer = writers[i]!;
    let staging = writer.stageFlush(batch);
    if (staging === 'full') {
      runBatch(batch);
      staging = writer.stageFlush(batch);
    }
    if (staging === 'staged') staged.push(writer);
    else direct.push(writer);
  }
  runBatch(batch);
  for (let i = 0; i < direct.length; i++) direct[i]!.runScheduledFlush();
  direct.length = 0;
}

/** Runs the batch and hands each staged writer its result. */
function runBatch(batch: SyscallBatch): void {
  if (staged.length === 0) return;
  let failure: unknown;
  try {
    batch.run();
  } catch (error) {
    failure = error;
  }
  // Settling runs producers' code, but nothing stages until the next shared flush, a microtask away.
  for (let i = 0; i < staged.length; i++) staged[i]!.settleStagedFlush(batch, failure);
  staged.length = 0;
}

type State = 'open' | 'ending' | 'ended' | 'destroyed';

function checkInt(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) || value === Infinity) || value < min) throw invalidArgument(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/**
 * Queues bytes for a stream socket and writes them as the kernel takes them.
 *
 * Chunks are kept by reference, not copied: do not modify a chunk after writing it.
 *
 * @example
 * ```ts
 * const writer = new SocketWriter(sock);
 * for (const part of parts) if (!writer.write(part)) await writer.drain();
 * await writer.end();
 * ```
 */
export class SocketWriter {
  /** See {@link WriterOptions.highWaterMark}. */
  readonly highWaterMark: number;
  /** See {@link WriterOptions.lowWaterMark}. */
  readonly lowWaterMark: number;
  /** See {@link WriterOptions.maxBuffered}. */
  readonly maxBuffered: number;
  /**
   * Whether producers should write: starts true, turns false when `bufferedAmount` reaches the
   * high-water mark and true again at or below the low-water mark. Replays the current value to
   * new subscribers; completes when the writer ends or is destroyed, errors with the typed error
   * that destroyed it.
   */
  get writable$(): Observable<boolean> {
    return this.writable.asObservable();
  }
  /**
   * Settles once the writer is finished: resolves after `end()` completed or `destroy()` without
   * an error, rejects with the error that destroyed it.
   */
  readonly closed: Promise<void>;

  private readonly maxChunks: number;
  private readonly callsPerTurn: number;
  private readonly queue = new Ring<Uint8Array>();
  private readonly gathered: Uint8Array[] = [];
  private readonly single: Uint8Array[] = [EMPTY];
  private readonly writable = new LazySubject<boolean>({ initial: true });
  private readonly drainWaiters: Deferred[] = [];
  private readonly flushWaiters: Deferred[] = [];
  private queuedBytes = 0;
  private state: State = 'open';
  private failure: unknown;
  private flushing = false;
  private scheduled = false;
  private waiting = false;
  private controller: AbortController | undefined;
  private ending: Promise<void> | undefined;
  private settleClosed!: Deferred;
  private readonly flushTask = (): void => this.runScheduledFlush();
  /** This writer's send in the batch being filled (see {@link SocketWriter.stageFlush}), or -1. */
  private batchIndex = -1;

  /**
   * @param socket - A connected stream socket. The writer never closes it; `end()` shuts down
   * its writing side.
   * @param options - Water marks, hard cap and batching.
   * @throws {@link SocketError} `EINVAL` for inconsistent options.
   */
  constructor(
    private readonly socket: Socket,
    options: WriterOptions = {},
  ) {
    this.highWaterMark = checkInt(options.highWaterMark, DEFAULT_WRITE_HIGH_WATER_MARK, 'highWaterMark', 1);
    const low = options.lowWaterMark ?? Math.min(DEFAULT_WRITE_LOW_WATER_MARK, this.highWaterMark >>> 1);
    this.lowWaterMark = checkInt(low, low, 'lowWaterMark', 0);
    if (this.lowWaterMark >= this.highWaterMark) throw invalidArgument(`lowWaterMark (${this.lowWaterMark}) must be below highWaterMark (${this.highWaterMark})`);
    this.maxBuffered = checkInt(options.maxBuffered, DEFAULT_MAX_BUFFERED_FACTOR * this.highWaterMark, 'maxBuffered', this.highWaterMark);
    this.maxChunks = checkInt(options.maxChunksPerCall, 1024, 'maxChunksPerCall', 1);
    this.callsPerTurn = checkInt(options.callsPerTurn, 16, 'callsPerTurn', 1);
    this.closed = new Promise<void>((resolve, reject) => {
      this.settleClosed = { resolve, reject };
    });
    // A rejection nobody asked about must not crash the process; whoever awaits `closed` still sees it.
    this.closed.catch(() => {});
  }

  /** Bytes queued and not yet taken by the kernel. */
  get bufferedAmount(): number {
    return this.queuedBytes;
  }

  /** Whether `end()` or `destroy()` was called. */
  get finished(): boolean {
    return this.state !== 'open';
  }

  /**
   * Queues `chunk` (kept by reference) and returns whether the producer may go on: false once
   * `bufferedAmount` is at or over the high-water mark. The bytes go out a microtask later, many
   * chunks per system call; at the high-water mark a flush is tried at once.
   * @throws {@link SocketError} `ERR_RXSOCK_WRITE_OVERFLOW` past `maxBuffered` (the chunk is not
   * queued, nothing is lost), `ERR_RXSOCK_WRITE_AFTER_END` after `end()`, or the error that
   * destroyed the writer.
   */
  write(chunk: Uint8Array): boolean {
    if (this.state !== 'open') throw this.closedError('write');
    if (!(chunk instanceof Uint8Array)) throw invalidArgument('write() takes a Uint8Array', 'write', 'ERR_INVALID_ARG_TYPE');
    const n = chunk.byteLength;
    if (n === 0) return this.queuedBytes < this.highWaterMark;
    if (this.queuedBytes > 0 && this.queuedBytes + n > this.maxBuffered) {
      throw streamError(StreamErrorCode.WRITE_OVERFLOW, `write of ${n} bytes would take the writer's buffer (${this.queuedBytes} bytes) past maxBuffered (${this.maxBuffered})`, 'write');
    }
    this.queue.push(chunk);
    this.queuedBytes += n;
    if (this.queuedBytes >= this.highWaterMark) {
      if (this.writable.value) this.writable.next(false);
      // A producer that ignores `false` (a synchronous Observable) gets the kernel's room before the cap.
      if (!this.waiting) this.flushNow();
    } else {
      this.schedule();
    }
    return this.queuedBytes < this.highWaterMark;
  }

  /** Resolves when `bufferedAmount` is at or below the low-water mark (at once if it is). */
  drain(): Promise<void> {
    if (this.state === 'destroyed') return Promise.reject(this.failure);
    if (this.queuedBytes <= this.lowWaterMark) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Resolves when every queued byte has been handed to the kernel. */
  flush(): Promise<void> {
    if (this.state === 'destroyed') return Promise.reject(this.failure);
    if (this.queuedBytes === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
  }

  /**
   * Flushes, then half-closes the socket (`shutdown('write')`: the peer reads end of stream).
   * Later writes throw; calling it again returns the same promise.
   */
  end(): Promise<void> {
    if (this.state === 'destroyed') return Promise.reject(this.failure);
    if (this.ending) return this.ending;
    this.state = 'ending';
    this.ending = this.flush().then(() => {
      if (this.state !== 'ending') throw this.failure;
      try {
        this.socket.shutdown('write');
      } catch (e) {
        this.destroy(e);
        throw e;
      }
      this.state = 'ended';
      this.writable.complete();
      this.settleClosed.resolve();
    });
    // The caller may not await end(); its failure is reported through `closed` as well.
    this.ending.catch(() => {});
    return this.ending;
  }

  /**
   * Drops the queue and fails pending `drain`/`flush`/`end` with `error` (or
   * `ERR_RXSOCK_WRITER_DESTROYED`). The socket is left open. No-op once ended or destroyed.
   */
  destroy(error?: unknown): void {
    if (this.state === 'destroyed' || this.state === 'ended') return;
    this.state = 'destroyed';
    this.failure = error ?? streamError(StreamErrorCode.WRITER_DESTROYED, 'the writer was destroyed');
    this.cancelWait();
    this.queue.clear();
    this.queuedBytes = 0;
    for (const w of this.drainWaiters.splice(0)) w.reject(this.failure);
    for (const w of this.flushWaiters.splice(0)) w.reject(this.failure);
    if (error === undefined) {
      this.writable.complete();
      this.settleClosed.resolve();
    } else {
      this.writable.error(error);
      this.settleClosed.reject(error);
    }
  }

  private closedError(syscall: string): unknown {
    if (this.state === 'destroyed') return this.failure;
    return streamError(StreamErrorCode.WRITE_AFTER_END, 'write after end()', syscall);
  }

  /** @internal The flush {@link SocketWriter.schedule} promised, from the shared microtask. */
  runScheduledFlush(): void {
    this.scheduled = false;
    this.flushNow();
  }

  /**
   * @internal The shared flush's batched form of {@link SocketWriter.runScheduledFlush}: copies
   * the queue into `batch` and queues its send there (`'staged'`; the flush finishes in
   * {@link SocketWriter.settleStagedFlush}), or leaves it to a direct flush (`'direct'`: nothing
   * to send, a large queue, a socket waiting for room or closed), or finds no room (`'full'`).
   */
  stageFlush(batch: SyscallBatch): Staging {
    const bytes = this.queuedBytes;
    if (this.flushing || this.waiting || this.state === 'destroyed' || this.state === 'ended' || bytes === 0 || bytes > BATCH_MAX_BYTES) return 'direct';
    if (!batch.room(bytes)) return 'full';
    if (this.socket.closed) return 'direct';
    const offset = batch.stage(bytes);
    const index = this.socket.queueBatchedSend(batch, offset, bytes);
    if (index < 0) return 'direct';
    const staging = batch.staging;
    const queue = this.queue;
    for (let i = 0, at = offset; i < queue.length; i++) {
      const chunk = queue.peek(i)!;
      staging.set(chunk, at);
      at += chunk.byteLength;
    }
    this.scheduled = false;
    // Until the batch has run, this writer is mid-flush: a write at the high-water mark must
    // not send the same bytes again.
    this.flushing = true;
    this.batchIndex = index;
    return 'staged';
  }

  /**
   * @internal The batch ran (or failed with `failure`): takes this writer's send result as
   * {@link SocketWriter.flushNow} takes `trySendv`'s, and goes on flushing what is left.
   */
  settleStagedFlush(batch: SyscallBatch, failure: unknown): void {
    const result = batch.take(this.batchIndex);
    this.batchIndex = -1;
    this.flushing = false;
    if (this.state === 'destroyed' || this.state === 'ended') return;
    if (failure !== undefined) {
      this.destroy(failure);
      return;
    }
    if (result === CALL_NOT_MADE) {
      this.flushNow();
      return;
    }
    let n: number;
    try {
      n = this.socket.settleBatchedSend(result);
    } catch (error) {
      this.destroy(error);
      return;
    }
    if (n < 0) {
      this.waitWritable();
      return;
    }
    this.consume(n);
    // What is left (a partial send, or bytes written meanwhile) goes as a direct flush would
    // send it; an empty queue resolves the flush waiters there.
    this.flushNow();
  }

  private schedule(): void {
    if (this.scheduled || this.waiting) return;
    this.scheduled = true;
    flushQueue.push(this);
    if (!flushQueued) {
      flushQueued = true;
      void resolvedPromise.then(flushQueuedWriters);
    }
  }

  private flushNow(): void {
    if (this.flushing || this.state === 'destroyed' || this.state === 'ended') return;
    this.flushing = true;
    try {
      for (let calls = 0; this.queuedBytes > 0; calls++) {
        if (calls >= this.callsPerTurn) {
          this.scheduled = true;
          setImmediate(this.flushTask);
          return;
        }
        const n = this.socket.trySendv(this.gather());
        this.releaseGathered();
        if (n < 0) {
          this.waitWritable();
          return;
        }
        this.consume(n);
        if (this.state !== 'open' && this.state !== 'ending') return;
      }
      if (this.flushWaiters.length > 0) for (const w of this.flushWaiters.splice(0)) w.resolve();
    } catch (e) {
      this.releaseGathered();
      this.destroy(e);
    } finally {
      this.flushing = false;
    }
  }

  /**
   * The head of the queue as an array for `trySendv`. The common case, one chunk, reuses a
   * one-element array: building a fresh array per send showed up in a 10,000-connection echo.
   */
  private gather(): Uint8Array[] {
    const count = Math.min(this.queue.length, this.maxChunks);
    if (count === 1) {
      this.single[0] = this.queue.peek()!;
      return this.single;
    }
    for (let i = 0; i < count; i++) this.gathered.push(this.queue.peek(i)!);
    return this.gathered;
  }

  /** Forgets the chunks handed to `trySendv`, so a sent chunk is not kept alive by its writer. */
  private releaseGathered(): void {
    this.single[0] = EMPTY;
    if (this.gathered.length > 0) this.gathered.length = 0;
  }

  /** Removes `n` written bytes from the head of the queue. */
  private consume(n: number): void {
    this.queuedBytes -= n;
    while (n > 0) {
      const head = this.queue.peek()!;
      if (head.byteLength <= n) {
        n -= head.byteLength;
        this.queue.shift();
      } else {
        this.queue.replaceHead(head.subarray(n));
        n = 0;
      }
    }
    if (this.queuedBytes <= this.lowWaterMark) {
      if (this.drainWaiters.length > 0) for (const w of this.drainWaiters.splice(0)) w.resolve();
      if (!this.writable.value) this.writable.next(true);
    }
  }

  private waitWritable(): void {
    const controller = (this.controller ??= new AbortController());
    this.waiting = true;
    this.socket.waitWritable(controller.signal).then(
      () => {
        if (!this.waiting) return;
        this.waiting = false;
        this.flushNow();
      },
      (e: unknown) => {
        if (!this.waiting) return;
        this.waiting = false;
        this.destroy(e);
      },
    );
  }

  private cancelWait(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.controller?.abort();
    this.controller = undefined;
  }
}
