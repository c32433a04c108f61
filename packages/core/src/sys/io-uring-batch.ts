/**
 * Linux's {@link SyscallBatch}: an io_uring used as a way to make many sends or receives in one
 * system call, not as an asynchronous interface. Every request carries MSG_DONTWAIT, so the
 * kernel finishes it inside the `io_uring_enter` that submits it (a full socket answers EAGAIN
 * and an empty one too, instead of arming a poll: checked on this kernel, 6.18), and the results
 * are read from the completion ring before the call returns to JavaScript. Nothing is ever left
 * in flight: no request holds a socket's file open, keeps the process alive or needs cancelling
 * when a socket closes, and the kernel is done with the staging memory when the call returns.
 *
 * Layouts (struct io_uring_params 120 bytes, io_uring_sqe 64, io_uring_cqe 16) checked with cc
 * against this machine's <linux/io_uring.h>.
 */
import { systemError } from '../errors.js';
import { linuxConstants as L } from './constants-linux.js';
import { sys } from './index.js';
import {
  IORING_ENTER_GETEVENTS,
  IORING_OP_RECV,
  IORING_OP_SEND,
  IORING_SETUP_COOP_TASKRUN,
  IORING_SETUP_SUBMIT_ALL,
  mapIoUring,
  nextSqe,
  publishSqe,
  submitQueued,
  writeAddress,
  type MappedRing,
} from './io-uring-ring.js';
import { CALL_NOT_MADE, type SyscallBatch } from './syscall-batch.js';

const EINTR = 4;

export class IoUringBatch implements SyscallBatch {
  readonly staging: Buffer;
  readonly #r: MappedRing;
  /** The staging memory's address, as a Number (user-space addresses are below 2^53). */
  readonly #stagingAddress: number;
  /** Results of the last {@link IoUringBatch.run}, by the index `send` or `recv` gave. */
  readonly #results: Int32Array;
  /** Where each call's bytes are staged, and how many, by index. */
  readonly #offsets: Int32Array;
  readonly #lengths: Int32Array;
  readonly #stagingBytes: number;
  #count = 0;
  #used = 0;

  /**
   * Creates and maps the ring; throws the typed error when the kernel refuses io_uring.
   * @param capacity - Calls per batch (a power of two).
   * @param stagingBytes - Staging memory, allocated on first use of a batch.
   */
  constructor(
    readonly capacity: number,
    stagingBytes: number,
  ) {
    // SUBMIT_ALL: an entry the kernel refuses (a bad fd) completes with its error; the rest still go in.
    this.#r = mapIoUring(capacity, capacity * 2, IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN);
    this.#results = new Int32Array(capacity).fill(CALL_NOT_MADE);
    this.#offsets = new Int32Array(capacity);
    this.#lengths = new Int32Array(capacity);
    this.#stagingBytes = stagingBytes;
    // Lives as long as the process, as the ring does: never freed, so its address stays valid.
    // Zeroed pages from the kernel: memory is taken only as far as batches have reached.
    this.staging = Buffer.alloc(stagingBytes);
    this.#stagingAddress = Number(sys().addressOf(this.staging));
  }

  get count(): number {
    return this.#count;
  }

  room(bytes: number): boolean {
    return this.#count < this.capacity && this.#used + bytes <= this.#stagingBytes;
  }

  stage(bytes: number): number {
    const at = this.#used;
    this.#used += bytes;
    return at;
  }

  send(fd: number, offset: number, length: number, flags: number): number {
    return this.#push(IORING_OP_SEND, fd, offset, length, flags);
  }

  recv(fd: number, offset: number, length: number, flags: number): number {
    return this.#push(IORING_OP_RECV, fd, offset, length, flags);
  }

  offsetOf(index: number): number {
    return this.#offsets[index]!;
  }

  lengthOf(index: number): number {
    return this.#lengths[index]!;
  }

  #push(opcode: number, fd: number, offset: number, length: number, flags: number): number {
    const index = this.#count++;
    this.#offsets[index] = offset;
    this.#lengths[index] = length;
    const address = this.#stagingAddress + offset;
    const r = this.#r;
    const w = nextSqe(r);
    const q = r.sqes;
    q[w] = opcode; // flags 0, ioprio 0
    q[w + 1] = fd;
    writeAddress(q, w + 4, address);
    q[w + 6] = length;
    q[w + 7] = flags | L.MSG_DONTWAIT;
    q[w + 8] = index; // user_data
    publishSqe(r);
    return index;
  }

  run(): void {
    const n = this.#count;
    if (n === 0) return;
    this.#count = 0;
    this.#used = 0;
    const submitted = submitQueued(this.#r, n);
    if (submitted < n) {
      // Take back what the kernel did not take (it reads the tail only inside the call), so no
      // later call sends it twice; those sends read as CALL_NOT_MADE and their writers send directly.
      Atomics.store(this.#r.ring, this.#r.sqTail, Atomics.load(this.#r.ring, this.#r.sqHead));
    }
    const s = sys();
    // MSG_DONTWAIT finishes every send inside the call; a result that is not there yet (a
    // kernel that punts anyway) is waited for, never left behind.
    let reaped = this.#reap();
    while (reaped < submitted) {
      const r = s.ioUringEnter(this.#r.fd, 0, submitted - reaped, IORING_ENTER_GETEVENTS);
      if (r < 0 && s.errno() !== EINTR) throw systemError('io_uring_enter', s.errno());
      reaped += this.#reap();
    }
  }

  result(index: number): number {
    return this.#results[index]!;
  }

  take(index: number): number {
    const r = this.#results[index]!;
    this.#results[index] = CALL_NOT_MADE;
    return r;
  }

  /** Moves what the completion ring holds into the results; returns how many. */
  #reap(): number {
    const { ring: r, ringSigned, cqHead, cqTail, cqMask, cqes } = this.#r;
    let head = r[cqHead]!;
    const tail = Atomics.load(r, cqTail);
    let n = 0;
    for (; head !== tail; head = (head + 1) >>> 0, n++) {
      const w = cqes + ((head & cqMask) << 2);
      const result = ringSigned[w + 2]!;
      // Interrupted: nothing was sent or read, so its caller makes the call directly.
      this.#results[r[w]!] = result === -EINTR ? CALL_NOT_MADE : result;
    }
    Atomics.store(r, cqHead, head);
    return n;
  }
}
