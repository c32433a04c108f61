/**
 * `struct epoll_event` as bytes, and the translation between rxsock's bit flags and epoll's.
 * Pure functions over a DataView so both ABIs (packed 12-byte x86-64, 16-byte arm64) are
 * testable on any machine; the selector picks the layout of the running ABI.
 */
import { linuxConstants as L } from '../sys/constants-linux.js';
import { Interest, Ready } from './api.js';

/** Where the fields of `struct epoll_event` sit for one ABI. */
export interface EpollEventLayout {
  /** `sizeof(struct epoll_event)`: 12 on x86-64 (packed), 16 on arm64. */
  readonly size: number;
  /** Offset of the 64-bit `data` union: 4 on x86-64, 8 on arm64. */
  readonly dataOffset: number;
}

/** The x86-64 layout, where glibc packs the structure. */
export const EPOLL_LAYOUT_X64: EpollEventLayout = { size: 12, dataOffset: 4 };
/** The natural-alignment layout of arm64 and the other 64-bit ABIs. */
export const EPOLL_LAYOUT_ARM64: EpollEventLayout = { size: 16, dataOffset: 8 };

const TWO_32 = 0x1_0000_0000;

/**
 * Writes event `index` of an array of `struct epoll_event`. The token (any safe integer, so the
 * reactor can pack a generation above the slot) is split into two 32-bit words, with no BigInt
 * on the hot path; `events` is written unsigned because EPOLLET
 * is bit 31.
 */
export function writeEpollEvent(view: DataView, index: number, layout: EpollEventLayout, events: number, token: number): void {
  if (!Number.isSafeInteger(token) || token < 0) throw new RangeError(`epoll token must be a safe non-negative integer, got ${token}`);
  const base = index * layout.size;
  view.setUint32(base, events >>> 0, true);
  view.setUint32(base + layout.dataOffset, token % TWO_32, true);
  view.setUint32(base + layout.dataOffset + 4, Math.floor(token / TWO_32), true);
}

/** The `events` word of event `index`, unsigned. */
export function readEpollEvents(view: DataView, index: number, layout: EpollEventLayout): number {
  return view.getUint32(index * layout.size, true);
}

/** The token stored in the `data` field of event `index`. */
export function readEpollToken(view: DataView, index: number, layout: EpollEventLayout): number {
  const at = index * layout.size + layout.dataOffset;
  return view.getUint32(at + 4, true) * TWO_32 + view.getUint32(at, true);
}

/**
 * The epoll event mask for an {@link Interest} set. EPOLLRDHUP is asked for only with READABLE:
 * it is level-triggered state, so a level registration that only wants WRITABLE would otherwise
 * wake on every loop iteration after the peer's shutdown. Returns an unsigned 32-bit value.
 */
export function epollMaskFor(interest: number, edge: boolean): number {
  let mask = 0;
  if (interest & Interest.READABLE) mask |= L.EPOLLIN | L.EPOLLRDHUP;
  if (interest & Interest.WRITABLE) mask |= L.EPOLLOUT;
  if (interest & Interest.PRIORITY) mask |= L.EPOLLPRI;
  if (edge) mask |= L.EPOLLET;
  return mask >>> 0;
}

/**
 * The {@link Ready} mask for an epoll `events` word. Conditions that end a direction also report
 * that direction ready, so an operation parked on it wakes, retries and sees the EOF or the error
 * instead of waiting forever: EPOLLERR wakes readers and writers, EPOLLHUP (both directions
 * closed) wakes readers and writers, EPOLLRDHUP wakes readers.
 */
export function readyFromEpoll(events: number): number {
  let ready = 0;
  if (events & L.EPOLLIN) ready |= Ready.READABLE;
  if (events & L.EPOLLOUT) ready |= Ready.WRITABLE;
  if (events & L.EPOLLPRI) ready |= Ready.PRIORITY;
  if (events & L.EPOLLERR) ready |= Ready.ERROR | Ready.READABLE | Ready.WRITABLE;
  if (events & L.EPOLLHUP) ready |= Ready.HANGUP | Ready.READABLE | Ready.WRITABLE;
  if (events & L.EPOLLRDHUP) ready |= Ready.READ_CLOSED | Ready.READABLE;
  return ready;
}
