/**
 * A Linux {@link Selector} on io_uring instead of epoll: each registration is a POLL_ADD request
 * (multishot for edge-triggered ones, re-armed one-shot for level-triggered ones) whose
 * completions carry the token, read in place from the completion ring.
 *
 * What it saves against {@link EpollSelector}: a select that finds nothing, or finds what the
 * kernel already posted, is a few memory loads instead of an `epoll_wait` (the reactor selects
 * again after every dispatch), and the ring's fd is what libuv watches, so no epoll set sits
 * between libuv and the sockets. Registration changes are a system call each, as with
 * `epoll_ctl`.
 *
 * Differences that matter to the reactor, and how they are kept out of its way:
 * - io_uring's poll holds the file: closing a registered fd does not end the request, so the
 *   socket lives on until {@link IoUringSelector.deregister} removes it (by token). The reactor
 *   deregisters every socket it closes.
 * - Errors of a registration (a bad fd) come back as completions, not from the call: they are
 *   reported as ERROR readiness, and the source's next system call gets the real error.
 * - A request the kernel ended (a multishot poll whose completion did not fit, a one-shot that
 *   fired) is made again while its token is registered. Completions of requests since replaced
 *   are told apart by a request number in the user_data, and dropped.
 * - A second registration of one fd is taken (epoll refuses it with EEXIST): the selector cannot
 *   tell it from an fd closed without deregistering whose number came back.
 * The setup flags are none: completions are posted as the kernel finds readiness. What libuv
 * watches is an eventfd registered with the ring (IORING_REGISTER_EVENTFD), which the kernel
 * signals as it posts completions; the reactor's wake-up resets it and mutes it
 * (IORING_CQ_EVENTFD_DISABLED) until it goes back to the loop, so completions posted while it
 * dispatches (an in-process peer's answer) cost no wake-up of libuv's epoll. Watching the ring's
 * own fd instead cost about 1.5 us per ping-pong round trip here (every completion then runs
 * epoll's wake-up callback on the ring's wait queue): bench/lib/koffi-uring-floor.mjs.
 * The thread driver is not supported: it waits in `selectAsync`, which this selector refuses.
 */
import { SocketError, systemError } from '../errors.js';
import { sys } from '../sys/index.js';
import type { SysCalls } from '../sys/index.js';
import { linuxConstants as L } from '../sys/constants-linux.js';
import type { Selector } from './api.js';
import { Interest } from './api.js';
import { readyFromEpoll } from './epoll-event.js';
import { grown } from './slots.js';

/** How many events one select can return by default, as {@link EpollSelector}. */
export const DEFAULT_IO_URING_CAPACITY = 1024;

// Ring sizes: registration changes are submitted at once, so the submission ring holds few;
// the completion ring holds what arrives between two selects (more is kept by the kernel as
// overflow and flushed by the next io_uring_enter).
const SQ_ENTRIES = 256;
const CQ_ENTRIES = 4096;

// From <linux/io_uring.h>; layouts checked with cc on this machine (struct io_uring_params 120
// bytes, io_uring_sqe 64, io_uring_cqe 16).
const IORING_SETUP_CQSIZE = 1 << 3;
const IORING_SETUP_COOP_TASKRUN = 1 << 8;
const IORING_SETUP_TASKRUN_FLAG = 1 << 9;
const IORING_SQ_TASKRUN = 1 << 2;
const IORING_FEAT_SINGLE_MMAP = 1 << 0;
const IORING_FEAT_NODROP = 1 << 1;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;
const IORING_ENTER_GETEVENTS = 1 << 0;
const IORING_OP_POLL_ADD = 6;
const IORING_OP_POLL_REMOVE = 7;
const IORING_POLL_ADD_MULTI = 1 << 0;
const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;
const IORING_CQE_F_MORE = 1 << 1;
const IORING_SQ_CQ_OVERFLOW = 1 << 1;
const IORING_REGISTER_EVENTFD = 4;
const IORING_CQ_EVENTFD_DISABLED = 1 << 0;
const EFD_NONBLOCK_CLOEXEC = 0o4000 | 0o2000000;
const MAP_POPULATE = 0x8000;
const EINTR = 4;
const EBUSY = 16;
const EAGAIN = 11;
const TWO_32 = 0x1_0000_0000;
/**
 * A request's user_data is its token (below 2^53: slot + generation * 2^32, generations below
 * 2^21) with the entry's request number in bits 53-62, so a completion of a request that was
 * since replaced (removed, made again) is told apart from the current one's.
 */
const TOKEN_HIGH_BITS = 21;
const TOKEN_HIGH_MASK = (1 << TOKEN_HIGH_BITS) - 1;
const REQUEST_NUMBERS = 1 << 10;
/** Slots are dense (the reactor reuses freed ones); this bounds the arrays kept by slot. */
const MAX_SLOTS = 1 << 26;
/** user_data of removal requests (above every token's). Their own completions are ignored. */
const REMOVAL_HIGH_WORD = 0xffff_ffff;
/** {@link Ready} bits reported for a registration the kernel refused (a bad fd). */
const FAILED_READY = readyFromEpoll(L.EPOLLERR);

/** The poll mask for an {@link Interest} set: the bits epoll uses, as `poll(2)` shares them. */
function pollMaskFor(interest: number): number {
  let mask = 0;
  if (interest & Interest.READABLE) mask |= L.EPOLLIN | L.EPOLLRDHUP;
  if (interest & Interest.WRITABLE) mask |= L.EPOLLOUT;
  if (interest & Interest.PRIORITY) mask |= L.EPOLLPRI;
  return mask;
}

/** Registration flags. */
const LIVE = 1;
const EDGE = 2;

/**
 * Whether this kernel lets the process use io_uring with what the selector needs (a single
 * mapping for both rings, completions never dropped). False where it is compiled out, disabled
 * (`kernel.io_uring_disabled`) or filtered (seccomp in containers).
 */
export function ioUringAvailable(): boolean {
  try {
    new IoUringSelector(1).close();
    return true;
  } catch {
    return false;
  }
}

/** An io_uring used as a readiness selector. Not thread-safe: main thread only. */
export class IoUringSelector implements Selector {
  /** The eventfd the kernel signals as it posts completions (muted during a wake-up). */
  readonly fd: number;
  readonly #ringFd: number;
  readonly capacity: number;
  readonly #sys: SysCalls;
  readonly #ringAddress: bigint;
  readonly #ringLength: number;
  readonly #sqeAddress: bigint;
  readonly #sqeLength: number;
  /** The rings (both in one mapping) and the submission entries, as 32-bit words. */
  readonly #ring: Uint32Array;
  readonly #ringSigned: Int32Array;
  readonly #sqes: Uint32Array;
  // Word indexes into #ring.
  readonly #sqTail: number;
  readonly #sqMask: number;
  readonly #sqFlags: number;
  readonly #sqArray: number;
  readonly #cqHead: number;
  readonly #cqTail: number;
  readonly #cqMask: number;
  readonly #cqes: number;
  readonly #cqFlags: number;
  /** The eventfd's counter, read to reset it (and the one written to wake ourselves). */
  readonly #counter = Buffer.alloc(8);
  /** Requests written since the last io_uring_enter. */
  #pending = 0;
  // What each registration needs to make its request again, by slot (the token's low word), in
  // parallel arrays as the reactor keeps its slots: no object per registration.
  #fds = new Int32Array(64);
  #masks = new Uint16Array(64);
  #flags = new Uint8Array(64);
  /** The token's high word (its generation) of the slot's registration. */
  #highs = new Uint32Array(64);
  /** Which request of the slot is current (see {@link TOKEN_HIGH_BITS}); bumped for each one made. */
  #requests = new Uint16Array(64);
  readonly #tokens: Float64Array;
  readonly #ready: Uint32Array;
  #closed = false;

  /** Creates the ring and maps it; throws the typed error when the kernel refuses io_uring. */
  constructor(capacity = DEFAULT_IO_URING_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    const s = (this.#sys = sys());
    this.capacity = capacity;
    const params = Buffer.alloc(120);
    params.writeUInt32LE(CQ_ENTRIES, 4);
    params.writeUInt32LE(IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, 8);
    const fd = s.ioUringSetup(SQ_ENTRIES, params);
    if (fd < 0) {
      const error = systemError('io_uring_setup', s.errno());
      if (error.code === 'EPERM' || error.code === 'ENOSYS') {
        error.message += ': io_uring is disabled here (sysctl kernel.io_uring_disabled), filtered (seccomp, as in many containers) or not built into this kernel; RXSOCK_SELECTOR=epoll works everywhere';
      }
      throw error;
    }
    // What is made is undone in reverse if a later step fails.
    const undo: Array<() => void> = [() => s.close(fd)];
    try {
      const features = params.readUInt32LE(20);
      const needed = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP;
      if ((features & needed) !== needed) {
        throw new SocketError('rxsock: this kernel\'s io_uring lacks IORING_FEAT_SINGLE_MMAP or IORING_FEAT_NODROP (Linux 5.5 or later has both)', { code: 'ERR_NOT_SUPPORTED' });
      }
      const efd = s.eventfd(0, EFD_NONBLOCK_CLOEXEC);
      if (efd < 0) throw systemError('eventfd', s.errno());
      undo.push(() => s.close(efd));
      if (s.ioUringRegister(fd, IORING_REGISTER_EVENTFD, Buffer.from(new Int32Array([efd]).buffer), 1) < 0) throw systemError('io_uring_register', s.errno());
      const sqEntries = params.readUInt32LE(0);
      const cqEntries = params.readUInt32LE(4);
      const sqOff = (field: number): number => params.readUInt32LE(40 + field);
      const cqOff = (field: number): number => params.readUInt32LE(80 + field);
      const ringLength = Math.max(sqOff(24) + sqEntries * 4, cqOff(20) + cqEntries * 16);
      const sqeLength = sqEntries * 64;
      const map = (length: number, offset: number): bigint => {
        const address = s.mmap(null, length, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | MAP_POPULATE, fd, offset);
        if (address === -1n) throw systemError('mmap', s.errno());
        undo.push(() => s.munmap(address, length));
        return address;
      };
      const ringAddress = map(ringLength, IORING_OFF_SQ_RING);
      const sqeAddress = map(sqeLength, IORING_OFF_SQES);
      const ring = s.memoryView(ringAddress, ringLength);
      this.fd = efd;
      this.#ringAddress = ringAddress;
      this.#ringLength = ringLength;
      this.#sqeAddress = sqeAddress;
      this.#sqeLength = sqeLength;
      this.#ring = new Uint32Array(ring);
      this.#ringSigned = new Int32Array(ring);
      this.#sqes = new Uint32Array(s.memoryView(sqeAddress, sqeLength));
      this.#sqTail = sqOff(4) >> 2;
      this.#sqMask = this.#ring[sqOff(8) >> 2]!;
      this.#sqFlags = sqOff(16) >> 2;
      this.#sqArray = sqOff(24) >> 2;
      this.#cqHead = cqOff(0) >> 2;
      this.#cqTail = cqOff(4) >> 2;
      this.#cqMask = this.#ring[cqOff(8) >> 2]!;
      this.#cqes = cqOff(20) >> 2;
      this.#cqFlags = cqOff(24) >> 2;
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    }
    this.#ringFd = fd;
    this.#tokens = new Float64Array(capacity);
    this.#ready = new Uint32Array(capacity);
  }

  /** A POLL_ADD for `fd`: multishot when edge-triggered, one-shot (made again) when level. */
  register(fd: number, token: number, interest: number, edge: boolean): void {
    this.#live();
    const slot = token % TWO_32;
    const high = Math.floor(token / TWO_32);
    if (slot >= this.#flags.length) this.#grow(slot + 1);
    // A token registered again replaces its request (the reactor reregisters; this is a guard).
    if (this.#isRegistered(slot, high)) this.#pushRemove(slot);
    this.#fds[slot] = fd;
    this.#masks[slot] = pollMaskFor(interest);
    this.#flags[slot] = LIVE | (edge ? EDGE : 0);
    this.#highs[slot] = high;
    this.#pushPoll(slot);
    this.#submit();
  }

  /** The old request removed, a new one made with the new interest and trigger mode. */
  reregister(fd: number, token: number, interest: number, edge: boolean): void {
    this.register(fd, token, interest, edge);
  }

  /** Removes the request `token` names (the fd is not needed: the request holds its file). */
  deregister(_fd: number, token: number): void {
    this.#live();
    const slot = token % TWO_32;
    if (slot >= this.#flags.length || !this.#isRegistered(slot, Math.floor(token / TWO_32))) return;
    this.#flags[slot] = 0;
    this.#pushRemove(slot);
    this.#submit();
  }

  /**
   * Copies what the completion ring holds (up to {@link IoUringSelector.capacity}) into the
   * event buffer. `timeoutMs` 0 enters the kernel only when requests are waiting to go in or
   * completions overflowed the ring; -1 waits for at least one completion.
   */
  select(timeoutMs: number): number {
    this.#live();
    const r = this.#ring;
    if (timeoutMs !== 0) this.#enter(1);
    else if (this.#pending > 0 || (Atomics.load(r, this.#sqFlags) & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) !== 0) this.#enter(0);
    let head = r[this.#cqHead]!;
    const tail = Atomics.load(r, this.#cqTail);
    let n = 0;
    for (; head !== tail && n < this.capacity; head = (head + 1) >>> 0) {
      const w = this.#cqes + ((head & this.#cqMask) << 2);
      const word = r[w + 1]!;
      if (word === REMOVAL_HIGH_WORD) continue;
      const slot = r[w]!;
      const high = word & TOKEN_HIGH_MASK;
      // Deregistered, or a request since replaced: a completion that was on its way.
      if (slot >= this.#flags.length || !this.#isRegistered(slot, high) || word >>> TOKEN_HIGH_BITS !== this.#requests[slot]) continue;
      const res = this.#ringSigned[w + 2]!;
      this.#tokens[n] = high * TWO_32 + slot;
      if (res < 0) {
        this.#flags[slot] = 0;
        this.#ready[n++] = FAILED_READY;
        continue;
      }
      this.#ready[n++] = readyFromEpoll(res);
      if ((r[w + 3]! & IORING_CQE_F_MORE) === 0) this.#pushPoll(slot);
    }
    Atomics.store(r, this.#cqHead, head);
    // A level-triggered request fired (or a multishot ended): make it again now, so the ring
    // reports it while the level lasts even if nothing else enters the kernel.
    if (this.#pending > 0) this.#submit();
    return n;
  }

  /** The reactor woke up: resets the eventfd and mutes it while the reactor dispatches. */
  beginWakeUp(): void {
    if (this.#closed) return;
    this.#sys.read(this.fd, this.#counter, 8); // EAGAIN when it was not signalled: fine
    this.#ring[this.#cqFlags] = this.#ring[this.#cqFlags]! | IORING_CQ_EVENTFD_DISABLED;
  }

  /**
   * The reactor goes back to the loop: unmutes the eventfd, and signals it at once if
   * completions came (or wait to be made) that a muted eventfd did not announce.
   */
  endWakeUp(): void {
    if (this.#closed) return;
    const r = this.#ring;
    // A full barrier (a sequentially consistent store), then look: whatever the kernel posted
    // before it saw the unmute is in the ring now.
    Atomics.store(r, this.#cqFlags, r[this.#cqFlags]! & ~IORING_CQ_EVENTFD_DISABLED);
    if (this.#pending > 0) this.#submit();
    if (r[this.#cqHead] !== Atomics.load(r, this.#cqTail) || (Atomics.load(r, this.#sqFlags) & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) !== 0) {
      this.#counter.writeBigUInt64LE(1n);
      this.#sys.write(this.fd, this.#counter, 8);
    }
  }

  /** Not supported: the thread driver keeps the epoll selector. */
  selectAsync(_timeoutMs: number): Promise<number> {
    return Promise.reject(new SocketError('rxsock: the io_uring selector is driven by uv_poll only', { code: 'ERR_NOT_SUPPORTED' }));
  }

  token(i: number): number {
    return this.#tokens[i]!;
  }

  ready(i: number): number {
    return this.#ready[i]!;
  }

  /** Closes the ring (the kernel ends every request and lets go of their files) and unmaps it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#flags.fill(0);
    const s = this.#sys;
    s.munmap(this.#sqeAddress, this.#sqeLength);
    s.munmap(this.#ringAddress, this.#ringLength);
    s.close(this.#ringFd);
    s.close(this.fd);
  }

  #live(): void {
    // The views read unmapped memory after close: every entry point refuses first.
    if (this.#closed) throw new SocketError('rxsock: the io_uring selector is closed', { code: 'EBADF', syscall: 'io_uring_enter' });
  }

  #isRegistered(slot: number, high: number): boolean {
    return (this.#flags[slot]! & LIVE) !== 0 && this.#highs[slot] === high;
  }

  /** The user_data word above the slot: the token's high word and the current request's number. */
  #userDataHigh(slot: number): number {
    return (this.#highs[slot]! | (this.#requests[slot]! << TOKEN_HIGH_BITS)) >>> 0;
  }

  /** Makes a new request for the slot's registration (numbered one past the last). */
  #pushPoll(slot: number): void {
    this.#requests[slot] = (this.#requests[slot]! + 1) % REQUEST_NUMBERS;
    const multishot = (this.#flags[slot]! & EDGE) !== 0 ? IORING_POLL_ADD_MULTI : 0;
    this.#push(IORING_OP_POLL_ADD, 0, this.#fds[slot]!, 0, 0, multishot, this.#masks[slot]!, slot, this.#userDataHigh(slot));
  }

  /** Removes the slot's current request (found by its user_data). */
  #pushRemove(slot: number): void {
    this.#push(IORING_OP_POLL_REMOVE, IOSQE_CQE_SKIP_SUCCESS, -1, slot, this.#userDataHigh(slot), 0, 0, 0, REMOVAL_HIGH_WORD);
  }

  #grow(size: number): void {
    if (size > MAX_SLOTS) throw new RangeError(`io_uring selector: slot ${size - 1} is beyond ${MAX_SLOTS - 1}`);
    this.#fds = grown(this.#fds, size, (n) => new Int32Array(n));
    this.#masks = grown(this.#masks, size, (n) => new Uint16Array(n));
    this.#flags = grown(this.#flags, size, (n) => new Uint8Array(n));
    this.#highs = grown(this.#highs, size, (n) => new Uint32Array(n));
    this.#requests = grown(this.#requests, size, (n) => new Uint16Array(n));
  }

  /**
   * Writes the next SQE: opcode and flags (word 0), fd, addr (words 4-5), len (word 6), the
   * op's 32-bit flags (word 7: poll32_events) and user_data (words 8-9). The other words are
   * zeroed: the kernel rejects a request with unknown fields set.
   */
  #push(opcode: number, sqeFlags: number, fd: number, addrLow: number, addrHigh: number, len: number, opFlags: number, dataLow: number, dataHigh: number): void {
    const r = this.#ring;
    if (this.#pending > this.#sqMask) this.#submit(); // full: the kernel takes what is queued first
    const tail = r[this.#sqTail]!;
    const index = tail & this.#sqMask;
    const w = index << 4;
    const q = this.#sqes;
    q.fill(0, w, w + 16);
    q[w] = opcode | (sqeFlags << 8);
    q[w + 1] = fd >>> 0;
    q[w + 4] = addrLow;
    q[w + 5] = addrHigh;
    q[w + 6] = len;
    q[w + 7] = opFlags;
    q[w + 8] = dataLow;
    q[w + 9] = dataHigh;
    r[this.#sqArray + index] = index;
    Atomics.store(r, this.#sqTail, (tail + 1) >>> 0);
    this.#pending++;
  }

  /** Hands the queued requests to the kernel now. */
  #submit(): void {
    this.#enter(0);
  }

  /** io_uring_enter: submits what is queued and waits for `minComplete` completions. */
  #enter(minComplete: number): void {
    const s = this.#sys;
    for (;;) {
      const n = s.ioUringEnter(this.#ringFd, this.#pending, minComplete, IORING_ENTER_GETEVENTS);
      if (n >= 0) {
        this.#pending -= n;
        if (this.#pending === 0) return;
        continue; // some went in (the kernel takes fewer when short of memory): the rest next
      }
      const e = s.errno();
      // EINTR: a signal; EAGAIN/EBUSY: the kernel is short of memory or its completion
      // overflow list is full, and the caller's select will drain it.
      if (e === EINTR) continue;
      if ((e === EAGAIN || e === EBUSY) && minComplete === 0) return;
      throw systemError('io_uring_enter', e);
    }
  }
}
