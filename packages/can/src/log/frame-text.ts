/**
 * can-utils' compact frame text (`123#DEADBEEF`, `123##1...`, `123#R3`, `1F334455#...`,
 * `12345#80:00:11223344#...` for XL): the format of `cansend`'s argument and of every candump
 * log line. The parser accepts what can-utils' `parse_canframe` accepts (its newest form, a
 * superset of the 2020.11 one on this machine); the formatter writes what `candump -L` prints.
 */
import {
  CAN_EFF_FLAG,
  CAN_EFF_MASK,
  CAN_ERR_FLAG,
  CAN_ERR_MASK,
  CAN_RTR_FLAG,
  CAN_SFF_MASK,
  CANFD_DLC_TO_LEN,
  CANXL_MAX_DLEN,
  canFdLenToDlc,
  canXlFrame,
  type CanFdFrame,
  type CanFrame,
  type ClassicCanFrame,
} from '../codec/frame.js';
import { CanLogError } from './errors.js';

const HEX = '0123456789ABCDEF';
/** Byte to two upper-case hex digits, precomputed: formatting is on the hot path of a dump. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => HEX[b >> 4]! + HEX[b & 15]!);
const EMPTY = new Uint8Array(0);

/** The value of one hex digit, or 16 for anything else (as can-utils' asc2nibble). */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return 16;
}

/** Options of {@link formatCanFrameText}. */
export interface CanFrameTextOptions {
  /** Separate data bytes with `.` (as `cangen -v` prints). Default false (as `candump -L`). */
  separator?: boolean;
  /**
   * Append a classic 8-byte frame's raw DLC 9..15 as `_X` (newer can-utils do; the 2020.11
   * candump on Debian bookworm does not). Default false.
   */
  rawDlc?: boolean;
}

function hexId(value: number, digits: number): string {
  let s = '';
  for (let i = digits - 1; i >= 0; i--) s += HEX[(value >>> (i * 4)) & 15]!;
  return s;
}

function hexData(data: Uint8Array, len: number, separator: boolean): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    if (separator && i > 0) s += '.';
    s += HEX_BYTE[data[i]!]!;
  }
  return s;
}

/**
 * Writes a frame in can-utils' compact text, byte for byte as `candump -L` prints it: ids as 3
 * (standard) or 8 (extended, error) upper-case hex digits, `R` and a non-zero length for RTR,
 * `##` and a flags digit for FD (with FDF set, as the kernel reports it), data in hex.
 *
 * @example
 * ```ts
 * formatCanFrameText(canFrame({ id: 0x123, data: [0xde, 0xad] }));   // '123#DEAD'
 * ```
 */
export function formatCanFrameText(frame: CanFrame, options: CanFrameTextOptions = {}): string {
  const separator = options.separator ?? false;
  if (frame.kind === 'xl') {
    const flags = 0x80 | (frame.sec ? 1 : 0);
    return `${HEX_BYTE[frame.vcid & 0xff]}${hexId(frame.prio, 3)}#${HEX_BYTE[flags]}:${HEX_BYTE[frame.sdt & 0xff]}:${hexId(frame.af, 8)}#${hexData(frame.data, frame.data.length, separator)}`;
  }
  let s: string;
  if (frame.error) s = hexId(((frame.id & CAN_ERR_MASK) | CAN_ERR_FLAG) >>> 0, 8) + '#';
  else if (frame.extended) s = hexId(frame.id & CAN_EFF_MASK, 8) + '#';
  else s = hexId(frame.id & CAN_SFF_MASK, 3) + '#';
  if (frame.kind === 'classic') {
    const len = Math.min(frame.len, 8);
    const raw = options.rawDlc === true && len === 8 && frame.len8Dlc > 8 && frame.len8Dlc <= 15 ? `_${HEX[frame.len8Dlc]}` : '';
    if (frame.rtr) return len > 0 ? `${s}R${HEX[len]}${raw}` : `${s}R`;
    return s + hexData(frame.data, len, separator) + raw;
  }
  const flags = 4 | (frame.brs ? 1 : 0) | (frame.esi ? 2 : 0);
  const len = Math.min(frame.data.length, 64);
  return `${s}#${HEX[flags]}${separator && len > 0 ? '.' : ''}${hexData(frame.data, len, separator)}`;
}

/** Why a frame string was refused, for the error message. */
function refuse(reason: string, text: string, lineNumber: number): never {
  throw new CanLogError(reason, lineNumber, text);
}

/**
 * Reads a frame from can-utils' compact text. Accepts what can-utils' `parse_canframe` accepts:
 * 3-digit (standard), 8-digit (extended, or error when 0x20000000 is set) and 5-digit (CAN XL
 * VCID/priority) ids; `R`/`r` with an optional length 0..8 and raw DLC (`R8_D`); `##` with a
 * flags digit for FD; `.` between bytes; `_X` raw DLC after 8 data bytes. Like can-utils it
 * stops after the largest payload and ignores what follows.
 *
 * Where can-utils would hand the kernel something the frame types cannot hold, the kernel's own
 * view is taken: FD data is padded with zeros to the next valid FD length (the kernel pads a
 * 9-byte FD frame to 12), a 3-digit id above 0x7FF keeps its low 11 bits (what every receiver's
 * candump prints), and data after an RTR flag given in the id digits is dropped (RTR frames carry
 * none on the bus).
 *
 * @param text - The frame string, without surrounding white space.
 * @param lineNumber - Line number for the error (0 for a lone string).
 * @throws {@link CanLogError} `ERR_RXSOCK_DECODE` for text can-utils would refuse, and for a CAN
 * XL frame without data (the kernel refuses those too).
 */
export function parseCanFrameText(text: string, lineNumber = 0): CanFrame {
  const len = text.length;
  const at = (i: number): number => (i < len ? text.charCodeAt(i) : 0);
  if (len < 4) refuse('a CAN frame needs an id and #', text, lineNumber);

  // `word` is the first 32-bit field of can-utils' frame union: can_id, or an XL frame's prio
  // with the VCID in bits 16..23.
  let word: number;
  let idx: number;
  if (at(3) === 35) {
    word = hexRun(text, 0, 3, lineNumber);
    idx = 4;
  } else if (at(5) === 35) {
    const v = hexRun(text, 0, 5, lineNumber);
    word = ((v * 16) & 0xff0000) | (v & 0x7ff);
    idx = 6;
  } else if (at(8) === 35) {
    word = hexRun(text, 0, 8, lineNumber);
    if ((word & CAN_ERR_FLAG) === 0) word = (word | CAN_EFF_FLAG) >>> 0;
    idx = 9;
  } else {
    return refuse('the id must have 3, 5 or 8 hex digits followed by #', text, lineNumber);
  }
  const canId = word;

  const c = at(idx);
  if (c === 82 || c === 114) return rtrFrame(canId, text, idx + 1);

  let maxLen = 8;
  let fdFlags = -1;
  let xl: { flags: number; sdt: number; af: number } | undefined;
  if (at(idx) === 35) {
    const flags = nibble(at(idx + 1));
    if (flags > 15) refuse('an FD frame needs a flags hex digit after ##', text, lineNumber);
    fdFlags = flags;
    maxLen = 64;
    idx += 2;
  } else if (at(idx + 14) === 35) {
    // CAN XL: #FF:SS:AAAAAAAA# after the id.
    if (at(idx + 2) !== 58 || at(idx + 5) !== 58) refuse('a CAN XL header is FF:SS:AAAAAAAA', text, lineNumber);
    const flags = hexRun(text, idx, 2, lineNumber);
    const sdt = hexRun(text, idx + 3, 2, lineNumber);
    const af = hexRun(text, idx + 6, 8, lineNumber);
    xl = { flags, sdt, af };
    maxLen = CANXL_MAX_DLEN;
    idx += 15;
  }

  const data = new Uint8Array(maxLen);
  let dlen = 0;
  for (; dlen < maxLen; dlen++) {
    if (at(idx) === 46) idx++;
    if (idx >= len) break;
    const hi = nibble(at(idx++));
    const lo = nibble(at(idx++));
    if (hi > 15 || lo > 15) refuse('data must be pairs of hex digits', text, lineNumber);
    data[dlen] = (hi << 4) | lo;
  }

  if (xl !== undefined) {
    if (dlen === 0) refuse('a CAN XL frame carries 1..2048 bytes', text, lineNumber);
    return canXlFrame({ prio: word & 0x7ff, vcid: (word >>> 16) & 0xff, sec: (xl.flags & 1) !== 0, sdt: xl.sdt, af: xl.af >>> 0, data: data.subarray(0, dlen) });
  }

  const error = (canId & CAN_ERR_FLAG) !== 0;
  // An error frame's id is its error class; candump prints it without EFF/RTR, and so do we.
  const extended = !error && (canId & CAN_EFF_FLAG) !== 0;
  const id = error ? canId & CAN_ERR_MASK : extended ? canId & CAN_EFF_MASK : canId & CAN_SFF_MASK;
  if (fdFlags >= 0) {
    const padded = CANFD_DLC_TO_LEN[canFdLenToDlc(dlen)]!;
    const frame: CanFdFrame = {
      kind: 'fd',
      id,
      extended,
      error,
      brs: (fdFlags & 1) !== 0,
      esi: (fdFlags & 2) !== 0,
      len: padded,
      data: data.slice(0, padded),
    };
    return frame;
  }
  let len8Dlc = 0;
  if (dlen === 8 && at(idx) === 95) {
    const dlc = nibble(at(idx + 1));
    if (dlc > 8 && dlc <= 15) len8Dlc = dlc;
  }
  if ((canId & CAN_RTR_FLAG) !== 0 && !error) {
    // An RTR flag among the id digits (4xxxxxxx): can-utils sends the bytes along; on the bus an
    // RTR frame has none, so the length is kept and the bytes are dropped.
    return classic(id, extended, true, false, dlen, len8Dlc, EMPTY);
  }
  return classic(id, extended, false, error, dlen, len8Dlc, data.slice(0, dlen));
}

function classic(id: number, extended: boolean, rtr: boolean, error: boolean, len: number, len8Dlc: number, data: Uint8Array): ClassicCanFrame {
  return { kind: 'classic', id, extended, rtr, error, len, len8Dlc, data };
}

/** `R`, then an optional length 0..8, then (after 8) an optional `_X` raw DLC. */
function rtrFrame(canId: number, text: string, idx: number): ClassicCanFrame {
  const error = (canId & CAN_ERR_FLAG) !== 0;
  // An error frame's id is its error class; candump prints it without EFF/RTR, and so do we.
  const extended = !error && (canId & CAN_EFF_FLAG) !== 0;
  const id = error ? canId & CAN_ERR_MASK : extended ? canId & CAN_EFF_MASK : canId & CAN_SFF_MASK;
  let len = 0;
  let len8Dlc = 0;
  if (idx < text.length) {
    const n = nibble(text.charCodeAt(idx));
    if (n <= 8) {
      len = n;
      if (n === 8 && text.charCodeAt(idx + 1) === 95) {
        const dlc = nibble(text.charCodeAt(idx + 2));
        if (dlc > 8 && dlc <= 15) len8Dlc = dlc;
      }
    }
  }
  return classic(id, extended, !error, error, len, len8Dlc, EMPTY);
}

function hexRun(text: string, from: number, digits: number, lineNumber: number): number {
  let v = 0;
  for (let i = from; i < from + digits; i++) {
    const n = nibble(i < text.length ? text.charCodeAt(i) : 0);
    if (n > 15) refuse('not a hex digit in the id or header', text, lineNumber);
    v = v * 16 + n;
  }
  return v >>> 0;
}
