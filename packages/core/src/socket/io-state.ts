/**
 * A socket's readiness, as the poller reports it, and the operations waiting for it.
 *
 * Kept apart from the Socket object on purpose: the reactor holds this object strongly (it is the
 * registered source), so it must not hold the Socket, or a socket dropped without close() could
 * never be garbage-collected and closed by the finalizer.
 */
import { Interest, Ready, type Registration } from '../poller/api.js';
import { reactor } from '../poller/reactor.js';

type Waiter = { resolve: () => void; reject: (e: unknown) => void };

/** Readiness of one fd, edge-triggered, with its queues of waiting operations. */
export class IoState {
  /** Whether a read may succeed; false only after EAGAIN until the next readable edge. */
  readReady = true;
  /**
   * The peer shut down its side (RDHUP/HUP/ERR seen). Final: a short read no longer proves the
   * queue empty, because the FIN sits behind the data and its edge has already been used.
   */
  readClosed = false;
  /** Whether a write may succeed; false only after EAGAIN until the next writable edge. */
  writeReady = true;
  private registration: Registration | undefined;
  private readWaiters: Waiter[] = [];
  private writeWaiters: Waiter[] = [];
  private referenced = true;
  private closedError: unknown;

  constructor(readonly fd: number) {}

  /** The poller's callback: wakes the waiters of whatever became ready. */
  onReady(ready: number): void {
    if (ready & (Ready.READABLE | Ready.ERROR | Ready.HANGUP | Ready.READ_CLOSED | Ready.PRIORITY)) {
      if (ready & (Ready.ERROR | Ready.HANGUP | Ready.READ_CLOSED)) this.readClosed = true;
      this.readReady = true;
      this.wake(this.readWaiters);
      this.readWaiters = [];
    }
    if (ready & (Ready.WRITABLE | Ready.ERROR | Ready.HANGUP)) {
      this.writeReady = true;
      this.wake(this.writeWaiters);
      this.writeWaiters = [];
    }
  }

  /**
   * A read returned fewer bytes than asked of a stream socket: its queue is empty, and with
   * edge-triggered readiness the next byte brings a new edge, so the read that would only say
   * EAGAIN can be skipped (as tokio does) — unless the peer's FIN is queued (see readClosed).
   */
  shortRead(): void {
    if (!this.readClosed) this.readReady = false;
  }

  /**
   * Resolves once a read may succeed: at once if no EAGAIN was seen since the last readable edge,
   * otherwise at the next edge (or error/hang-up). Callers clear `readReady` on EAGAIN.
   */
  readable(signal?: AbortSignal): Promise<void> {
    if (this.readReady && this.closedError === undefined) return Promise.resolve();
    return this.wait('read', signal);
  }

  /** Resolves once a write may succeed, like {@link IoState.readable}. */
  writable(signal?: AbortSignal): Promise<void> {
    if (this.writeReady && this.closedError === undefined) return Promise.resolve();
    return this.wait('write', signal);
  }

  /** Registers the fd with the reactor now, so readiness is tracked before the first wait. */
  ensureRegistered(): Registration {
    let registration = this.registration;
    if (!registration) {
      registration = reactor().register(this.fd, this, { interest: Interest.READABLE | Interest.WRITABLE, edge: true });
      if (!this.referenced) registration.unref();
      this.registration = registration;
    }
    return registration;
  }

  /** Changes what the kernel reports (used by flow control to stop reading). */
  setInterest(interest: number): void {
    const registration = this.ensureRegistered();
    // Edges that came while a direction was masked were never seen: assume it may be ready.
    if (interest & ~registration.interest & Interest.READABLE) this.readReady = true;
    if (interest & ~registration.interest & Interest.WRITABLE) this.writeReady = true;
    registration.setInterest(interest);
  }

  ref(): void {
    this.referenced = true;
    this.registration?.ref();
  }

  unref(): void {
    this.referenced = false;
    this.registration?.unref();
  }

  /** Whether anything waits on this fd. */
  get waiting(): number {
    return this.readWaiters.length + this.writeWaiters.length;
  }

  /**
   * Forgets the fd: leaves the selector (before the fd number can be reused by the OS) and fails
   * every waiting operation with `error`.
   */
  dispose(error: unknown): void {
    this.closedError = error;
    this.registration?.deregister();
    this.registration = undefined;
    const waiters = [...this.readWaiters, ...this.writeWaiters];
    this.readWaiters = [];
    this.writeWaiters = [];
    for (const w of waiters) w.reject(error);
  }

  private wait(kind: 'read' | 'write', signal?: AbortSignal): Promise<void> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const registration = this.ensureRegistered();
    const queue = kind === 'read' ? this.readWaiters : this.writeWaiters;
    return new Promise<void>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const waiter: Waiter = {
        resolve: () => {
          registration.removeWaiter();
          if (onAbort) signal!.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e) => {
          registration.removeWaiter();
          if (onAbort) signal!.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      if (signal) {
        if (signal.aborted) return reject(signal.reason);
        onAbort = () => {
          // The queue may have been swapped by a wake-up since; remove from the live one.
          const live = kind === 'read' ? this.readWaiters : this.writeWaiters;
          const i = live.indexOf(waiter);
          if (i >= 0) live.splice(i, 1);
          registration.removeWaiter();
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      registration.addWaiter();
      queue.push(waiter);
    });
  }

  private wake(queue: Waiter[]): void {
    for (const w of queue) w.resolve();
  }
}
