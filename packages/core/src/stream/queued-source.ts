/**
 * The consumer side every credit-driven reader shares: one subscriber at a time, a queue of
 * what was read ahead, the credit the consumer granted, and the ways the stream ends (end of
 * input, close, failure). The reader that owns it keeps the reading: it is the {@link PumpHost}
 * of its {@link ReadPump} and decides when to read and what a read queues.
 */
import type { Subscriber } from 'rxjs';
import { invalidArgument } from '../errors.js';
import { StreamErrorCode, streamError } from './errors.js';
import { Ring } from './ring.js';
import type { PumpHost, ReadPump } from './source.js';

const noSize = (): number => 0;

/**
 * @internal
 * The subscriber, queue and credit of a reader (held privately by `ChunkReader` and
 * `DatagramReader`). Items are handed over only against credit and never while `paused`;
 * delivery is re-entrant safe (a `next()` that grants credit or queues more folds into the
 * running loop).
 */
export class QueuedSource<T> {
  /** What was read and not yet delivered. Use {@link QueuedSource.push} to add. */
  readonly queue = new Ring<T>();
  /** Items the consumer may still be sent (`Infinity` for an unbounded grant). */
  credit = 0;
  /** Total size of the queued items, as `size` measures them (0 without a `size`). */
  bytes = 0;
  /** Items handed to the subscriber so far. */
  delivered = 0;
  /** Holds delivery back whatever the credit (the owner's pause). */
  paused = false;
  /** End of input: the subscriber completes once the queue is delivered. Set with {@link QueuedSource.end}. */
  ended = false;
  /** Set by {@link QueuedSource.close}. */
  closed = false;
  /** The error the source failed with ({@link QueuedSource.fail}), if any. */
  failure: unknown;
  private subscriber: Subscriber<T> | undefined;
  private delivering = false;

  /**
   * @param pump - The owner's read pump: kicked when a subscriber comes or goes, stopped on close.
   * @param size - Measures an item for {@link QueuedSource.bytes}; a shared function, not one per reader.
   */
  constructor(
    private readonly pump: ReadPump,
    private readonly size: (item: T) => number = noSize,
  ) {}

  /**
   * The subscriber, if it is still listening. A subscriber can be closed before its teardown
   * reaches us (it unsubscribed from inside a synchronous next() during subscribe), and whatever
   * is handed to a closed subscriber is lost.
   */
  get consumer(): Subscriber<T> | undefined {
    const s = this.subscriber;
    if (s?.closed) this.subscriber = undefined;
    return this.subscriber;
  }

  /** The subscribe function of the owner's Observable: one subscriber at a time. */
  attach(subscriber: Subscriber<T>): () => void {
    if (this.consumer) {
      subscriber.error(streamError(StreamErrorCode.SOURCE_BUSY, 'this reader already has a subscriber'));
      return () => {};
    }
    if (this.failure !== undefined) {
      subscriber.error(this.failure);
      return () => {};
    }
    if (this.closed) {
      subscriber.error(streamError(StreamErrorCode.SOURCE_CLOSED, 'this reader was closed'));
      return () => {};
    }
    this.subscriber = subscriber;
    this.deliver();
    this.pump.kick();
    return () => {
      if (this.subscriber !== subscriber) return;
      this.subscriber = undefined;
      // No subscriber: no reading, so the kernel holds what has not been read yet.
      this.pump.kick();
    };
  }

  /**
   * Adds `n` to the credit (`Infinity`: no limit) and delivers what it allows.
   * @throws {@link SocketError} `EINVAL` for a negative or fractional `n`.
   */
  request(n: number): void {
    if (!(n >= 0) || (n !== Infinity && !Number.isSafeInteger(n))) throw invalidArgument(`request(n) needs a count >= 0, got ${String(n)}`);
    this.credit += n;
    this.deliver();
  }

  /** Queues `item` and delivers what the credit allows. */
  push(item: T): void {
    // The common case, a consumer with credit and nothing waiting: straight through, without the
    // queue (the datagram readers push every item here, one by one).
    if (!this.delivering && !this.paused && this.credit > 0 && this.queue.length === 0) {
      const s = this.consumer;
      if (s !== undefined) {
        this.credit--;
        this.delivered++;
        this.delivering = true;
        try {
          s.next(item);
        } finally {
          this.delivering = false;
        }
        // whatever next() queued or ended meanwhile
        if (this.queue.length > 0 || this.ended) this.deliver();
        return;
      }
    }
    this.queue.push(item);
    this.bytes += this.size(item);
    this.deliver();
  }

  /** Discards the head of the queue (to make room for a newer item). */
  dropOldest(): void {
    const item = this.queue.shift();
    if (item !== undefined) this.bytes -= this.size(item);
  }

  /** End of input: the subscriber completes after the queue is delivered. */
  end(): void {
    this.ended = true;
    this.deliver();
  }

  /** Hands queued items to the subscriber against credit; re-entrant calls fold into the running loop. */
  deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let s = this.consumer; s && !this.paused && this.credit > 0 && this.queue.length > 0; s = this.consumer) {
        const item = this.queue.shift()!;
        this.bytes -= this.size(item);
        this.credit--;
        this.delivered++;
        s.next(item);
      }
      const s = this.consumer;
      if (s && this.ended && this.queue.length === 0 && !this.closed) {
        this.subscriber = undefined;
        s.complete();
      }
    } finally {
      this.delivering = false;
    }
  }

  /**
   * Stops the pump for good, drops the queue and completes the subscriber (unless
   * `completeSubscriber` is false: it is only let go).
   * @returns false when it was closed already.
   */
  close(completeSubscriber = true): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.pump.stop();
    this.dropQueue();
    const s = this.subscriber;
    this.subscriber = undefined;
    if (completeSubscriber) s?.complete();
    return true;
  }

  /**
   * Errors the subscriber with `error` (the {@link PumpHost.fail} of the owner), and every later
   * one; with `dropQueue` the queue is discarded first.
   * @returns false when the source had failed or was closed already (nothing done).
   */
  fail(error: unknown, dropQueue: boolean): boolean {
    if (this.failure !== undefined || this.closed) return false;
    this.failure = error;
    if (dropQueue) this.dropQueue();
    const s = this.subscriber;
    this.subscriber = undefined;
    s?.error(error);
    return true;
  }

  private dropQueue(): void {
    this.queue.clear();
    this.bytes = 0;
  }
}
