/**
 * CAN_RAW receive filters (`struct can_filter`: u32 can_id, u32 can_mask, host-endian; up to
 * 512 per socket), in a typed form and as the kernel's bytes, plus the kernel's matching rule so
 * that code (and tests) can predict what a socket will receive.
 */
import { decodeError, hostIsLittleEndian } from '@rxsock/core';
import { CAN_EFF_FLAG, CAN_EFF_MASK, CAN_ERR_FLAG, CAN_ERR_MASK, CAN_RTR_FLAG, CAN_SFF_MASK, CanFrameError, type CanFrame } from './frame.js';

/** Set in a filter's `can_id`: the filter matches what does NOT match it. */
export const CAN_INV_FILTER = 0x20000000;
/** Most filters one CAN_RAW socket takes (CAN_RAW_FILTER_MAX). */
export const CAN_RAW_FILTER_MAX = 512;
/** Bytes of one `struct can_filter`. */
export const CAN_FILTER_SIZE = 8;

/**
 * One receive filter: a frame passes when `(frame id & mask) === (id & mask)`, the way the
 * kernel compares them.
 *
 * `extended` and `rtr` are tri-state: left out, the filter ignores that bit (a mask of `0x7ff`
 * passes standard and extended frames alike, as in candump's `123:7FF`); `true` or `false`
 * requires it set or clear.
 */
export interface CanFilter {
  /** Identifier bits to compare (29 bits). */
  id: number;
  /** Which identifier bits to compare (29 bits). */
  mask: number;
  /** Require an extended (true) or standard (false) frame. */
  extended?: boolean;
  /** Require a remote (true) or data (false) frame. */
  rtr?: boolean;
  /** Pass the frames that do not match instead (CAN_INV_FILTER). */
  inverted?: boolean;
}

/** A filter as the kernel stores it. */
export interface RawCanFilter {
  /** `can_id`, flags included. */
  canId: number;
  /** `can_mask`, flags included. */
  canMask: number;
}

function check29(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > CAN_EFF_MASK) throw new CanFrameError(`filter ${what} ${String(value)} is not a 29-bit value`);
}

/** The kernel's `{ can_id, can_mask }` of a typed filter. @throws {@link CanFrameError} for values out of range. */
export function toRawFilter(filter: CanFilter): RawCanFilter {
  check29(filter.id, 'id');
  check29(filter.mask, 'mask');
  let canId = filter.id;
  let canMask = filter.mask;
  if (filter.extended !== undefined) {
    canMask |= CAN_EFF_FLAG;
    if (filter.extended) canId |= CAN_EFF_FLAG;
  }
  if (filter.rtr !== undefined) {
    canMask |= CAN_RTR_FLAG;
    if (filter.rtr) canId |= CAN_RTR_FLAG;
  }
  if (filter.inverted) canId |= CAN_INV_FILTER;
  return { canId: canId >>> 0, canMask: canMask >>> 0 };
}

/**
 * The typed form of a kernel filter. The ERR bit of a mask (which makes a filter match error
 * frames, something CAN_RAW_ERR_FILTER does better) has no typed form and is dropped.
 */
export function fromRawFilter(raw: RawCanFilter): CanFilter {
  const filter: CanFilter = { id: raw.canId & CAN_EFF_MASK, mask: raw.canMask & CAN_EFF_MASK };
  if (raw.canMask & CAN_EFF_FLAG) filter.extended = (raw.canId & CAN_EFF_FLAG) !== 0;
  if (raw.canMask & CAN_RTR_FLAG) filter.rtr = (raw.canId & CAN_RTR_FLAG) !== 0;
  if (raw.canId & CAN_INV_FILTER) filter.inverted = true;
  return filter;
}

/**
 * The bytes of a filter list for `setsockopt(SOL_CAN_RAW, CAN_RAW_FILTER)`. An empty list means
 * "receive nothing".
 * @throws {@link CanFrameError} for more than 512 filters or values out of range.
 */
export function encodeFilters(filters: readonly (CanFilter | RawCanFilter)[], littleEndian = hostIsLittleEndian): Uint8Array {
  if (filters.length > CAN_RAW_FILTER_MAX) throw new CanFrameError(`${filters.length} filters: a CAN_RAW socket takes at most ${CAN_RAW_FILTER_MAX}`);
  const out = new Uint8Array(filters.length * CAN_FILTER_SIZE);
  const view = new DataView(out.buffer);
  filters.forEach((f, i) => {
    const raw = 'canId' in f ? f : toRawFilter(f);
    view.setUint32(i * 8, raw.canId >>> 0, littleEndian);
    view.setUint32(i * 8 + 4, raw.canMask >>> 0, littleEndian);
  });
  return out;
}

/**
 * Reads a filter list (as `getsockopt(CAN_RAW_FILTER)` returns it).
 * @throws `SocketError` `ERR_RXSOCK_DECODE` when the length is not a multiple of 8.
 */
export function decodeFilters(bytes: Uint8Array, length = bytes.length, littleEndian = hostIsLittleEndian): RawCanFilter[] {
  if (length < 0 || length > bytes.length || length % CAN_FILTER_SIZE !== 0) throw decodeError(`CAN filter list: ${length} bytes is not a whole number of 8-byte filters`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const out: RawCanFilter[] = [];
  for (let at = 0; at < length; at += 8) out.push({ canId: view.getUint32(at, littleEndian), canMask: view.getUint32(at + 4, littleEndian) });
  return out;
}

/**
 * Whether `frame` passes `filter` by the kernel's rule (net/can/af_can.c): compare
 * `can_id & mask`, flags included; an inverted filter passes the rest; a filter requiring a
 * standard frame compares only the low 11 id bits. Error frames pass only a filter whose mask
 * has the ERR bit and shares a class bit with them. XL frames are matched on their priority.
 */
export function filterMatches(filter: CanFilter | RawCanFilter, frame: CanFrame): boolean {
  const raw = 'canId' in filter ? filter : toRawFilter(filter);
  const isError = frame.kind !== 'xl' && frame.error;
  if ((raw.canMask & CAN_ERR_FLAG) !== 0) return isError && (frame.id & raw.canMask & CAN_ERR_MASK) !== 0;
  if (isError) return false;
  let word: number;
  if (frame.kind === 'xl') word = frame.prio;
  else {
    word = frame.id;
    if (frame.extended) word |= CAN_EFF_FLAG;
    if (frame.kind === 'classic' && frame.rtr) word |= CAN_RTR_FLAG;
  }
  let mask = raw.canMask & (CAN_EFF_MASK | CAN_EFF_FLAG | CAN_RTR_FLAG);
  // The kernel narrows a "standard frames only" filter to the 11 standard id bits.
  if ((mask & CAN_EFF_FLAG) !== 0 && (raw.canId & CAN_EFF_FLAG) === 0) mask &= CAN_SFF_MASK | CAN_EFF_FLAG | CAN_RTR_FLAG;
  const hit = ((word & mask) >>> 0) === ((raw.canId & mask) >>> 0);
  return (raw.canId & CAN_INV_FILTER) !== 0 ? !hit : hit;
}

/**
 * Whether a socket with `filters` receives `frame` (a non-error frame): any filter passing it
 * is enough, or, with `joinFilters` (CAN_RAW_JOIN_FILTERS), every filter must. No filters: nothing.
 */
export function filtersPass(filters: readonly (CanFilter | RawCanFilter)[], frame: CanFrame, joinFilters = false): boolean {
  if (filters.length === 0) return false;
  return joinFilters ? filters.every((f) => filterMatches(f, frame)) : filters.some((f) => filterMatches(f, frame));
}

/** The filter that passes every data frame (the kernel's default: id 0, mask 0). */
export const PASS_ALL_FILTER: Readonly<CanFilter> = Object.freeze({ id: 0, mask: 0 });
