/**
 * How the kernel's ISO-TP reports a failed transfer, and the typed errors rxsock makes of it.
 *
 * The 6.1 module sends in the background: `write` returns once the message is queued, and a
 * transfer that fails later sets the socket's pending error (sk_err), which the next receive
 * call or `SO_ERROR` returns and clears (measured in the guest: no flow control for 1 s gave
 * POLLERR|POLLOUT, then ECOMM from recv). The send side's errors and the receive side's share
 * that one slot; they are told apart by errno (EBADMSG is both: during a transfer it is counted
 * as the transfer's).
 */
import { release } from 'node:os';
import { SocketError, errnoName } from '@rxsock/core';
import { canUnavailable } from '../socket/errors.js';

/**
 * Linux errno values of ISO-TP failures. ECOMM (70) is missing from Node's `os.constants.errno`,
 * so the table is ours; the values are those of asm-generic/errno.h (x86, arm, arm64, riscv).
 */
export const IsotpErrno = {
  /** Send: no flow control (or no echo of a sent frame) within the kernel's 1 s (N_Bs). */
  ECOMM: 70,
  /** Send: the receiver answered with flow status OVERFLOW (the message is too long for it). */
  EMSGSIZE: 90,
  /** Send: a malformed flow control frame; receive: bad padding (with checkPadding). */
  EBADMSG: 74,
  /** Receive: a message stopped arriving (no consecutive frame within 1 s: N_Cr). */
  ETIMEDOUT: 110,
  /** Receive: a consecutive frame with the wrong sequence number. */
  EILSEQ: 84,
} as const;

const SEND_ERRNOS = new Set<number>([IsotpErrno.ECOMM, IsotpErrno.EMSGSIZE, IsotpErrno.EBADMSG]);
const ISOTP_ERRNOS = new Set<number>(Object.values(IsotpErrno));

/** Codes of `SocketError`s raised by the ISO-TP socket that are not an errno. */
export const IsotpErrorCode = {
  /** A received message was longer than the receive buffer (`maxMessageSize`). */
  TRUNCATED: 'ERR_RXSOCK_ISOTP_TRUNCATED',
} as const;

/** Whether an errno is one the ISO-TP protocol reports for a single transfer. */
export function isIsotpTransferErrno(errno: number | undefined): errno is number {
  return errno !== undefined && ISOTP_ERRNOS.has(errno);
}

/** Whether an errno, read while a transfer of ours was under way, belongs to that transfer. */
export function isSendErrno(errno: number): boolean {
  return SEND_ERRNOS.has(errno);
}

function errnoCode(errno: number): string {
  const name = Object.entries(IsotpErrno).find(([, v]) => v === errno)?.[0];
  return name ?? errnoName(errno);
}

const SEND_CAUSES: Record<number, string> = {
  [IsotpErrno.ECOMM]: 'no flow control from the receiver (or no echo of a sent frame) within 1 s',
  [IsotpErrno.EMSGSIZE]: 'the receiver answered with flow status OVERFLOW: the message is too long for it',
  [IsotpErrno.EBADMSG]: 'the flow control frame received had a wrong layout or padding',
};

const RECEIVE_CAUSES: Record<number, string> = {
  [IsotpErrno.ETIMEDOUT]: 'a message stopped arriving: no consecutive frame within 1 s',
  [IsotpErrno.EILSEQ]: 'a consecutive frame had the wrong sequence number',
  [IsotpErrno.EBADMSG]: 'the frames were not padded as checkPadding requires',
};

/** The typed error of one failed transfer of `length` bytes; the socket stays usable. */
export function sendFailed(errno: number, length: number, where: string): SocketError {
  const code = errnoCode(errno);
  return new SocketError(`ISO-TP send of ${length} bytes on ${where} failed: ${SEND_CAUSES[errno] ?? code} (${code})`, { code, errno, syscall: 'sendmsg' });
}

/** The typed error of one incoming message the kernel dropped; the socket stays usable. */
export function receiveFailed(errno: number, where: string): SocketError {
  const code = errnoCode(errno);
  return new SocketError(`ISO-TP receive on ${where} dropped a message: ${RECEIVE_CAUSES[errno] ?? code} (${code})`, { code, errno, syscall: 'recvmsg' });
}

/** A message longer than the kernel takes (`write` said EINVAL for a non-empty message). */
export function messageTooLong(length: number, max: number, cause: unknown): SocketError {
  return new SocketError(
    `ISO-TP message of ${length} bytes: this kernel (${release()}) sends 1..${max} bytes per message (Linux 6.1: a fixed 66000; from 6.2 the can-isotp module parameter max_pdu_size)`,
    { code: 'EMSGSIZE', errno: IsotpErrno.EMSGSIZE, syscall: 'sendmsg' },
    { cause },
  );
}

/** socket(AF_CAN, SOCK_DGRAM, CAN_ISOTP) failed: no CAN at all, or no ISO-TP module. */
export function isotpUnavailable(errno: number, cause: unknown): SocketError {
  return canUnavailable(errno, cause, {
    call: 'socket(AF_CAN, SOCK_DGRAM, CAN_ISOTP)',
    feature: 'CAN ISO-TP (the can-isotp module, in the mainline kernel since Linux 5.10)',
    modules: 'can can-isotp',
  });
}
