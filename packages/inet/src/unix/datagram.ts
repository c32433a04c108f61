/**
 * AF_UNIX SOCK_DGRAM: reliable, ordered, unconnected datagrams between processes of one host
 * (syslog's transport), with descriptors as a message part.
 */
import type { Observable } from 'rxjs';
import { C, ClosesOnce, Socket, type SocketAddress, type UnixAddress } from '@rxsock/core';
import { removeSocketFile, unixAddress, unlinkStaleSocket, type UnixPath } from './address.js';
import { partsOf, rightsFor, sharedMessages, type UnixMessage, type UnixOutgoingMessage, type UnixReceiveOptions } from './messages.js';

/** Options of {@link unixDatagram}. */
export interface UnixDatagramOptions {
  /** Name to bind (path or `'\0abstract'`). Without one the socket can send but gets no replies. */
  path?: UnixPath;
  /** Remove a leftover socket file at `path` before binding. */
  unlinkExisting?: boolean;
  /** Remove the socket file on close (default true when a path was bound). */
  unlinkOnClose?: boolean;
  /** Largest datagram and most descriptors per datagram to receive. */
  receive?: UnixReceiveOptions;
}

/**
 * A UNIX datagram socket; create it with {@link unixDatagram} or {@link UnixDatagramSocket.pair}.
 * `close()` closes the socket and removes its socket file; `messages$` subscribers complete.
 */
export class UnixDatagramSocket extends ClosesOnce {
  /** The underlying socket. */
  readonly socket: Socket;
  /**
   * Datagrams as they arrive, one recvmsg per `next()`. Shared; reading stops while nobody
   * listens (the kernel then blocks or fails the senders: UNIX datagrams are never dropped).
   * Completes on close.
   */
  get messages$(): Observable<UnixMessage> {
    return (this.messagesObservable ??= sharedMessages(this, { ...this.receive, endOnEmpty: false }));
  }
  private readonly ownPath: string | undefined;
  private readonly receive: UnixReceiveOptions;
  private messagesObservable: Observable<UnixMessage> | undefined;

  /** Wraps an open AF_UNIX SOCK_DGRAM socket. `ownPath` is removed on close. */
  constructor(socket: Socket, receive: UnixReceiveOptions = {}, ownPath?: string) {
    super();
    this.socket = socket;
    this.ownPath = ownPath;
    this.receive = receive;
  }


  /** A connected pair (`socketpair`), e.g. to hand one end to a child process. */
  static pair(receive: UnixReceiveOptions = {}): [UnixDatagramSocket, UnixDatagramSocket] {
    const [a, b] = Socket.pair(C.AF_UNIX, C.SOCK_DGRAM);
    return [new UnixDatagramSocket(a, receive), new UnixDatagramSocket(b, receive)];
  }

  /** The bound address (`path` `''` when unbound). */
  address(): UnixAddress {
    return this.socket.getsockname() as UnixAddress;
  }

  /** Sends one datagram to `to` (required unless connected), with descriptors if any. */
  async send(message: UnixOutgoingMessage, to?: UnixPath): Promise<void> {
    await this.socket.sendMsg(partsOf(message.data), rightsFor(message.fds), 0, to === undefined ? undefined : unixAddress(to));
  }

  /** Fixes the peer: `send()` needs no address and only the peer's datagrams arrive. */
  async connect(to: UnixPath): Promise<void> {
    await this.socket.connect(unixAddress(to));
  }

  /** The peer of a connected socket (pairs, or after `connect`). */
  remoteAddress(): SocketAddress | undefined {
    try {
      return this.socket.getpeername();
    } catch {
      return undefined;
    }
  }

  /** Closes the socket and removes its socket file. */
  protected release(): void {
    this.socket.close();
    if (this.ownPath !== undefined) removeSocketFile(this.ownPath);
  }
}

/**
 * Creates a UNIX datagram socket, bound to `options.path` when given.
 *
 * @throws `SocketError` `EADDRINUSE` when the path exists (see `unlinkExisting`).
 */
export function unixDatagram(options: UnixDatagramOptions = {}): UnixDatagramSocket {
  const socket = Socket.create(C.AF_UNIX, C.SOCK_DGRAM);
  try {
    if (options.path !== undefined) {
      if (options.unlinkExisting) unlinkStaleSocket(options.path);
      socket.bind(unixAddress(options.path));
    }
  } catch (error) {
    socket.close();
    throw error;
  }
  const own = options.path !== undefined && (options.unlinkOnClose ?? true) ? options.path : undefined;
  return new UnixDatagramSocket(socket, options.receive, own);
}
