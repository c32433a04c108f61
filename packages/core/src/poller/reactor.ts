/**
 * The reactor: one selector, a slab of sources indexed by token, and a driver that calls back
 * when the selector is ready. Owns the process-lifetime accounting (waiters x ref) that decides
 * whether the driver keeps Node alive.
 */
import { isMainThread } from 'node:worker_threads';
import { SocketError, invalidArgument } from '../errors.js';
import { uv } from '../sys/index.js';
import { recvBatch, type SyscallBatch } from '../sys/syscall-batch.js';
import { Interest } from './api.js';
import type { Reactor, ReadySource, RegisterOptions, Registration, Selector } from './api.js';
import { reportUncaught } from './driver.js';
import { runPendingJobs } from './run-jobs.js';
import { enterPollerCallback, leavePollerCallback, runAfterDispatch } from './callback-scope.js';
import { closeImmediateProbe, immediateQueuedSince, openImmediateProbe, type ImmediateProbe } from './immediate-probe.js';
import type { Driver, DriverHost } from './driver.js';
import { EpollSelector } from './epoll.js';
import { Flag, SlotTable } from './slots.js';
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

// The waker of the thread driver owns slot 0xFFFFFFFF (see slots.ts).
const MAX_SLOTS = 0xffff_ffff;
/**
 * Selects per wake-up while they keep finding events: the bound is fairness to the rest of the
 * loop (timers, Node's own sockets), as libuv bounds its own poll loop.
 */
const MAX_ROUNDS = 32;
/**
 * Times per wake-up a read about to wait may take waiting completions itself (see
 * {@link SlotReactor.mayTakeCompletionsNow}): each saves a round (a job run and a look at the
 * queue), and with {@link MAX_ROUNDS} they bound what one wake-up does.
 */
const MAX_EARLY_TAKES = 256;
const ALL_INTEREST = Interest.READABLE | Interest.WRITABLE | Interest.PRIORITY;

function checkInterest(interest: number): void {
  if (!Number.isInteger(interest) || (interest & ~ALL_INTEREST) !== 0) {
    throw invalidArgument(`interest must be a combination of Interest flags, got ${interest}`);
  }
}

function deregisteredError(): SocketError {
  return new SocketError('rxsock: registration is deregistered', { code: 'ERR_RXSOCK_DEREGISTERED' });
}

/**
 * @internal
 * The reactor by slot number, for the socket layer: a socket's readiness state registers itself
 * as the source and keeps only its slot, so no registration object exists per socket. The
 * caller owns the slot from {@link SlotReactor.attach} to {@link SlotReactor.detach} and must
 * not use it after.
 */
export interface SlotReactor {
  /** Registers `fd` like `Reactor.register` and returns its slot. */
  attach(fd: number, source: ReadySource, interest: number, edge: boolean): number;
  /** The slot's current {@link Interest} bits. */
  interestOf(slot: number): number;
  /** `Registration.setInterest`. */
  setInterestOf(slot: number, interest: number): void;
  /** `Registration.addWaiter`. */
  addWaiter(slot: number): void;
  /** `Registration.removeWaiter`. */
  removeWaiter(slot: number): void;
  /** `Registration.ref` (true) and `unref` (false). */
  setReferenced(slot: number, referenced: boolean): void;
  /** `Registration.deregister`. */
  detach(slot: number): void;
  /**
   * Watches `queue` (its fd polls readable while completions wait) without keeping the process
   * alive, and has every wake-up take the completions its own work made before it selects again.
   */
  attachCompletionQueue(fd: number, queue: CompletionQueue): void;
  /**
   * Whether requests of the completion queue are outstanding: while they are, its completions
   * are taken even when nothing referenced waits (a cancel's last completion, an arrival for a
   * socket no one reads yet), without keeping the process alive.
   */
  setCompletionsOutstanding(outstanding: boolean): void;
  /**
   * Whether a read about to wait may take the completions that wait now, instead of leaving
   * them to the reactor's next round (see received-chunks.ts `takeArrivalsNow`): only inside a
   * wake-up, while no immediate is queued, and a bounded number of times per wake-up, so an
   * exchange between two sockets of this process cannot keep the loop from its other work.
   */
  mayTakeCompletionsNow(): boolean;
}

/**
 * @internal Completions to dispatch, kept in memory the kernel writes (an io_uring's CQ ring):
 * seeing whether there are any costs no system call.
 */
export interface CompletionQueue {
  /** Whether completions wait. */
  pending(): boolean;
  /** Dispatches the completions that wait (a bounded number per call). Must not throw. */
  dispatch(): void;
}

/** What `Reactor.register` hands out: a slot, checked against its generation on every use. */
class Handle implements Registration {
  constructor(
    private readonly owner: ReactorImpl,
    private readonly slot: number,
    readonly token: number,
    readonly fd: number,
    public interest: number,
  ) {}

  private get live(): boolean {
    return this.owner.isLive(this.slot, this.token);
  }

  setInterest(interest: number): void {
    if (!this.live) throw deregisteredError();
    this.owner.setInterestOf(this.slot, interest);
    this.interest = interest;
  }

  addWaiter(): void {
    if (this.live) this.owner.addWaiter(this.slot);
  }

  removeWaiter(): void {
    if (this.live) this.owner.removeWaiter(this.slot);
  }

  ref(): void {
    if (this.live) this.owner.setReferenced(this.slot, true);
  }

  unref(): void {
    if (this.live) this.owner.setReferenced(this.slot, false);
  }

  deregister(): void {
    if (this.live) this.owner.detach(this.slot);
  }
}

class ReactorImpl implements OwnedReactor, DriverHost, SlotReactor {
  readonly #selector: Selector;
  readonly #driver: Driver;
  readonly #slots = new SlotTable();
  #waiting = 0;
  #keepingAlive = 0;
  #draining = false;
  #closed = false;
  /** The wake-up's immediate probe (see immediate-probe.ts); opened at most once per wake-up. */
  #probe: ImmediateProbe | undefined;
  #probeOpened = false;
  #earlyTakes = 0;
  #completions: CompletionQueue | undefined;
  /** The thread driver's slot for the completion queue's fd (-1 under uv_poll, or before one is attached). */
  #completionSlot = -1;
  /** The completion queue's own `uv_poll_t`, under the uv_poll driver. */
  #completionDriver: UvDriver | undefined;
  /** Drains that found events: a diagnostic for tests (how many wake-ups a workload took). */
  wakeups = 0;

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
    return this.#slots.size;
  }

  register(fd: number, source: ReadySource, options: RegisterOptions): Registration {
    const slot = this.attach(fd, source, options.interest, options.edge ?? true);
    return new Handle(this, slot, this.#slots.token(slot), fd, options.interest);
  }

  /** @internal Whether `slot` still holds the registration `token` named. */
  isLive(slot: number, token: number): boolean {
    return this.#slots.slotOf(token) === slot;
  }

  attach(fd: number, source: ReadySource, interest: number, edge: boolean): number {
    if (this.#closed) throw new SocketError('rxsock: the reactor is closed', { code: 'ERR_RXSOCK_REACTOR_CLOSED' });
    if (!Number.isInteger(fd) || fd < 0) throw invalidArgument(`fd must be a non-negative integer, got ${fd}`);
    if (typeof source?.onReady !== 'function') throw invalidArgument('source must have an onReady(ready) method');
    checkInterest(interest);
    const t = this.#slots;
    if (t.size >= MAX_SLOTS - 1) throw new SocketError('rxsock: too many registrations', { code: 'ERR_RXSOCK_TOO_MANY' });
    const slot = t.allocate(fd, source, interest, (edge ? Flag.EDGE : 0) | Flag.REFERENCED);
    if (interest !== 0) {
      try {
        this.#selector.register(fd, t.token(slot), interest, edge);
      } catch (error) {
        t.release(slot);
        throw error;
      }
      t.flags[slot]! |= Flag.IN_KERNEL;
    }
    // The fd number is back while an older registration of it is still live: that fd was closed
    // without deregistering (the kernel dropped it then) and the number reused. The older one
    // must not EPOLL_CTL_DEL the new one when it is finally deregistered.
    const previous = t.slotOfFd(fd);
    if (previous >= 0) t.flags[previous]! &= ~Flag.IN_KERNEL;
    t.claimFd(slot);
    return slot;
  }

  interestOf(slot: number): number {
    return this.#slots.interest[slot]!;
  }

  /** EPOLL_CTL_ADD/MOD/DEL so that the kernel holds exactly the non-empty interest. */
  setInterestOf(slot: number, interest: number): void {
    checkInterest(interest);
    const t = this.#slots;
    if (interest === t.interest[slot]) return;
    const flags = t.flags[slot]!;
    const fd = t.fd[slot]!;
    const edge = (flags & Flag.EDGE) !== 0;
    // Interest 0 leaves the kernel set entirely: epoll reports ERR/HUP whatever the mask, which
    // for a level registration nobody listens to would wake the loop forever.
    if (interest === 0) {
      if (flags & Flag.IN_KERNEL) this.#selector.deregister(fd);
    } else if (flags & Flag.IN_KERNEL) this.#selector.reregister(fd, t.token(slot), interest, edge);
    else this.#selector.register(fd, t.token(slot), interest, edge);
    t.flags[slot] = interest !== 0 ? flags | Flag.IN_KERNEL : flags & ~Flag.IN_KERNEL;
    t.interest[slot] = interest;
  }

  addWaiter(slot: number): void {
    this.#setWaiters(slot, this.#slots.waiters[slot]! + 1);
  }

  removeWaiter(slot: number): void {
    // Clamped: a cancellation racing a completion may remove twice.
    this.#setWaiters(slot, Math.max(0, this.#slots.waiters[slot]! - 1));
  }

  setReferenced(slot: number, referenced: boolean): void {
    const t = this.#slots;
    const flags = t.flags[slot]!;
    if (((flags & Flag.REFERENCED) !== 0) === referenced) return;
    t.flags[slot] = referenced ? flags | Flag.REFERENCED : flags & ~Flag.REFERENCED;
    if (t.waiters[slot]! > 0) this.#adjust(0, referenced ? 1 : -1);
  }

  detach(slot: number): void {
    const t = this.#slots;
    const flags = t.flags[slot]!;
    try {
      if (flags & Flag.IN_KERNEL) this.#selector.deregister(t.fd[slot]!);
    } catch (error) {
      // Closed before deregistered: the kernel already dropped it.
      const code = (error as SocketError).code;
      if (code !== 'EBADF' && code !== 'ENOENT') throw error;
    }
    const waiting = t.waiters[slot]! > 0;
    t.release(slot);
    if (waiting) this.#adjust(-1, flags & Flag.REFERENCED ? -1 : 0);
  }

  attachCompletionQueue(fd: number, queue: CompletionQueue): void {
    if (this.#driver.kind === 'uv_poll') {
      // A uv_poll_t of its own, straight in libuv's epoll set: each completion posted then wakes
      // one epoll instance, not the selector's and libuv's through it. Never referenced (it is
      // made unreferenced): what waits for completions keeps the process alive through its socket.
      this.#completionDriver = new UvDriver(fd, { drain: () => this.drain(undefined, true), report: (error) => this.report(error) });
    } else {
      const slot = this.attach(fd, { onReady: () => queue.dispatch() }, Interest.READABLE, false);
      this.setReferenced(slot, false);
      // The thread driver selects only while something waits: the queue's slot waits (unreferenced) while requests are out.
      this.#completionSlot = slot;
    }
    this.#completions = queue;
  }

  setCompletionsOutstanding(outstanding: boolean): void {
    // The uv_poll driver's own uv_poll_t on the queue always polls (unreferenced).
    if (this.#completionSlot < 0) return;
    if (outstanding) this.addWaiter(this.#completionSlot);
    else this.removeWaiter(this.#completionSlot);
  }

  /** `completionsFirst`: the completion queue woke the loop, so its round comes before any select. */
  drain(loaded?: number, completionsFirst = false): void {
    if (this.#draining || this.#closed) return;
    enterPollerCallback();
    try {
      this.#drain(loaded, completionsFirst && this.#completions !== undefined);
    } finally {
      leavePollerCallback();
    }
  }

  #drain(loaded: number | undefined, completionsFirst: boolean): void {
    this.#draining = true;
    this.#earlyTakes = MAX_EARLY_TAKES;
    try {
      const selector = this.#selector;
      // Set for a round that takes the completion queue instead of selecting.
      let completed = completionsFirst;
      let n = completed ? 0 : (loaded ?? selector.select(0));
      if (n > 0 || completed) this.wakeups++;
      for (let round = 1; n > 0 || completed; round++) {
        if (completed) this.#completions!.dispatch();
        else this.#dispatch(n);
        // What the handlers queued (promise continuations, nextTicks) runs now, as after any
        // callback Node makes; a continuation that writes to a socket of this process makes the
        // peer ready at once on loopback.
        runPendingJobs();
        this.#runHeldWork();
        // libuv polls the epoll fd level-triggered: whatever is left makes it call again on the
        // next loop iteration, so stopping after a bound loses nothing and keeps timers and
        // Node's own I/O served.
        // Reads that took completions early used the wake-up's share too (see mayTakeCompletionsNow).
        if (round >= MAX_ROUNDS || this.#earlyTakes === 0 || this.#closed) break;
        // Select again rather than return to libuv: whatever the dispatch made ready (an answer
        // from an in-process peer, the next datagram) costs one epoll_wait here instead of a loop
        // turn, libuv's epoll_wait and this one. Not once an immediate is queued: Node runs
        // those before it looks at I/O again (see immediate-probe.ts).
        if (!this.#openProbe()) break;
        // Completions the round's sends made (an in-process peer's answer) are already in
        // memory: taken without a system call. The selector's other events wait at most until
        // the round bound, then the next wake-up selects first.
        completed = this.#completions?.pending() ?? false;
        n = completed ? 0 : selector.select(0);
      }
    } catch (error) {
      this.report(error);
      // A dispatch that failed part-way may have held work: it must not wait for the next wake-up.
      this.#runHeldWork();
    } finally {
      closeImmediateProbe(this.#probe);
      this.#probe = undefined;
      this.#probeOpened = false;
      this.#draining = false;
    }
  }

  /** Whether no immediate was queued since the wake-up's probe was opened (opening it the first time). */
  #openProbe(): boolean {
    if (!this.#probeOpened) {
      this.#probeOpened = true;
      this.#probe = openImmediateProbe();
    }
    return this.#probe !== undefined && !immediateQueuedSince(this.#probe);
  }

  mayTakeCompletionsNow(): boolean {
    if (!this.#draining || this.#earlyTakes === 0 || this.#closed || !this.#openProbe()) return false;
    this.#earlyTakes--;
    return true;
  }

  /**
   * Work held until no JavaScript above is half done (callback-scope.ts), and the jobs it queues.
   * Neither throws: a failing task is reported, and job exceptions are re-thrown from an immediate.
   */
  #runHeldWork(): void {
    while (runAfterDispatch(this.reportError)) runPendingJobs();
  }

  private readonly reportError = (error: unknown): void => this.report(error);

  report(error: unknown): void {
    reportUncaught(error);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const sources = this.#slots.sources;
    for (let slot = 0; slot < sources.length; slot++) if (sources[slot] !== undefined) this.detach(slot);
    this.#closed = true;
    try {
      await this.#completionDriver?.close();
      await this.#driver.close();
    } finally {
      this.#selector.close();
    }
  }

  #dispatch(n: number): void {
    const batch = n >= 2 ? recvBatch() : null;
    if (batch === null) {
      this.#dispatchRange(0, n);
      return;
    }
    for (let start = 0; start < n; start += batch.capacity) this.#dispatchReadingAhead(start, Math.min(n, start + batch.capacity), batch);
  }

  /** Calls the sources of events `start` to `end`. */
  #dispatchRange(start: number, end: number): void {
    const selector = this.#selector;
    const t = this.#slots;
    for (let i = start; i < end; i++) {
      // Unknown slot (the waker) or an older generation (deregistered in this batch): skip.
      const slot = t.slotOf(selector.token(i));
      if (slot < 0) continue;
      try {
        t.sources[slot]!.onReady(selector.ready(i));
      } catch (error) {
        this.report(error);
      }
    }
  }

  /**
   * The dispatch of events `start` to `end`, with the reads its sources are about to make done
   * first, all in one system call (see ReadySource.prepareRead): a wake-up that finds many
   * connections readable pays one call instead of one per connection.
   */
  #dispatchReadingAhead(start: number, end: number, batch: SyscallBatch): void {
    const selector = this.#selector;
    const t = this.#slots;
    const prepared = this.#prepared;
    for (let i = start; i < end; i++) {
      const slot = t.slotOf(selector.token(i));
      if (slot < 0) continue;
      const source = t.sources[slot]!;
      try {
        if (source.prepareRead?.(selector.ready(i), batch)) prepared.push(source);
      } catch (error) {
        this.report(error);
      }
    }
    if (prepared.length > 0) {
      try {
        batch.run();
      } catch (error) {
        // The reads' results read as CALL_NOT_MADE: each source then reads directly.
        this.report(error);
      }
    }
    try {
      this.#dispatchRange(start, end);
    } finally {
      for (let i = 0; i < prepared.length; i++) {
        try {
          prepared[i]!.finishRead!(batch);
        } catch (error) {
          this.report(error);
        }
      }
      prepared.length = 0;
    }
  }

  /** Sources whose read is in the batch being dispatched. */
  readonly #prepared: ReadySource[] = [];

  #setWaiters(slot: number, waiters: number): void {
    const t = this.#slots;
    const before = t.waiters[slot]!;
    t.waiters[slot] = waiters;
    if (before > 0 === waiters > 0) return;
    const delta = waiters > 0 ? 1 : -1;
    this.#adjust(delta, t.flags[slot]! & Flag.REFERENCED ? delta : 0);
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
  return newReactor(options);
}

function newReactor(options: ReactorOptions): ReactorImpl {
  return new ReactorImpl(options.driver ?? defaultDriverKind(), options.capacity);
}

let shared: ReactorImpl | undefined;

/**
 * The process's reactor, created on first use. Throws a `SocketError` with code
 * `'ERR_RXSOCK_WORKER_THREAD'` on a worker thread: the driver belongs to the main loop.
 */
export function reactor(): Reactor {
  assertMainThread();
  return (shared ??= newReactor({}));
}

/** @internal The process's reactor ({@link reactor}) by slot number, for the socket layer. */
export function slotReactor(): SlotReactor {
  return reactor() as ReactorImpl;
}
