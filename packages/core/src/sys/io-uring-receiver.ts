/**
 * Linux's {@link StreamReceiver}: one io_uring whose requests are multishot RECVs (one per
 * socket, posted until the end of stream, an error or a cancel) on a ring of provided buffers
 * (IORING_REGISTER_PBUF_RING): the kernel picks a buffer for each arrival, names it in the
 * completion, and gets it back with a few stores into the buffer ring.
 *
 * Set up without DEFER_TASKRUN: the kernel's work for an arrival then runs on the way out of any
 * system call this thread makes (a send to an in-process peer included), and the ring's fd polls
 * readable whenever completions wait, so Node's loop, sleeping in epoll, wakes for them.
 *
 * Layouts (io_uring_sqe 64 bytes with buf_group at 40, io_uring_cqe 16, io_uring_buf 16 with the
 * ring's tail at 14, io_uring_buf_reg 40) checked with cc against <linux/io_uring.h>.
 */
import { systemError } from '../errors.js';
import { linuxConstants as L } from './constants-linux.js';
import { sys } from './index.js';
import {
  IORING_ENTER_GETEVENTS,
  IORING_OP_RECV,
  IORING_SETUP_COOP_TASKRUN,
  IORING_SETUP_SUBMIT_ALL,
  mapIoUring,
  nextSqe,
  publishSqe,
  submitQueued,
  writeAddress,
  type MappedRing,
} from './io-uring-ring.js';
import type { ReceiverCompletion, StreamReceiver } from './stream-receiver.js';

const IORING_OP_ASYNC_CANCEL = 14;
const IOSQE_BUFFER_SELECT = 1 << 5;
const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;
const IORING_RECV_MULTISHOT = 1 << 1;
const IORING_CQE_F_BUFFER = 1 << 0;
const IORING_CQE_F_MORE = 1 << 1;
const IORING_SQ_CQ_OVERFLOW = 1 << 1;
const IORING_REGISTER_PBUF_RING = 22;
const BUFFER_GROUP = 0;
/** The tag of cancel requests: never a receive's (slots stay far below it). */
const CANCEL_TAG = 0xffff_ffff;

/** Requests in flight are not bounded by this: it is how many can be queued between two submits. */
const SQ_ENTRIES = 256;
/** Completions waiting to be reaped before the kernel keeps them on its overflow list. */
const CQ_ENTRIES = 4096;
/** Bytes per pool buffer: the stream readers' default chunk. */
const BUFFER_SIZE = 64 * 1024;
/** Buffers the pool starts with and grows by. Memory is taken only where arrivals land. */
const BUFFERS_PER_STEP = 64;
/** The buffer ring's size, the most buffers the pool can grow to (16 KiB of entries). */
const MAX_BUFFERS = 1024;

/** Fresh zeroed pages, readable and writable, taken by the OS only where they are written; throws the typed mmap error. */
function anonymousPages(bytes: number): bigint {
  const s = sys();
  const at = s.mmap(null, bytes, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS, -1, 0);
  if (at === -1n) throw systemError('mmap', s.errno());
  return at;
}

export class IoUringReceiver implements StreamReceiver {
  readonly bufferSize = BUFFER_SIZE;
  readonly #r: MappedRing;
  /** The buffer ring's entries, as words and half-words (its tail is half-word 7). */
  readonly #entries: Uint32Array;
  readonly #entryHalves: Uint16Array;
  /** Each buffer's memory and address (as a Number: user-space addresses are below 2^53), by id. */
  readonly #buffers: Buffer[] = [];
  readonly #addresses = new Float64Array(MAX_BUFFERS);
  #bufferTail = 0;
  /** Entries queued since the last submit. */
  #queued = 0;

  constructor() {
    const s = sys();
    this.#r = mapIoUring(SQ_ENTRIES, CQ_ENTRIES, IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN);
    try {
      // The buffer ring: page-aligned memory the kernel reads the entries from.
      const bytes = MAX_BUFFERS * 16;
      const at = anonymousPages(bytes);
      const memory = s.memoryView(at, bytes);
      this.#entries = new Uint32Array(memory);
      this.#entryHalves = new Uint16Array(memory);
      const registration = Buffer.alloc(40);
      registration.writeBigUInt64LE(at, 0);
      registration.writeUInt32LE(MAX_BUFFERS, 8);
      registration.writeUInt16LE(BUFFER_GROUP, 12);
      if (s.ioUringRegister(this.#r.fd, IORING_REGISTER_PBUF_RING, registration, 1) < 0) {
        const e = s.errno();
        s.munmap(at, bytes);
        throw systemError('io_uring_register', e);
      }
      // The buffer ring is never unmapped: it lives as long as the io_uring, which is the process's.
    } catch (error) {
      this.#r.close();
      throw error;
    }
    this.grow();
  }

  get fd(): number {
    return this.#r.fd;
  }

  get poolSize(): number {
    return this.#buffers.length;
  }

  grow(): boolean {
    const count = this.#buffers.length;
    if (count >= MAX_BUFFERS) return false;
    // Fresh anonymous pages (never unmapped: a chunk handed over may live on): memory is taken
    // only where arrivals land. A Buffer.alloc of the same size cost 1.5 MiB of RSS here at once.
    const bytes = BUFFERS_PER_STEP * BUFFER_SIZE;
    let at: bigint;
    try {
      at = anonymousPages(bytes);
    } catch {
      return false; // out of memory: the receives wait for buffers given back
    }
    const memory = Buffer.from(sys().memoryView(at, bytes));
    for (let i = 0; i < BUFFERS_PER_STEP; i++) {
      const id = count + i;
      this.#set(id, memory.subarray(i * BUFFER_SIZE, (i + 1) * BUFFER_SIZE));
      this.giveBack(id);
    }
    return true;
  }

  #set(id: number, buffer: Buffer): void {
    this.#buffers[id] = buffer;
    this.#addresses[id] = Number(sys().addressOf(buffer));
  }

  buffer(bufferId: number): Buffer {
    return this.#buffers[bufferId]!;
  }

  giveBack(bufferId: number): void {
    const w = (this.#bufferTail & (MAX_BUFFERS - 1)) << 2; // 4 words per entry
    const e = this.#entries;
    writeAddress(e, w, this.#addresses[bufferId]!);
    e[w + 2] = BUFFER_SIZE;
    this.#entryHalves[(w << 1) + 6] = bufferId;
    this.#bufferTail = (this.#bufferTail + 1) & 0xffff;
    // The kernel reads the tail with acquire semantics: the entry is visible before it.
    Atomics.store(this.#entryHalves, 7, this.#bufferTail);
  }

  replace(bufferId: number, replacement: Buffer): void {
    this.#set(bufferId, replacement.subarray(0, BUFFER_SIZE));
    this.giveBack(bufferId);
  }

  start(fd: number, slot: number, generation: number): void {
    const w = this.#nextSqe();
    const q = this.#r.sqes;
    q[w] = IORING_OP_RECV | (IOSQE_BUFFER_SELECT << 8) | (IORING_RECV_MULTISHOT << 16);
    q[w + 1] = fd;
    q[w + 8] = slot; // user_data
    q[w + 9] = generation;
    q[w + 10] = BUFFER_GROUP; // buf_group, the u16 at byte 40
    this.#publish();
  }

  cancel(slot: number, generation: number): void {
    const w = this.#nextSqe();
    const q = this.#r.sqes;
    q[w] = IORING_OP_ASYNC_CANCEL | (IOSQE_CQE_SKIP_SUCCESS << 8);
    q[w + 1] = -1 >>> 0;
    q[w + 4] = slot; // addr: the user_data of the request to cancel
    q[w + 5] = generation;
    q[w + 8] = CANCEL_TAG;
    q[w + 9] = CANCEL_TAG;
    this.#publish();
  }

  /** Claims the next SQE (zeroed), submitting first when the queue is full; returns its first word. */
  #nextSqe(): number {
    if (this.#queued >= SQ_ENTRIES) this.submit();
    return nextSqe(this.#r);
  }

  #publish(): void {
    publishSqe(this.#r);
    this.#queued++;
  }

  submit(): void {
    if (this.#queued === 0) return;
    const submitted = submitQueued(this.#r, this.#queued);
    this.#queued -= submitted;
    if (this.#queued > 0) throw systemError('io_uring_enter', sys().errno());
  }

  pending(): boolean {
    const r = this.#r;
    return Atomics.load(r.ring, r.cqTail) !== r.ring[r.cqHead] || (Atomics.load(r.ring, r.sqFlags) & IORING_SQ_CQ_OVERFLOW) !== 0;
  }

  nextSlot(): number {
    const r = this.#r;
    const head = r.ring[r.cqHead]!;
    if (head === Atomics.load(r.ring, r.cqTail)) return -1;
    return r.ring[r.cqes + ((head & r.cqMask) << 2)]!;
  }

  reap(max: number, onCompletion: ReceiverCompletion): number {
    const r = this.#r;
    const ring = r.ring;
    // Completions the CQ ring had no room for wait on the kernel's overflow list: a call with
    // GETEVENTS moves them in.
    if ((Atomics.load(ring, r.sqFlags) & IORING_SQ_CQ_OVERFLOW) !== 0) sys().ioUringEnter(r.fd, 0, 0, IORING_ENTER_GETEVENTS);
    let head = ring[r.cqHead]!;
    const tail = Atomics.load(ring, r.cqTail);
    let n = 0;
    for (; head !== tail && n < max; n++) {
      const w = r.cqes + ((head & r.cqMask) << 2);
      const slot = ring[w]!;
      const generation = ring[w + 1]!;
      const result = r.ringSigned[w + 2]!;
      const flags = ring[w + 3]!;
      head = (head + 1) >>> 0;
      // Freed before the call: what the callback queues or submits may post more.
      Atomics.store(ring, r.cqHead, head);
      if (slot === CANCEL_TAG && generation === CANCEL_TAG) continue; // a cancel that found nothing: its receive already ended
      onCompletion(slot, generation, result, flags & IORING_CQE_F_BUFFER ? flags >>> 16 : -1, (flags & IORING_CQE_F_MORE) !== 0);
    }
    return n;
  }
}
