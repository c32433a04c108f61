/**
 * One io_uring instance set up and mapped, for the Linux users of io_uring here (the
 * {@link SyscallBatch} and the multishot stream receiver): its fd, the SQ and CQ rings as word
 * views of the shared mapping, the SQEs, and the word indexes of the ring fields.
 *
 * Layouts (struct io_uring_params 120 bytes, io_uring_sqe 64, io_uring_cqe 16) checked with cc
 * against this machine's <linux/io_uring.h>.
 */
import { SocketError, systemError } from '../errors.js';
import { linuxConstants as L } from './constants-linux.js';
import { sys } from './index.js';

/** Setup flags, opcodes and the enter flag both rings use. */
export const IORING_SETUP_SUBMIT_ALL = 1 << 7;
export const IORING_SETUP_COOP_TASKRUN = 1 << 8;
export const IORING_ENTER_GETEVENTS = 1 << 0;
export const IORING_OP_SEND = 26;
export const IORING_OP_RECV = 27;
const TWO_32 = 0x1_0000_0000;
const IORING_SETUP_CQSIZE = 1 << 3;
const EINTR = 4;
const EAGAIN = 11;
const EBUSY = 16;
const IORING_FEAT_SINGLE_MMAP = 1 << 0;
const IORING_FEAT_NODROP = 1 << 1;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;
const MAP_POPULATE = 0x8000;

/** A mapped io_uring. Fields are word (4-byte) indexes into `ring` unless named otherwise. */
export interface MappedRing {
  readonly fd: number;
  /** The SQ and CQ rings (one mapping), as unsigned and signed words. */
  readonly ring: Uint32Array;
  readonly ringSigned: Int32Array;
  /** The submission entries, 16 words each. */
  readonly sqes: Uint32Array;
  readonly sqHead: number;
  readonly sqTail: number;
  readonly sqMask: number;
  /** The SQ ring's flags word (IORING_SQ_CQ_OVERFLOW...). */
  readonly sqFlags: number;
  readonly sqArray: number;
  readonly cqHead: number;
  readonly cqTail: number;
  readonly cqMask: number;
  readonly cqes: number;
  /** Unmaps both mappings and closes the fd. */
  close(): void;
}

/**
 * `io_uring_setup` with `flags` (CQSIZE added, the CQ ring `cqEntries` long) and both mappings;
 * throws the typed error when the kernel refuses io_uring or lacks SINGLE_MMAP or NODROP.
 */
export function mapIoUring(entries: number, cqEntries: number, flags: number): MappedRing {
  const s = sys();
  const params = Buffer.alloc(120);
  params.writeUInt32LE(cqEntries, 4);
  params.writeUInt32LE(flags | IORING_SETUP_CQSIZE, 8);
  const fd = s.ioUringSetup(entries, params);
  if (fd < 0) throw systemError('io_uring_setup', s.errno());
  const undo: Array<() => void> = [() => s.close(fd)];
  try {
    const features = params.readUInt32LE(20);
    if ((features & (IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP)) !== (IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP)) {
      throw new SocketError("rxsock: this kernel's io_uring lacks IORING_FEAT_SINGLE_MMAP or IORING_FEAT_NODROP (Linux 5.5 or later has both)", { code: 'ERR_NOT_SUPPORTED' });
    }
    const sqEntries = params.readUInt32LE(0);
    const cqCount = params.readUInt32LE(4);
    const sqOff = (field: number): number => params.readUInt32LE(40 + field);
    const cqOff = (field: number): number => params.readUInt32LE(80 + field);
    const map = (length: number, offset: number): bigint => {
      const address = s.mmap(null, length, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | MAP_POPULATE, fd, offset);
      if (address === -1n) throw systemError('mmap', s.errno());
      undo.push(() => s.munmap(address, length));
      return address;
    };
    const ringLength = Math.max(sqOff(24) + sqEntries * 4, cqOff(20) + cqCount * 16);
    const sqeLength = sqEntries * 64;
    const ringMemory = s.memoryView(map(ringLength, IORING_OFF_SQ_RING), ringLength);
    const sqes = new Uint32Array(s.memoryView(map(sqeLength, IORING_OFF_SQES), sqeLength));
    const ring = new Uint32Array(ringMemory);
    const close = [...undo].reverse();
    return {
      fd,
      ring,
      ringSigned: new Int32Array(ringMemory),
      sqes,
      sqHead: sqOff(0) >> 2,
      sqTail: sqOff(4) >> 2,
      sqMask: ring[sqOff(8) >> 2]!,
      sqFlags: sqOff(16) >> 2,
      sqArray: sqOff(24) >> 2,
      cqHead: cqOff(0) >> 2,
      cqTail: cqOff(4) >> 2,
      cqMask: ring[cqOff(8) >> 2]!,
      cqes: cqOff(20) >> 2,
      close: () => {
        for (const step of close) step();
      },
    };
  } catch (error) {
    for (const step of undo.reverse()) step();
    throw error;
  }
}

/**
 * Claims the next SQE of `r`, zeroes the words a SEND, RECV or ASYNC_CANCEL may read, and returns
 * its first word's index; {@link publishSqe} makes it visible to the kernel.
 */
export function nextSqe(r: MappedRing): number {
  const slot = r.ring[r.sqTail]! & r.sqMask;
  const w = slot << 4; // 16 words per entry
  r.sqes.fill(0, w, w + 16);
  r.ring[r.sqArray + slot] = slot;
  return w;
}

/** Stores a 64-bit user-space `address` (a Number: below 2^53) as two words at `words[at]`, low word first. */
export function writeAddress(words: Uint32Array, at: number, address: number): void {
  words[at] = address % TWO_32;
  words[at + 1] = Math.floor(address / TWO_32);
}

/** Moves the SQ tail past the entry {@link nextSqe} filled. */
export function publishSqe(r: MappedRing): void {
  // x86-64 and arm64 (through the kernel's smp_load_acquire) see the entry before the tail:
  // the kernel reads the tail only inside io_uring_enter, after this store.
  Atomics.store(r.ring, r.sqTail, (r.ring[r.sqTail]! + 1) >>> 0);
}

/**
 * Submits the `count` entries queued in `r` (io_uring_enter with GETEVENTS, so the kernel's work
 * for this thread runs inside the call), retrying while the call is interrupted or the kernel is
 * short of memory for a moment. Returns how many the kernel took: fewer than `count` after a
 * failure, whose errno `sys().errno()` still holds.
 */
export function submitQueued(r: MappedRing, count: number): number {
  const s = sys();
  let submitted = 0;
  for (let tries = 0; submitted < count; tries++) {
    const n = s.ioUringEnter(r.fd, count - submitted, 0, IORING_ENTER_GETEVENTS);
    if (n >= 0) {
      submitted += n;
      continue;
    }
    const e = s.errno();
    if ((e !== EINTR && e !== EAGAIN && e !== EBUSY) || tries >= 100) break;
  }
  return submitted;
}
