/**
 * Closes sockets that were garbage-collected while open, and says where each was created, so a
 * leak is found at its source rather than as EMFILE hours later.
 */
import type { IoState } from './io-state.js';
import { sys } from '../sys/index.js';

// The held value is the socket's IoState, which knows its fd and origin: no holder object per
// socket. It must not reference the socket, or the socket could never be collected.
const registry = new FinalizationRegistry<IoState>((io) => {
  io.dispose(() => new Error('socket was garbage-collected'));
  sys().close(io.fd);
  const where =
    io.origin === undefined
      ? `Set RXSOCK_SOCKET_ORIGINS=1 (or call traceSocketOrigins()) to have this warning say where it was created.`
      : `It was created ${io.origin.replace(/^Error\n/, '\n')}`;
  process.emitWarning(
    `rxsock: a socket (fd ${io.fd}) was garbage-collected while open and has been closed. ` +
      `Close sockets explicitly (close() or 'await using'). ${where}`,
    { code: 'RXSOCK_SOCKET_LEAK', type: 'ResourceWarning' },
  );
});

// Off by default, like Python's tracemalloc for its ResourceWarning: capturing and formatting a
// stack costs 6-20 us per socket, more than its socket() and close() system calls together.
let tracingOrigins = process.env['RXSOCK_SOCKET_ORIGINS'] === '1';

/**
 * Whether the `RXSOCK_SOCKET_LEAK` warning for a socket garbage-collected while open names where
 * the socket was created (its creator's stack, taken at creation). Off unless the environment
 * has `RXSOCK_SOCKET_ORIGINS=1`, because taking a stack per socket costs more than opening it;
 * turn it on while hunting a leak. Applies to sockets created from then on.
 */
export function traceSocketOrigins(on = true): void {
  tracingOrigins = on;
}

/** Where a socket is being created (the caller's stack, formatted now), when origins are traced. */
export function captureOrigin(skip: Function): string | undefined {
  if (!tracingOrigins) return undefined;
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
