import type { SyscallBatch } from '../sys/syscall-batch.js';

/**
 * The poller's contract, shaped after mio: a Selector of file descriptors with integer tokens and
 * interest flags, and a Reactor that owns one Selector, watches it from Node's own event loop and
 * dispatches readiness to registered sources.
 */

/** What a registration wants to hear about. Bit flags. */
export const Interest = {
  READABLE: 1,
  WRITABLE: 2,
  /** Urgent / out-of-band data (EPOLLPRI). */
  PRIORITY: 4,
} as const;

/** What a readiness event reports. Bit flags (a superset of {@link Interest}). */
export const Ready = {
  READABLE: 1,
  WRITABLE: 2,
  PRIORITY: 4,
  /** An error is pending on the fd (EPOLLERR): read it with SO_ERROR or the next call. */
  ERROR: 8,
  /** Both directions are closed (EPOLLHUP). */
  HANGUP: 16,
  /** The peer shut down its writing side (EPOLLRDHUP). */
  READ_CLOSED: 32,
} as const;

/** Something the reactor dispatches readiness to: a socket, a timer fd, an eventfd. */
export interface ReadySource {
  /** Called on the main thread with a {@link Ready} bit mask. Must not throw. */
  onReady(ready: number): void;
  /**
   * Optional: before the sources of one wake-up hear of their readiness, queues into `batch`
   * the read its `onReady` is about to make, and returns true if it did. The reactor makes every
   * queued read in one system call, then calls `onReady` as usual, then `finishRead`.
   */
  prepareRead?(ready: number, batch: SyscallBatch): boolean;
  /** Optional: after a `prepareRead` that returned true, once the wake-up's `onReady` calls are over. */
  finishRead?(batch: SyscallBatch): void;
}

/** How a source is registered. */
export interface RegisterOptions {
  /** {@link Interest} bits. */
  interest: number;
  /**
   * Edge-triggered (default true): events come when readiness changes; the source must drain
   * (read/write until EAGAIN) before it waits again. Level-triggered sources hear about readiness
   * on every wake-up until they act on it or drop the interest.
   */
  edge?: boolean;
}

/** One fd registered with the reactor. */
export interface Registration {
  /** The slab index the selector reports this registration by. */
  readonly token: number;
  readonly fd: number;
  /** The current {@link Interest} bits. */
  readonly interest: number;
  /** Changes the kernel interest (EPOLL_CTL_MOD), only when it differs from the current one. */
  setInterest(interest: number): void;
  /**
   * Marks one more operation as waiting on this source. While a registration has waiters and is
   * referenced, the process stays alive (like an active libuv handle).
   */
  addWaiter(): void;
  /** The waiting operation finished or was cancelled. */
  removeWaiter(): void;
  /** Let this registration keep the process alive while it has waiters (default). */
  ref(): void;
  /** Don't let this registration keep the process alive. */
  unref(): void;
  /** Removes the fd from the selector (EPOLL_CTL_DEL) and frees the token. Does not close the fd. */
  deregister(): void;
}

/** A readiness selector over file descriptors: epoll on Linux, kqueue on BSD (planned). */
export interface Selector {
  /** The fd that turns readable when any registered fd is ready (the epoll fd). */
  readonly fd: number;
  register(fd: number, token: number, interest: number, edge: boolean): void;
  reregister(fd: number, token: number, interest: number, edge: boolean): void;
  deregister(fd: number): void;
  /**
   * Waits up to `timeoutMs` (0: don't wait) and returns how many events are in the selector's
   * reused event buffer; read them with {@link Selector.token} and {@link Selector.ready}.
   */
  select(timeoutMs: number): number;
  /**
   * {@link Selector.select} on a thread of libuv's pool, for the thread-wait driver. Until the
   * promise settles the event buffer belongs to that thread: no select, token or ready calls.
   */
  selectAsync(timeoutMs: number): Promise<number>;
  /** The most events one select returns; a full buffer means more may be ready. */
  readonly capacity: number;
  /** The token of event `i` of the last select. */
  token(i: number): number;
  /** The {@link Ready} mask of event `i` of the last select. */
  ready(i: number): number;
  close(): void;
}

/** The reactor: the one Selector of this thread, driven by Node's event loop. */
export interface Reactor {
  /** Which driver watches the selector: `'uv_poll'` (inside libuv) or `'thread'` (fallback). */
  readonly driver: 'uv_poll' | 'thread';
  register(fd: number, source: ReadySource, options: RegisterOptions): Registration;
  /** Number of live registrations (for tests and diagnostics). */
  readonly size: number;
}
