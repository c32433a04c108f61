/**
 * `struct can_frame` (16 bytes), `struct canfd_frame` (72 bytes) and `struct canxl_frame`
 * (12-byte header + 1..2048 bytes) to and from frame objects. `can_id`, `prio`, `af` and the XL
 * `len` are host-endian in the kernel's structures; the byte order is a parameter so that other
 * hosts' bytes (and captures) decode anywhere.
 *
 * Which structure a buffer holds is told by its length and, for XL, by the XLF bit at offset 4
 * (where classic and FD keep `len`, which is at most 64): the kernel tells them apart the same way.
 */
import { decodeError, hostIsLittleEndian } from '@rxsock/core';
import {
  CAN_EFF_FLAG,
  CAN_EFF_MASK,
  CAN_ERR_FLAG,
  CAN_ERR_MASK,
  CAN_MTU,
  CAN_RTR_FLAG,
  CAN_SFF_MASK,
  CANFD_BRS,
  CANFD_DLC_TO_LEN,
  CANFD_ESI,
  CANFD_FDF,
  CANFD_MTU,
  CANXL_HDR_SIZE,
  CANXL_MAX_DLEN,
  CANXL_PRIO_MASK,
  CANXL_SEC,
  CANXL_XLF,
  canIdWord,
  type CanFrame,
  type CanReceiveInfo,
} from './frame.js';

/** Bit position of the virtual CAN network id inside an XL frame's `prio` word. */
const CANXL_VCID_OFFSET = 16;

/** Bytes the kernel structure of `frame` takes: 16, 72, or 12 + len for XL. */
export function canFrameSize(frame: CanFrame): number {
  return frame.kind === 'classic' ? CAN_MTU : frame.kind === 'fd' ? CANFD_MTU : CANXL_HDR_SIZE + frame.len;
}

/**
 * Writes `frame` as its kernel structure into `target` at `offset` (zeroing the padding) and
 * returns the number of bytes written. `target` must have room for {@link canFrameSize}.
 *
 * @param littleEndian - Byte order of the host-endian fields; default the running host's.
 * @throws RangeError when `target` is too small.
 */
export function writeCanFrame(frame: CanFrame, target: Uint8Array, offset = 0, littleEndian = hostIsLittleEndian): number {
  const size = canFrameSize(frame);
  if (offset < 0 || offset + size > target.byteLength) throw new RangeError(`a ${size}-byte CAN frame does not fit at offset ${offset} of ${target.byteLength} bytes`);
  const view = new DataView(target.buffer, target.byteOffset + offset, size);
  target.fill(0, offset, offset + size);
  if (frame.kind === 'xl') {
    view.setUint32(0, (frame.prio | (frame.vcid << CANXL_VCID_OFFSET)) >>> 0, littleEndian);
    target[offset + 4] = CANXL_XLF | (frame.sec ? CANXL_SEC : 0);
    target[offset + 5] = frame.sdt;
    view.setUint16(6, frame.len, littleEndian);
    view.setUint32(8, frame.af >>> 0, littleEndian);
    target.set(frame.data, offset + CANXL_HDR_SIZE);
    return size;
  }
  view.setUint32(0, canIdWord(frame), littleEndian);
  target[offset + 4] = frame.len;
  if (frame.kind === 'classic') {
    target[offset + 7] = frame.len8Dlc;
  } else {
    // FDF marks the structure as FD; kernels before 6.x ignore it, newer ones set it themselves.
    target[offset + 5] = (frame.brs ? CANFD_BRS : 0) | (frame.esi ? CANFD_ESI : 0) | CANFD_FDF;
  }
  target.set(frame.data, offset + 8);
  return size;
}

/** `frame` as a new buffer holding its kernel structure. */
export function encodeCanFrame(frame: CanFrame, littleEndian = hostIsLittleEndian): Uint8Array {
  const out = new Uint8Array(canFrameSize(frame));
  writeCanFrame(frame, out, 0, littleEndian);
  return out;
}

/**
 * Where decoded payloads go. The receive path hands one per `recvmmsg` batch, so a batch's
 * payloads share one allocation and each frame gets a view of it; without one, each frame's
 * payload is a copy of its own.
 */
export interface PayloadStore {
  /** Backing bytes, at least as long as every payload of the batch together. */
  bytes: Uint8Array;
  /** Next free offset in `bytes`. */
  used: number;
}

function u32(bytes: Uint8Array, at: number, le: boolean): number {
  return le
    ? (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
    : ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function payload(bytes: Uint8Array, start: number, len: number, store: PayloadStore | null): Uint8Array {
  if (store === null) return bytes.slice(start, start + len);
  const at = store.used;
  const out = store.bytes;
  // Short payloads (every classic frame) are copied by a loop: cheaper than a native copy's views.
  for (let k = 0; k < len; k++) out[at + k] = bytes[start + k]!;
  store.used = at + len;
  return out.subarray(at, at + len);
}

const NO_DATA = new Uint8Array(0);

/**
 * @internal The one decoder of the three structures; `info`, when given, becomes the frame's
 * {@link CanReceiveInfo} fields (one object per received frame). Throws only `ERR_RXSOCK_DECODE`.
 */
export function readCanFrame(bytes: Uint8Array, offset: number, length: number, littleEndian: boolean, store: PayloadStore | null, info: CanReceiveInfo | null): CanFrame {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw decodeError(`CAN frame: ${length} bytes at offset ${offset} are outside the ${bytes.length}-byte buffer`);
  }
  if (length >= CANXL_HDR_SIZE + 1 && (bytes[offset + 4]! & CANXL_XLF) !== 0) return readXl(bytes, offset, length, littleEndian, store, info);
  if (length !== CAN_MTU && length !== CANFD_MTU) {
    throw decodeError(`CAN frame: ${length} bytes is neither a can_frame (16), a canfd_frame (72) nor a canxl_frame (XLF flag set)`);
  }
  const word = u32(bytes, offset, littleEndian);
  const extended = (word & CAN_EFF_FLAG) !== 0;
  const error = (word & CAN_ERR_FLAG) !== 0;
  const id = error ? word & CAN_ERR_MASK : extended ? word & CAN_EFF_MASK : word & CAN_SFF_MASK;
  const len = bytes[offset + 4]!;
  if (length === CAN_MTU) {
    if (len > 8) throw decodeError(`can_frame: len ${len} is over 8`);
    const rtr = (word & CAN_RTR_FLAG) !== 0 && !error;
    const raw = bytes[offset + 7]!;
    const len8Dlc = len === 8 && raw > 8 && raw <= 15 ? raw : 0;
    const data = rtr ? NO_DATA : payload(bytes, offset + 8, len, store);
    if (info === null) return { kind: 'classic', id, extended, rtr, error, len, len8Dlc, data };
    return {
      kind: 'classic', id, extended, rtr, error, len, len8Dlc, data,
      ifindex: info.ifindex, interfaceName: info.interfaceName, own: info.own, local: info.local,
      timestampSec: info.timestampSec, timestampNsec: info.timestampNsec, hwTimestampSec: info.hwTimestampSec, hwTimestampNsec: info.hwTimestampNsec,
    } as CanFrame;
  }
  if (len > 64 || (len > 8 && !CANFD_DLC_TO_LEN.includes(len))) throw decodeError(`canfd_frame: len ${len} is not a CAN FD length`);
  const flags = bytes[offset + 5]!;
  const brs = (flags & CANFD_BRS) !== 0;
  const esi = (flags & CANFD_ESI) !== 0;
  const data = payload(bytes, offset + 8, len, store);
  if (info === null) return { kind: 'fd', id, extended, error, brs, esi, len, data };
  return {
    kind: 'fd', id, extended, error, brs, esi, len, data,
    ifindex: info.ifindex, interfaceName: info.interfaceName, own: info.own, local: info.local,
    timestampSec: info.timestampSec, timestampNsec: info.timestampNsec, hwTimestampSec: info.hwTimestampSec, hwTimestampNsec: info.hwTimestampNsec,
  } as CanFrame;
}

function readXl(bytes: Uint8Array, offset: number, length: number, le: boolean, store: PayloadStore | null, info: CanReceiveInfo | null): CanFrame {
  const prioWord = u32(bytes, offset, le);
  const flags = bytes[offset + 4]!;
  const sdt = bytes[offset + 5]!;
  const len = le ? bytes[offset + 6]! | (bytes[offset + 7]! << 8) : (bytes[offset + 6]! << 8) | bytes[offset + 7]!;
  if (len < 1 || len > CANXL_MAX_DLEN) throw decodeError(`canxl_frame: len ${len} is outside 1..2048`);
  if (CANXL_HDR_SIZE + len !== length) throw decodeError(`canxl_frame: len ${len} does not match the ${length} bytes received`);
  const af = u32(bytes, offset + 8, le);
  const data = payload(bytes, offset + CANXL_HDR_SIZE, len, store);
  const prio = prioWord & CANXL_PRIO_MASK;
  const vcid = (prioWord >>> CANXL_VCID_OFFSET) & 0xff;
  const sec = (flags & CANXL_SEC) !== 0;
  if (info === null) return { kind: 'xl', prio, vcid, sec, sdt, af, len, data };
  return {
    kind: 'xl', prio, vcid, sec, sdt, af, len, data,
    ifindex: info.ifindex, interfaceName: info.interfaceName, own: info.own, local: info.local,
    timestampSec: info.timestampSec, timestampNsec: info.timestampNsec, hwTimestampSec: info.hwTimestampSec, hwTimestampNsec: info.hwTimestampNsec,
  } as CanFrame;
}

/**
 * Reads a kernel frame structure: 16 bytes are a `can_frame`, 72 a `canfd_frame`, and a buffer
 * with the XLF bit at offset 4 a `canxl_frame` of 12 + len bytes. The payload is copied.
 *
 * @param bytes - The structure (from a `recv`, a capture, a test).
 * @param length - Bytes of it to read (default: all of `bytes`).
 * @param littleEndian - Byte order of the host-endian fields; default the running host's.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for any other length or an impossible `len`.
 */
export function decodeCanFrame(bytes: Uint8Array, length = bytes.length, littleEndian = hostIsLittleEndian): CanFrame {
  return readCanFrame(bytes, 0, length, littleEndian, null, null);
}
