/**
 * The poller: readiness of many fds from one epoll instance, watched from inside Node's event
 * loop. Sockets register here and park operations as waiters until the fd is ready.
 */
export { Interest, Ready } from './api.js';
export type { Reactor, ReadySource, Registration, RegisterOptions, Selector } from './api.js';
export { reactor, createReactor, defaultDriverKind } from './reactor.js';
export type { DriverKind, OwnedReactor, ReactorOptions } from './reactor.js';
export { EpollSelector, DEFAULT_EPOLL_CAPACITY } from './epoll.js';
export { afterDispatch, insidePollerCallback } from './callback-scope.js';
