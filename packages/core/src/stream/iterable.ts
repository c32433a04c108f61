/**
 * `for await` over a socket's bytes. Each `next()` grants one chunk of credit, so by default the
 * socket is read only while the loop asks: a loop busy elsewhere leaves the data in the kernel.
 */
import type { Subscription } from 'rxjs';
import type { Socket } from '../socket/socket.js';
import { ChunkReader, type ReadOptions } from './chunk-reader.js';

type Waiter = { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: unknown) => void };

const DONE: IteratorResult<Buffer> = { done: true, value: undefined };

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
  const waiters: Waiter[] = [];
  const ready: Buffer[] = [];
  let subscription: Subscription | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;

  const finish = (): void => {
    finished = true;
    reader.close();
    for (const w of waiters.splice(0)) w.resolve(DONE);
  };

  const start = (): void => {
    subscription = reader.chunks$.subscribe({
      next: (chunk) => {
        const w = waiters.shift();
        if (w) w.resolve({ done: false, value: chunk });
        else ready.push(chunk);
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

  const iterator: AsyncIterableIterator<Buffer> = {
    next(): Promise<IteratorResult<Buffer>> {
      const chunk = ready.shift();
      if (chunk) return Promise.resolve({ done: false, value: chunk });
      if (failure) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve(DONE);
      return new Promise<IteratorResult<Buffer>>((resolve, reject) => {
        waiters.push({ resolve, reject });
        if (!subscription) start();
        reader.request(1);
      });
    },
    return(): Promise<IteratorResult<Buffer>> {
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
