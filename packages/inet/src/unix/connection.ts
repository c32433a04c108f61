/**
 * A UNIX stream connection: everything a TCP {@link Connection} has, plus descriptor passing and
 * the peer's credentials.
 */
import type { Observable, Subscriber } from 'rxjs';
import type { Credentials, Socket } from '@rxsock/core';
import { rx } from '@rxsock/core';
import { Connection, type ConnectionOptions } from '../tcp/connection.js';
import { partsOf, readUnixMessages, receiveMessage, rightsFor, toUnixMessage, type UnixMessage, type UnixOutgoingMessage, type UnixReceiveOptions } from './messages.js';

/** Options of UNIX stream connections. */
export interface UnixConnectionOptions extends ConnectionOptions {
  /** Sizing of `messages$` / `receive()` (payload buffer, descriptors per message). */
  receive?: UnixReceiveOptions;
}

/**
 * A connected AF_UNIX SOCK_STREAM socket.
 *
 * Bytes-only traffic uses the inherited `input$` / `reader` / `writer`. Traffic with descriptors
 * uses {@link UnixConnection.send} and {@link UnixConnection.messages$} (or `receive()`), which
 * keep each descriptor attached to the bytes it was sent with; the byte readers would make the
 * kernel discard (close) received descriptors, so pick one style per connection.
 */
export class UnixConnection extends Connection {
  /**
   * Messages as they arrive: chunks of the byte stream, each with the descriptors sent with its
   * first byte. Completes at end of stream; errors with typed errors and then closes. Like
   * `input$`, unsubscribing before the end closes the connection.
   */
  get messages$(): Observable<UnixMessage> {
    return new (rx().Observable)<UnixMessage>((subscriber) => this.subscribeMessages(subscriber));
  }

  private readonly receiveOptions: UnixReceiveOptions;
  private sending: Promise<unknown> = Promise.resolve();

  /** Wraps a connected UNIX stream socket, which the connection then owns. */
  constructor(socket: Socket, options: UnixConnectionOptions = {}) {
    super(socket, options);
    this.receiveOptions = options.receive ?? {};
  }

  /**
   * The peer process's pid, uid and gid as the kernel recorded them at connect time
   * (`SO_PEERCRED`): safe for access checks, unlike anything the peer could say about itself.
   */
  peerCredentials(): Credentials {
    return this.socket.getOption('SO_PEERCRED');
  }

  /**
   * Sends `data` with descriptors `fds` attached to its first byte. Bytes queued on the writer
   * go first; sends are kept in call order. Resolves when every byte was handed to the kernel.
   */
  send(message: UnixOutgoingMessage): Promise<void> {
    const run = async (): Promise<void> => {
      await this.writer.flush();
      const parts = partsOf(message.data);
      const total = parts.reduce((n, p) => n + p.byteLength, 0);
      const sent = await this.socket.sendMsg(parts, rightsFor(message.fds));
      if (sent < total) {
        // A stream socket may take part of it; the rest goes without descriptors, which are
        // already across with the first byte.
        const rest = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))).subarray(sent);
        await this.socket.sendAll(rest);
      }
    };
    const next = this.sending.then(run, run);
    this.sending = next.catch(() => {});
    return next;
  }

  /** Reads the next message (one recvmsg); an empty `data` without descriptors means end of stream. */
  async receive(): Promise<UnixMessage> {
    this.claim('messages');
    return toUnixMessage(await receiveMessage(this.socket, this.receiveOptions));
  }

  private subscribeMessages(subscriber: Subscriber<UnixMessage>): () => void {
    try {
      this.claim('messages');
    } catch (e) {
      subscriber.error(e);
      return () => {};
    }
    let finished = false;
    const inner = readUnixMessages(this.socket, { ...this.receiveOptions, endOnEmpty: true }).subscribe({
      next: (m) => subscriber.next(m),
      error: (error: unknown) => {
        finished = true;
        // Our own close() fails the pending recvmsg with EBADF: that is an end, not an error.
        if (this.isOpen) subscriber.error(error);
        else subscriber.complete();
        this.close();
      },
      complete: () => {
        finished = true;
        subscriber.complete();
        this.readFinished();
      },
    });
    const onClose = () => {
      if (!finished) {
        finished = true;
        subscriber.complete();
      }
    };
    void this.closed.then(onClose);
    return () => {
      inner.unsubscribe();
      if (!finished) this.close();
    };
  }
}
