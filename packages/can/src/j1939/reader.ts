/** The receive side of a J1939 socket: core's DatagramReader with explicit credit and counters. */
import type { Observable } from 'rxjs';
import { rx, type DatagramReader } from '@rxsock/core';
import { CanCreditReader } from '../socket/credit-reader.js';
import type { J1939Message } from './receive.js';

/** A credit-driven reader of J1939 messages (see {@link CanJ1939Socket.reader}). */
export class J1939MessageReader extends CanCreditReader<J1939Message> {
  private observable: Observable<J1939Message> | undefined;

  /** @internal */
  constructor(
    inner: DatagramReader<J1939Message>,
    private readonly socketClosed: () => boolean,
  ) {
    super(inner);
  }

  /**
   * The messages, as granted with {@link J1939MessageReader.request}. One subscriber at a time.
   * Completes when the socket is closed; errors with the socket's typed error otherwise.
   */
  override get frames$(): Observable<J1939Message> {
    return (this.observable ??= new (rx().Observable)<J1939Message>((subscriber) => {
      const s = this.inner.datagrams$.subscribe({
        next: (m) => subscriber.next(m),
        error: (e: unknown) => (this.socketClosed() ? subscriber.complete() : subscriber.error(e)),
        complete: () => subscriber.complete(),
      });
      return () => s.unsubscribe();
    }));
  }
}
