/**
 * The accept loop of every stream server (TCP, UNIX stream, UNIX seqpacket), surviving the errors
 * that mean "not now" rather than "never": as a callback loop ({@link runAcceptLoop}, what a
 * server's promise `accept()` uses, without loading rxjs) and as an Observable ({@link acceptLoop}).
 */
import type { Observable } from 'rxjs';
import { rx, type Socket, type SocketAddress } from '@rxsock/core';

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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
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
  const initial = options.initialBackoff ?? 10;
  const max = options.maxBackoff ?? 1000;
  const controller = new AbortController();
  void (async () => {
    let backoff = initial;
    let inARow = 0;
    while (!controller.signal.aborted && !sink.closed) {
      // A deep backlog is accepted in promise jobs alone; yield now and then so timers and
      // other sockets get their turn.
      if (++inARow % ACCEPTS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      let accepted: [Socket, SocketAddress];
      try {
        accepted = await listener.accept({ signal: controller.signal, timeout: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        if (listener.closed || options.isClosing?.()) {
          sink.complete();
          return;
        }
        if (isTransientAcceptError(error)) {
          options.onTransientError?.(error);
          await sleep(backoff, controller.signal);
          backoff = Math.min(max, backoff * 2);
          continue;
        }
        sink.error(error);
        return;
      }
      backoff = initial;
      if (sink.closed || controller.signal.aborted) {
        accepted[0].close();
        return;
      }
      sink.next(accepted);
    }
  })();
  return () => controller.abort();
}

/**
 * Accepts connections on `listener` while subscribed. Transient errors are reported and retried
 * after an exponential back-off (a process out of fds must not lose its server); any other error
 * ends the Observable with it; closing the listener completes it. A socket accepted after the
 * subscriber left is closed, never leaked.
 */
export function acceptLoop(listener: Socket, options: AcceptLoopOptions = {}): Observable<[Socket, SocketAddress]> {
  return new (rx().Observable)<[Socket, SocketAddress]>((subscriber) => runAcceptLoop(listener, subscriber, options));
}
