/**
 * @packageDocumentation
 * `@rxsock/core`: the BSD socket interface for Node.js through koffi. System calls with typed
 * errors, sockaddr codecs, an epoll poller that lives inside Node's own event loop, and the
 * `Socket` object with Python's socket module as its parity list.
 */
export * from './errors.js';
export { C } from './sys/index.js';
export { linuxConstants } from './sys/constants-linux.js';
export type { SocketConstants, ConstantName } from './sys/index.js';
export type { NativeLibrary } from './sys/index.js';
export { MappedRegion } from './sys/mapped-region.js';
export { loadNativeLibrary, addressOf, type LibrarySource } from './sys/native-library.js';
export * from './codec/index.js';
export * from './socket/index.js';
export { Interest, Ready } from './poller/api.js';
export type { ReadySource, Registration, RegisterOptions, Selector, Reactor } from './poller/api.js';
export { CALL_NOT_MADE, READ_AHEAD_BYTES, type SyscallBatch } from './sys/syscall-batch.js';
export * from './stream/index.js';
export * from './stream/framing/index.js';
export { reactor, createReactor, defaultDriverKind, type OwnedReactor, type ReactorOptions, type DriverKind } from './poller/reactor.js';
/** @internal */
export { rx, LazySubject, type RxParts } from './rx/index.js';
