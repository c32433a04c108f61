// The koffi bindings the benchmarks' floors share (koffi-floor.mjs, koffi-uring-floor.mjs):
// libc's read/write/close and libuv's uv_poll on Node's own loop, with one registered poll
// callback and one close callback that call the handlers a floor sets in `handlers` (the floors
// run one at a time).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../packages/core/package.json', import.meta.url));
export const koffi = require('koffi');
export const node = koffi.load(null);
export const libc = koffi.load('libc.so.6');
export const read = libc.func('intptr_t read(int fd, void *buf, size_t len)');
export const write = libc.func('intptr_t write(int fd, const void *buf, size_t len)');
export const close = libc.func('int close(int fd)');
export const defaultLoop = node.func('void *uv_default_loop()');
export const handleSize = node.func('size_t uv_handle_size(int type)');
export const pollInit = node.func('int uv_poll_init(void *loop, void *handle, int fd)');
export const pollStart = node.func('int uv_poll_start(void *handle, int events, void *cb)');
export const pollStop = node.func('int uv_poll_stop(void *handle)');
export const uvClose = node.func('void uv_close(void *handle, void *cb)');
export const UV_POLL = 8;
export const UV_READABLE = 1;

/** What the registered callbacks call: set by the floor that is running. */
export const handlers = { poll: (_handle, _status, _events) => {}, close: (_handle) => {} };
const pollProto = koffi.proto('void rxsock_bench_poll_cb(void *handle, int status, int events)');
const closeProto = koffi.proto('void rxsock_bench_close_cb(void *handle)');
export const pollCb = koffi.register((handle, status, events) => handlers.poll(handle, status, events), koffi.pointer(pollProto));
export const closeCb = koffi.register((handle) => handlers.close(handle), koffi.pointer(closeProto));
