/**
 * The fallback driver, for node binaries that don't export libuv's symbols (or
 * `RXSOCK_POLLER=thread`): a blocking epoll_wait on one of libuv's pool threads, results
 * dispatched on the main thread, an eventfd in the epoll set to cut a wait short.
 *
 * A pending pool call keeps the process alive and cannot be unreferenced, so the wait is armed
 * only while a referenced registration has waiters. When only unreferenced waiters remain, an
 * unreferenced interval timer selects with timeout 0 instead: the process may exit, and while it
 * lives for other reasons those waiters are still served (at {@link BACKGROUND_POLL_MS} latency).
 */
import { C, sys } from '../sys/index.js';
import type { SysCalls } from '../sys/index.js';
import { checked, tryCall } from '../sys/calls.js';
import { Interest } from './api.js';
import type { Selector } from './api.js';
import type { Driver, DriverHost } from './driver.js';

/**
 * The waker's token: slot 0xFFFFFFFF, generation 0. The reactor never hands out that slot, so
 * the waker's events fall through its dispatch unnoticed.
 */
export const WAKER_TOKEN = 0xffff_ffff;

/** Poll period while only unreferenced registrations wait (see the module comment). */
export const BACKGROUND_POLL_MS = 10;

/** epoll_wait on libuv's thread pool, re-armed after each dispatch while anything referenced waits. */
export class ThreadDriver implements Driver {
  /** Reported as `Reactor.driver`. */
  readonly kind = 'thread' as const;
  readonly #sys: SysCalls;
  readonly #selector: Selector;
  readonly #host: DriverHost;
  readonly #waker: number;
  readonly #one = Buffer.from(new BigUint64Array([1n]).buffer);
  readonly #scratch = Buffer.alloc(8);
  #keepAlive = false;
  #listening = false;
  #pending = false;
  #wakeRequested = false;
  #dispatching = false;
  #failed = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #settled: (() => void) | undefined;
  // process.exit() joins libuv's pool threads; one blocked in epoll_wait(-1) would never be
  // joined and the process would hang, so an exiting process cuts the wait short.
  readonly #onExit = (): void => {
    if (!this.#pending) return;
    try {
      this.#wake();
    } catch {
      // exiting anyway; nothing to report to
    }
  };

  /** Creates the eventfd waker and adds it to `selector`; waits only once something waits. */
  constructor(selector: Selector, host: DriverHost) {
    this.#sys = sys();
    this.#selector = selector;
    this.#host = host;
    const s = this.#sys;
    this.#waker = checked('eventfd', () => s.eventfd(0, C.EFD_NONBLOCK | C.EFD_CLOEXEC));
    try {
      selector.register(this.#waker, WAKER_TOKEN, Interest.READABLE, false);
    } catch (error) {
      s.close(this.#waker);
      throw error;
    }
    process.on('exit', this.#onExit);
  }

  /** Arms, wakes or parks the pool wait to match what is waiting. */
  update(keepAlive: boolean, listening: boolean): void {
    this.#keepAlive = keepAlive;
    this.#listening = listening;
    this.#reconcile();
  }

  /** Cuts a pending wait short, then removes and closes the eventfd. */
  close(): Promise<void> {
    return (this.#closing ??= this.#shutdown());
  }

  #reconcile(): void {
    // While dispatching, the event buffer is being read: arming now would let the pool thread
    // overwrite it. The dispatch path reconciles once it is done.
    if (this.#closed || this.#failed || this.#dispatching) return;
    if (this.#keepAlive) {
      this.#stopTimer();
      if (!this.#pending) this.#arm();
    } else if (this.#pending) {
      this.#wake(); // the return path starts the background timer if needed
    } else if (this.#listening) {
      this.#timer ??= setInterval(() => this.#backgroundPoll(), BACKGROUND_POLL_MS).unref();
    } else {
      this.#stopTimer();
    }
  }

  #arm(): void {
    this.#pending = true;
    this.#selector.selectAsync(-1).then(
      (n) => this.#onReturn(n),
      (error: unknown) => this.#onFail(error),
    );
  }

  #onReturn(n: number): void {
    this.#pending = false;
    this.#resetWaker();
    if (this.#closed) {
      this.#settled?.();
      return;
    }
    this.#dispatch(n);
  }

  #onFail(error: unknown): void {
    this.#pending = false;
    // A wait that fails once would fail again: stop rather than spin, and say why.
    this.#failed = true;
    this.#settled?.();
    this.#host.report(error);
  }

  #backgroundPoll(): void {
    if (this.#pending || this.#closed || this.#failed) return;
    this.#dispatch(undefined);
  }

  #dispatch(loaded: number | undefined): void {
    this.#dispatching = true;
    try {
      this.#host.drain(loaded);
    } finally {
      this.#dispatching = false;
    }
    this.#reconcile();
  }

  #wake(): void {
    if (this.#wakeRequested) return;
    this.#wakeRequested = true;
    const s = this.#sys;
    checked('write', () => s.write(this.#waker, this.#one, 8));
  }

  #resetWaker(): void {
    if (!this.#wakeRequested) return;
    this.#wakeRequested = false;
    const s = this.#sys;
    // Reading an eventfd zeroes its counter, so the level-triggered waker stops firing.
    tryCall('read', () => s.read(this.#waker, this.#scratch, 8));
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    this.#stopTimer();
    process.removeListener('exit', this.#onExit);
    if (this.#pending) {
      const settled = new Promise<void>((resolve) => (this.#settled = resolve));
      this.#wake();
      await settled;
    }
    const s = this.#sys;
    try {
      this.#selector.deregister(this.#waker);
    } finally {
      checked('close', () => s.close(this.#waker));
    }
  }
}
