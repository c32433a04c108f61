/**
 * One TLS handshake over an rxsock connection, client or server side, with a deadline and a
 * clean teardown: whatever fails, the rxsock socket is closed and the error is typed.
 */
import { TLSSocket, type TLSSocketOptions } from 'node:tls';
import { SocketError, SocketTimeoutError, toDuplex, type SocketDuplex } from '@rxsock/core';
import type { Connection } from '../tcp/connection.js';
import { TlsConnection } from './connection.js';

/** The `code` of a handshake that did not finish in time or was cut short. */
export const TlsErrorCode = {
  /** The peer closed the connection before the handshake finished. */
  HANDSHAKE_CLOSED: 'ERR_RXSOCK_TLS_HANDSHAKE_CLOSED',
} as const;

/**
 * Runs a handshake on `tlsSocket` (made over `duplex`) and resolves with the connection once it
 * is secure. Rejects with the TLS or socket error (its `code`: `ECONNRESET`,
 * `ERR_SSL_...`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`...), a `SocketTimeoutError` after `timeout` ms,
 * or the signal's reason; the transport is closed then.
 */
export function completeHandshake(
  tlsSocket: TLSSocket,
  duplex: SocketDuplex,
  transport: Connection,
  event: 'secureConnect' | 'secure',
  options: { timeout?: number; signal?: AbortSignal; target: string },
): Promise<TlsConnection> {
  // Whoever closes the TLS socket closes the rxsock socket under it.
  tlsSocket.once('close', () => duplex.destroy());
  return new Promise<TlsConnection>((resolve, reject) => {
    const { signal, timeout } = options;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: unknown): void => {
      cleanup();
      tlsSocket.destroy();
      duplex.destroy();
      reject(error);
    };
    const onError = (error: Error): void => fail(error);
    // The transport's own error (ECONNRESET...) explains a close better than the close does.
    const onClose = (): void =>
      fail(
        duplex.errored ??
          tlsSocket.errored ??
          new SocketError(`TLS handshake with ${options.target}: the connection closed first`, { code: TlsErrorCode.HANDSHAKE_CLOSED, syscall: 'handshake', address: options.target }),
      );
    const onAbort = (): void => fail(signal!.reason);
    const onSecure = (): void => {
      cleanup();
      resolve(new TlsConnection(tlsSocket, transport));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      tlsSocket.off('error', onError);
      tlsSocket.off('close', onClose);
      tlsSocket.off('end', onClose);
      duplex.off('error', onError);
      tlsSocket.off(event, onSecure);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return fail(signal.reason);
    tlsSocket.once(event, onSecure);
    tlsSocket.on('error', onError);
    tlsSocket.once('close', onClose);
    // Half-open TLS sockets end without closing: an end before the handshake is a peer gone.
    tlsSocket.once('end', onClose);
    duplex.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) timer = setTimeout(() => fail(new SocketTimeoutError('handshake', timeout, options.target)), timeout);
  });
}

/** @internal A server-side TLS socket over an accepted connection. */
export function serverTlsSocket(transport: Connection, options: TLSSocketOptions): { tlsSocket: TLSSocket; duplex: SocketDuplex } {
  const duplex = toDuplex(transport, { allowHalfOpen: true, lendChunks: true });
  const tlsSocket = new TLSSocket(duplex, { ...options, isServer: true });
  return { tlsSocket, duplex };
}
