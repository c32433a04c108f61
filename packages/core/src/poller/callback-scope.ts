/**
 * Whether JavaScript is running inside the poller's callback.
 *
 * koffi calls the poller's callback outside Node's callback scope (the bookkeeping Node wraps
 * around every callback it makes itself). Outside it, a call from JavaScript into Node's native
 * side that calls back into JavaScript counts as the outermost callback and runs the tick queue
 * when it returns, in the middle of the JavaScript that made the call. Node's own stream classes
 * assume that cannot happen: `new TLSSocket(stream)` starts its stream flowing by a tick it
 * expects to run after the constructor. Code that hands data to such classes asks here whether
 * it must wait for Node's scope first.
 */
let depth = 0;
let deferred: Array<() => void> = [];

/** @internal Whether a poller callback (dispatch and the jobs it runs) is on the stack. */
export function insidePollerCallback(): boolean {
  return depth > 0;
}

/**
 * @internal Runs `task` once the poller's callback is back at its own level (after the current
 * dispatch and the jobs it queued), where no JavaScript above it is half done: later than a
 * tick, which may run inside a constructor, but within the same wake-up, unlike an immediate.
 * Outside the poller's callback it runs at once.
 */
export function afterDispatch(task: () => void): void {
  if (depth === 0) task();
  else deferred.push(task);
}

/**
 * @internal Runs the tasks {@link afterDispatch} held (and those they hold in turn); a task that
 * throws goes to `report` and the others still run. Returns whether there were any.
 */
export function runAfterDispatch(report: (error: unknown) => void): boolean {
  if (deferred.length === 0) return false;
  while (deferred.length > 0) {
    const tasks = deferred;
    deferred = [];
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        report(error);
      }
    }
  }
  return true;
}

/** @internal The poller's callback begins (pair with {@link leavePollerCallback} in a `finally`). */
export function enterPollerCallback(): void {
  depth++;
}

/** @internal The poller's callback returns. */
export function leavePollerCallback(): void {
  depth--;
}
