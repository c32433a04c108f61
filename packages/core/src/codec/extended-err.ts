/**
 * `struct sock_extended_err` (linux/errqueue.h): the control message every error-queue read
 * (`recvmsg(MSG_ERRQUEUE)`) carries, whatever the family (IP_RECVERR, timestamping, CAN J1939).
 */
import { hostIsLittleEndian } from './byte-order.js';
import type { ControlPayload } from './cmsg.js';
import { decodeError } from './sockaddr.js';

/** Bytes of `struct sock_extended_err`. */
export const SOCK_EXTENDED_ERR_SIZE = 16;

/** A decoded `struct sock_extended_err`. */
export interface SockExtendedErr {
  /** `ee_errno`: the error (ENOMSG for a timestamp report). */
  errno: number;
  /** `ee_origin`: SO_EE_ORIGIN_LOCAL 1, ICMP 2, ICMP6 3, TIMESTAMPING 4, ZEROCOPY 5, TXTIME 6. */
  origin: number;
  /** `ee_type`. */
  type: number;
  /** `ee_code`. */
  code: number;
  /** `ee_info`: origin-specific (SCM_TSTAMP_* for timestamping, a family's own code otherwise). */
  info: number;
  /** `ee_data`: origin-specific (the SOF_TIMESTAMPING_OPT_ID key for timestamping). */
  data: number;
}

/**
 * Reads a `struct sock_extended_err` from an error-queue control message (or its bytes). The
 * level and type are the family's (SOL_IP/IP_RECVERR, SOL_CAN_J1939/SCM_J1939_ERRQUEUE...),
 * so they are not checked here.
 *
 * @throws {@link SocketError} `ERR_RXSOCK_DECODE` when shorter than 16 bytes.
 */
export function decodeSockExtendedErr(message: ControlPayload): SockExtendedErr {
  const data = message instanceof Uint8Array ? message : (message as { data?: unknown } | null)?.data;
  if (!(data instanceof Uint8Array)) throw decodeError('sock_extended_err: expected a control message or its bytes');
  if (data.length < SOCK_EXTENDED_ERR_SIZE) throw decodeError(`sock_extended_err needs ${SOCK_EXTENDED_ERR_SIZE} bytes, got ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = hostIsLittleEndian;
  return {
    errno: view.getUint32(0, le),
    origin: data[4]!,
    type: data[5]!,
    code: data[6]!,
    info: view.getUint32(8, le),
    data: view.getUint32(12, le),
  };
}

/** Lays out a `struct sock_extended_err` (for tests and tools that build error-queue data). */
export function encodeSockExtendedErr(e: SockExtendedErr): Uint8Array {
  const out = new Uint8Array(SOCK_EXTENDED_ERR_SIZE);
  const view = new DataView(out.buffer);
  const le = hostIsLittleEndian;
  view.setUint32(0, e.errno >>> 0, le);
  out[4] = e.origin;
  out[5] = e.type;
  out[6] = e.code;
  view.setUint32(8, e.info >>> 0, le);
  view.setUint32(12, e.data >>> 0, le);
  return out;
}
