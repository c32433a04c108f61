/**
 * Pure codecs of `@rxsock/can`: frame structures, error frames, receive filters and
 * `sockaddr_can`. No system calls.
 * @module
 */
export * from './frame.js';
export * from './frame-codec.js';
export * from './error-frame.js';
export * from './filter.js';
export * from './address.js';
