/**
 * Node's loop runs `setImmediate` callbacks between two poll phases: I/O that turns ready while
 * callbacks run is seen only after the immediates queued meanwhile. Node's own code relies on it
 * (`JSStreamSocket`, the wrapper node:tls puts round any non-`net.Socket` stream, completes each
 * write from an immediate, and a TLS alert written before that completion is dropped), so the
 * reactor may select again inside one wake-up only while no immediate is queued.
 *
 * There is no public way to ask whether the immediate queue is empty. A probe is: an immediate
 * of our own, appended to the queue's tail, is linked to its neighbours through the `_idlePrev`
 * and `_idleNext` fields of Node's timers list (unchanged since Node 0.x). Nothing before it
 * means the queue was empty when it was made; something after it means an immediate was queued
 * since. Where those fields do not exist, the probe reports "queued" and the reactor stops.
 */

interface ListLinks {
  _idlePrev?: unknown;
  _idleNext?: unknown;
}

const noop = (): void => {};

/** An open probe; {@link closeImmediateProbe} must remove it before the loop gets back control. */
export type ImmediateProbe = NodeJS.Immediate;

/**
 * Queues a probe if the immediate queue is empty now; undefined when it is not (or when this
 * runtime's immediates are not linked the way Node's are).
 */
export function openImmediateProbe(): ImmediateProbe | undefined {
  const probe = setImmediate(noop);
  const links = probe as unknown as ListLinks;
  if (links._idlePrev === null && links._idleNext === null) return probe;
  clearImmediate(probe);
  return undefined;
}

/** Whether an immediate was queued after `probe` was opened. */
export function immediateQueuedSince(probe: ImmediateProbe): boolean {
  return (probe as unknown as ListLinks)._idleNext !== null;
}

/** Takes the probe out of the queue (it never runs). */
export function closeImmediateProbe(probe: ImmediateProbe | undefined): void {
  if (probe !== undefined) clearImmediate(probe);
}
