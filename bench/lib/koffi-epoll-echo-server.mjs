// The readiness floor of bench/tcp-echo-10k: bench/lib/tcp-echo-server.c's `epoll` server written
// in JavaScript inside Node's loop, every kernel call through koffi, no rxsock code. Core's
// shape: one epoll set of our own, its fd watched by a uv_poll_t; per wake-up an epoll_wait
// (up to 1,024 events, again while a full batch comes back, at most 32 times), then per ready
// connection (edge-triggered) one recv and one send through a shared 64 KiB buffer. What a
// readiness (epoll) design through koffi costs per message before any reader, writer or
// observable.
// Listens on 127.0.0.1, an ephemeral port, backlog 4096; prints the port on its first line and
// serves until killed. Usage: node koffi-epoll-echo-server.mjs
import { close, defaultLoop, handlers, handleSize, koffi, libc, listenLoopback, noDelay, pollCb, pollInit, pollStart, UV_POLL, UV_READABLE } from './koffi-uv.mjs';

const epollCreate1 = libc.func('int epoll_create1(int flags)');
const epollCtl = libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)');
const epollWait = libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
const accept4 = libc.func('int accept4(int fd, void *addr, void *len, int flags)');
const recv = libc.func('intptr_t recv(int fd, void *buf, size_t len, int flags)');
const send = libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)');

const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;
const EPOLLET = 1 << 31;
const SOCK_NONBLOCK = 0o4000;
const MSG_NOSIGNAL = 0x4000;
const CAPACITY = 1024;
const EAGAIN = 11;

const { fd: listenFd, port } = listenLoopback();
const ep = epollCreate1(0);
// struct epoll_event is packed on x86-64: u32 events, u64 data (12 bytes); data holds the fd.
const events = Buffer.alloc(CAPACITY * 12);
const words = new Uint32Array(events.buffer, events.byteOffset, CAPACITY * 3);
const one = Buffer.alloc(12);

/** Edge-triggered, as core registers sockets: a wake-up per new arrival, no re-polling of what waits. */
function watch(fd) {
  one.writeUInt32LE((EPOLLIN | EPOLLET) >>> 0, 0);
  one.writeUInt32LE(fd, 4);
  if (epollCtl(ep, EPOLL_CTL_ADD, fd, one) < 0) throw new Error('epoll_ctl failed');
}

const buf = Buffer.alloc(65536);
watch(listenFd);

handlers.poll = () => {
  for (let pass = 0; pass < 32; pass++) {
    const n = epollWait(ep, events, CAPACITY, 0);
    for (let i = 0; i < n; i++) {
      const fd = words[i * 3 + 1];
      if (fd === listenFd) {
        for (let c; (c = accept4(listenFd, null, null, SOCK_NONBLOCK)) >= 0; ) {
          noDelay(c);
          watch(c);
        }
        continue;
      }
      // A read shorter than the buffer emptied the socket (the next arrival is a new edge).
      const got = recv(fd, buf, buf.length, 0);
      if (got > 0 && got < buf.length && send(fd, buf, got, MSG_NOSIGNAL) === got) continue;
      if (got === -1 && koffi.errno() === EAGAIN) continue;
      close(fd); // end of stream, reset, or a failed send; closing leaves the epoll set
    }
    if (n < CAPACITY) return;
  }
};

const handle = Buffer.from(new ArrayBuffer(Number(handleSize(UV_POLL))));
if (pollInit(defaultLoop(), handle, ep) < 0) throw new Error('uv_poll_init failed');
pollStart(handle, UV_READABLE, pollCb);
console.log(port);
