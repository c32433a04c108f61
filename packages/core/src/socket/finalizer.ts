/**
 * Closes sockets that were garbage-collected while open, and says where each was created, so a
 * leak is found at its source rather than as EMFILE hours later.
 */
import type { IoState } from './io-state.js';
import { sys } from '../sys/index.js';

interface Held {
  io: IoState;
  fd: number;
  /** Holds the creation stack; formatted only if the warning is ever emitted. */
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

/** Watches `owner`; when it is collected without {@link forgetLeakWatch}, its fd is closed. */
export function watchForLeak(owner: object, io: IoState, fd: number): void {
  const origin: { stack?: string } = {};
  // captureStackTrace records frames now and formats them lazily, which keeps creation cheap.
  Error.captureStackTrace(origin, watchForLeak);
  registry.register(owner, { io, fd, origin }, owner);
}

/** The socket was closed or detached: nothing to do at collection. */
export function forgetLeakWatch(owner: object): void {
  registry.unregister(owner);
}
