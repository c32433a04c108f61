/**
 * A TLS connection: `node:tls` running over a connection rxsock made (connected or accepted) and
 * handed to Node ({@link Connection.toNetSocket}), offered with the same faces as a plain
 * {@link Connection}: `input$`, a credit `reader`, `for await`, a `writer` with `writable$`,
 * `end`, `close`, `closed` (all of the decrypted side).
 */
import type { Socket as NetSocket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { StreamConnection, formatAddress, type SocketAddress } from '@rxsock/core';
import type { Connection } from '../tcp/connection.js';

/**
 * The decrypted side of a TLS session over a TCP connection made by rxsock. The encrypted bytes
 * move through Node's own TCP handle, read and written by `node:tls` in C++ (see
 * {@link Connection.toNetSocket} for why). Backpressure crosses TLS: a reader without credit
 * pauses the `TLSSocket`, which stops reading the TCP handle, and TCP's window closes.
 */
export class TlsConnection extends StreamConnection {
  /** The `node:tls` socket (certificates, session, renegotiation...). */
  readonly tls: TLSSocket;
  /** The encrypted transport: the `net.Socket` the rxsock connection was handed over to. */
  readonly transport: NetSocket;
  /** This end's address. */
  readonly localAddress: SocketAddress;
  /** The peer's address. */
  readonly remoteAddress: SocketAddress;

  /** @internal Made by `connectTls` and `tlsServer` once the handshake is done. */
  constructor(tlsSocket: TLSSocket, transport: NetSocket, addresses: { localAddress: SocketAddress; remoteAddress: SocketAddress }) {
    super(tlsSocket);
    this.tls = tlsSocket;
    this.transport = transport;
    this.localAddress = addresses.localAddress;
    this.remoteAddress = addresses.remoteAddress;
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

  /** `TlsConnection(127.0.0.1:5000 -> 127.0.0.1:443, TLSv1.3)`. */
  override toString(): string {
    return `TlsConnection(${formatAddress(this.localAddress)} -> ${formatAddress(this.remoteAddress)}, ${this.protocol ?? 'handshaking'})`;
  }
}
