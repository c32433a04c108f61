/**
 * Node runs its `process.nextTick` queue and the promise jobs after every callback it makes
 * itself (I/O, timers), from the native callback scope. A koffi callback is not such a callback:
 * jobs queued while the poller dispatches would wait for some unrelated callback (a nextTick
 * waited for the next timer), and a promise chain that writes back to a socket would do so only
 * after the loop came round again. The reactor therefore runs them itself after each dispatch,
 * as Node would on return from the callback.
 */

/** `process._tickCallback`: runs the nextTick queue, then promise jobs, until both are empty. */
type TickRunner = () => void;

// Node's own function, exported on `process` (undocumented but stable since Node 0.x: it is what
// `MakeCallback` calls); absent elsewhere, where the jobs then run when the runtime runs them.
const runTicks: TickRunner | undefined = (process as unknown as { _tickCallback?: TickRunner })._tickCallback;

/**
 * Runs pending nextTicks and promise jobs now. An exception thrown by one of them is rethrown
 * from a fresh immediate, where it reaches `uncaughtException` as it would from Node's own
 * scope: throwing it into koffi would leave it pending in the middle of libuv. The jobs after it
 * stay queued and run at the next drain, as Node leaves them for its next callback.
 */
export function runPendingJobs(): void {
  if (runTicks === undefined) return;
  try {
    runTicks.call(process);
  } catch (error) {
    setImmediate(rethrow, error);
  }
}

function rethrow(error: unknown): never {
  throw error;
}
