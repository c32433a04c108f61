/**
 * AF_UNIX SOCK_SEQPACKET: connection-oriented like a stream, but each send is one record that
 * arrives whole, in order, with its descriptors. The natural transport for request/response IPC.
 */
import type { Observable } from 'rxjs';
import { ClosesOnce, type Credentials, type Socket, type SocketAddress, formatAddress } from '@rxsock/core';
import { partsOf, receiveMessage, rightsFor, sharedMessages, toUnixMessage, type UnixMessage, type UnixOutgoingMessage, type UnixReceiveOptions } from './messages.js';

/** Options of seqpacket connections. */
export interface SeqpacketOptions {
  /** Largest record and most descriptors per record to receive. */
  receive?: UnixReceiveOptions;
}

/**
 * A connected seqpacket socket. Records are sent with {@link SeqpacketConnection.send} and read
 * with {@link SeqpacketConnection.messages$} or {@link SeqpacketConnection.receive} (one reader
 * at a time). The kernel queues unread records and blocks the sender when its queue is full, so
 * reading one record per `next()` is backpressure end to end. `close()` closes the connection;
 * `messages$` subscribers complete.
 */
export class SeqpacketConnection extends ClosesOnce {
  /** The underlying socket. */
  readonly socket: Socket;
  /** This end's address. */
  readonly localAddress: SocketAddress;
  /** The peer's address (often unnamed: `''`). */
  readonly remoteAddress: SocketAddress;
  /**
   * Records as they arrive. Completes when the peer closes or shuts down its writing side;
   * errors with typed errors. Shared between subscribers; reading stops while nobody listens.
   */
  get messages$(): Observable<UnixMessage> {
    return (this.messagesObservable ??= sharedMessages(this, { ...this.receiveOptions, endOnEmpty: true }));
  }
  private readonly receiveOptions: UnixReceiveOptions;
  private messagesObservable: Observable<UnixMessage> | undefined;

  /** Wraps a connected seqpacket socket, which the connection then owns. */
  constructor(socket: Socket, options: SeqpacketOptions = {}) {
    super();
    this.socket = socket;
    this.localAddress = socket.getsockname();
    this.remoteAddress = socket.getpeername();
    this.receiveOptions = options.receive ?? {};
  }


  /** Sends one record (atomic: it arrives whole or the call fails, e.g. EMSGSIZE). */
  async send(message: UnixOutgoingMessage): Promise<void> {
    await this.socket.sendMsg(partsOf(message.data), rightsFor(message.fds));
  }

  /** Reads the next record; `null` at end of stream. */
  async receive(): Promise<UnixMessage | null> {
    const m = toUnixMessage(await receiveMessage(this.socket, this.receiveOptions));
    return m.data.length === 0 && m.fds.length === 0 && !m.truncated ? null : m;
  }

  /** The peer process's credentials (`SO_PEERCRED`), recorded by the kernel at connect time. */
  peerCredentials(): Credentials {
    return this.socket.getOption('SO_PEERCRED');
  }

  /** Half-close: the peer's reader sees end of stream; records can still be received. */
  end(): void {
    if (!this.isClosed) this.socket.shutdown('write');
  }

  /** Closes the socket. */
  protected release(): void {
    this.socket.close();
  }

  /** `SeqpacketConnection(/run/app.sock -> (unnamed))`. */
  override toString(): string {
    return `SeqpacketConnection(${formatAddress(this.localAddress)} -> ${formatAddress(this.remoteAddress)})`;
  }
}
