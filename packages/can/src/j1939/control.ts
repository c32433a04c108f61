/**
 * What the kernel says beside a J1939 message: its destination (SCM_J1939_DEST_ADDR,
 * SCM_J1939_DEST_NAME) and priority (SCM_J1939_PRIO) on a normal read, and on an error-queue
 * read a `sock_extended_err` (SCM_J1939_ERRQUEUE) plus netlink attributes in the payload
 * (bytes acknowledged, and for a receive session its size, PGN, names and addresses).
 * Codecs only: nothing here touches a socket.
 */
import { C, decodeError, decodeSockExtendedErr, decodeTimespec, errnoName, hostIsLittleEndian, type ControlMessage } from '@rxsock/core';
import { J1939EeInfo, J1939Nla, J1939Scm, J1939_NO_ADDR, ScmTstamp, SoEeOrigin, SOL_CAN_J1939 } from './constants.js';

/** The receive-side control messages of one J1939 message. */
export interface J1939ReceiveControl {
  /** Destination address (J1939_NO_ADDR 0xFF: broadcast, or none given). */
  destAddr: number;
  /** Destination NAME (0n: none). */
  destName: bigint;
  /** Priority 0 (highest) .. 7. */
  priority: number;
  /** Kernel receive time (SCM_TIMESTAMPNS), seconds; 0 without. */
  timestampSec: number;
  /** Nanoseconds part of the receive time. */
  timestampNsec: number;
}

/**
 * Reads the control messages of a J1939 receive. Messages of other levels are skipped; a known
 * message with too few bytes is an error.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for a J1939 control message shorter than its type.
 */
export function decodeJ1939Control(messages: readonly ControlMessage[]): J1939ReceiveControl {
  const out: J1939ReceiveControl = { destAddr: J1939_NO_ADDR, destName: 0n, priority: 0, timestampSec: 0, timestampNsec: 0 };
  for (const m of messages) {
    if (m.level === SOL_CAN_J1939) {
      if (m.type === J1939Scm.DEST_ADDR) out.destAddr = byte(m, 'SCM_J1939_DEST_ADDR');
      else if (m.type === J1939Scm.PRIO) out.priority = byte(m, 'SCM_J1939_PRIO');
      else if (m.type === J1939Scm.DEST_NAME) {
        if (m.data.length < 8) throw decodeError(`SCM_J1939_DEST_NAME needs 8 bytes, got ${m.data.length}`);
        out.destName = new DataView(m.data.buffer, m.data.byteOffset, 8).getBigUint64(0, hostIsLittleEndian);
      }
    } else if (m.level === C.SOL_SOCKET && m.type === C.SCM_TIMESTAMPNS) {
      const t = decodeTimespec(m);
      out.timestampSec = t.seconds;
      out.timestampNsec = t.nanoseconds;
    }
  }
  return out;
}

function byte(m: ControlMessage, what: string): number {
  if (m.data.length < 1) throw decodeError(`${what} needs 1 byte, got 0`);
  return m.data[0]!;
}

/** What an error-queue entry of a J1939 socket reports. */
export type J1939ErrQueueKind =
  /** A message of this socket went out (its first frame was queued to the device). */
  | 'tx-scheduled'
  /** A message of this socket completed: every packet sent (and, for TP/ETP to one node, acknowledged). */
  | 'tx-done'
  /** A transport session of this socket was aborted (no receiver, a timeout, the peer's abort). */
  | 'tx-abort'
  /** A peer started a transport session towards this socket (its RTS/BAM). */
  | 'rx-rts'
  /** A peer's ETP data packet offset arrived. */
  | 'rx-dpo'
  /** A transport session towards this socket was aborted. */
  | 'rx-abort'
  /** An entry this code does not know (kept rather than dropped). */
  | 'unknown';

/** One error-queue entry of a J1939 socket, decoded. */
export interface J1939ErrQueueEvent {
  readonly kind: J1939ErrQueueKind;
  /**
   * The session's key: for this socket's own messages the count of messages sent before it on
   * the socket (SOF_TIMESTAMPING_OPT_ID), which ties an entry to its `send`.
   */
  readonly id: number;
  /** ee_errno: 0 or ENOMSG for a report, the session's error for an abort (EHOSTUNREACH: timed out, no node answered; EALREADY: the receiver is busy; EMSGSIZE: it has no room; EPROTO...). */
  readonly errno: number;
  /** The errno's name ('EHOSTUNREACH'...), or '' for a report. */
  readonly code: string;
  /** Bytes the receiver acknowledged (TX entries), from J1939_NLA_BYTES_ACKED. */
  readonly bytesAcked?: number;
  /** Size of the message (RX entries). */
  readonly totalSize?: number;
  readonly pgn?: number;
  readonly srcName?: bigint;
  readonly destName?: bigint;
  readonly srcAddr?: number;
  readonly destAddr?: number;
}

/** The netlink attributes of an error-queue payload. */
export type J1939SessionStats = Pick<J1939ErrQueueEvent, 'bytesAcked' | 'totalSize' | 'pgn' | 'srcName' | 'destName' | 'srcAddr' | 'destAddr'>;

/**
 * Reads the netlink attributes (`struct nlattr`: u16 length, u16 type, data padded to 4) an
 * error-queue entry carries as its payload. Unknown attributes are skipped.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for an attribute whose length is shorter than its
 * header, runs past the data, or is too short for its type.
 */
export function decodeJ1939SessionStats(bytes: Uint8Array): J1939SessionStats {
  if (!(bytes instanceof Uint8Array)) throw decodeError('J1939 session stats: expected bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = hostIsLittleEndian;
  const out: { -readonly [K in keyof J1939SessionStats]: J1939SessionStats[K] } = {};
  for (let at = 0; at + 4 <= bytes.length; ) {
    const len = view.getUint16(at, le);
    const type = view.getUint16(at + 2, le) & 0x3fff; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
    if (len < 4 || at + len > bytes.length) throw decodeError(`nlattr at ${at}: length ${len} outside 4..${bytes.length - at}`);
    const size = len - 4;
    const d = at + 4;
    const need = (n: number): void => {
      if (size < n) throw decodeError(`nlattr type ${type} at ${at}: ${size} bytes, needs ${n}`);
    };
    switch (type) {
      case J1939Nla.BYTES_ACKED: need(4); out.bytesAcked = view.getUint32(d, le); break;
      case J1939Nla.TOTAL_SIZE: need(4); out.totalSize = view.getUint32(d, le); break;
      case J1939Nla.PGN: need(4); out.pgn = view.getUint32(d, le); break;
      case J1939Nla.SRC_NAME: need(8); out.srcName = view.getBigUint64(d, le); break;
      case J1939Nla.DEST_NAME: need(8); out.destName = view.getBigUint64(d, le); break;
      case J1939Nla.SRC_ADDR: need(1); out.srcAddr = bytes[d]!; break;
      case J1939Nla.DEST_ADDR: need(1); out.destAddr = bytes[d]!; break;
      default: break;
    }
    at += (len + 3) & ~3;
  }
  return out;
}

/** Lays out netlink attributes as the kernel does (for tests of {@link decodeJ1939SessionStats}). */
export function encodeJ1939SessionStats(stats: J1939SessionStats): Uint8Array {
  const parts: [number, Uint8Array][] = [];
  const le = hostIsLittleEndian;
  const u32 = (v: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, le); return b; };
  const u64 = (v: bigint): Uint8Array => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), le); return b; };
  if (stats.bytesAcked !== undefined) parts.push([J1939Nla.BYTES_ACKED, u32(stats.bytesAcked)]);
  if (stats.totalSize !== undefined) parts.push([J1939Nla.TOTAL_SIZE, u32(stats.totalSize)]);
  if (stats.pgn !== undefined) parts.push([J1939Nla.PGN, u32(stats.pgn)]);
  if (stats.srcName !== undefined) parts.push([J1939Nla.SRC_NAME, u64(stats.srcName)]);
  if (stats.destName !== undefined) parts.push([J1939Nla.DEST_NAME, u64(stats.destName)]);
  if (stats.srcAddr !== undefined) parts.push([J1939Nla.SRC_ADDR, Uint8Array.of(stats.srcAddr & 0xff)]);
  if (stats.destAddr !== undefined) parts.push([J1939Nla.DEST_ADDR, Uint8Array.of(stats.destAddr & 0xff)]);
  const total = parts.reduce((n, [, d]) => n + ((4 + d.length + 3) & ~3), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [type, d] of parts) {
    view.setUint16(at, 4 + d.length, le);
    view.setUint16(at + 2, type, le);
    out.set(d, at + 4);
    at += (4 + d.length + 3) & ~3;
  }
  return out;
}

function kindOf(origin: number, info: number): J1939ErrQueueKind {
  if (origin === SoEeOrigin.TIMESTAMPING) return info === ScmTstamp.SCHED ? 'tx-scheduled' : info === ScmTstamp.ACK ? 'tx-done' : 'unknown';
  if (origin === SoEeOrigin.LOCAL) {
    switch (info) {
      case J1939EeInfo.TX_ABORT: return 'tx-abort';
      case J1939EeInfo.RX_RTS: return 'rx-rts';
      case J1939EeInfo.RX_DPO: return 'rx-dpo';
      case J1939EeInfo.RX_ABORT: return 'rx-abort';
      default: return 'unknown';
    }
  }
  return 'unknown';
}

/**
 * Reads one error-queue entry: the SCM_J1939_ERRQUEUE control message and the payload's
 * netlink attributes.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` without an SCM_J1939_ERRQUEUE message, or for bytes
 * that do not decode.
 */
export function decodeJ1939ErrQueue(payload: Uint8Array, messages: readonly ControlMessage[]): J1939ErrQueueEvent {
  const m = messages.find((c) => c.level === SOL_CAN_J1939 && c.type === J1939Scm.ERRQUEUE);
  if (!m) throw decodeError('a J1939 error-queue entry without its SCM_J1939_ERRQUEUE message');
  const ee = decodeSockExtendedErr(m);
  const kind = kindOf(ee.origin, ee.info);
  const failed = kind === 'tx-abort' || kind === 'rx-abort';
  return { kind, id: ee.data, errno: ee.errno, code: failed && ee.errno !== 0 ? errnoName(ee.errno) : '', ...decodeJ1939SessionStats(payload) };
}
