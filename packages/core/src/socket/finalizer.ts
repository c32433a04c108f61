/**
 * Closes sockets that were garbage-collected while open, and says where each was created, so a
 * leak is found at its source rather than as EMFILE hours later.
 */
import type { IoState } from './io-state.js';
import { sys } from '../sys/index.js';

// The held value is the socket's IoState, which knows its fd and origin: no holder object per
// socket. It must not reference the socket, or the socket could never be collected.
const registry = new FinalizationRegistry<IoState>((io) => {
  io.dispose(new Error('socket was garbage-collected'));
  sys().close(io.fd);
  process.emitWarning(
    `rxsock: a socket (fd ${io.fd}) was garbage-collected while open and has been closed. ` +
      `Close sockets explicitly (close() or 'await using'). It was created ${io.origin.replace(/^Error\n/, '\n')}`,
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
 * warning names `io.origin` (from {@link captureOrigin}, or shared, such as an accepting
 * listener's).
 */
export function watchForLeak(owner: object, io: IoState): void {
  registry.register(owner, io, owner);
}

/** The socket was closed or detached: nothing to do at collection. */
export function forgetLeakWatch(owner: object): void {
  registry.unregister(owner);
}
