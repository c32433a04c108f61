/**
 * `node:http` (and `node:https`) servers fed by rxsock servers: each accepted connection is
 * handed to the HTTP server as a `stream.Duplex` through its `'connection'` event.
 */
import type { Server as HttpServer } from 'node:http';
import type { Observable } from 'rxjs';
import { StreamConnection, toDuplex, type SocketDuplexOptions } from '@rxsock/core';
import { Connection } from '../tcp/connection.js';

/** What {@link serveHttp} can take connections from: `tcpServer`, `unixServer`, `tlsServer`... */
export interface ConnectionSource {
  /** The accepted connections. */
  readonly connections$: Observable<Connection | StreamConnection>;
}

/**
 * Serves `httpServer` (an `http.Server`, or an `https.Server`, which then does the TLS itself)
 * on the connections `source` accepts: `httpServer.emit('connection', toDuplex(conn))` for each.
 * Plain connections are wrapped in core's `SocketDuplex`; a `TlsConnection` (from `tlsServer`)
 * hands over its `TLSSocket`. Keep-alive, pipelining, timeouts and `server.close()` behave as
 * with `server.listen()`; the HTTP server itself never listens.
 *
 * @returns Stops taking new connections (live ones go on; close the rxsock server to stop listening).
 *
 * @example
 * ```ts
 * const server = tcpServer({ port: 8080 });
 * serveHttp(http.createServer((req, res) => res.end('hello')), server);
 * ```
 */
export function serveHttp(httpServer: HttpServer, source: ConnectionSource, options: SocketDuplexOptions = {}): () => void {
  const subscription = source.connections$.subscribe({
    next: (conn) => {
      const socket = conn instanceof StreamConnection ? conn.stream : toDuplex(conn, options);
      httpServer.emit('connection', socket);
    },
    error: (error: unknown) => httpServer.emit('error', error),
  });
  return () => subscription.unsubscribe();
}
