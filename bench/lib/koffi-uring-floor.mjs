// io_uring floors for bench/tcp-pingpong: the same one-byte ping-pong as the C peer
// (bench/lib/tcp-pingpong.c), driven by completions instead of readiness, every kernel call
// through koffi and the rings read and written in place through views of their mapped memory.
// No liburing, no rxsock code. Both ends keep a RECV posted; a completion queues the reply (a
// SEND with IOSQE_CQE_SKIP_SUCCESS, so a successful send posts nothing) and the next RECV, and
// one io_uring_enter submits them. With the default setup flags the kernel finishes the peer's
// RECV as task work on the way back from that very io_uring_enter, so its completion is already
// in the CQ ring when the call returns: reading it costs a memory load, not a system call.
//   koffiUringSyncFloorRound: no event loop; each step is one io_uring_enter that submits and
//     waits for the next completion (min_complete 1): 2 system calls per round trip (C's epoll
//     loop makes 6).
//   koffiUringLoopFloorRound: the shape of a driver inside Node's loop: a uv_poll_t on the ring
//     fd (readable while the CQ ring holds completions), completions handled in its koffi
//     callback, one io_uring_enter (submit only) per pass, and up to `passes` passes per wake-up
//     while the CQ ring keeps filling (as core's drain re-selects up to 32 times).
// Checked with every byte passing through socat (another process, so the thread sleeps in
// epoll_wait at each step and every completion must wake it): all loop shapes finish 2,000 trips.
// Per wake-up there, the eventfd shapes pay a read of the eventfd, and DEFER_TASKRUN one more
// io_uring_enter (4 per round trip instead of 2) to run the deferred work before reaping; the
// ring-fd shape pays neither, so with one completion per wake-up (a remote peer) the syscall
// saving of the in-process ping-pong is gone: epoll_pwait + eventfd read stand where core's
// epoll_pwait + inner epoll_wait stand today.
// Layouts (struct io_uring_params 120 bytes, io_uring_sqe 64, io_uring_cqe 16, the offsets
// below) checked with cc against /usr/include/linux/io_uring.h on this machine.
import { close, closeCb, defaultLoop, handlers, handleSize, koffi, libc, pollCb, pollInit, pollStart, pollStop, read, UV_POLL, UV_READABLE, uvClose, write } from './koffi-uv.mjs';

// glibc's syscall() is assembly that moves its integer arguments into the kernel's registers,
// so fixed prototypes are exact on x86-64 and spare koffi the per-call parsing of a variadic one.
const uringSetup = libc.func('long syscall(long nr, uint32 entries, void *params)');
const uringEnter = libc.func('int syscall(long nr, int fd, uint32 toSubmit, uint32 minComplete, uint32 flags, uintptr_t sig, size_t sigsz)');
const uringRegister = libc.func('int syscall(long nr, int fd, uint32 op, void *arg, uint32 count)');
const NR_IO_URING_REGISTER = 427;
const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, intptr_t offset)');
const munmap = libc.func('int munmap(void *addr, size_t length)');
const shutdown = libc.func('int shutdown(int fd, int how)');
const errnoLocation = libc.func('int *__errno_location()');

const NR_IO_URING_SETUP = 425;
const NR_IO_URING_ENTER = 426;
const PROT_READ_WRITE = 3;
const MAP_SHARED_POPULATE = 0x01 | 0x8000;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;
const IORING_FEAT_SINGLE_MMAP = 1;
const IORING_ENTER_GETEVENTS = 1;
const IORING_OP_SEND = 26;
const IORING_OP_RECV = 27;
const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;
const IOSQE_BUFFER_SELECT = 1 << 5;
const IORING_RECV_MULTISHOT = 2;
const IORING_CQE_F_BUFFER = 1;
const IORING_CQE_F_MORE = 2;
const IORING_REGISTER_PBUF_RING = 22;
const IORING_REGISTER_EVENTFD = 4;
const IORING_OP_POLL_ADD = 6;
const IORING_POLL_ADD_MULTI = 1;
const IORING_OP_ACCEPT = 13;
const IORING_ACCEPT_MULTISHOT = 1;
const IORING_SETUP_CQSIZE = 1 << 3;
const SOCK_NONBLOCK = 0o4000;
const POLLIN = 1;
const MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
const SHUT_RDWR = 2;
/** io_uring_setup flags: SINGLE_ISSUER | DEFER_TASKRUN, what the C peer ran fastest with. */
export const DEFER_TASKRUN = (1 << 12) | (1 << 13);

function errno() {
  return koffi.decode(errnoLocation(), 'int');
}

/** One io_uring instance: its rings mapped, SQEs pushed in place, completions read in place. */
export class Ring {
  /** `cqSize` (optional) sizes the CQ ring (IORING_SETUP_CQSIZE); the kernel's default is twice `entries`. */
  constructor(entries, flags, cqSize) {
    const params = Buffer.alloc(120);
    if (cqSize) {
      params.writeUInt32LE(cqSize, 4);
      flags |= IORING_SETUP_CQSIZE;
    }
    params.writeUInt32LE(flags, 8);
    const fd = Number(uringSetup(NR_IO_URING_SETUP, entries, params));
    if (fd < 0) throw new Error(`io_uring_setup failed: errno ${errno()}`);
    this.fd = fd;
    this.flags = flags;
    const sqEntries = params.readUInt32LE(0);
    const cqEntries = params.readUInt32LE(4);
    if (!(params.readUInt32LE(20) & IORING_FEAT_SINGLE_MMAP)) throw new Error('io_uring without IORING_FEAT_SINGLE_MMAP');
    const sqOff = (field) => params.readUInt32LE(40 + field);
    const cqOff = (field) => params.readUInt32LE(80 + field);
    // One mapping holds the SQ ring (head, tail, mask, index array) and the CQ ring (head,
    // tail, mask, CQEs); a second one holds the SQEs.
    this.ringLength = Math.max(sqOff(24) + sqEntries * 4, cqOff(20) + cqEntries * 16);
    this.sqeLength = sqEntries * 64;
    this.ringPtr = mmap(null, this.ringLength, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, IORING_OFF_SQ_RING);
    this.sqePtr = mmap(null, this.sqeLength, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, IORING_OFF_SQES);
    if (koffi.address(this.ringPtr) === 0xffffffffffffffffn || koffi.address(this.sqePtr) === 0xffffffffffffffffn) {
      close(fd);
      throw new Error(`mmap of the io_uring rings failed: errno ${errno()}`);
    }
    const ring = koffi.view(this.ringPtr, this.ringLength);
    this.u32 = new Uint32Array(ring);
    this.i32 = new Int32Array(ring);
    this.sqe = new Uint32Array(koffi.view(this.sqePtr, this.sqeLength));
    this.sqe8 = new Uint8Array(this.sqe.buffer);
    // Word indexes (every field is 4-byte aligned).
    this.sqTail = sqOff(4) >> 2;
    this.sqMask = this.u32[sqOff(8) >> 2];
    this.sqArray = sqOff(24) >> 2;
    this.cqHead = cqOff(0) >> 2;
    this.cqTail = cqOff(4) >> 2;
    this.cqMask = this.u32[cqOff(8) >> 2];
    this.cqes = cqOff(20) >> 2;
    this.cqFlags = cqOff(24) >> 2;
    this.sqFlags = sqOff(16) >> 2;
    /** SQEs pushed since the last io_uring_enter. */
    this.pending = 0;
  }

  /**
   * Writes the next SQE: word 0 (opcode | flags << 8 | ioprio << 16), fd, addr (two words), len,
   * the op-specific word at byte 28 (msg_flags, poll32_events) and user_data. The other fields are
   * never written and stay zero from the mapping (the kernel never writes SQEs).
   */
  #pushSqe(word0, fd, addrLo, addrHi, len, opFlags, userData) {
    const tail = this.u32[this.sqTail];
    const index = tail & this.sqMask;
    const w = index << 4; // 64-byte SQE = 16 words
    this.sqe[w] = word0;
    this.sqe[w + 1] = fd;
    this.sqe[w + 4] = addrLo;
    this.sqe[w + 5] = addrHi;
    this.sqe[w + 6] = len;
    this.sqe[w + 7] = opFlags;
    this.sqe[w + 8] = userData;
    this.u32[this.sqArray + index] = index;
    // x86-64 keeps stores in order, and the kernel reads the tail only inside io_uring_enter.
    this.u32[this.sqTail] = tail + 1;
    this.pending++;
  }

  /** Queues a SEND or RECV on the memory at `addr` (from {@link bufferAddress}: the Buffer must stay reachable until the completion). */
  push(opcode, fd, addr, len, sqeFlags, userData) {
    this.#pushSqe(opcode | (sqeFlags << 8), fd, addr.lo, addr.hi, len, 0, userData);
  }

  /**
   * Queues a multishot RECV (IORING_RECV_MULTISHOT in ioprio) that takes its buffers from the
   * provided-buffer group 0 (IOSQE_BUFFER_SELECT; buf_group, the u16 at byte 40, stays 0).
   */
  pushMultishotRecv(fd, userData) {
    this.#pushSqe(IORING_OP_RECV | (IOSQE_BUFFER_SELECT << 8) | (IORING_RECV_MULTISHOT << 16), fd, 0, 0, 0, 0, userData);
  }

  /** Queues a multishot ACCEPT (IORING_ACCEPT_MULTISHOT in ioprio) whose sockets come non-blocking (accept_flags at byte 28). */
  pushMultishotAccept(fd, userData) {
    this.#pushSqe(IORING_OP_ACCEPT | (IORING_ACCEPT_MULTISHOT << 16), fd, 0, 0, 0, SOCK_NONBLOCK, userData);
  }

  /** Queues a multishot POLL_ADD for POLLIN (len = IORING_POLL_ADD_MULTI, poll32_events at byte 28). */
  pushMultishotPoll(fd, userData) {
    this.#pushSqe(IORING_OP_POLL_ADD, fd, 0, 0, IORING_POLL_ADD_MULTI, POLLIN, userData);
  }

  /** Registers `efd` (IORING_REGISTER_EVENTFD): the kernel signals it when it posts completions (or queues deferred task work). */
  registerEventfd(efd) {
    if (uringRegister(NR_IO_URING_REGISTER, this.fd, IORING_REGISTER_EVENTFD, Buffer.from(new Int32Array([efd]).buffer), 1) < 0) throw new Error(`IORING_REGISTER_EVENTFD failed: errno ${errno()}`);
  }

  /** Submits what was pushed and, when `minComplete` > 0, waits for that many completions. */
  enter(minComplete) {
    // GETEVENTS even with minComplete 0: task work then runs inside the call (deferred task work
    // runs only so) instead of on the way out through the signal path.
    const flags = IORING_ENTER_GETEVENTS;
    const n = uringEnter(NR_IO_URING_ENTER, this.fd, this.pending, minComplete, flags, 0, 0);
    // io_uring_enter does not wait when it submitted fewer SQEs than asked: treat it as an error.
    if (n !== this.pending) throw new Error(`io_uring_enter submitted ${n} of ${this.pending}: errno ${n < 0 ? errno() : 0}`);
    this.pending = 0;
  }

  /** Calls `onCompletion(userData, res, flags)` for each CQE in the ring, frees them; returns how many. */
  reap(onCompletion) {
    let head = this.u32[this.cqHead];
    const tail = this.u32[this.cqTail];
    const count = tail - head;
    for (; head !== tail; head = (head + 1) >>> 0) {
      const w = this.cqes + ((head & this.cqMask) << 2);
      onCompletion(this.u32[w], this.i32[w + 2], this.u32[w + 3]);
    }
    this.u32[this.cqHead] = head;
    return count >>> 0;
  }

  close() {
    munmap(this.sqePtr, this.sqeLength);
    munmap(this.ringPtr, this.ringLength);
    close(this.fd);
  }
}

/** A Buffer's address as two 32-bit words, computed once (koffi.address makes a BigInt). */
export function bufferAddress(buf) {
  const a = koffi.address(buf);
  return { lo: Number(a & 0xffffffffn), hi: Number(a >> 32n) };
}

const SERVER_RECV = 1;
const CLIENT_RECV = 2;
const SEND = 3;
const PING = 0x78; // 'x'

/**
 * The ping-pong's state machine shared by both floors: `onCompletion` handles one CQE (asserts
 * the echoed byte, queues the reply and the next RECV) and `done` counts round trips.
 */
function pingPong(ring, clientFd, serverFd, trips) {
  const serverBuf = Buffer.alloc(65536);
  const clientBuf = Buffer.alloc(65536);
  const ping = Buffer.from([PING]);
  const serverAt = bufferAddress(serverBuf);
  const clientAt = bufferAddress(clientBuf);
  const pingAt = bufferAddress(ping);
  const state = {
    done: 0,
    start() {
      ring.push(IORING_OP_RECV, serverFd, serverAt, serverBuf.length, 0, SERVER_RECV);
      ring.push(IORING_OP_RECV, clientFd, clientAt, clientBuf.length, 0, CLIENT_RECV);
      ring.push(IORING_OP_SEND, clientFd, pingAt, 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
    },
    onCompletion(userData, res) {
      if (res <= 0) throw new Error(`io_uring completion ${userData} failed: ${res}`);
      if (userData === SERVER_RECV) {
        ring.push(IORING_OP_SEND, serverFd, serverAt, res, IOSQE_CQE_SKIP_SUCCESS, SEND);
        ring.push(IORING_OP_RECV, serverFd, serverAt, serverBuf.length, 0, SERVER_RECV);
      } else if (userData === CLIENT_RECV) {
        if (res !== 1 || clientBuf[0] !== PING) throw new Error(`wrong echo: ${res} bytes, first ${clientBuf[0]}`);
        clientBuf[0] = 0;
        if (++state.done < trips) ring.push(IORING_OP_SEND, clientFd, pingAt, 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
        ring.push(IORING_OP_RECV, clientFd, clientAt, clientBuf.length, 0, CLIENT_RECV);
      } else throw new Error(`unexpected completion ${userData}: ${res}`);
    },
    /**
     * Ends the two posted RECVs and waits for them: closing a socket does not end a request that
     * holds it, and the buffers must outlive every request that may write into them.
     */
    finish() {
      shutdown(clientFd, SHUT_RDWR);
      shutdown(serverFd, SHUT_RDWR);
      let ended = 0;
      while (ended < 2) {
        ring.enter(1);
        ring.reap((userData, res) => {
          if (res !== 0 || (userData !== SERVER_RECV && userData !== CLIENT_RECV)) throw new Error(`unexpected completion ${userData}: ${res} at the end`);
          ended++;
        });
      }
      // Keeps the buffers reachable until here: the kernel held their addresses until now.
      void serverBuf;
      void clientBuf;
      void ping;
    },
  };
  return state;
}

const BUFFERS = 4; // provided buffers (a power of two); two would do for a ping-pong
const BUFFER_SIZE = 65536;

/**
 * The same state machine with one multishot RECV per end: the kernel picks each RECV's buffer
 * from a ring of provided buffers (IORING_REGISTER_PBUF_RING, a page this side maps and
 * registers); the completion names the buffer (its id in the CQE flags) and a store into that
 * ring gives it back. No RECV to re-post: one SQE per step instead of two, and the socket's poll
 * stays armed. The server's buffer goes back only at the next completion, which comes after the
 * echo has left it.
 */
/**
 * `count` (a power of two) provided buffers of `size` bytes in group 0 of `ring`
 * (IORING_REGISTER_PBUF_RING; the ring of 16-byte buffer entries is mapped here). `giveBack(bid)`
 * hands a buffer to the kernel again with a few stores; `release()` unmaps the entry ring once no
 * RECV can pick from it.
 */
export function providedBuffers(ring, count = BUFFERS, size = BUFFER_SIZE) {
  const data = Buffer.alloc(count * size);
  const dataAt = koffi.address(data);
  const ringBytes = Math.max(4096, count * 16);
  const ringPtr = mmap(null, ringBytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
  if (koffi.address(ringPtr) === 0xffffffffffffffffn) throw new Error(`mmap failed: errno ${errno()}`);
  // struct io_uring_buf { u64 addr; u32 len; u16 bid; u16 resv; }, the ring's tail in buf 0's resv.
  const words = new Uint32Array(koffi.view(ringPtr, ringBytes));
  const halves = new Uint16Array(words.buffer);
  // Each buffer's address as two words, made once (koffi.address gives a BigInt).
  const addressLo = new Uint32Array(count);
  const addressHi = new Uint32Array(count);
  for (let bid = 0; bid < count; bid++) {
    const at = dataAt + BigInt(bid * size);
    addressLo[bid] = Number(at & 0xffffffffn);
    addressHi[bid] = Number(at >> 32n);
  }
  let tail = 0;
  const giveBack = (bid) => {
    const e = (tail & (count - 1)) << 2;
    words[e] = addressLo[bid];
    words[e + 1] = addressHi[bid];
    words[e + 2] = size;
    halves[(e << 1) + 6] = bid;
    tail = (tail + 1) & 0xffff;
    halves[7] = tail;
  };
  for (let bid = 0; bid < count; bid++) giveBack(bid);
  // struct io_uring_buf_reg { u64 ring_addr; u32 ring_entries; u16 bgid; u16 flags; u64 resv[3]; }
  const reg = Buffer.alloc(40);
  reg.writeBigUInt64LE(koffi.address(ringPtr), 0);
  reg.writeUInt32LE(count, 8);
  if (uringRegister(NR_IO_URING_REGISTER, ring.fd, IORING_REGISTER_PBUF_RING, reg, 1) < 0) {
    munmap(ringPtr, ringBytes);
    throw new Error(`IORING_REGISTER_PBUF_RING failed: errno ${errno()}`);
  }
  return {
    data,
    giveBack,
    /** Buffer `bid`'s address as {lo, hi}, as `Ring.push` takes it. */
    addressOf: (bid) => ({ lo: addressLo[bid], hi: addressHi[bid] }),
    // The kernel no longer writes into the buffers; the registration goes with the io_uring.
    release: () => munmap(ringPtr, ringBytes),
  };
}

function pingPongMultishot(ring, clientFd, serverFd, trips) {
  const { data, giveBack, release } = providedBuffers(ring);
  const addresses = Array.from({ length: BUFFERS }, (_, bid) => bufferAddress(data.subarray(bid * BUFFER_SIZE)));
  const ping = Buffer.from([PING]);
  const pingAt = bufferAddress(ping);
  let held = -1;
  const state = {
    done: 0,
    start() {
      ring.pushMultishotRecv(serverFd, SERVER_RECV);
      ring.pushMultishotRecv(clientFd, CLIENT_RECV);
      ring.push(IORING_OP_SEND, clientFd, pingAt, 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
    },
    onCompletion(userData, res, flags) {
      if (res <= 0 || !(flags & IORING_CQE_F_BUFFER)) throw new Error(`io_uring completion ${userData} failed: ${res}`);
      const bid = flags >>> 16;
      if (held >= 0) giveBack(held);
      held = -1;
      if (!(flags & IORING_CQE_F_MORE)) ring.pushMultishotRecv(userData === SERVER_RECV ? serverFd : clientFd, userData);
      if (userData === SERVER_RECV) {
        ring.push(IORING_OP_SEND, serverFd, addresses[bid], res, IOSQE_CQE_SKIP_SUCCESS, SEND);
        held = bid;
      } else if (userData === CLIENT_RECV) {
        const at = bid * BUFFER_SIZE;
        if (res !== 1 || data[at] !== PING) throw new Error(`wrong echo: ${res} bytes, first ${data[at]}`);
        data[at] = 0;
        if (++state.done < trips) ring.push(IORING_OP_SEND, clientFd, pingAt, 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
        giveBack(bid);
      } else throw new Error(`unexpected completion ${userData}: ${res}`);
    },
    /** Ends both multishot RECVs (EOF after shutdown, no IORING_CQE_F_MORE) and waits for them. */
    finish() {
      shutdown(clientFd, SHUT_RDWR);
      shutdown(serverFd, SHUT_RDWR);
      let ended = 0;
      while (ended < 2) {
        ring.enter(1);
        ring.reap((userData, res, flags) => {
          if (res !== 0 || flags & IORING_CQE_F_MORE || (userData !== SERVER_RECV && userData !== CLIENT_RECV)) throw new Error(`unexpected completion ${userData}: ${res} at the end`);
          ended++;
        });
      }
      void ping;
      release();
    },
  };
  return state;
}

const readFd = libc.func('intptr_t read(int fd, void *buf, size_t len)');
const writeFd = libc.func('intptr_t write(int fd, const void *buf, size_t len)');

/**
 * Readiness from io_uring: each end has a multishot POLL_ADD (POLLIN) whose completions say the
 * fd is readable; the bytes move with read/write through koffi, as in the epoll floors. This is
 * the shape that fits core's Selector/Registration contract unchanged (a readiness mask per
 * token); what it removes is epoll_wait: without DEFER_TASKRUN the kernel posts the peer's poll
 * completion on the way out of the write that caused it, so the next look at the CQ ring finds
 * it. 4 system calls per round trip, no io_uring_enter after the first.
 */
function pingPongPoll(ring, clientFd, serverFd, trips) {
  const buf = Buffer.alloc(65536);
  const ping = Buffer.from([PING]);
  const state = {
    done: 0,
    start() {
      ring.pushMultishotPoll(serverFd, SERVER_RECV);
      ring.pushMultishotPoll(clientFd, CLIENT_RECV);
    },
    afterStart() {
      writeFd(clientFd, ping, 1);
    },
    onCompletion(userData, res, flags) {
      if (res < 0) throw new Error(`poll ${userData} failed: ${res}`);
      const fd = userData === SERVER_RECV ? serverFd : clientFd;
      if (!(flags & IORING_CQE_F_MORE)) ring.pushMultishotPoll(fd, userData);
      const n = Number(readFd(fd, buf, buf.length));
      if (n <= 0) return;
      if (userData === SERVER_RECV) writeFd(serverFd, buf, n);
      else {
        if (n !== 1 || buf[0] !== PING) throw new Error(`wrong echo: ${n} bytes, first ${buf[0]}`);
        buf[0] = 0;
        if (++state.done < trips) writeFd(clientFd, ping, 1);
      }
    },
    /** Polls end with the ring; nothing writes into the buffer. */
    finish() {},
  };
  return state;
}

// Node's own job runner (what core's poller/run-jobs.ts calls after each dispatch).
const runTicks = process._tickCallback;
const EAGAIN = 11;

/**
 * The Socket round's code (`await send`, `await recvInto`) over readiness from io_uring, shaped as
 * core's Socket is over its epoll selector: recvInto reads at once while the fd is known readable
 * (a short read means drained), else parks a waiter that the fd's POLL_ADD completion wakes;
 * send writes at once. An estimate of core's Socket with an io_uring Selector in place of epoll.
 */
function pingPongPollPromises(ring, clientFd, serverFd, trips) {
  const ends = new Map();
  for (const fd of [clientFd, serverFd]) ends.set(fd, { readable: true, waiter: null, into: null, reject: null });
  const tryRead = (fd, end, into) => {
    const n = Number(readFd(fd, into, into.length));
    if (n < 0) {
      const e = koffi.errno();
      if (e !== EAGAIN) throw new Error(`read: errno ${e}`);
      end.readable = false;
      return -1;
    }
    if (n < into.length) end.readable = false;
    return n;
  };
  const recvInto = (fd, into) => {
    const end = ends.get(fd);
    if (end.readable) {
      const n = tryRead(fd, end, into);
      if (n >= 0) return Promise.resolve(n);
    }
    return new Promise((resolve, reject) => {
      end.waiter = resolve;
      end.reject = reject;
      end.into = into;
    });
  };
  const send = (fd, buf) => {
    const n = Number(writeFd(fd, buf, buf.length));
    // One byte on loopback always fits; a real send would park on writability here.
    return n === buf.length ? Promise.resolve(n) : Promise.reject(new Error(`write: ${n}, errno ${koffi.errno()}`));
  };
  const state = {
    done: 0,
    start() {
      ring.pushMultishotPoll(serverFd, serverFd);
      ring.pushMultishotPoll(clientFd, clientFd);
    },
    afterStart() {
      const echo = (async () => {
        const buf = Buffer.alloc(65536);
        for (;;) {
          const n = await recvInto(serverFd, buf);
          if (n === 0) return;
          await send(serverFd, buf.subarray(0, n));
        }
      })();
      echo.catch(() => {});
      const ping = Buffer.from([PING]);
      const pong = Buffer.alloc(65536);
      (async () => {
        while (state.done < trips) {
          await send(clientFd, ping);
          const n = await recvInto(clientFd, pong);
          if (n !== 1 || pong[0] !== PING) throw new Error(`wrong echo: ${n} bytes, first ${pong[0]}`);
          pong[0] = 0;
          state.done++;
        }
      })().catch((e) => {
        state.error = e;
      });
      runTicks.call(process);
    },
    onCompletion(fd, res, flags) {
      if (res < 0) throw new Error(`poll ${fd} failed: ${res}`);
      if (state.error) throw state.error;
      if (!(flags & IORING_CQE_F_MORE)) ring.pushMultishotPoll(fd, fd);
      const end = ends.get(fd);
      end.readable = true;
      if (end.waiter === null) return;
      const n = tryRead(fd, end, end.into);
      if (n < 0) return;
      const resolve = end.waiter;
      end.waiter = end.into = end.reject = null;
      resolve(n);
    },
    afterReap() {
      runTicks.call(process);
      if (state.error) throw state.error;
    },
    finish() {},
  };
  return state;
}

/**
 * The ping-pong written as core's Socket round is (bench/tcp-pingpong.bench.mjs socketRound:
 * `await send`, `await recvInto` on each end), over a minimal completion driver: a promise per
 * request, resolved from its completion; multishot RECVs on provided buffers, the bytes copied
 * into the caller's buffer (as recvInto does) and the buffer given back at once; SENDs that post
 * their completion; Node's tick and promise jobs run after each batch of completions, so the
 * awaiting code queues its next request before the next io_uring_enter. What it adds to the
 * multishot loop floor is the least a promise-based completion driver costs.
 */
function pingPongPromises(ring, clientFd, serverFd, trips) {
  const { data, giveBack, release } = providedBuffers(ring);
  // Per fd: the waiting recvInto (its buffer and resolve) or the bytes that came first.
  const ends = new Map();
  for (const fd of [clientFd, serverFd]) ends.set(fd, { into: null, resolve: null, early: [], armed: false });
  const sends = new Map();
  let nextSend = 1 << 16; // user data above any fd
  const arm = (fd, end) => {
    if (end.armed) return;
    end.armed = true;
    ring.pushMultishotRecv(fd, fd);
  };
  const recvInto = (fd, into) => {
    const end = ends.get(fd);
    arm(fd, end);
    if (end.early.length) {
      const bytes = end.early.shift();
      return Promise.resolve(bytes.copy(into));
    }
    return new Promise((resolve) => {
      end.into = into;
      end.resolve = resolve;
    });
  };
  const send = (fd, buf) =>
    new Promise((resolve, reject) => {
      const id = nextSend++;
      sends.set(id, { resolve, reject, buf });
      ring.push(IORING_OP_SEND, fd, bufferAddress(buf), buf.length, 0, id);
    });

  const state = {
    done: 0,
    finished: null,
    start() {
      const echo = (async () => {
        const buf = Buffer.alloc(65536);
        for (;;) {
          const n = await recvInto(serverFd, buf);
          if (n === 0) return;
          await send(serverFd, buf.subarray(0, n));
        }
      })();
      const ping = Buffer.from([PING]);
      const pong = Buffer.alloc(65536);
      this.finished = (async () => {
        while (state.done < trips) {
          await send(clientFd, ping);
          const n = await recvInto(clientFd, pong);
          if (n !== 1 || pong[0] !== PING) throw new Error(`wrong echo: ${n} bytes, first ${pong[0]}`);
          pong[0] = 0;
          state.done++;
        }
      })();
      this.finished.catch(() => {});
      void echo;
    },
    onCompletion(userData, res, flags) {
      if (userData >= 1 << 16) {
        const s = sends.get(userData);
        sends.delete(userData);
        if (res < 0) s.reject(new Error(`send failed: ${res}`));
        else s.resolve();
        return;
      }
      const end = ends.get(userData);
      if (!(flags & IORING_CQE_F_MORE)) end.armed = false;
      if (res <= 0 || !(flags & IORING_CQE_F_BUFFER)) {
        if (res === 0 && end.resolve) {
          const resolve = end.resolve;
          end.resolve = null;
          resolve(0);
          return;
        }
        throw new Error(`recv on ${userData} failed: ${res}`);
      }
      const bid = flags >>> 16;
      const bytes = data.subarray(bid * BUFFER_SIZE, bid * BUFFER_SIZE + res);
      if (end.resolve) {
        const resolve = end.resolve;
        end.resolve = null;
        resolve(bytes.copy(end.into));
        giveBack(bid);
      } else {
        end.early.push(Buffer.from(bytes));
        giveBack(bid);
      }
      // A multishot RECV that ended (no IORING_CQE_F_MORE) is re-armed by the next recvInto.
    },
    afterReap() {
      runTicks.call(process);
    },
    finish() {
      shutdown(clientFd, SHUT_RDWR);
      shutdown(serverFd, SHUT_RDWR);
      let ended = 0;
      const armed = [...ends.values()].filter((e) => e.armed).length;
      while (ended < armed) {
        ring.enter(1);
        ring.reap((userData, res, flags) => {
          if (userData < 1 << 16 && !(flags & IORING_CQE_F_MORE)) ended++;
        });
      }
      release();
    },
  };
  return state;
}

/**
 * Synchronous io_uring floor: no event loop; every step is one io_uring_enter that submits the
 * queued SQEs and blocks until the next completion. Blocks the thread for the whole round;
 * closes both fds; returns microseconds per round trip.
 */
export function koffiUringSyncFloorRound(clientFd, serverFd, trips, { setupFlags = DEFER_TASKRUN, multishot = false } = {}) {
  const ring = new Ring(64, setupFlags);
  try {
    const game = (multishot ? pingPongMultishot : pingPong)(ring, clientFd, serverFd, trips);
    const onCompletion = game.onCompletion;
    const t0 = process.hrtime.bigint();
    game.start();
    while (game.done < trips) {
      ring.enter(1);
      ring.reap(onCompletion);
    }
    const us = Number(process.hrtime.bigint() - t0) / 1000 / trips;
    game.finish();
    return us;
  } finally {
    ring.close();
    close(clientFd);
    close(serverFd);
  }
}



export const eventfd = libc.func('int eventfd(unsigned int initval, int flags)');
export const IORING_CQ_EVENTFD_DISABLED = 1;
export const IORING_SQ_TASKRUN = 1 << 2;
export const EFD_NONBLOCK = 0o4000;
/** io_uring_setup flags for the eventfd mode: SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG. */
export const DEFER_TASKRUN_FLAG = DEFER_TASKRUN | (1 << 9);

/**
 * io_uring floor inside Node's event loop. A uv_poll_t watches either
 * - `notify: 'ring'` (default setup flags 0): the ring fd itself, readable while the CQ ring
 *   holds completions. Every completion the kernel posts then also runs epoll's wake-up callback
 *   on the ring's wait queue (about 0.3 us each here, measured in C), even while this callback
 *   is reaping them itself; or
 * - `notify: 'eventfd'` (setup DEFER_TASKRUN_FLAG): an eventfd registered with
 *   IORING_REGISTER_EVENTFD, muted (IORING_CQ_EVENTFD_DISABLED, a store into the CQ ring) while
 *   the callback runs, so the kernel signals it only for completions that come while the thread
 *   is elsewhere. Costs a read of the eventfd per wake-up. After unmuting, the callback looks
 *   once more at the CQ ring and the pending-task-work flag, so nothing slips in between.
 * The callback reads the completions from the CQ ring, submits the SQEs they queued with one
 * io_uring_enter (no wait), and looks at the CQ ring again, up to `passes` times per wake-up while
 * it finds completions. Resolves with { us, wakeups, enters } per round trip; closes both fds.
 */
export function koffiUringLoopFloorRound(clientFd, serverFd, trips, { passes = 32, notify = 'ring', setupFlags = notify === 'ring' ? 0 : DEFER_TASKRUN_FLAG, multishot = false, promises = false, poll = false } = {}) {
  // poll + promises: core's Socket shape over readiness from io_uring.
  return new Promise((resolve, reject) => {
    const ring = new Ring(64, setupFlags);
    const defer = (setupFlags & DEFER_TASKRUN) !== 0;
    let efd = -1;
    if (notify === 'eventfd') {
      efd = eventfd(0, EFD_NONBLOCK);
      try {
        if (efd < 0) throw new Error(`eventfd failed: errno ${errno()}`);
        ring.registerEventfd(efd);
      } catch (e) {
        ring.close();
        return reject(e);
      }
    } else if (defer) {
      ring.close();
      // Checked: the ring fd does not become readable for deferred task work.
      return reject(new Error('DEFER_TASKRUN needs the eventfd mode'));
    }
    const handle = Buffer.from(new ArrayBuffer(Number(handleSize(UV_POLL))));
    if (pollInit(defaultLoop(), handle, efd >= 0 ? efd : ring.fd) < 0) {
      ring.close();
      return reject(new Error('uv_poll_init failed'));
    }
    let game;
    try {
      const make = poll && promises ? pingPongPollPromises : poll ? pingPongPoll : promises ? pingPongPromises : multishot ? pingPongMultishot : pingPong;
      game = make(ring, clientFd, serverFd, trips);
    } catch (e) {
      ring.close();
      return reject(e);
    }
    const onCompletion = game.onCompletion;
    const afterReap = game.afterReap ?? (() => {});
    const counter = Buffer.alloc(8);
    const one = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
    const { u32 } = ring;
    const cqFlags = ring.cqFlags;
    let wakeups = 0;
    let enters = 0;
    let t0 = 0n;
    let result;
    const end = (error) => {
      pollStop(handle);
      handlers.close = () => {
        try {
          if (!error) game.finish();
        } catch (e) {
          error = e;
        }
        ring.close();
        if (efd >= 0) close(efd);
        close(clientFd);
        close(serverFd);
        if (error) reject(error);
        else resolve(result);
      };
      uvClose(handle, closeCb);
    };
    const pendingWork = () => u32[ring.cqHead] !== u32[ring.cqTail] || (defer && (u32[ring.sqFlags] & IORING_SQ_TASKRUN) !== 0);
    handlers.poll = () => {
      wakeups++;
      try {
        if (efd >= 0) read(efd, counter, 8);
        let pass = 0;
        for (;;) {
          if (efd >= 0) u32[cqFlags] |= IORING_CQ_EVENTFD_DISABLED;
          for (; pass < passes; pass++) {
            // Deferred task work runs only inside io_uring_enter(GETEVENTS).
            if (defer || ring.pending) {
              enters++;
              ring.enter(0);
            }
            if (ring.reap(onCompletion) === 0) break;
            afterReap();
            if (game.done === trips) {
              const us = Number(process.hrtime.bigint() - t0) / 1000 / trips;
              result = { us, wakeups: wakeups / trips, enters: enters / trips };
              return end();
            }
          }
          if (efd < 0) {
            if (ring.pending) {
              enters++;
              ring.enter(0);
            }
            return;
          }
          // Unmute with a full barrier (a sequentially consistent store: xchg on x86-64), then
          // look again: a completion posted while muted signalled nothing.
          Atomics.store(u32, cqFlags, u32[cqFlags] & ~IORING_CQ_EVENTFD_DISABLED);
          if (!ring.pending && !pendingWork()) return;
          if (pass >= passes) {
            // Out of passes with work left: let the loop run other callbacks first.
            if (ring.pending) {
              enters++;
              ring.enter(0);
            }
            write(efd, one, 8);
            return;
          }
        }
      } catch (e) {
        end(e);
      }
    };
    pollStart(handle, UV_READABLE, pollCb);
    t0 = process.hrtime.bigint();
    game.start();
    enters++;
    ring.enter(0);
    game.afterStart?.();
  });
}
