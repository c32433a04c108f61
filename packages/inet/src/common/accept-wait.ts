/**
 * How accept loops wait for the next connection: through the listening socket's one-shot
 * readable listener, shared by every loop of that socket, instead of a promise, an AbortSignal
 * listener and two callbacks per wake-up. A server that sees one connection per wake-up would
 * otherwise allocate all of that per connection.
 */
import type { ReadableListener, Socket } from '@rxsock/core';

/** One waiting accept loop. */
export interface AcceptWaiter {
  /** The listener may have a connection queued, or failed with `error`. */
  wake(error?: unknown): void;
}

/** The loops waiting on one listening socket, behind its single readable listener. */
class ListenerWaiters implements ReadableListener {
  private waiting: AcceptWaiter[] = [];

  constructor(private readonly socket: Socket) {}

  add(waiter: AcceptWaiter): void {
    if (this.waiting.includes(waiter)) return;
    this.waiting.push(waiter);
    // On a closed socket this calls onReadable at once, with the error.
    if (this.waiting.length === 1) this.socket.onNextReadable(this);
  }

  remove(waiter: AcceptWaiter): void {
    const i = this.waiting.indexOf(waiter);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    // Disarmed when nobody waits: an idle, unsubscribed server must not keep the process alive.
    if (this.waiting.length === 0 && !this.socket.closed) this.socket.onNextReadable(undefined);
  }

  onReadable(error?: unknown): void {
    const woken = this.waiting;
    this.waiting = [];
    for (const waiter of woken) waiter.wake(error);
  }
}

const bySocket = new WeakMap<Socket, ListenerWaiters>();

/** Wakes `waiter` once at the next readable edge of `listener` (or with its error). */
export function waitForConnection(listener: Socket, waiter: AcceptWaiter): void {
  let waiters = bySocket.get(listener);
  if (waiters === undefined) bySocket.set(listener, (waiters = new ListenerWaiters(listener)));
  waiters.add(waiter);
}

/** Cancels {@link waitForConnection}. */
export function cancelWait(listener: Socket, waiter: AcceptWaiter): void {
  bySocket.get(listener)?.remove(waiter);
}
