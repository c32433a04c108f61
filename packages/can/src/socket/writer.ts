/**
 * The sending side of a CAN_RAW socket: a frame queue with water marks, flushed with `sendmmsg`.
 *
 * A full device queue makes the kernel answer ENOBUFS while poll() still reports the socket
 * writable, so "wait until writable" spins (python-can #2004, #310, #1495; node socketcan #130).
 * This writer treats ENOBUFS as "not now": the frames stay queued, in order, and the flush is
 * retried after a timed back-off (1 ms doubling to `maxBackoffMs`), which neither spins nor
 * starves the receivers on the same CPU. The queue is bounded: `write()` returns false at the
 * high-water mark, `writable$`/`drain()` say when to go on, and past `maxQueued` a write throws.
 */
import type { Observable } from 'rxjs';
import { LazySubject, SendBatch, SocketError, invalidArgument, type Socket } from '@rxsock/core';
import { writeCanFrame } from '../codec/frame-codec.js';
import { CANFD_MTU, CANXL_MTU, type CanFrame } from '../codec/frame.js';

/** Options of a {@link CanFrameWriter}. */
export interface CanWriterOptions {
  /** `write()` returns false and `writable$` turns false at this many queued frames. Default 256. */
  highWaterMark?: number;
  /** `writable$` turns true again at or below this many queued frames. Default 64. */
  lowWaterMark?: number;
  /** Hard cap: a write past it throws `ERR_RXSOCK_WRITE_OVERFLOW`. Default 16 × `highWaterMark`. */
  maxQueued?: number;
  /** Frames per `sendmmsg` call. Default 64. */
  batchSize?: number;
  /** Longest pause between retries while the device queue is full (ENOBUFS), ms. Default 32. */
  maxBackoffMs?: number;
  /** `sendmmsg` calls per event-loop turn before yielding. Default 16. */
  callsPerTurn?: number;
}

/** Counters of a {@link CanFrameWriter}. */
export interface CanWriterCounters {
  /** Frames accepted by `write`/`send`. */
  written: number;
  /** Frames the kernel took. */
  sent: number;
  /** Frames waiting in the queue. */
  queued: number;
  /** Times the kernel answered ENOBUFS (device queue full); each led to a timed retry. */
  noBufferRetries: number;
  /** Highest queue length seen. */
  peakQueued: number;
}

type Waiter = { seq: number; resolve: () => void; reject: (e: unknown) => void };

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw invalidArgument(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

const ENOBUFS = 'ENOBUFS';

/**
 * Queues CAN frames for one socket and sends them in order, riding out ENOBUFS.
 *
 * @example
 * ```ts
 * for (const frame of frames) if (!writer.write(frame)) await writer.drain();
 * await writer.flush();
 * ```
 */
export class CanFrameWriter {
  /** See {@link CanWriterOptions.highWaterMark}. */
  readonly highWaterMark: number;
  /** See {@link CanWriterOptions.lowWaterMark}. */
  readonly lowWaterMark: number;
  /** See {@link CanWriterOptions.maxQueued}. */
  readonly maxQueued: number;
  private readonly maxBackoffMs: number;
  private readonly callsPerTurn: number;
  private readonly batch: SendBatch;
  private readonly scratch: Uint8Array;
  private queue: CanFrame[] = [];
  private head = 0;
  private readonly writable = new LazySubject<boolean>({ initial: true });
  private drainWaiters: Waiter[] = [];
  private sentWaiters: Waiter[] = [];
  private counts: CanWriterCounters = { written: 0, sent: 0, queued: 0, noBufferRetries: 0, peakQueued: 0 };
  private scheduled = false;
  private flushing = false;
  private backoffMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failure: { error: unknown } | undefined;

  /**
   * @param socket - A bound CAN_RAW socket; the writer never closes it.
   * @param options - Water marks, batch size, back-off.
   * @param check - Refuses frames the socket cannot send (throws); called by `write`.
   * @param xl - Whether XL frames (up to 2060 bytes) may be queued.
   */
  constructor(
    private readonly socket: Socket,
    options: CanWriterOptions = {},
    private readonly check: (frame: CanFrame) => void = () => {},
    xl = false,
  ) {
    this.highWaterMark = positive(options.highWaterMark, 256, 'highWaterMark');
    this.lowWaterMark = options.lowWaterMark ?? Math.min(64, this.highWaterMark - 1);
    if (!Number.isSafeInteger(this.lowWaterMark) || this.lowWaterMark < 0 || this.lowWaterMark >= this.highWaterMark) {
      throw invalidArgument(`lowWaterMark must be an integer in 0..highWaterMark-1, got ${String(options.lowWaterMark)}`);
    }
    this.maxQueued = positive(options.maxQueued, 16 * this.highWaterMark, 'maxQueued');
    this.maxBackoffMs = positive(options.maxBackoffMs, 32, 'maxBackoffMs');
    this.callsPerTurn = positive(options.callsPerTurn, 16, 'callsPerTurn');
    const batchSize = positive(options.batchSize, 64, 'batchSize');
    const slot = xl ? CANXL_MTU : CANFD_MTU;
    this.batch = new SendBatch(Math.min(batchSize, 1024), slot);
    this.scratch = new Uint8Array(slot);
  }

  /**
   * Whether producers should write: false from the high-water mark until the queue is back at
   * the low-water mark. Replays the current value; errors with the error that broke the writer.
   */
  get writable$(): Observable<boolean> {
    return this.writable.asObservable();
  }

  /** Frames waiting to be sent. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** A snapshot of the counters. */
  get counters(): CanWriterCounters {
    return { ...this.counts, queued: this.queued };
  }

  /**
   * Queues `frame`. Returns false when the queue reached the high-water mark (the frame is
   * queued all the same: wait for {@link CanFrameWriter.drain} before writing more).
   * @throws `SocketError` `ERR_RXSOCK_WRITE_OVERFLOW` past `maxQueued`, the error that broke
   * the writer, or a typed error for a frame the socket cannot send.
   */
  write(frame: CanFrame): boolean {
    if (this.failure) throw this.failure.error;
    this.check(frame);
    if (this.queued >= this.maxQueued) {
      throw new SocketError(`CAN write queue full (${this.maxQueued} frames): wait for drain() or writable$`, { code: 'ERR_RXSOCK_WRITE_OVERFLOW', syscall: 'sendmmsg' });
    }
    this.queue.push(frame);
    this.counts.written++;
    const q = this.queued;
    if (q > this.counts.peakQueued) this.counts.peakQueued = q;
    if (q >= this.highWaterMark && this.writable.value) this.writable.next(false);
    this.schedule();
    return q < this.highWaterMark;
  }

  /** Resolves once `frame` was handed to the kernel (queued behind earlier frames). */
  send(frame: CanFrame): Promise<void> {
    try {
      this.write(frame);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.sentUpTo(this.counts.written);
  }

  /**
   * Sends `frames` in order, waiting for room as needed; resolves once the last one was handed
   * to the kernel. Goes out in `sendmmsg` batches.
   */
  async sendMany(frames: Iterable<CanFrame>): Promise<void> {
    for (const frame of frames) if (!this.write(frame)) await this.drain();
    await this.sentUpTo(this.counts.written);
  }

  /** Resolves when the queue is at or below the low-water mark (at once if it is). */
  drain(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.queued <= this.lowWaterMark) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ seq: 0, resolve, reject }));
  }

  /** Resolves when every frame written so far was handed to the kernel. */
  flush(): Promise<void> {
    return this.sentUpTo(this.counts.written);
  }

  /** Drops the queue and fails pending promises with `error`; later writes throw it; `writable$` errors with it. */
  destroy(error: unknown = new SocketError('the CAN writer was destroyed', { code: 'ERR_RXSOCK_WRITER_DESTROYED' })): void {
    if (this.end(error)) this.writable.error(error);
  }

  /**
   * The socket was closed: as {@link CanFrameWriter.destroy}, except that `writable$` completes,
   * since closing is the normal end of a writer, not its failure (a `writable$` subscriber
   * without an error handler must not crash the process at `close()`).
   */
  close(error: unknown): void {
    if (this.end(error)) this.writable.complete();
  }

  /** Ends the writer with `error`; false when it had already ended. */
  private end(error: unknown): boolean {
    if (this.failure) return false;
    this.failure = { error };
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
    for (const w of this.drainWaiters.splice(0)) w.reject(error);
    for (const w of this.sentWaiters.splice(0)) w.reject(error);
    return true;
  }

  private sentUpTo(seq: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.counts.sent >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.sentWaiters.push({ seq, resolve, reject }));
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.timer !== undefined) return;
    this.scheduled = true;
    // A microtask later: a synchronous run of writes goes out in full sendmmsg batches.
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.flushing || this.failure || this.timer !== undefined) return;
    this.flushing = true;
    try {
      for (let calls = 0; this.queued > 0; calls++) {
        if (calls >= this.callsPerTurn) {
          // Fairness: the rest goes out after other work of this turn (receivers included).
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, 0);
          return;
        }
        const n = this.fill();
        let sent: number;
        try {
          sent = this.socket.trySendBatch(this.batch, 0);
        } catch (e) {
          if ((e as SocketError).code === ENOBUFS) {
            this.counts.noBufferRetries++;
            this.backOff();
            return;
          }
          throw e;
        }
        if (sent < 0) {
          // The socket's send buffer is full (EAGAIN): its writability edge brings us back.
          this.socket.waitWritable().then(
            () => this.pump(),
            (e: unknown) => this.destroy(e),
          );
          return;
        }
        this.backoffMs = 0;
        this.advance(Math.min(sent, n));
      }
    } catch (e) {
      this.destroy(e);
    } finally {
      this.flushing = false;
    }
  }

  /** Encodes the head of the queue into the send batch; returns how many frames it holds. */
  private fill(): number {
    const batch = this.batch;
    batch.clear();
    const n = Math.min(this.queued, batch.capacity);
    for (let i = 0; i < n; i++) {
      const frame = this.queue[this.head + i]!;
      const size = writeCanFrame(frame, this.scratch, 0);
      batch.set(i, size === this.scratch.length ? this.scratch : this.scratch.subarray(0, size));
    }
    return n;
  }

  private backOff(): void {
    this.backoffMs = this.backoffMs === 0 ? 1 : Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, this.backoffMs);
  }

  private advance(n: number): void {
    this.head += n;
    this.counts.sent += n;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const sent = this.counts.sent;
    while (this.sentWaiters.length > 0 && this.sentWaiters[0]!.seq <= sent) this.sentWaiters.shift()!.resolve();
    if (this.queued <= this.lowWaterMark) {
      if (!this.writable.value) this.writable.next(true);
      for (const w of this.drainWaiters.splice(0)) w.resolve();
    }
  }
}
