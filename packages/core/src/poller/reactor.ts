/**
 * The reactor: one selector, a slab of sources indexed by token, and a driver that calls back
 * when the selector is ready. Owns the process-lifetime accounting (waiters x ref) that decides
 * whether the driver keeps Node alive.
 */
import { isMainThread } from 'node:worker_threads';
import { SocketError, invalidArgument } from '../errors.js';
import { uv } from '../sys/index.js';
import { Interest } from './api.js';
import type { Reactor, ReadySource, RegisterOptions, Registration, Selector } from './api.js';
import { reportUncaught } from './driver.js';
import type { Driver, DriverHost } from './driver.js';
import { EpollSelector } from './epoll.js';
import { ThreadDriver } from './thread-driver.js';
import { UvDriver } from './uv-driver.js';

/** Which driver watches the selector. */
export type DriverKind = Reactor['driver'];

/** A reactor its creator may shut down; the shared {@link reactor} one lives as long as the process. */
export interface OwnedReactor extends Reactor {
  /**
   * Closes the driver (resolving once its native resources are released) and the selector.
   * Registrations still open are deregistered first; their fds are not closed.
   */
  close(): Promise<void>;
}

/** Options of {@link createReactor}. */
export interface ReactorOptions {
  /** Driver to use; default from {@link defaultDriverKind}. */
  driver?: DriverKind;
  /** Events per select (the selector's buffer); default 1024. */
  capacity?: number;
}

const TWO_32 = 0x1_0000_0000;
// The waker of the thread driver owns slot 0xFFFFFFFF; generations stay below 2^21 so that
// slot + generation * 2^32 is a safe integer.
const MAX_SLOTS = 0xffff_ffff;
const GENERATIONS = 1 << 21;
/** Selects per wake-up while the buffer keeps coming back full: fairness to the rest of the loop. */
const MAX_ROUNDS = 8;
const ALL_INTEREST = Interest.READABLE | Interest.WRITABLE | Interest.PRIORITY;

function checkInterest(interest: number): void {
  if (!Number.isInteger(interest) || (interest & ~ALL_INTEREST) !== 0) {
    throw invalidArgument(`interest must be a combination of Interest flags, got ${interest}`);
  }
}

class Entry implements Registration {
  waiters = 0;
  referenced = true;
  inKernel = false;
  dead = false;

  constructor(
    private readonly owner: ReactorImpl,
    readonly token: number,
    readonly fd: number,
    public interest: number,
    readonly edge: boolean,
    readonly source: ReadySource,
  ) {}

  get waiting(): boolean {
    return this.waiters > 0 && !this.dead;
  }

  get keepsAlive(): boolean {
    return this.waiting && this.referenced;
  }

  setInterest(interest: number): void {
    this.owner.setInterest(this, interest);
  }

  addWaiter(): void {
    this.owner.account(this, () => this.waiters++);
  }

  removeWaiter(): void {
    // Clamped: a cancellation racing a completion may remove twice.
    this.owner.account(this, () => (this.waiters = Math.max(0, this.waiters - 1)));
  }

  ref(): void {
    this.owner.account(this, () => (this.referenced = true));
  }

  unref(): void {
    this.owner.account(this, () => (this.referenced = false));
  }

  deregister(): void {
    this.owner.deregister(this);
  }
}

class ReactorImpl implements OwnedReactor, DriverHost {
  readonly #selector: Selector;
  readonly #driver: Driver;
  readonly #slab: Array<Entry | undefined> = [];
  readonly #generations: number[] = [];
  readonly #free: number[] = [];
  readonly #byFd = new Map<number, Entry>();
  #size = 0;
  #waiting = 0;
  #keepingAlive = 0;
  #draining = false;
  #closed = false;

  constructor(kind: DriverKind, capacity: number | undefined) {
    const selector = new EpollSelector(capacity);
    try {
      this.#driver = kind === 'thread' ? new ThreadDriver(selector, this) : new UvDriver(selector.fd, this);
    } catch (error) {
      selector.close();
      throw error;
    }
    this.#selector = selector;
  }

  get driver(): DriverKind {
    return this.#driver.kind;
  }

  get size(): number {
    return this.#size;
  }

  register(fd: number, source: ReadySource, options: RegisterOptions): Registration {
    if (this.#closed) throw new SocketError('rxsock: the reactor is closed', { code: 'ERR_RXSOCK_REACTOR_CLOSED' });
    if (!Number.isInteger(fd) || fd < 0) throw invalidArgument(`fd must be a non-negative integer, got ${fd}`);
    if (typeof source?.onReady !== 'function') throw invalidArgument('source must have an onReady(ready) method');
    checkInterest(options.interest);
    const slot = this.#free.pop() ?? this.#slab.length;
    if (slot >= MAX_SLOTS) throw new SocketError('rxsock: too many registrations', { code: 'ERR_RXSOCK_TOO_MANY' });
    const token = slot + (this.#generations[slot] ?? 0) * TWO_32;
    const entry = new Entry(this, token, fd, options.interest, options.edge ?? true, source);
    if (entry.interest !== 0) {
      try {
        this.#selector.register(fd, token, entry.interest, entry.edge);
      } catch (error) {
        this.#free.push(slot);
        throw error;
      }
      entry.inKernel = true;
    }
    // The fd number is back while an older registration of it is still live: that fd was closed
    // without deregistering (the kernel dropped it then) and the number reused. The older entry
    // must not EPOLL_CTL_DEL the new one when it is finally deregistered.
    const previous = this.#byFd.get(fd);
    if (previous) previous.inKernel = false;
    this.#byFd.set(fd, entry);
    this.#slab[slot] = entry;
    this.#size++;
    return entry;
  }

  /** @internal EPOLL_CTL_ADD/MOD/DEL so that the kernel holds exactly the non-empty interest. */
  setInterest(entry: Entry, interest: number): void {
    if (entry.dead) throw new SocketError('rxsock: registration is deregistered', { code: 'ERR_RXSOCK_DEREGISTERED' });
    checkInterest(interest);
    if (interest === entry.interest) return;
    // Interest 0 leaves the kernel set entirely: epoll reports ERR/HUP whatever the mask, which
    // for a level registration nobody listens to would wake the loop forever.
    if (interest === 0) {
      if (entry.inKernel) this.#selector.deregister(entry.fd);
    } else if (entry.inKernel) this.#selector.reregister(entry.fd, entry.token, interest, entry.edge);
    else this.#selector.register(entry.fd, entry.token, interest, entry.edge);
    entry.inKernel = interest !== 0;
    entry.interest = interest;
  }

  /** @internal Applies a change to an entry's waiters/ref state and tells the driver on 0 <-> 1. */
  account(entry: Entry, change: () => void): void {
    if (entry.dead) return;
    const waiting = entry.waiting;
    const keepsAlive = entry.keepsAlive;
    change();
    this.#adjust(entry.waiting !== waiting ? (entry.waiting ? 1 : -1) : 0, entry.keepsAlive !== keepsAlive ? (entry.keepsAlive ? 1 : -1) : 0);
  }

  /** @internal */
  deregister(entry: Entry): void {
    if (entry.dead) return;
    const slot = entry.token % TWO_32;
    const waiting = entry.waiting;
    const keepsAlive = entry.keepsAlive;
    try {
      if (entry.inKernel) this.#selector.deregister(entry.fd);
    } catch (error) {
      // Closed before deregistered: the kernel already dropped it.
      const code = (error as SocketError).code;
      if (code !== 'EBADF' && code !== 'ENOENT') throw error;
    }
    entry.dead = true;
    entry.inKernel = false;
    if (this.#byFd.get(entry.fd) === entry) this.#byFd.delete(entry.fd);
    this.#slab[slot] = undefined;
    // A new generation makes any event already selected for the old token miss in dispatch,
    // even if the slot is reused before that event is read.
    this.#generations[slot] = ((this.#generations[slot] ?? 0) + 1) % GENERATIONS;
    this.#free.push(slot);
    this.#size--;
    this.#adjust(waiting ? -1 : 0, keepsAlive ? -1 : 0);
  }

  drain(loaded?: number): void {
    if (this.#draining || this.#closed) return;
    this.#draining = true;
    try {
      const selector = this.#selector;
      let n = loaded ?? selector.select(0);
      // Events the pool thread selected are as old as its return: whatever turned ready since
      // (while this thread was busy) is picked up by one more round, in the same dispatch.
      let again = loaded !== undefined;
      for (let round = 1; ; round++) {
        this.#dispatch(n);
        // libuv polls the epoll fd level-triggered: whatever is left makes it call again on the
        // next loop iteration, so stopping after a few full rounds loses nothing.
        if ((n < selector.capacity && !again) || round >= MAX_ROUNDS || this.#closed) break;
        again = false;
        n = selector.select(0);
      }
    } catch (error) {
      this.report(error);
    } finally {
      this.#draining = false;
    }
  }

  report(error: unknown): void {
    reportUncaught(error);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const entry of this.#slab) entry?.deregister();
    this.#closed = true;
    try {
      await this.#driver.close();
    } finally {
      this.#selector.close();
    }
  }

  #dispatch(n: number): void {
    const selector = this.#selector;
    const slab = this.#slab;
    for (let i = 0; i < n; i++) {
      const token = selector.token(i);
      const entry = slab[token % TWO_32];
      // Unknown slot (the waker) or an older generation (deregistered in this batch): skip.
      if (entry === undefined || entry.token !== token) continue;
      try {
        entry.source.onReady(selector.ready(i));
      } catch (error) {
        this.report(error);
      }
    }
  }

  #adjust(waitingDelta: number, keepAliveDelta: number): void {
    if (waitingDelta === 0 && keepAliveDelta === 0) return;
    const wasWaiting = this.#waiting > 0;
    const wasKeepingAlive = this.#keepingAlive > 0;
    this.#waiting += waitingDelta;
    this.#keepingAlive += keepAliveDelta;
    if (this.#waiting > 0 !== wasWaiting || this.#keepingAlive > 0 !== wasKeepingAlive) {
      this.#driver.update(this.#keepingAlive > 0, this.#waiting > 0);
    }
  }
}

function assertMainThread(): void {
  if (!isMainThread) {
    throw new SocketError(
      'rxsock: the reactor runs on the main thread only (it is driven by uv_default_loop(), the main ' +
        "thread's loop); use sockets from the main thread, or pass data to workers",
      { code: 'ERR_RXSOCK_WORKER_THREAD' },
    );
  }
}

/**
 * The driver `reactor()` uses: `RXSOCK_POLLER` (`'uv_poll'` or `'thread'`) when set, otherwise
 * `uv_poll` when the node binary exports libuv's symbols and `thread` when it doesn't.
 */
export function defaultDriverKind(): DriverKind {
  const requested = process.env['RXSOCK_POLLER'];
  if (requested === 'thread' || requested === 'uv_poll') return requested;
  if (requested !== undefined && requested !== '') {
    throw new SocketError(`rxsock: RXSOCK_POLLER must be 'uv_poll' or 'thread', got '${requested}'`, {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
  return uv().available ? 'uv_poll' : 'thread';
}

/**
 * A reactor of its own, with its own epoll fd and driver, that can be closed: for tests and for
 * embedders that need one with a specific driver. Main thread only.
 */
export function createReactor(options: ReactorOptions = {}): OwnedReactor {
  assertMainThread();
  return new ReactorImpl(options.driver ?? defaultDriverKind(), options.capacity);
}

let shared: OwnedReactor | undefined;

/**
 * The process's reactor, created on first use. Throws a `SocketError` with code
 * `'ERR_RXSOCK_WORKER_THREAD'` on a worker thread: the driver belongs to the main loop.
 */
export function reactor(): Reactor {
  assertMainThread();
  return (shared ??= createReactor());
}
