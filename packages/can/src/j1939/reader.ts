/** The receive side of a J1939 socket: core's DatagramReader with explicit credit and counters. */
import type { Observable } from 'rxjs';
import { rx, type DatagramCounters, type DatagramReader } from '@rxsock/core';
import type { J1939Message } from './receive.js';

/** A credit-driven reader of J1939 messages (see {@link CanJ1939Socket.reader}). */
export class J1939MessageReader {
  private observable: Observable<J1939Message> | undefined;

  /** @internal */
  constructor(
    private readonly inner: DatagramReader<J1939Message>,
    private readonly socketClosed: () => boolean,
  ) {}

  /**
   * The messages, as granted with {@link J1939MessageReader.request}. One subscriber at a time.
   * Completes when the socket is closed; errors with the socket's typed error otherwise.
   */
  get frames$(): Observable<J1939Message> {
    return (this.observable ??= new (rx().Observable)<J1939Message>((subscriber) => {
      const s = this.inner.datagrams$.subscribe({
        next: (m) => subscriber.next(m),
        error: (e: unknown) => (this.socketClosed() ? subscriber.complete() : subscriber.error(e)),
        complete: () => subscriber.complete(),
      });
      return () => s.unsubscribe();
    }));
  }

  /** Each time the kernel's drop counter moves, by how much. */
  get kernelDrops$(): Observable<number> {
    return this.inner.kernelDrops$;
  }

  /** Counters: received, delivered, dropped, kernel drops. */
  get counters(): DatagramCounters {
    return this.inner.counters;
  }

  /** Allows `n` more messages (`Infinity`: no limit). */
  request(n: number): void {
    this.inner.request(n);
  }

  /** Stops reading; the socket stays open. */
  close(): void {
    this.inner.close();
  }
}
