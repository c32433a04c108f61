/**
 * @packageDocumentation
 * `@rxsock/testing`: helpers for the tests of rxsock and of code built on it, starting with
 * fast-check arbitraries for socket addresses and IP address text.
 */
export * from './arbitraries.js';
export * from './fd-leak.js';
export * from './loopback.js';
export * from './pattern.js';
export * from './python-writer.js';
export * from './temp-socket-path.js';
export * from './kernel-vm/index.js';
