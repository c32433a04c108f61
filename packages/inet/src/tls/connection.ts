/**
 * A TLS connection: `node:tls` running over an rxsock connection (through core's `SocketDuplex`),
 * offered with the same faces as a plain {@link Connection}: `input$`, a credit `reader`,
 * `for await`, a `writer` with `writable$`, `end`, `close`, `closed` (all of the decrypted side).
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { StreamConnection, type SocketAddress } from '@rxsock/core';
import type { Connection } from '../tcp/connection.js';

/**
 * The decrypted side of a TLS session over an rxsock {@link Connection}. Backpressure crosses
 * TLS: a reader without credit pauses the `TLSSocket`, whose buffer fills, which pauses the
 * Duplex under it, which drops the socket's read interest, and TCP's window closes.
 */
export class TlsConnection extends StreamConnection {
  /** The `node:tls` socket (certificates, session, renegotiation...). */
  readonly tls: TLSSocket;
  /** The encrypted transport: the rxsock TCP (or UNIX) connection under TLS. */
  readonly transport: Connection;

  /** @internal Made by `connectTls` and `tlsServer` once the handshake is done. */
  constructor(tlsSocket: TLSSocket, transport: Connection) {
    super(tlsSocket);
    this.tls = tlsSocket;
    this.transport = transport;
  }

  /** Whether the peer's certificate was verified against the trusted CAs. */
  get authorized(): boolean {
    return this.tls.authorized;
  }

  /** Why the peer's certificate was not verified, when it was not. */
  get authorizationError(): Error | undefined {
    return (this.tls.authorizationError as Error | null | undefined) ?? undefined;
  }

  /** The negotiated ALPN protocol (`'h2'`, `'http/1.1'`), or false. */
  get alpnProtocol(): string | false {
    return this.tls.alpnProtocol ?? false;
  }

  /** The negotiated TLS version, e.g. `'TLSv1.3'`. */
  get protocol(): string | null {
    return this.tls.getProtocol();
  }

  /** The negotiated cipher suite. */
  get cipher(): { name: string; standardName: string; version: string } {
    return this.tls.getCipher();
  }

  /** The peer's certificate (empty object when it sent none). */
  getPeerCertificate(detailed = false): PeerCertificate {
    return this.tls.getPeerCertificate(detailed);
  }

  /** This end's address (from the transport). */
  get localAddress(): SocketAddress {
    return this.transport.localAddress;
  }

  /** The peer's address (from the transport). */
  get remoteAddress(): SocketAddress {
    return this.transport.remoteAddress;
  }

  /** `TlsConnection(127.0.0.1:5000 -> 127.0.0.1:443, TLSv1.3)`. */
  override toString(): string {
    return `TlsConnection(${this.transport.toString().replace(/^[^(]*\(|\)$/g, '')}, ${this.protocol ?? 'handshaking'})`;
  }
}
