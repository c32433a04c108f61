/** Shared helpers for CAN tests that run on a kernel with SocketCAN (the kernel VM). */
export * from './guest.js';
export * from './interfaces.js';
export * from './receivers.js';
export * from './run.js';
