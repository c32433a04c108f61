/**
 * The accept loop of every stream server (TCP, UNIX stream, UNIX seqpacket), surviving the errors
 * that mean "not now" rather than "never": as a callback loop ({@link runAcceptLoop}, what a
 * server's promise `accept()` uses, without loading rxjs) and as an Observable ({@link acceptLoop}).
 */
import type { Observable } from 'rxjs';
import { rx, type Socket, type SocketAddress } from '@rxsock/core';
import { cancelWait, waitForConnection, type AcceptWaiter } from './accept-wait.js';

/**
 * Errors of `accept()` after which the listener is still fine: out of descriptors (EMFILE for
 * the process, ENFILE for the system), out of kernel memory, or a connection that died in the
 * backlog. The pending connection stays queued, so the loop backs off instead of spinning.
 */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'ECONNABORTED', 'EPROTO', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENONET', 'EINTR']);

/** Whether an accept error leaves the listener usable. */
export function isTransientAcceptError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT.has(code);
}

/** Options of {@link acceptLoop}. */
export interface AcceptLoopOptions {
  /** First wait after a transient error, in ms (doubles up to `maxBackoff`). Default 10. */
  initialBackoff?: number;
  /** Longest wait between retries, in ms. Default 1000. */
  maxBackoff?: number;
  /** Told about every transient error before the loop backs off. */
  onTransientError?: (error: unknown) => void;
  /** Whether the listener was closed on purpose (then its EBADF ends the loop quietly). */
  isClosing?: () => boolean;
}

/** Accepts in a row before the loop yields to the event loop. */
const ACCEPTS_PER_TURN = 64;

/** One function for every loop's deferred turn and back-off timer (no closure per wait). */
function resume(run: AcceptRun): void {
  run.resume();
}

/**
 * One loop (a subscription or a promise accept): it accepts everything queued without a promise per connection (up to
 * {@link ACCEPTS_PER_TURN}, then it yields with a setImmediate), and then waits for the next
 * readable edge without one either (see accept-wait.ts).
 */
class AcceptRun implements AcceptWaiter {
  private backoff: number;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;

  constructor(
    private readonly listener: Socket,
    private readonly sink: AcceptSink,
    private readonly options: AcceptLoopOptions,
    private readonly initial: number,
    private readonly max: number,
  ) {
    this.backoff = initial;
  }

  /** Starts in a microtask, as the promise-based loop did: never inside subscribe(). */
  start(): void {
    queueMicrotask(() => this.resume());
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    cancelWait(this.listener, this);
  }

  /** {@link AcceptWaiter}: a connection may be queued, or the listener failed. */
  wake(error?: unknown): void {
    if (error === undefined) this.resume();
    else this.failed(error);
  }

  /** Accepts what is queued, then waits for the next edge (or yields, after a full turn). */
  resume(): void {
    this.timer = undefined;
    this.immediate = undefined;
    for (let n = 0; !this.stopped; n++) {
      if (n === ACCEPTS_PER_TURN) {
        // A deep backlog would otherwise be accepted in one go; let timers and sockets run.
        this.immediate = setImmediate(resume, this);
        return;
      }
      let accepted: [Socket, SocketAddress] | null;
      try {
        accepted = this.listener.tryAccept();
      } catch (error) {
        this.failed(error);
        return;
      }
      if (accepted === null) {
        waitForConnection(this.listener, this);
        return;
      }
      this.backoff = this.initial;
      if (this.sink.closed) {
        accepted[0].close();
        return;
      }
      this.sink.next(accepted);
    }
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    if (this.listener.closed || this.options.isClosing?.()) {
      this.sink.complete();
      return;
    }
    if (isTransientAcceptError(error)) {
      this.options.onTransientError?.(error);
      if (this.stopped) return;
      this.timer = setTimeout(resume, this.backoff, this);
      this.backoff = Math.min(this.max, this.backoff * 2);
      return;
    }
    this.sink.error(error);
  }
}

/**
 * @internal
 * Where {@link runAcceptLoop} delivers: a subscriber's shape. `closed` turning true stops the
 * loop (a socket accepted after that is closed, never leaked).
 */
export interface AcceptSink<T = [Socket, SocketAddress]> {
  readonly closed: boolean;
  next(accepted: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * @internal
 * Accepts on `listener` into `sink` until the sink closes, the listener is closed (complete) or a
 * non-transient error (error). Returns the stop function.
 */
export function runAcceptLoop(listener: Socket, sink: AcceptSink, options: AcceptLoopOptions = {}): () => void {
  const run = new AcceptRun(listener, sink, options, options.initialBackoff ?? 10, options.maxBackoff ?? 1000);
  run.start();
  return () => run.stop();
}

/**
 * Accepts connections on `listener` while subscribed. Transient errors are reported and retried
 * after an exponential back-off (a process out of fds must not lose its server); any other error
 * ends the Observable with it; closing the listener completes it. A socket accepted after the
 * subscriber left is closed, never leaked. Loops wait through the listener's
 * `onNextReadable` (several loops on one listener share it): do not arm another listener of
 * your own on a socket while a loop accepts from it.
 */
export function acceptLoop(listener: Socket, options: AcceptLoopOptions = {}): Observable<[Socket, SocketAddress]> {
  return new (rx().Observable)<[Socket, SocketAddress]>((subscriber) => runAcceptLoop(listener, subscriber, options));
}
