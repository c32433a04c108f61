/**
 * Closes sockets that were garbage-collected while open, and says where each was created, so a
 * leak is found at its source rather than as EMFILE hours later.
 */
import type { IoState } from './io-state.js';
import { sys } from '../sys/index.js';

interface Held {
  io: IoState;
  fd: number;
  /** Where the socket was created. */
  origin: { stack?: string };
}

const registry = new FinalizationRegistry<Held>((held) => {
  held.io.dispose(new Error('socket was garbage-collected'));
  sys().close(held.fd);
  process.emitWarning(
    `rxsock: a socket (fd ${held.fd}) was garbage-collected while open and has been closed. ` +
      `Close sockets explicitly (close() or 'await using'). It was created ${held.origin.stack?.replace(/^Error\n/, '\n') ?? '(no stack)'}`,
    { code: 'RXSOCK_SOCKET_LEAK', type: 'ResourceWarning' },
  );
});

/** Where a socket is being created: the caller's stack, formatted now. */
export function captureOrigin(skip: Function): string {
  const holder: { stack?: string } = {};
  // Formatted at once: a lazily formatted trace keeps its frames' receivers alive, the socket
  // among them, and a socket that cannot be collected is never reported.
  Error.captureStackTrace(holder, skip);
  return holder.stack ?? '(no stack)';
}

/**
 * Watches `owner`; when it is collected without {@link forgetLeakWatch}, its fd is closed and a
 * warning names `origin` (from {@link captureOrigin}, or shared, such as an accepting listener's).
 */
export function watchForLeak(owner: object, io: IoState, fd: number, origin: string): void {
  registry.register(owner, { io, fd, origin: { stack: origin } }, owner);
}

/** The socket was closed or detached: nothing to do at collection. */
export function forgetLeakWatch(owner: object): void {
  registry.unregister(owner);
}
