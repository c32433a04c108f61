/**
 * The portable face of the system calls: failures become typed errors, EINTR is retried, and
 * EAGAIN is reported as "not ready" (a sentinel), never as an error.
 */
import { systemError } from '../errors.js';
import { errnoValue } from '../errors.js';
import { sys } from './index.js';

const EINTR = errnoValue('EINTR') ?? 4;
const EAGAIN = errnoValue('EAGAIN') ?? 11;
const EWOULDBLOCK = errnoValue('EWOULDBLOCK') ?? EAGAIN;

/** Returned by {@link tryCall} when the call would block (EAGAIN/EWOULDBLOCK). */
export const NOT_READY = -2;

/** Whether an errno means "try again when the poller says so". */
export function isWouldBlock(errno: number): boolean {
  return errno === EAGAIN || errno === EWOULDBLOCK;
}

/**
 * Runs a call that returns -1 with errno on failure, retrying EINTR; throws the typed error for
 * any failure. `address` names the peer or local address in the error, when one is involved.
 */
export function checked(syscall: string, call: () => number, address?: string, port?: number): number {
  for (;;) {
    const r = call();
    if (r >= 0) return r;
    const e = sys().errno();
    if (e === EINTR) continue;
    throw systemError(syscall, e, address, port);
  }
}

/**
 * Like {@link checked}, but EAGAIN/EWOULDBLOCK return {@link NOT_READY} instead of throwing:
 * the non-blocking calls' "wait for the poller" answer.
 */
export function tryCall(syscall: string, call: () => number, address?: string, port?: number): number {
  for (;;) {
    const r = call();
    if (r >= 0) return r;
    const e = sys().errno();
    if (e === EINTR) continue;
    if (e === EAGAIN || e === EWOULDBLOCK) return NOT_READY;
    throw systemError(syscall, e, address, port);
  }
}
