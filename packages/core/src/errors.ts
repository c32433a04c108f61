import { constants as osConstants } from 'node:os';

/** Maps errno numbers of the running platform to their names ('ECONNREFUSED'). */
const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

/** The name of an errno value on this platform, such as `'ECONNREFUSED'`, or `'E<number>'`. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** The errno value of a name such as `'EAGAIN'` on this platform, or undefined. */
export function errnoValue(name: string): number | undefined {
  return (osConstants.errno as Record<string, number>)[name];
}

/** What every rxsock error carries, modelled on Node's `SystemError`. */
export interface SocketErrorInfo {
  /** Symbolic code, such as `'ECONNREFUSED'`, `'ETIMEDOUT'` or `'ERR_SOCKET_CLOSED'`. */
  code: string;
  /** The OS errno value, when the error came from a system call. */
  errno?: number;
  /** The system call or operation that failed, such as `'connect'`. */
  syscall?: string;
  /** The address involved, rendered as text (`'127.0.0.1:8080'`, `'/tmp/sock'`), when known. */
  address?: string;
  /** The port involved, when known. */
  port?: number;
}

/**
 * A failed socket operation: a system call error (with `errno` and `syscall`) or an rxsock
 * condition (a timeout, a closed socket, a bad argument) with its own `code`.
 */
export class SocketError extends Error implements SocketErrorInfo {
  readonly code: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly address?: string;
  readonly port?: number;

  constructor(message: string, info: SocketErrorInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SocketError';
    this.code = info.code;
    if (info.errno !== undefined) this.errno = info.errno;
    if (info.syscall !== undefined) this.syscall = info.syscall;
    if (info.address !== undefined) this.address = info.address;
    if (info.port !== undefined) this.port = info.port;
  }
}

/** An operation did not complete within its timeout. `code` is `'ETIMEDOUT'`. */
export class SocketTimeoutError extends SocketError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(syscall: string, timeoutMs: number, address?: string) {
    super(`${syscall} timed out after ${timeoutMs} ms${address ? ` (${address})` : ''}`, {
      code: 'ETIMEDOUT',
      errno: errnoValue('ETIMEDOUT'),
      syscall,
      ...(address !== undefined ? { address } : {}),
    });
    this.name = 'SocketTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Describes the system error message for an errno (strerror). Filled in by the sys layer. */
let describeErrno: (errno: number) => string = (errno) => errnoName(errno);

/** @internal Lets the sys layer supply strerror() once it is loaded. */
export function setErrnoDescriber(fn: (errno: number) => string): void {
  describeErrno = fn;
}

/**
 * Builds the typed error for a failed system call, like Node's `SystemError`:
 * `connect ECONNREFUSED 127.0.0.1:9 (Connection refused)`.
 */
export function systemError(syscall: string, errno: number, address?: string, port?: number): SocketError {
  const code = errnoName(errno);
  const where = address !== undefined ? ` ${address}${port !== undefined ? `:${port}` : ''}` : '';
  return new SocketError(`${syscall} ${code}${where} (${describeErrno(errno)})`, {
    code,
    errno,
    syscall,
    ...(address !== undefined ? { address } : {}),
    ...(port !== undefined ? { port } : {}),
  });
}

/**
 * A system error from Node's own handles (an `ErrnoException`: `code`, a negative `errno`,
 * `syscall`, as `net.Socket` emits) as a {@link SocketError} naming `address`, with the original
 * as its `cause`; anything else is returned unchanged. Used where rxsock hands a socket to Node
 * and reports what Node saw.
 */
export function fromNodeSystemError(error: unknown, address?: string): unknown {
  if (!(error instanceof Error) || error instanceof SocketError) return error;
  const { errno, syscall } = error as NodeJS.ErrnoException;
  if (typeof errno !== 'number' || typeof syscall !== 'string') return error;
  const typed = systemError(syscall, Math.abs(errno), address);
  return new SocketError(typed.message, typed, { cause: error });
}

/** The error for using a socket after `close()`/`detach()`. `code` is `'EBADF'`. */
export function closedSocketError(syscall: string): SocketError {
  return new SocketError(`${syscall}: the socket is closed`, {
    code: 'EBADF',
    errno: errnoValue('EBADF'),
    syscall,
  });
}

/** The error for an argument rxsock refuses before any system call. `code` is `'EINVAL'` unless given. */
export function invalidArgument(message: string, syscall?: string, code = 'EINVAL'): SocketError {
  return new SocketError(message, {
    code,
    ...(code === 'EINVAL' ? { errno: errnoValue('EINVAL') } : {}),
    ...(syscall !== undefined ? { syscall } : {}),
  });
}

/** An operation this platform does not support (yet). `code` is `'ERR_NOT_SUPPORTED'`. */
export function notSupported(what: string): SocketError {
  return new SocketError(`${what} is not supported on ${process.platform}/${process.arch} yet`, {
    code: 'ERR_NOT_SUPPORTED',
  });
}
