/**
 * `for await` over a socket's bytes, or over any credit-driven reader. Each `next()` grants one
 * item of credit, so by default the socket is read only while the loop asks: a loop busy
 * elsewhere leaves the data in the kernel (a datagram reader's queue holds what arrives).
 */
import type { Observable, Subscription } from 'rxjs';
import type { Socket } from '../socket/socket.js';
import { ChunkReader, type ReadOptions } from './chunk-reader.js';
import type { CreditControl } from './credit.js';

type Waiter<T> = { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };

const DONE: IteratorResult<never> = { done: true, value: undefined };

/**
 * The chunks of `socket` as an async iterator. Each `next()` reads (at most one chunk); nothing
 * is read ahead unless `options.highWaterMark` asks for it (default here: 0). `return()` (a
 * `break` out of `for await`) stops reading and leaves unread bytes in the kernel; the socket
 * stays open. A socket error rejects the pending `next()` with its typed {@link SocketError};
 * after the end, an error or `return()`, `next()` reports done.
 *
 * @param socket - A connected stream socket.
 * @param options - Chunk size, read-ahead (default 0) and fairness.
 *
 * @example
 * ```ts
 * for await (const chunk of chunksIterable(sock)) hash.update(chunk);
 * ```
 */
export function chunksIterable(socket: Socket, options: ReadOptions = {}): AsyncIterableIterator<Buffer> {
  const reader = new ChunkReader(socket, { ...options, highWaterMark: options.highWaterMark ?? 0 });
  return creditIterable(reader.chunks$, reader);
}

/**
 * `for await` over any credit-driven reader: each `next()` grants one item of credit, and
 * subscribes to `items$` on the first one. Items arriving while the loop is busy wait in the
 * reader's own bounded queue. `return()` (a `break`) closes the reader, not the socket. An error
 * of `items$` rejects the pending (or the next) `next()`; after the end, an error or `return()`,
 * `next()` reports done.
 *
 * @param items$ - The reader's items, delivered as granted through `credit`. One subscriber.
 * @param credit - The same reader's `request` and `close`.
 *
 * @example
 * ```ts
 * const reader = new DatagramReader(sock);
 * for await (const d of creditIterable(reader.datagrams$, reader)) handle(d);
 * ```
 */
export function creditIterable<T>(items$: Observable<T>, credit: CreditControl): AsyncIterableIterator<T> {
  const waiters: Waiter<T>[] = [];
  const ready: T[] = [];
  let subscription: Subscription | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;

  const finish = (): void => {
    finished = true;
    credit.close();
    for (const w of waiters.splice(0)) w.resolve(DONE);
  };

  const start = (): void => {
    subscription = items$.subscribe({
      next: (item) => {
        const w = waiters.shift();
        if (w) w.resolve({ done: false, value: item });
        else ready.push(item);
      },
      error: (e: unknown) => {
        const w = waiters.shift();
        if (w) w.reject(e);
        else failure = { error: e };
        finish();
      },
      complete: () => finish(),
    });
  };

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (ready.length > 0) return Promise.resolve({ done: false, value: ready.shift()! });
      if (failure) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve(DONE);
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiters.push({ resolve, reject });
        if (!subscription) start();
        credit.request(1);
      });
    },
    return(): Promise<IteratorResult<T>> {
      ready.length = 0;
      failure = undefined;
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
