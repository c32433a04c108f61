/**
 * UNIX socket names: filesystem paths and Linux abstract names (a leading NUL, no file, gone when
 * the last socket closes), plus the stale-path handling a path server needs.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { SocketError, errnoValue, type UnixAddress } from '@rxsock/core';

/**
 * A UNIX socket name: a filesystem path, or `'\0name'` for an abstract name (Linux). Build
 * abstract ones with {@link abstractName} to avoid writing the NUL by hand.
 */
export type UnixPath = string;

/** The abstract socket name `name` (`'\0' + name`): no file, nothing to unlink. */
export function abstractName(name: string): UnixPath {
  return `\0${name}`;
}

/** Whether a name is abstract. */
export function isAbstract(path: UnixPath): boolean {
  return path.startsWith('\0');
}

/** The address object of a name. */
export function unixAddress(path: UnixPath): UnixAddress {
  return { family: 'unix', path };
}

/**
 * Removes a leftover socket file at `path` (a server that died without cleaning up leaves one,
 * and bind then fails with EADDRINUSE). Only sockets are removed: a regular file or directory
 * there is somebody else's, so that is an `EADDRINUSE` error instead.
 */
export function unlinkStaleSocket(path: UnixPath): void {
  if (isAbstract(path)) return;
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) {
    throw new SocketError(`bind: ${path} exists and is not a socket; refusing to remove it`, {
      code: 'EADDRINUSE',
      errno: errnoValue('EADDRINUSE'),
      syscall: 'bind',
      address: path,
    });
  }
  unlinkSync(path);
}

/** Removes the socket file a server created, if it is still there. */
export function removeSocketFile(path: UnixPath): void {
  if (isAbstract(path)) return;
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}
