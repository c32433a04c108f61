/**
 * What the readers of every CAN socket kind share: core's DatagramReader behind explicit credit,
 * counters and the kernel's drops, without the pump methods core's reader has for its poller.
 * CAN_RAW, ISO-TP and J1939 readers differ only in how they make the DatagramReader.
 */
import type { Observable } from 'rxjs';
import type { DatagramCounters, DatagramReader, DatagramReaderOptions } from '@rxsock/core';

/** Reader options a single `reader()` call may override (the socket kind sets slots and control space). */
export type CanReaderOptions = Omit<DatagramReaderOptions, 'slotSize' | 'controlSize' | 'addresses'>;

/**
 * A credit-driven reader of one CAN socket kind's items (frames or messages). Items are read
 * whatever the credit (the bus does not wait); those beyond it wait in a queue of `queueLimit`,
 * and the overflow policy decides what is lost when it is full. Every loss is counted, the
 * kernel's included.
 */
export class CanCreditReader<T> {
  /** @internal */
  constructor(
    /** @internal */
    protected readonly inner: DatagramReader<T>,
  ) {}

  /** The items, as granted with {@link CanCreditReader.request}. One subscriber at a time. */
  get frames$(): Observable<T> {
    return this.inner.datagrams$;
  }

  /** Each time the kernel's drop counter moves (its receive buffer overflowed), by how much. */
  get kernelDrops$(): Observable<number> {
    return this.inner.kernelDrops$;
  }

  /** A snapshot of the counters: received, delivered, dropped (newest, oldest), kernel drops. */
  get counters(): DatagramCounters {
    return this.inner.counters;
  }

  /** Items waiting for credit. */
  get queued(): number {
    return this.inner.queued;
  }

  /** Allows `n` more items (`Infinity`: no limit). */
  request(n: number): void {
    this.inner.request(n);
  }

  /** Stops reading and completes the subscriber; the socket stays open. */
  close(): void {
    this.inner.close();
  }
}
