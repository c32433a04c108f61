/**
 * UNIX stream and seqpacket servers: bind a path or abstract name, optionally replacing a stale
 * socket file, accept connections as an Observable, and remove the file again on close.
 */
import { chmodSync } from 'node:fs';
import type { Observable } from 'rxjs';
import { C, Socket, rx } from '@rxsock/core';
import { StreamServer, type AcceptBackoffOptions, type ServerConnection } from '../common/stream-server.js';
import { isAbstract, removeSocketFile, unixAddress, unlinkStaleSocket, type UnixPath } from './address.js';
import { UnixConnection, type UnixConnectionOptions } from './connection.js';
import { SeqpacketConnection, type SeqpacketOptions } from './seqpacket.js';

/** What every UNIX server takes. */
export interface UnixServerBaseOptions extends AcceptBackoffOptions {
  /** Path or `'\0abstract'` name to bind. */
  path: UnixPath;
  /** Accept queue length. Default 511. */
  backlog?: number;
  /**
   * Remove a socket file left at `path` by a server that died (bind would fail with EADDRINUSE).
   * Only sockets are removed, and only when asked: another live server's file would be taken
   * over silently.
   */
  unlinkExisting?: boolean;
  /** Remove the socket file when the server closes. Default true, like `node:net`. */
  unlinkOnClose?: boolean;
  /** File mode of the socket file (`0o600`: only this user may connect). */
  mode?: number;
}

/** Options of {@link unixServer} and {@link listenUnix}. */
export interface UnixListenOptions extends UnixServerBaseOptions, UnixConnectionOptions {
  /** Called with the server once it listens. */
  listening?: (server: UnixServer<UnixConnection>) => void;
}

/** Options of {@link seqpacketServer} and {@link listenSeqpacket}. */
export interface SeqpacketListenOptions extends UnixServerBaseOptions, SeqpacketOptions {
  /** Called with the server once it listens. */
  listening?: (server: UnixServer<SeqpacketConnection>) => void;
}

/** A listening UNIX socket; `C` is {@link UnixConnection} or {@link SeqpacketConnection}. */
export class UnixServer<C extends ServerConnection> extends StreamServer<C> {
  /** The bound name. */
  readonly path: UnixPath;
  private readonly removeOnClose: boolean;

  /** Made by {@link unixServer} and {@link seqpacketServer}. */
  constructor(socket: Socket, wrap: (socket: Socket) => C, options: UnixServerBaseOptions) {
    super(socket, wrap, options);
    this.path = options.path;
    this.removeOnClose = options.unlinkOnClose ?? true;
  }

  /** Closes the listener and removes its socket file; accepted connections stay open. */
  override close(): void {
    if (this.isClosed) return;
    super.close();
    if (this.removeOnClose) removeSocketFile(this.path);
  }
}

function openUnixListener(type: number, options: UnixServerBaseOptions): Socket {
  const socket = Socket.create(C.AF_UNIX, type);
  try {
    if (options.unlinkExisting) unlinkStaleSocket(options.path);
    socket.bind(unixAddress(options.path));
    if (options.mode !== undefined && !isAbstract(options.path)) chmodSync(options.path, options.mode);
    socket.listen(options.backlog ?? 511);
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/**
 * A UNIX stream server, listening now.
 *
 * @throws `SocketError` `EADDRINUSE` when the path exists (see `unlinkExisting`),
 * `EACCES`, `ENAMETOOLONG`-like `EINVAL` for paths over 107 bytes.
 */
export function unixServer(options: UnixListenOptions): UnixServer<UnixConnection> {
  const server = new UnixServer(openUnixListener(C.SOCK_STREAM, options), (s) => new UnixConnection(s, options), options);
  options.listening?.(server);
  return server;
}

/** A UNIX seqpacket server, listening now. */
export function seqpacketServer(options: SeqpacketListenOptions): UnixServer<SeqpacketConnection> {
  const server = new UnixServer(openUnixListener(C.SOCK_SEQPACKET, options), (s) => new SeqpacketConnection(s, options), options);
  options.listening?.(server);
  return server;
}

function cold<C extends ServerConnection>(open: () => UnixServer<C>): Observable<C> {
  return new (rx().Observable)<C>((subscriber) => {
    let server: UnixServer<C>;
    try {
      server = open();
    } catch (error) {
      subscriber.error(error);
      return;
    }
    const inner = server.connections$.subscribe(subscriber);
    return () => {
      inner.unsubscribe();
      server.close();
    };
  });
}

/** {@link unixServer} as a cold Observable: subscribing listens, unsubscribing closes the listener. */
export function listenUnix(options: UnixListenOptions): Observable<UnixConnection> {
  return cold(() => unixServer(options));
}

/** {@link seqpacketServer} as a cold Observable. */
export function listenSeqpacket(options: SeqpacketListenOptions): Observable<SeqpacketConnection> {
  return cold(() => seqpacketServer(options));
}
