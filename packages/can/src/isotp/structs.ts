/**
 * The three structures of the ISO-TP socket options, laid out at the offsets of
 * linux/can/isotp.h (checked with gcc on x86-64: `can_isotp_options` 12 bytes, flags @0,
 * frame_txtime @4, ext_address @8, txpad_content @9, rxpad_content @10, rx_ext_address @11;
 * `can_isotp_fc_options` 3 bytes {bs, stmin, wftmax}; `can_isotp_ll_options` 3 bytes
 * {mtu, tx_dl, tx_flags}). Only u8 and u32 fields: the layout is the same on every ABI.
 */
import { decodeError, hostIsLittleEndian, invalidArgument } from '@rxsock/core';

/** `struct can_isotp_options`. */
export interface IsotpOptionsStruct {
  /** `IsotpFlag` bits. */
  readonly flags: number;
  /** Gap between sent frames, nanoseconds (0: the kernel default; 0xFFFFFFFF: none). */
  readonly frameTxTime: number;
  readonly extAddress: number;
  readonly txPadContent: number;
  readonly rxPadContent: number;
  readonly rxExtAddress: number;
}

/** `struct can_isotp_fc_options`: the flow control this socket answers a first frame with. */
export interface IsotpFcStruct {
  /** Block size: consecutive frames between flow controls (0: all at once). */
  readonly bs: number;
  /** Separation time byte (ISO 15765-2 STmin encoding). */
  readonly stmin: number;
  /** Most wait frames (FC WT) accepted before giving up (0: none). */
  readonly wftmax: number;
}

/** `struct can_isotp_ll_options`. */
export interface IsotpLlStruct {
  /** 16 (classic CAN) or 72 (CAN FD). */
  readonly mtu: number;
  /** Payload bytes per sent frame: 8, or with FD 8..64 as a CAN FD length. */
  readonly txDl: number;
  /** `canfd_frame.flags` of sent frames (CANFD_BRS 1). */
  readonly txFlags: number;
}

/** Bytes of `struct can_isotp_options`. */
export const ISOTP_OPTIONS_SIZE = 12;
/** Bytes of `struct can_isotp_fc_options`. */
export const ISOTP_FC_OPTIONS_SIZE = 3;
/** Bytes of `struct can_isotp_ll_options`. */
export const ISOTP_LL_OPTIONS_SIZE = 3;

function u8(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw invalidArgument(`${what} ${String(value)} is not a byte (0..255)`, 'setsockopt');
  return value;
}

function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw invalidArgument(`${what} ${String(value)} is not a 32-bit value`, 'setsockopt');
  return value;
}

/**
 * The 12 bytes of a `can_isotp_options`.
 * @throws `SocketError` `EINVAL` naming the field that is out of range.
 */
export function encodeIsotpOptions(o: IsotpOptionsStruct, littleEndian = hostIsLittleEndian): Uint8Array {
  const bytes = new Uint8Array(ISOTP_OPTIONS_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, u32(o.flags, 'can_isotp_options.flags'), littleEndian);
  view.setUint32(4, u32(o.frameTxTime, 'can_isotp_options.frame_txtime'), littleEndian);
  bytes[8] = u8(o.extAddress, 'can_isotp_options.ext_address');
  bytes[9] = u8(o.txPadContent, 'can_isotp_options.txpad_content');
  bytes[10] = u8(o.rxPadContent, 'can_isotp_options.rxpad_content');
  bytes[11] = u8(o.rxExtAddress, 'can_isotp_options.rx_ext_address');
  return bytes;
}

/**
 * Reads a `can_isotp_options` (as `getsockopt` returns it).
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for fewer than 12 bytes.
 */
export function decodeIsotpOptions(bytes: Uint8Array, littleEndian = hostIsLittleEndian): IsotpOptionsStruct {
  if (bytes.length < ISOTP_OPTIONS_SIZE) throw decodeError(`can_isotp_options: ${bytes.length} bytes, the structure has ${ISOTP_OPTIONS_SIZE}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, ISOTP_OPTIONS_SIZE);
  return {
    flags: view.getUint32(0, littleEndian),
    frameTxTime: view.getUint32(4, littleEndian),
    extAddress: bytes[8]!,
    txPadContent: bytes[9]!,
    rxPadContent: bytes[10]!,
    rxExtAddress: bytes[11]!,
  };
}

/**
 * The 3 bytes of a `can_isotp_fc_options`.
 * @throws `SocketError` `EINVAL` naming the field that is not a byte.
 */
export function encodeIsotpFcOptions(o: IsotpFcStruct): Uint8Array {
  return Uint8Array.of(u8(o.bs, 'can_isotp_fc_options.bs'), u8(o.stmin, 'can_isotp_fc_options.stmin'), u8(o.wftmax, 'can_isotp_fc_options.wftmax'));
}

/**
 * Reads a `can_isotp_fc_options`.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for fewer than 3 bytes.
 */
export function decodeIsotpFcOptions(bytes: Uint8Array): IsotpFcStruct {
  if (bytes.length < ISOTP_FC_OPTIONS_SIZE) throw decodeError(`can_isotp_fc_options: ${bytes.length} bytes, the structure has ${ISOTP_FC_OPTIONS_SIZE}`);
  return { bs: bytes[0]!, stmin: bytes[1]!, wftmax: bytes[2]! };
}

/**
 * The 3 bytes of a `can_isotp_ll_options`.
 * @throws `SocketError` `EINVAL` naming the field that is not a byte.
 */
export function encodeIsotpLlOptions(o: IsotpLlStruct): Uint8Array {
  return Uint8Array.of(u8(o.mtu, 'can_isotp_ll_options.mtu'), u8(o.txDl, 'can_isotp_ll_options.tx_dl'), u8(o.txFlags, 'can_isotp_ll_options.tx_flags'));
}

/**
 * Reads a `can_isotp_ll_options`.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for fewer than 3 bytes.
 */
export function decodeIsotpLlOptions(bytes: Uint8Array): IsotpLlStruct {
  if (bytes.length < ISOTP_LL_OPTIONS_SIZE) throw decodeError(`can_isotp_ll_options: ${bytes.length} bytes, the structure has ${ISOTP_LL_OPTIONS_SIZE}`);
  return { mtu: bytes[0]!, txDl: bytes[1]!, txFlags: bytes[2]! };
}
