/**
 * The receive side of a CAN_RAW socket on core's DatagramReader: `recvmmsg` batches, a bounded
 * queue with an overflow policy, counters including the kernel's drops (SO_RXQ_OVFL), and three
 * ways to consume: an Observable, explicit credit, and `for await`.
 */
import type { Observable, Subscription } from 'rxjs';
import { cmsgSpace, DatagramReader, type DatagramCounters, type DatagramReaderOptions, type Socket } from '@rxsock/core';
import type { ReceivedCanFrame } from '../codec/frame.js';
import { CanFrameDecoder } from './receive.js';
import type { InterfaceNames } from './interface.js';

/** @internal How a socket's readers are made. */
export interface ReaderSetup {
  socket: Socket;
  /** Largest frame structure the socket receives (72, or 2060 with XL). */
  slotSize: number;
  /** Control bytes per frame for the timestamps. */
  timestampControl: number;
  names: InterfaceNames;
  defaults: Omit<DatagramReaderOptions, 'slotSize' | 'controlSize' | 'addresses'>;
}

/**
 * A credit-driven reader of CAN frames. Frames are read whatever the credit (the bus does not
 * wait); those beyond it wait in a queue of `queueLimit` frames, and the overflow policy decides
 * what is lost when it is full. Every loss is counted, the kernel's included.
 */
export class CanFrameReader {
  private readonly reader: DatagramReader<ReceivedCanFrame>;

  /** @internal */
  constructor(setup: ReaderSetup, options: Omit<DatagramReaderOptions, 'slotSize' | 'controlSize' | 'addresses'> = {}) {
    const o = { ...setup.defaults, ...options };
    this.reader = new DatagramReader<ReceivedCanFrame>(
      setup.socket,
      // Timestamps plus room for a second control message the kernel may add; the drop counter's
      // space is the reader's own.
      { ...o, slotSize: setup.slotSize, controlSize: setup.timestampControl > 0 ? setup.timestampControl + cmsgSpace(4) : 0, addresses: true },
      new CanFrameDecoder(setup.names),
    );
  }

  /** The frames, as granted with {@link CanFrameReader.request}. One subscriber at a time. */
  get frames$(): Observable<ReceivedCanFrame> {
    return this.reader.datagrams$;
  }

  /** Each time the kernel's drop counter moves (its receive buffer overflowed), by how much. */
  get kernelDrops$(): Observable<number> {
    return this.reader.kernelDrops$;
  }

  /** A snapshot of the counters: received, delivered, dropped (newest, oldest), kernel drops. */
  get counters(): DatagramCounters {
    return this.reader.counters;
  }

  /** Frames waiting for credit. */
  get queued(): number {
    return this.reader.queued;
  }

  /** Allows `n` more frames (`Infinity`: no limit). */
  request(n: number): void {
    this.reader.request(n);
  }

  /** Stops reading; the socket stays open. */
  close(): void {
    this.reader.close();
  }
}

type Waiter<T> = { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };
const DONE: IteratorResult<never> = { done: true, value: undefined };

/** What {@link framesIterable} needs of a reader: its items, credit, and a way to stop it. */
export interface CreditReader<T> {
  readonly frames$: Observable<T>;
  request(n: number): void;
  close(): void;
}

/**
 * `for await` over a reader: each `next()` grants one frame of credit. Frames arriving while the
 * loop is busy wait in the reader's bounded queue. `break` closes the reader, not the socket.
 */
export function framesIterable<T = ReceivedCanFrame>(reader: CreditReader<T>): AsyncIterableIterator<T> {
  const waiters: Waiter<T>[] = [];
  const ready: T[] = [];
  let subscription: Subscription | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const finish = (): void => {
    finished = true;
    reader.close();
    for (const w of waiters.splice(0)) w.resolve(DONE);
  };
  const iterator: AsyncIterableIterator<T> = {
    next() {
      const frame = ready.shift();
      if (frame !== undefined) return Promise.resolve({ done: false, value: frame });
      if (failure) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve(DONE);
      return new Promise((resolve, reject) => {
        waiters.push({ resolve, reject });
        subscription ??= reader.frames$.subscribe({
          next: (f) => {
            const w = waiters.shift();
            if (w) w.resolve({ done: false, value: f });
            else ready.push(f);
          },
          error: (e: unknown) => {
            const w = waiters.shift();
            if (w) w.reject(e);
            else failure = { error: e };
            finish();
          },
          complete: finish,
        });
        reader.request(1);
      });
    },
    return() {
      ready.length = 0;
      subscription?.unsubscribe();
      finish();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
