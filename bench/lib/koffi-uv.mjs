// The koffi bindings the benchmarks' floors share (koffi-floor.mjs, koffi-uring-floor.mjs, the
// echo servers): libc's read/write/close, a listening socket, and libuv's uv_poll on Node's own loop, with one registered poll
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
const socket = libc.func('int socket(int domain, int type, int protocol)');
const setsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32 len)');
const bind = libc.func('int bind(int fd, const void *addr, uint32 len)');
const listen = libc.func('int listen(int fd, int backlog)');
const getsockname = libc.func('int getsockname(int fd, void *addr, _Inout_ uint32 *len)');
const one = Buffer.from(new Int32Array([1]).buffer);

/** A listening TCP socket on 127.0.0.1 (an ephemeral port, backlog 4096, non-blocking) as a raw fd, and its port. */
export function listenLoopback() {
  const fd = socket(2 /* AF_INET */, 1 /* SOCK_STREAM */ | 0o4000 /* SOCK_NONBLOCK */, 0);
  const addr = Buffer.alloc(16);
  addr.writeUInt16LE(2, 0);
  addr.writeUInt32BE(0x7f000001, 4);
  setsockopt(fd, 1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, one, 4);
  if (fd < 0 || bind(fd, addr, 16) < 0 || listen(fd, 4096) < 0 || getsockname(fd, addr, [16]) < 0) throw new Error('listening on 127.0.0.1 failed');
  return { fd, port: addr.readUInt16BE(2) };
}

/** Turns Nagle off on `fd` (TCP_NODELAY), as the benchmarks' servers all do. */
export function noDelay(fd) {
  setsockopt(fd, 6 /* IPPROTO_TCP */, 1 /* TCP_NODELAY */, one, 4);
}

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
