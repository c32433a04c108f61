/**
 * The TCP server: bind (dual stack by default), listen, and accepted connections as an
 * Observable. `tcpServer()` gives the server object (address, counters, close); `listen()` is the
 * same as a cold Observable whose unsubscription closes the listener.
 */
import type { Observable } from 'rxjs';
import { C, Socket, getaddrinfo, ipFamily, type SocketAddress, rx } from '@rxsock/core';
import { addressAf, inetAddress, type InetAddress } from '../common/address.js';
import { StreamServer, type AcceptBackoffOptions } from '../common/stream-server.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { applyTcpOptions, type TcpSocketOptions } from './socket-options.js';

/** Options of {@link tcpServer}, {@link createTcpServer} and {@link listen}. */
export interface ListenOptions extends TcpSocketOptions, ConnectionOptions, AcceptBackoffOptions {
  /**
   * Address to bind. Left out (or `''`): `'::'` dual stack (IPv4 clients arrive as
   * `::ffff:a.b.c.d`), or `0.0.0.0` where the host has no IPv6. {@link tcpServer} takes numeric
   * hosts only; {@link createTcpServer} and {@link listen} also resolve names.
   */
  host?: string;
  /** Port to bind; 0 (the default) lets the kernel pick one, read it from `address()`. */
  port?: number;
  /** Length of the accept queue (`listen(backlog)`); the kernel caps it at `net.core.somaxconn`. Default 511. */
  backlog?: number;
  /** `SO_REUSEADDR`: rebind at once while old connections sit in TIME_WAIT. Default true. */
  reuseAddress?: boolean;
  /** `SO_REUSEPORT`: several listeners (threads, processes) share the port; the kernel balances. */
  reusePort?: boolean;
  /** `IPV6_V6ONLY` for an IPv6 listener. Default false (dual stack). */
  ipv6Only?: boolean;
  /**
   * Called with the server once it listens, before the first connection; the way to learn an
   * ephemeral port from {@link listen}.
   */
  listening?: (server: TcpServer) => void;
}

/** A listening TCP socket and its connections. */
export class TcpServer extends StreamServer<Connection> {
  /** The bound port. */
  get port(): number {
    return (this.address() as InetAddress).port;
  }
}

/** Errors that mean "this host has no IPv6", after which a wildcard listener falls back to IPv4. */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

const DEFAULT_BACKLOG = 511;

function bindListener(address: InetAddress, options: ListenOptions): Socket {
  const af = addressAf(address);
  const socket = Socket.create(af, C.SOCK_STREAM);
  try {
    if (options.reuseAddress ?? true) socket.setOption('SO_REUSEADDR', true);
    if (options.reusePort) socket.setOption('SO_REUSEPORT', true);
    if (af === C.AF_INET6) socket.setOption('IPV6_V6ONLY', options.ipv6Only ?? false);
    socket.bind(address);
    socket.listen(options.backlog ?? DEFAULT_BACKLOG);
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

function openListener(options: ListenOptions): Socket {
  const port = options.port ?? 0;
  if (options.host === undefined || options.host === '') {
    try {
      return bindListener(inetAddress('::', port), options);
    } catch (error) {
      if (!NO_IPV6.has((error as { code?: string }).code ?? '')) throw error;
      return bindListener(inetAddress('0.0.0.0', port), options);
    }
  }
  return bindListener(inetAddress(options.host, port), options);
}

function wrapWith(options: ListenOptions): (socket: Socket, peer: SocketAddress) => Connection {
  return (socket, peer) => {
    applyTcpOptions(socket, options);
    // accept() already told us the peer: no getpeername later
    return new Connection(socket, options, peer);
  };
}

/**
 * Binds and listens now (numeric host or none) and returns the server; subscribe to its
 * `connections$` to accept.
 *
 * @throws `SocketError` `EADDRINUSE` and friends from bind; `EINVAL` for a host name
 * (use {@link createTcpServer}).
 *
 * @example
 * ```ts
 * const server = tcpServer({ port: 0 });
 * server.connections$.subscribe((conn) => void conn.pipeTo(conn)); // echo
 * console.log('listening on', server.port);
 * ```
 */
export function tcpServer(options: ListenOptions = {}): TcpServer {
  const server = new TcpServer(openListener(options), wrapWith(options), options);
  options.listening?.(server);
  return server;
}

/**
 * Like {@link tcpServer}, but `host` may be a name: it is resolved with getaddrinfo
 * (`AI_PASSIVE`) and each result is tried in order until one binds, as in Python's dual-stack
 * server example.
 *
 * @throws `SocketError` from getaddrinfo (`EAI_NONAME`), or the last bind error.
 */
export async function createTcpServer(options: ListenOptions = {}): Promise<TcpServer> {
  const host = options.host;
  if (host === undefined || host === '' || ipFamily(host.split('%')[0]!) !== undefined) return tcpServer(options);
  const results = await getaddrinfo(host, options.port ?? 0, { type: C.SOCK_STREAM, flags: C.AI_PASSIVE });
  let lastError: unknown;
  for (const r of results) {
    const a = r.address as SocketAddress;
    if (a.family !== 'inet' && a.family !== 'inet6') continue;
    try {
      const server = new TcpServer(bindListener(a, options), wrapWith(options), options);
      options.listening?.(server);
      return server;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError ?? new Error(`getaddrinfo returned no IP address for ${host}`);
}

/**
 * A TCP server as a cold Observable of connections: subscribing binds and listens (calling
 * `options.listening` with the server, synchronously for numeric hosts), each accepted connection
 * is emitted, and unsubscribing closes the listener. Connections already emitted stay open until
 * their own teardown. Accept errors like EMFILE are counted and retried with back-off, never
 * fatal.
 *
 * @example
 * ```ts
 * listen({ port: 8080 }).subscribe((conn) => {
 *   conn.input$.subscribe({ next: (c) => conn.write(c), complete: () => void conn.end() });
 * });
 * ```
 */
export function listen(options: ListenOptions = {}): Observable<Connection> {
  return new (rx().Observable)<Connection>((subscriber) => {
    let server: TcpServer | undefined;
    let cancelled = false;
    let inner: { unsubscribe(): void } | undefined;
    const start = (s: TcpServer): void => {
      if (cancelled) {
        s.close();
        return;
      }
      server = s;
      inner = s.connections$.subscribe(subscriber);
    };
    const host = options.host;
    if (host === undefined || host === '' || ipFamily(host.split('%')[0]!) !== undefined) {
      try {
        start(tcpServer(options));
      } catch (error) {
        subscriber.error(error);
      }
    } else {
      createTcpServer(options).then(start, (error: unknown) => subscriber.error(error));
    }
    return () => {
      cancelled = true;
      inner?.unsubscribe();
      server?.close();
    };
  });
}
