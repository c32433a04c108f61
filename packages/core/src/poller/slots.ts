/**
 * The reactor's registrations as parallel typed arrays indexed by slot, instead of one object
 * each: a server holding 10,000 idle sockets pays about 20 bytes per registration here, where an
 * entry object with its fields cost 104, plus a heap number for its token once the slot's
 * generation passed 0, plus a Map entry for its fd.
 */
import type { ReadySource } from './api.js';

const TWO_32 = 0x1_0000_0000;
// The waker of the thread driver owns slot 0xFFFFFFFF; generations stay below 2^21 so that
// slot + generation * 2^32 is a safe integer.
const GENERATIONS = 1 << 21;

/** Bits of {@link SlotTable.flags}. */
export const Flag = {
  /** Edge-triggered (EPOLLET). */
  EDGE: 1,
  /** The fd is in the kernel's epoll set (interest non-empty, not yet removed). */
  IN_KERNEL: 2,
  /** Its waiters keep the process alive. */
  REFERENCED: 4,
} as const;

function grown<A extends Int32Array | Uint32Array | Uint8Array>(array: A, size: number, make: (n: number) => A): A {
  if (size <= array.length) return array;
  let n = array.length * 2;
  while (n < size) n *= 2;
  const next = make(n);
  next.set(array);
  return next;
}

/** @internal Slots, their free list and generations, and which slot holds each fd number. */
export class SlotTable {
  /** The source of each live slot; undefined for a free one. */
  readonly sources: Array<ReadySource | undefined> = [];
  fd = new Int32Array(64);
  waiters = new Int32Array(64);
  interest = new Uint8Array(64);
  flags = new Uint8Array(64);
  private generation = new Uint32Array(64);
  private readonly free: number[] = [];
  /** `slot + 1` of the latest registration of each fd number; 0 for none. */
  private byFd = new Int32Array(64);
  /** Live slots. */
  size = 0;

  /** Takes a free slot (or a new one) for `fd` and `source`. */
  allocate(fd: number, source: ReadySource, interest: number, flags: number): number {
    const slot = this.free.pop() ?? this.sources.length;
    if (slot >= this.fd.length) {
      const need = slot + 1;
      this.fd = grown(this.fd, need, (n) => new Int32Array(n));
      this.waiters = grown(this.waiters, need, (n) => new Int32Array(n));
      this.interest = grown(this.interest, need, (n) => new Uint8Array(n));
      this.flags = grown(this.flags, need, (n) => new Uint8Array(n));
      this.generation = grown(this.generation, need, (n) => new Uint32Array(n));
    }
    this.sources[slot] = source;
    this.fd[slot] = fd;
    this.waiters[slot] = 0;
    this.interest[slot] = interest;
    this.flags[slot] = flags;
    this.size++;
    return slot;
  }

  /** Frees `slot`: a new generation makes events already selected for the old token miss. */
  release(slot: number): void {
    this.sources[slot] = undefined;
    this.waiters[slot] = 0;
    this.flags[slot] = 0;
    this.generation[slot] = (this.generation[slot]! + 1) % GENERATIONS;
    if (this.byFd[this.fd[slot]!] === slot + 1) this.byFd[this.fd[slot]!] = 0;
    this.free.push(slot);
    this.size--;
  }

  /** The token the selector reports `slot` by: the slot, with its generation above bit 32. */
  token(slot: number): number {
    return slot + this.generation[slot]! * TWO_32;
  }

  /** The live slot `token` names, or -1 (a free slot, an older generation, the waker). */
  slotOf(token: number): number {
    const slot = token % TWO_32;
    return this.sources[slot] !== undefined && this.token(slot) === token ? slot : -1;
  }

  /** The slot that registered `fd` last, or -1. */
  slotOfFd(fd: number): number {
    return fd < this.byFd.length ? this.byFd[fd]! - 1 : -1;
  }

  /** Records `slot` as the registration of its fd number. */
  claimFd(slot: number): void {
    const fd = this.fd[slot]!;
    this.byFd = grown(this.byFd, fd + 1, (n) => new Int32Array(n));
    this.byFd[fd] = slot + 1;
  }
}
