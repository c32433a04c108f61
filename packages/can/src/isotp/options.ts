/**
 * What `openCanIsotp` asks of the kernel, worked out from its options before any socket exists:
 * the addresses and the four option structures, every value checked, every error naming the
 * option that caused it.
 */
import { invalidArgument } from '@rxsock/core';
import type { CanTpAddress } from '../codec/address.js';
import { CAN_EFF_FLAG } from '../codec/frame.js';
import type { CanInterface } from '../socket/interface.js';
import type { CanReaderOptions } from '../socket/credit-reader.js';
import { CAN_ISOTP_FRAME_TXTIME_ZERO, ISOTP_FD_TX_DL, IsotpDefault, IsotpFlag } from './constants.js';
import type { IsotpFcStruct, IsotpLlStruct, IsotpOptionsStruct } from './structs.js';
import { encodeStMin } from './stmin.js';

/** The flow control a receiving socket sends after a first frame (`CAN_ISOTP_RECV_FC`). */
export interface IsotpFlowControl {
  /** Consecutive frames the sender may send before the next flow control; 0 (default): all. */
  readonly blockSize?: number;
  /**
   * Separation time the sender must keep between consecutive frames, microseconds: 0..127000 in
   * whole milliseconds, or 100..900 in steps of 100. Default 0.
   */
  readonly separationTimeUs?: number;
  /** Wait frames (FC.WT) this socket accepts as a sender before giving up; default 0. */
  readonly maxWaitFrames?: number;
}

/** CAN FD link layer (`CAN_ISOTP_LL_OPTS` with mtu 72). The interface must carry FD (mtu 72). */
export interface IsotpFdOptions {
  /** Payload bytes per sent frame: 8, 12, 16, 20, 24, 32, 48 or 64 (default 64). Any length is received. */
  readonly dataLength?: number;
  /** Bit rate switch on sent frames (CANFD_BRS). */
  readonly brs?: boolean;
}

/** Options of {@link openCanIsotp}. */
export interface CanIsotpOptions {
  /** The interface: a name (`'vcan0'`) or an index. ISO-TP binds to one interface. */
  readonly interface: CanInterface;
  /** The CAN id this socket sends with (its first, single and consecutive frames). */
  readonly txId: number;
  /** The CAN id this socket receives on (the peer's frames, and flow control for its own sends). */
  readonly rxId: number;
  /** 29-bit ids for both. Default: each id is extended when it does not fit 11 bits. */
  readonly extended?: boolean;
  /**
   * Extended or mixed addressing (`CAN_ISOTP_EXTEND_ADDR`): this address byte leads every sent
   * frame, and received frames must carry it too (or {@link rxExtendedAddress}).
   */
  readonly extendedAddress?: number;
  /** A different address byte expected on received frames (`CAN_ISOTP_RX_EXT_ADDR`); needs {@link extendedAddress}. */
  readonly rxExtendedAddress?: number;
  /** Pad sent frames to full length: `true` with 0xCC, or with this byte. */
  readonly txPadding?: boolean | number;
  /** Received frames are padded: `true` with 0xCC, or with this byte (what {@link checkPadding} compares with). */
  readonly rxPadding?: boolean | number;
  /**
   * Drop received messages with bad padding (the receive side reports EBADMSG): `'length'`
   * (frames not padded to full length), `'data'` (padding bytes other than the rxPadding byte),
   * or `'all'`. Needs {@link rxPadding}.
   */
  readonly checkPadding?: 'length' | 'data' | 'all';
  /** Receive without ever sending flow control (`CAN_ISOTP_LISTEN_MODE`): watch a conversation. */
  readonly listenOnly?: boolean;
  /** No reception while sending and the other way round (`CAN_ISOTP_HALF_DUPLEX`). */
  readonly halfDuplex?: boolean;
  /** 1-to-N sending without flow control: single frames only, or segmented messages too. */
  readonly broadcast?: 'single-frame' | 'segmented';
  /** Gap between sent frames, nanoseconds (N_As); 0 for none. Default: the kernel's 50000. */
  readonly frameTxTimeNs?: number;
  /** The flow control sent to a peer's segmented messages. */
  readonly flowControl?: IsotpFlowControl;
  /** Send consecutive frames this many nanoseconds apart whatever the receiver asks (FORCE_TXSTMIN). */
  readonly txSeparationTimeNs?: number;
  /** Ignore consecutive frames arriving closer than this many nanoseconds (FORCE_RXSTMIN). */
  readonly rxSeparationTimeNs?: number;
  /** CAN FD frames: `true` for 64-byte frames without BRS, or the link-layer details. */
  readonly fd?: boolean | IsotpFdOptions;
  /** More `IsotpFlag` bits, or'ed into the ones the options above set. */
  readonly flags?: number;
  /** Receive buffer per message; default the kernel's largest message (see `isotpMaxMessageSize`). */
  readonly maxMessageSize?: number;
  /** How received messages are queued (batch size, queue limit, overflow policy). */
  readonly reader?: CanReaderOptions;
}

/** The kernel's view of a set of {@link CanIsotpOptions}: what to set before `bind`, and the address. */
export interface IsotpSocketPlan {
  /** `sockaddr_can`'s tp ids, `CAN_EFF_FLAG` set on 29-bit ones. */
  readonly address: CanTpAddress;
  readonly options: IsotpOptionsStruct;
  /** Set only when the options ask for non-default flow control. */
  readonly flowControl?: IsotpFcStruct;
  readonly txStMinNs?: number;
  readonly rxStMinNs?: number;
  /** Set only for CAN FD. */
  readonly linkLayer?: IsotpLlStruct;
}

function byteOption(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw invalidArgument(`ISO-TP option ${name}: ${String(value)} is not a byte (0..255)`, 'setsockopt');
  return value;
}

function nanoseconds(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalidArgument(`ISO-TP option ${name}: ${String(value)} is not a whole number of nanoseconds in 0..${max}`, 'setsockopt');
  return value;
}

function canId(value: number, extended: boolean | undefined, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0x1fffffff) throw invalidArgument(`ISO-TP option ${name}: ${String(value)} is not a CAN id (0..0x1FFFFFFF)`, 'bind');
  if (extended === false && value > 0x7ff) throw invalidArgument(`ISO-TP option ${name}: 0x${value.toString(16)} does not fit 11 bits and extended is false`, 'bind');
  return (extended ?? value > 0x7ff) ? (value | CAN_EFF_FLAG) >>> 0 : value;
}

function padByte(value: boolean | number | undefined, name: string): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return IsotpDefault.PAD_CONTENT;
  return byteOption(value, name);
}

/**
 * Works out and checks what the kernel needs for `options`. Pure: no socket.
 * @throws `SocketError` `EINVAL` whose message names the option at fault.
 */
export function planIsotpSocket(options: CanIsotpOptions): IsotpSocketPlan {
  const txId = canId(options.txId, options.extended, 'txId');
  const rxId = canId(options.rxId, options.extended, 'rxId');
  if (txId === rxId) throw invalidArgument(`ISO-TP options txId and rxId: both are 0x${options.txId.toString(16)}; a socket sends and receives on different ids`, 'bind');
  let flags = 0;
  if (options.flags !== undefined) {
    if (!Number.isInteger(options.flags) || options.flags < 0 || options.flags > 0xffffffff) throw invalidArgument(`ISO-TP option flags: ${String(options.flags)} is not a 32-bit value`, 'setsockopt');
    if (options.flags & IsotpFlag.WAIT_TX_DONE) throw invalidArgument('ISO-TP option flags: WAIT_TX_DONE would block the event loop in write(); send() already resolves when the transfer is done', 'setsockopt');
    flags = options.flags;
  }
  let extAddress = 0;
  let rxExtAddress = 0;
  if (options.extendedAddress !== undefined) {
    flags |= IsotpFlag.EXTEND_ADDR;
    extAddress = rxExtAddress = byteOption(options.extendedAddress, 'extendedAddress');
  }
  if (options.rxExtendedAddress !== undefined) {
    if (options.extendedAddress === undefined) throw invalidArgument('ISO-TP option rxExtendedAddress needs extendedAddress (the address byte of sent frames)', 'setsockopt');
    flags |= IsotpFlag.RX_EXT_ADDR;
    rxExtAddress = byteOption(options.rxExtendedAddress, 'rxExtendedAddress');
  }
  const txPad = padByte(options.txPadding, 'txPadding');
  if (txPad !== undefined) flags |= IsotpFlag.TX_PADDING;
  const rxPad = padByte(options.rxPadding, 'rxPadding');
  if (rxPad !== undefined) flags |= IsotpFlag.RX_PADDING;
  if (options.checkPadding !== undefined) {
    const check = { length: IsotpFlag.CHK_PAD_LEN, data: IsotpFlag.CHK_PAD_DATA, all: IsotpFlag.CHK_PAD_LEN | IsotpFlag.CHK_PAD_DATA }[options.checkPadding];
    if (check === undefined) throw invalidArgument(`ISO-TP option checkPadding: ${String(options.checkPadding)} is not 'length', 'data' or 'all'`, 'setsockopt');
    if (rxPad === undefined) throw invalidArgument('ISO-TP option checkPadding needs rxPadding (the kernel checks padding only on a padded receive path)', 'setsockopt');
    flags |= check;
  }
  if (options.listenOnly) flags |= IsotpFlag.LISTEN_MODE;
  if (options.halfDuplex) flags |= IsotpFlag.HALF_DUPLEX;
  if (options.broadcast !== undefined) {
    if (options.broadcast === 'single-frame') flags |= IsotpFlag.SF_BROADCAST;
    else if (options.broadcast === 'segmented') flags |= IsotpFlag.CF_BROADCAST;
    else throw invalidArgument(`ISO-TP option broadcast: ${String(options.broadcast)} is not 'single-frame' or 'segmented'`, 'setsockopt');
  }
  if ((flags & IsotpFlag.SF_BROADCAST) && (flags & IsotpFlag.CF_BROADCAST)) throw invalidArgument('ISO-TP option broadcast: single-frame and segmented broadcast exclude each other', 'setsockopt');
  let frameTxTime = 0;
  if (options.frameTxTimeNs !== undefined) {
    const ns = nanoseconds(options.frameTxTimeNs, 'frameTxTimeNs', CAN_ISOTP_FRAME_TXTIME_ZERO - 1);
    // 0 in the structure keeps the kernel's default; "no gap" has its own value.
    frameTxTime = ns === 0 ? CAN_ISOTP_FRAME_TXTIME_ZERO : ns;
  }
  let txStMinNs: number | undefined;
  if (options.txSeparationTimeNs !== undefined) {
    txStMinNs = nanoseconds(options.txSeparationTimeNs, 'txSeparationTimeNs', 0xffffffff);
    flags |= IsotpFlag.FORCE_TXSTMIN;
  }
  let rxStMinNs: number | undefined;
  if (options.rxSeparationTimeNs !== undefined) {
    rxStMinNs = nanoseconds(options.rxSeparationTimeNs, 'rxSeparationTimeNs', 0xffffffff);
    flags |= IsotpFlag.FORCE_RXSTMIN;
  }
  let flowControl: IsotpFcStruct | undefined;
  if (options.flowControl !== undefined) {
    const f = options.flowControl;
    flowControl = {
      bs: byteOption(f.blockSize ?? 0, 'flowControl.blockSize'),
      stmin: encodeStMin(f.separationTimeUs ?? 0, 'ISO-TP option flowControl.separationTimeUs'),
      wftmax: byteOption(f.maxWaitFrames ?? 0, 'flowControl.maxWaitFrames'),
    };
  }
  let linkLayer: IsotpLlStruct | undefined;
  if (options.fd !== undefined && options.fd !== false) {
    const fd: IsotpFdOptions = options.fd === true ? {} : options.fd;
    const txDl = fd.dataLength ?? 64;
    if (!(ISOTP_FD_TX_DL as readonly number[]).includes(txDl)) throw invalidArgument(`ISO-TP option fd.dataLength: ${String(txDl)} is not a CAN FD length (${ISOTP_FD_TX_DL.join(', ')})`, 'setsockopt');
    linkLayer = { mtu: 72, txDl, txFlags: fd.brs ? 1 : 0 };
  }
  if (options.maxMessageSize !== undefined && (!Number.isSafeInteger(options.maxMessageSize) || options.maxMessageSize < 1)) {
    throw invalidArgument(`ISO-TP option maxMessageSize: ${String(options.maxMessageSize)} is not a positive integer`);
  }
  const plan: { -readonly [K in keyof IsotpSocketPlan]: IsotpSocketPlan[K] } = {
    address: { rxId, txId },
    options: { flags: flags >>> 0, frameTxTime, extAddress, txPadContent: txPad ?? IsotpDefault.PAD_CONTENT, rxPadContent: rxPad ?? IsotpDefault.PAD_CONTENT, rxExtAddress },
  };
  if (flowControl) plan.flowControl = flowControl;
  if (txStMinNs !== undefined) plan.txStMinNs = txStMinNs;
  if (rxStMinNs !== undefined) plan.rxStMinNs = rxStMinNs;
  if (linkLayer) plan.linkLayer = linkLayer;
  return plan;
}
