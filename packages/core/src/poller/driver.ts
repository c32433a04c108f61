/**
 * What a driver (the thing that notices the selector turned ready) and the reactor owe each
 * other. Two drivers exist: `uv_poll` inside libuv, and `thread`, a wait on libuv's pool.
 */

/** The reactor as seen by its driver. */
export interface DriverHost {
  /**
   * Dispatches readiness. `loaded` is the number of events a driver already selected into the
   * selector's buffer (the thread wait); without it the host selects with timeout 0 itself.
   * Runs Node's nextTick and promise jobs after each dispatch, and keeps selecting while it finds
   * events and no immediate is queued, up to a bound.
   */
  drain(loaded?: number): void;
  /** Surfaces an error that has no caller to return to, as an uncaught exception. */
  report(error: unknown): void;
}

/** Watches the selector's fd and calls {@link DriverHost.drain} when it is ready. */
export interface Driver {
  /** Which mechanism this is, reported as `Reactor.driver`. */
  readonly kind: 'uv_poll' | 'thread';
  /**
   * Tells the driver what is waiting. `keepAlive`: some referenced registration has waiters, so
   * the process must not exit. `listening`: some registration has waiters at all, referenced or
   * not, so readiness must still be delivered while the process lives for other reasons.
   */
  update(keepAlive: boolean, listening: boolean): void;
  /** Stops watching and releases native resources; resolves once they are really released. */
  close(): Promise<void>;
}

/**
 * Rethrows `error` from a fresh tick, so it reaches `uncaughtException` like an error thrown in
 * any Node callback. Throwing straight out of a koffi callback instead would leave a pending
 * exception in the middle of libuv and stop the poll handle.
 */
export function reportUncaught(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
