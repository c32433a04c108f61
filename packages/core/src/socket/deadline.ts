/** Per-operation timeouts and cancellation, folded into one AbortSignal. */
import { SocketTimeoutError } from '../errors.js';

/** Options every waiting Socket operation takes. */
export interface OperationOptions {
  /**
   * Milliseconds before the operation rejects with a {@link SocketTimeoutError}; `null` waits
   * forever. Defaults to the socket's `timeout`.
   */
  timeout?: number | null;
  /** Cancels the operation; it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A signal for one operation, and the call that releases its timer. */
export interface Deadline {
  signal: AbortSignal | undefined;
  done(): void;
}

const none: Deadline = { signal: undefined, done: () => {} };

/** Builds the {@link Deadline} of one operation (no timer, no allocation, when there is none). */
export function deadline(
  options: OperationOptions | undefined,
  defaultTimeout: number | null,
  syscall: string,
  describe: () => string | undefined,
  keepAlive: boolean,
): Deadline {
  const timeout = options?.timeout === undefined ? defaultTimeout : options.timeout;
  const signal = options?.signal;
  if (timeout === null || timeout === undefined) return signal ? { signal, done: () => {} } : none;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new SocketTimeoutError(syscall, timeout, describe())), timeout);
  if (!keepAlive) timer.unref();
  let unlink: (() => void) | undefined;
  if (signal) {
    if (signal.aborted) controller.abort(signal.reason);
    else {
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      unlink = () => signal.removeEventListener('abort', onAbort);
    }
  }
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      unlink?.();
    },
  };
}
