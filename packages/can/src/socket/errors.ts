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

/** Which CAN protocol a `socket(AF_CAN, ...)` call asked for, for {@link canUnavailable}'s message. */
export interface CanProtocolRequirement {
  /** The call, as text: `'socket(AF_CAN, SOCK_DGRAM, CAN_ISOTP)'`. */
  readonly call: string;
  /** What the kernel lacks: `'SocketCAN'`, `'CAN ISO-TP (the can-isotp module)'`. */
  readonly feature: string;
  /** The modules that provide it: `'can can-isotp'`. */
  readonly modules: string;
}

const CAN_RAW_REQUIREMENT: CanProtocolRequirement = { call: 'socket(AF_CAN, SOCK_RAW, CAN_RAW)', feature: 'SocketCAN', modules: 'can can-raw' };

/**
 * socket(AF_CAN) failed because the kernel has no CAN, or not the protocol asked for
 * (`requirement`: CAN_RAW by default).
 */
export function canUnavailable(errno: number, cause: unknown, requirement: CanProtocolRequirement = CAN_RAW_REQUIREMENT): SocketError {
  return new SocketError(
    `${requirement.call}: this kernel (${osRelease()}) has no ${requirement.feature}: load the modules (modprobe ${requirement.modules}; vcan for a virtual bus) or run the code in rxsock's kernel VM (rxsock-kernel-vm)`,
    { code: CanErrorCode.NO_CAN, errno, syscall: 'socket' },
    { cause },
  );
}

/** A frame the socket was not set up to send. */
export function frameKindError(kind: string, option: string): SocketError {
  return new SocketError(`a CAN ${kind} frame needs the socket opened with ${option}: true`, { code: CanErrorCode.FRAME_KIND, errno: errnoValue('EINVAL'), syscall: 'send' });
}
