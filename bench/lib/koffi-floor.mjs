// The floor for any JavaScript event loop driven through koffi on this machine, for
// bench/tcp-pingpong: the same one-byte ping-pong as the C peer, with no rxsock code in the loop.
// Each end has its own `uv_poll_t` on Node's loop (no nested epoll set at all), one
// koffi-registered callback, and read()/write() called through koffi: exactly the work a
// per-socket uv_poll driver would leave, without any of its bookkeeping (waiters, promises,
// buffers, errors). What it measures above the C program is the price of crossing from libuv
// into JavaScript and back through koffi, which every koffi-based driver pays per wake-up.
import { close, closeCb, defaultLoop, handlers, handleSize, koffi, libc, pollCb, pollInit, pollStart, pollStop, read, UV_POLL, UV_READABLE, uvClose, write } from './koffi-uv.mjs';

/**
 * Runs `trips` one-byte round trips between the connected fds `clientFd` and `serverFd` (both
 * non-blocking, owned by the caller until this resolves; they are closed here) and resolves with
 * microseconds per round trip.
 */
export function koffiFloorRound(clientFd, serverFd, trips) {
  return new Promise((resolve, reject) => {
    const size = Number(handleSize(UV_POLL));
    const client = Buffer.from(new ArrayBuffer(size));
    const server = Buffer.from(new ArrayBuffer(size));
    const loop = defaultLoop();
    if (pollInit(loop, client, clientFd) < 0 || pollInit(loop, server, serverFd) < 0) return reject(new Error('uv_poll_init failed'));
    const serverAddr = koffi.address(server);
    const buf = Buffer.alloc(65536);
    const ping = Buffer.from('x');
    let done = 0;
    let t0 = 0n;
    let closing = 2;
    let us = 0;
    handlers.close = () => {
      if (--closing === 0) {
        close(clientFd);
        close(serverFd);
        resolve(us);
      }
    };
    handlers.poll = (handle) => {
      if (handle === serverAddr) {
        const n = read(serverFd, buf, buf.length);
        if (n > 0) write(serverFd, buf, n);
        return;
      }
      if (read(clientFd, buf, buf.length) <= 0) return;
      if (++done < trips) {
        write(clientFd, ping, 1);
        return;
      }
      us = Number(process.hrtime.bigint() - t0) / 1000 / trips;
      pollStop(client);
      pollStop(server);
      uvClose(client, closeCb);
      uvClose(server, closeCb);
    };
    pollStart(client, UV_READABLE, pollCb);
    pollStart(server, UV_READABLE, pollCb);
    t0 = process.hrtime.bigint();
    write(clientFd, ping, 1);
  });
}

const epollCreate = libc.func('int epoll_create1(int flags)');
const epollCtl = libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)');
const epollWait = libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;
// glibc's struct epoll_event is packed on x86-64: 4 bytes of events, 8 of data.
const EVENT_SIZE = 12;

/**
 * The floor under any design that calls the kernel through koffi, event loop or not: the same
 * ping-pong as the C peer in a synchronous JavaScript loop (one epoll set, a blocking
 * `epoll_wait`, `read`/`write`), so each round trip costs exactly the C program's six system
 * calls plus six koffi calls and the few lines of JavaScript around them. No libuv, no callback,
 * no promise. Blocks the thread for the whole round; closes both fds; returns microseconds per
 * round trip.
 */
export function koffiSyncFloorRound(clientFd, serverFd, trips) {
  const ep = epollCreate(0);
  if (ep < 0) throw new Error('epoll_create1 failed');
  try {
    const event = Buffer.alloc(EVENT_SIZE);
    for (const fd of [clientFd, serverFd]) {
      event.writeUInt32LE(EPOLLIN, 0);
      event.writeUInt32LE(fd, 4);
      if (epollCtl(ep, EPOLL_CTL_ADD, fd, event) < 0) throw new Error('epoll_ctl failed');
    }
    const events = Buffer.alloc(EVENT_SIZE * 8);
    const buf = Buffer.alloc(65536);
    const ping = Buffer.from('x');
    const t0 = process.hrtime.bigint();
    write(clientFd, ping, 1);
    let done = 0;
    while (done < trips) {
      const n = epollWait(ep, events, 8, -1);
      for (let i = 0; i < n; i++) {
        const fd = events.readUInt32LE(EVENT_SIZE * i + 4);
        const got = read(fd, buf, buf.length);
        if (got <= 0) continue;
        if (fd === serverFd) write(serverFd, buf, got);
        else if (++done < trips) write(clientFd, ping, 1);
      }
    }
    return Number(process.hrtime.bigint() - t0) / 1000 / trips;
  } finally {
    close(ep);
    close(clientFd);
    close(serverFd);
  }
}
