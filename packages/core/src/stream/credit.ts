/**
 * The pieces every credit-driven reader (ChunkReader, DatagramReader and the families' readers
 * over them) shares with its consumers: the "read everything" Observable built from a reader.
 */
import type { Observable } from 'rxjs';
import { rx } from '../rx/index.js';

/** What a credit-driven reader offers besides its items: granting credit and stopping. */
export interface CreditControl {
  /** Allows `n` more items (`Infinity`: no limit). */
  request(n: number): void;
  /** Stops reading and completes the subscriber of the items. */
  close(): void;
}

/**
 * An Observable of which each subscription opens its own reader with `open` and grants it
 * unlimited credit: a synchronous `next()` counts as consumed. Unsubscribing closes that reader
 * (the socket stays open).
 *
 * @param open - Makes a new reader (called once per subscription).
 * @param items$ - The reader's items.
 *
 * @example
 * ```ts
 * const frames$ = unlimitedCredit(() => can.reader(), (r) => r.frames$);
 * ```
 */
export function unlimitedCredit<R extends CreditControl, T>(open: () => R, items$: (reader: R) => Observable<T>): Observable<T> {
  return new (rx().Observable)<T>((subscriber) => {
    const reader = open();
    // Credit first: granted after subscribing, the reader would read ahead before the first next().
    reader.request(Infinity);
    const inner = items$(reader).subscribe(subscriber);
    return () => {
      // close() first: it gives the read interest back in one step instead of dropping it first.
      reader.close();
      inner.unsubscribe();
    };
  });
}
