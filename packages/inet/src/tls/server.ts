/**
 * The TLS server: an rxsock {@link TcpServer} whose accepted connections are wrapped in
 * `tls.TLSSocket({ isServer: true })` and emitted once their handshake is done.
 */
import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { Observable } from 'rxjs';
import { LazySubject, SocketError, rx, type SocketAddress } from '@rxsock/core';
import type { ServerCounters } from '../common/stream-server.js';
import type { Connection } from '../tcp/connection.js';
import { tcpServer, type ListenOptions, type TcpServer } from '../tcp/server.js';
import type { TlsConnection } from './connection.js';
import { completeHandshake, serverTlsSocket, TlsErrorCode } from './handshake.js';

/** Options of {@link tlsServer}: `node:tls` server options plus rxsock's listen options. */
export interface TlsServerOptions extends ListenOptions, Pick<TlsOptions, 'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'ciphers' | 'minVersion' | 'maxVersion' | 'requestCert' | 'rejectUnauthorized' | 'ALPNProtocols' | 'SNICallback' | 'ecdhCurve' | 'dhparam' | 'sessionTimeout' | 'ticketKeys' | 'secureOptions' | 'honorCipherOrder' | 'crl' | 'sigalgs'> {
  /** Milliseconds a client has to finish its handshake; then it is dropped. Default 120000 (as `tls.Server`). */
  handshakeTimeout?: number;
}

/** {@link TlsServer}'s counters: the TCP server's, plus handshakes. */
export interface TlsServerCounters extends ServerCounters {
  /** Handshakes completed. */
  handshakes: number;
  /** Handshakes that failed (bad client, reset, timeout); the server went on serving. */
  handshakeErrors: number;
}

/**
 * A TLS server over rxsock: {@link TlsServer.connections$} has the shape of `tcpServer`'s, but
 * emits {@link TlsConnection}s, each once its handshake is done. A client that fails its
 * handshake (resets, sends garbage, never finishes within `handshakeTimeout`) is closed and
 * counted, and its error is reported on {@link TlsServer.acceptErrors$}; others are not affected.
 */
export class TlsServer {
  /** The TCP listener underneath. */
  readonly tcp: TcpServer;
  /** The secure context every connection shares. */
  readonly secureContext: SecureContext;
  private readonly options: TlsServerOptions;
  private readonly errors = new LazySubject<unknown>();
  private connectionsObservable: Observable<TlsConnection> | undefined;
  private handshakes = 0;
  private handshakeErrors = 0;
  private errorsObservable: Observable<unknown> | undefined;

  /** @internal Use {@link tlsServer}. */
  constructor(tcp: TcpServer, options: TlsServerOptions) {
    this.tcp = tcp;
    this.options = options;
    this.secureContext = createSecureContext(options);
  }

  /**
   * Connections whose handshake is done, as they come; shared by all subscribers, completes
   * when the server is closed.
   */
  get connections$(): Observable<TlsConnection> {
    const { mergeMap, share, EMPTY, from, catchError } = rx();
    return (this.connectionsObservable ??= this.tcp.connections$.pipe(
      mergeMap((transport) =>
        from(this.handshake(transport)).pipe(
          catchError((error: unknown) => {
            this.handshakeErrors++;
            this.errors.next(error);
            return EMPTY;
          }),
        ),
      ),
      share(),
    ));
  }

  /** Accept errors of the TCP listener and failed handshakes, as they happen. */
  get acceptErrors$(): Observable<unknown> {
    const { merge } = rx();
    return (this.errorsObservable ??= merge(this.tcp.acceptErrors$, this.errors.asObservable()));
  }

  /** Resolves once {@link TlsServer.close} ran. */
  get closed(): Promise<void> {
    return this.tcp.closed;
  }

  /** The bound port. */
  get port(): number {
    return this.tcp.port;
  }

  /** The bound address. */
  address(): SocketAddress {
    return this.tcp.address();
  }

  /** A snapshot of the counters. */
  get counters(): Readonly<TlsServerCounters> {
    return { ...this.tcp.counters, handshakes: this.handshakes, handshakeErrors: this.handshakeErrors };
  }

  /** Stops listening; connections already accepted stay open. */
  close(): void {
    this.tcp.close();
    this.errors.complete();
  }

  /** `await using server = tlsServer(...)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Wraps one accepted connection in a server-side TLSSocket and waits for its handshake. */
  async handshake(transport: Connection): Promise<TlsConnection> {
    const o = this.options;
    if (!transport.isOpen) throw new SocketError('the client left before its TLS handshake began', { code: TlsErrorCode.HANDSHAKE_CLOSED, syscall: 'handshake' });
    let peer = '';
    try {
      peer = transport.toString();
    } catch {
      // reset before we asked
    }
    const { tlsSocket, handedOver } = serverTlsSocket(transport, {
      secureContext: this.secureContext,
      ...(o.requestCert !== undefined ? { requestCert: o.requestCert } : {}),
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
      ...(o.ALPNProtocols !== undefined ? { ALPNProtocols: o.ALPNProtocols } : {}),
      ...(o.SNICallback !== undefined ? { SNICallback: o.SNICallback } : {}),
    });
    const conn = await completeHandshake(tlsSocket, handedOver, 'secure', { timeout: o.handshakeTimeout ?? 120_000, target: peer });
    if (o.requestCert) {
      // What tls.Server does for its sockets on 'secure' (a bare server TLSSocket leaves
      // `authorized` false): ask OpenSSL how the client's certificate verified.
      const tlsSocket = conn.tls as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null }; authorized: boolean; authorizationError?: Error };
      const verifyError = tlsSocket._handle?.verifyError?.() ?? null;
      if (verifyError) {
        tlsSocket.authorizationError = verifyError;
        if (o.rejectUnauthorized !== false) {
          conn.close();
          throw verifyError;
        }
      } else tlsSocket.authorized = true;
    }
    this.handshakes++;
    return conn;
  }
}

/**
 * Listens for TLS: binds and listens now (as {@link tcpServer}), and each accepted connection
 * goes through a `node:tls` handshake before it is emitted on `connections$`.
 *
 * @example
 * ```ts
 * const server = tlsServer({ port: 8443, key, cert });
 * server.connections$.subscribe((conn) => void conn.pipeTo(conn)); // TLS echo
 * ```
 */
export function tlsServer(options: TlsServerOptions): TlsServer {
  return new TlsServer(tcpServer(options), options);
}
