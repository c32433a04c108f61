/**
 * The TLS client: Happy Eyeballs TCP with rxsock, then `node:tls` over the connection, handed to
 * Node's own TCP handle.
 */
import { connect as tlsConnect, type ConnectionOptions as NodeTlsConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { connect, type ConnectOptions } from '../tcp/connect.js';
import type { TlsConnection } from './connection.js';
import { completeHandshake, handOver } from './handshake.js';

/**
 * Options of {@link connectTls}: `node:tls`'s own (`ca`, `cert`, `key`, `servername`,
 * `ALPNProtocols`, `rejectUnauthorized`, `minVersion`, `ciphers`, `session`...) plus rxsock's
 * TCP options under `tcp`.
 */
export interface TlsConnectOptions extends Omit<NodeTlsConnectionOptions, 'socket' | 'host' | 'port' | 'path' | 'timeout' | 'signal'> {
  /** The TCP connection's options (family, local address, Happy Eyeballs delay, socket options, water marks...). */
  tcp?: ConnectOptions;
  /** Milliseconds for the whole operation (TCP connect and handshake); `ETIMEDOUT` after. */
  timeout?: number;
  /** Cancels the connect or the handshake; nothing is left open. */
  signal?: AbortSignal;
}

/**
 * Connects with TLS: {@link connect} (getaddrinfo, Happy Eyeballs), then `node:tls` over the
 * connection (`tls.connect({ socket: connection.toNetSocket() })`, so that node:tls moves the
 * encrypted bytes natively; SNI from `host` unless it is an IP address or `servername` is given).
 * The `tcp` options' socket options apply; its reader and writer options do not (node:tls
 * buffers the encrypted side itself). Resolves once the handshake is done and the peer's
 * certificate verified (unless `rejectUnauthorized: false`).
 *
 * @returns The decrypted side, with the faces of a plain `Connection` (`input$`, `reader`,
 * `for await`, `writer`, `end`, `close`, `closed`).
 * @throws `ConnectError` / `SocketError` as {@link connect}; the TLS error (`code`
 * `ERR_SSL_...`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`...); `ECONNRESET`
 * or `ERR_RXSOCK_TLS_HANDSHAKE_CLOSED` when the peer goes away mid-handshake; `ETIMEDOUT`.
 *
 * @example
 * ```ts
 * const conn = await connectTls('example.com', 443, { ALPNProtocols: ['http/1.1'] });
 * conn.write(Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n'));
 * for await (const chunk of conn) process.stdout.write(chunk);
 * ```
 */
export async function connectTls(host: string, port: number, options: TlsConnectOptions = {}): Promise<TlsConnection> {
  const { tcp, timeout, signal, ...tlsOptions } = options;
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const started = Date.now();
  const transport = await connect(host, port, {
    ...tcp,
    ...(timeout !== undefined ? { timeout } : {}),
    ...(signal !== undefined ? { signal } : tcp?.signal !== undefined ? { signal: tcp.signal } : {}),
  });
  const handedOver = handOver(transport);
  const servername = tlsOptions.servername ?? (isIP(host) ? undefined : host);
  let tlsSocket;
  try {
    tlsSocket = tlsConnect({ ...tlsOptions, socket: handedOver.transport, ...(servername !== undefined ? { servername } : {}) });
  } catch (error) {
    // Options node:tls refuses (a bad `ca`, an unknown `minVersion`...): nothing is left open.
    handedOver.transport.destroy();
    throw error;
  }
  return completeHandshake(tlsSocket, handedOver, 'secureConnect', {
    ...(timeout !== undefined ? { timeout: Math.max(1, timeout - (Date.now() - started)) } : {}),
    ...(signal !== undefined ? { signal } : {}),
    target,
  });
}
