/**
 * The packet family's errors: a refused privilege names the capability, a missing interface
 * names the interface.
 */
import { SocketError } from '@rxsock/core';

/**
 * Rewrites an EPERM/EACCES from a packet-socket call into one that says what is missing;
 * other errors pass through.
 */
export function explainPrivilege(error: unknown, what: string, capability = 'CAP_NET_RAW'): unknown {
  if (!(error instanceof SocketError) || (error.code !== 'EPERM' && error.code !== 'EACCES')) return error;
  return new SocketError(`${what} needs ${capability} (run as root or grant the capability): ${error.message}`, {
    code: error.code,
    ...(error.errno !== undefined ? { errno: error.errno } : {}),
    ...(error.syscall !== undefined ? { syscall: error.syscall } : {}),
  }, { cause: error });
}
