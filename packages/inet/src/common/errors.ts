/** The errors this package adds to core's {@link SocketError}. */
import { formatAddress, SocketError, type SocketAddress } from '@rxsock/core';

/** One failed connection attempt of {@link ConnectError}. */
export interface ConnectAttempt {
  /** The address that was tried. */
  address: SocketAddress;
  /** Why it failed (usually a {@link SocketError} such as ECONNREFUSED). */
  error: unknown;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;
}

function describe(error: unknown): string {
  return codeOf(error) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Every address of a host was tried and none connected. Like Node's `AggregateError` from
 * `autoSelectFamily` and Python 3.11's `create_connection(all_errors=True)`: `attempts` lists
 * each address with its own error, in the order they were tried, and `code` is the code of the
 * first attempt (the most preferred address), so `err.code === 'ECONNREFUSED'` checks still work.
 */
export class ConnectError extends SocketError {
  /** Each address tried, with its error. */
  readonly attempts: readonly ConnectAttempt[];
  /** The errors alone, in `attempts` order (the `AggregateError` shape). */
  readonly errors: readonly unknown[];

  constructor(target: string, attempts: readonly ConnectAttempt[]) {
    const detail = attempts.length
      ? attempts.map((a) => `${formatAddress(a.address)} ${describe(a.error)}`).join('; ')
      : 'no addresses to try';
    super(`connect to ${target} failed: ${detail}`, {
      code: attempts.length ? (codeOf(attempts[0]!.error) ?? 'ECONNREFUSED') : 'EADDRNOTAVAIL',
      syscall: 'connect',
      address: target,
    }, { cause: attempts[0]?.error });
    this.name = 'ConnectError';
    this.attempts = attempts;
    this.errors = attempts.map((a) => a.error);
  }
}
