/** Typed errors of the CAN socket layer that are not plain system-call errors. */
import { release } from 'node:os';
import { SocketError, errnoValue } from '@rxsock/core';

/** Codes of `SocketError`s raised by `@rxsock/can`'s sockets. */
export const CanErrorCode = {
  /** The running kernel has no CAN XL (CAN_RAW_XL_FRAMES needs Linux >= 6.2). */
  XL_UNSUPPORTED: 'ERR_RXSOCK_CAN_XL_UNSUPPORTED',
  /** The running kernel has no AF_CAN / CAN_RAW (module not loaded or not built). */
  NO_CAN: 'ERR_RXSOCK_CAN_UNAVAILABLE',
  /** A frame was given to a socket not set up for its kind (FD without fdFrames, XL without xlFrames). */
  FRAME_KIND: 'ERR_RXSOCK_CAN_FRAME_KIND',
} as const;

function osRelease(): string {
  return release();
}

/** CAN XL was asked of a kernel that lacks it. */
export function xlUnsupported(errno: number): SocketError {
  return new SocketError(
    `CAN XL frames need Linux >= 6.2 (setsockopt CAN_RAW_XL_FRAMES failed: ENOPROTOOPT); this kernel is ${osRelease()}`,
    { code: CanErrorCode.XL_UNSUPPORTED, errno, syscall: 'setsockopt' },
  );
}

/** Which CAN protocol a socket() call asked for, for {@link canUnavailable}'s message. */
export interface CanProtocolNeed {
  /** The call as text, e.g. `socket(AF_CAN, SOCK_DGRAM, CAN_J1939)`. */
  readonly call: string;
  /** The modules it needs, e.g. `can can-j1939`. */
  readonly modules: string;
}

const CAN_RAW_NEED: CanProtocolNeed = { call: 'socket(AF_CAN, SOCK_RAW, CAN_RAW)', modules: 'can can-raw' };

/**
 * socket(AF_CAN) failed because the kernel has no CAN (EAFNOSUPPORT) or not the protocol's
 * module (EPROTONOSUPPORT). The message names the modules to load.
 */
export function canUnavailable(errno: number, cause: unknown, need: CanProtocolNeed = CAN_RAW_NEED): SocketError {
  return new SocketError(
    `${need.call}: this kernel (${osRelease()}) has no SocketCAN${need === CAN_RAW_NEED ? '' : ` or no ${need.modules.split(' ').pop()!}`}: load the modules (modprobe ${need.modules}; vcan for a virtual bus) or run the code in rxsock's kernel VM (rxsock-kernel-vm)`,
    { code: CanErrorCode.NO_CAN, errno, syscall: 'socket' },
    { cause },
  );
}

/** A frame the socket was not set up to send. */
export function frameKindError(kind: string, option: string): SocketError {
  return new SocketError(`a CAN ${kind} frame needs the socket opened with ${option}: true`, { code: CanErrorCode.FRAME_KIND, errno: errnoValue('EINVAL'), syscall: 'send' });
}
