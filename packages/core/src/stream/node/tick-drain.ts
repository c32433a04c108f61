/**
 * Node's `process.nextTick` queue is run when a callback that Node itself made (I/O, timer,
 * immediate) returns, but the poller's readiness callback comes through koffi, not through
 * Node's callback scope: a tick queued while it runs (Node streams queue many: `resume()`,
 * `'readable'`, `afterWrite`, `'end'`, TLS's handshake steps) would wait for the next unrelated
 * Node callback, which on an otherwise idle process may never come (a TLS handshake stalls).
 * Work done by the adapters on a readiness event therefore asks for one `setImmediate`: its
 * callback scope, in the check phase of the same loop turn, runs the queued ticks.
 */
let pending: NodeJS.Immediate | undefined;

function ran(): void {
  pending = undefined;
}

/** @internal Makes sure Node runs its tick queue before the loop waits again (one immediate per turn). */
export function drainTicksSoon(): void {
  pending ??= setImmediate(ran);
}
