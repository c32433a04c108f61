/**
 * One TLS handshake over a connection rxsock made, client or server side, with a deadline and a
 * clean teardown: whatever fails, the socket is closed and the error is typed.
 */
import type { Socket as NetSocket } from 'node:net';
import { TLSSocket, type TLSSocketOptions } from 'node:tls';
import { SocketError, SocketTimeoutError, fromNodeSystemError, type SocketAddress } from '@rxsock/core';
import type { Connection } from '../tcp/connection.js';
import { TlsConnection } from './connection.js';

/** The `code` of a handshake that did not finish in time or was cut short. */
export const TlsErrorCode = {
  /** The peer closed the connection before the handshake finished. */
  HANDSHAKE_CLOSED: 'ERR_RXSOCK_TLS_HANDSHAKE_CLOSED',
} as const;

/** A connection handed to Node for node:tls, and the addresses it had. */
export interface HandedOver {
  transport: NetSocket;
  addresses: { localAddress: SocketAddress; remoteAddress: SocketAddress };
}

/**
 * Hands `connection` to Node ({@link Connection.toNetSocket}: node:tls then reads and writes
 * its TCP handle natively), keeping its addresses for the {@link TlsConnection}.
 */
export function handOver(connection: Connection): HandedOver {
  const transport = connection.toNetSocket({ allowHalfOpen: true });
  try {
    // Asked by toNetSocket before the hand-over; only a peer already gone left one unknown.
    return { transport, addresses: { localAddress: connection.localAddress, remoteAddress: connection.remoteAddress } };
  } catch {
    transport.destroy();
    throw new SocketError('the peer left before the TLS handshake began', { code: TlsErrorCode.HANDSHAKE_CLOSED, syscall: 'handshake' });
  }
}

/**
 * Runs a handshake on `tlsSocket` (made over `transport`) and resolves with the connection once
 * it is secure. Rejects with the TLS or socket error (its `code`: `ECONNRESET`,
 * `ERR_SSL_...`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`...), a `SocketTimeoutError` after `timeout` ms,
 * or the signal's reason; the transport is closed then.
 */
export function completeHandshake(
  tlsSocket: TLSSocket,
  { transport, addresses }: HandedOver,
  event: 'secureConnect' | 'secure',
  options: { timeout?: number; signal?: AbortSignal; target: string },
): Promise<TlsConnection> {
  // Whoever closes the TLS socket closes the socket under it.
  tlsSocket.once('close', () => transport.destroy());
  return new Promise<TlsConnection>((resolve, reject) => {
    const { signal, timeout } = options;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: unknown): void => {
      cleanup();
      tlsSocket.destroy();
      transport.destroy();
      reject(fromNodeSystemError(error, options.target));
    };
    const onError = (error: Error): void => fail(error);
    // The transport's own error (ECONNRESET...) explains a close better than the close does.
    const onClose = (): void =>
      fail(
        transport.errored ??
          tlsSocket.errored ??
          new SocketError(`TLS handshake with ${options.target}: the connection closed first`, { code: TlsErrorCode.HANDSHAKE_CLOSED, syscall: 'handshake', address: options.target }),
      );
    const onAbort = (): void => fail(signal!.reason);
    const onSecure = (): void => {
      cleanup();
      resolve(new TlsConnection(tlsSocket, transport, addresses));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      tlsSocket.off('error', onError);
      tlsSocket.off('close', onClose);
      tlsSocket.off('end', onClose);
      transport.off('error', onError);
      tlsSocket.off(event, onSecure);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return fail(signal.reason);
    tlsSocket.once(event, onSecure);
    tlsSocket.on('error', onError);
    tlsSocket.once('close', onClose);
    // Half-open TLS sockets end without closing: an end before the handshake is a peer gone.
    tlsSocket.once('end', onClose);
    transport.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) timer = setTimeout(() => fail(new SocketTimeoutError('handshake', timeout, options.target)), timeout);
  });
}

/** @internal A server-side TLS socket over an accepted connection, handed to Node. */
export function serverTlsSocket(connection: Connection, options: TLSSocketOptions): { tlsSocket: TLSSocket; handedOver: HandedOver } {
  const handedOver = handOver(connection);
  try {
    return { tlsSocket: new TLSSocket(handedOver.transport, { ...options, isServer: true }), handedOver };
  } catch (error) {
    handedOver.transport.destroy();
    throw error;
  }
}
