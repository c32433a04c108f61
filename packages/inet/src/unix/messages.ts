/**
 * Messages with file descriptors: the payload and the SCM_RIGHTS part travel together, so a
 * receiver never sees bytes without the descriptors that were sent with them, or the reverse.
 */
import { closeSync } from 'node:fs';
import type { Observable } from 'rxjs';
import { C, cmsgSpace, decodeRights, scmRights, type ControlMessage, type ReceivedMsg, type Socket, type UnixAddress, rx } from '@rxsock/core';

/** A message to send over a UNIX socket. */
export interface UnixOutgoingMessage {
  /** The payload, or several buffers gathered into one message. Must not be empty when `fds` is given. */
  data: Uint8Array | readonly Uint8Array[];
  /**
   * Descriptors to pass (SCM_RIGHTS): the receiver gets its own duplicates; the sender's stay
   * open and are still the sender's to close. At most 253 per message (Linux's SCM_MAX_FD).
   */
  fds?: readonly number[];
}

/** A message received on a UNIX socket. */
export interface UnixMessage {
  /** The payload. */
  data: Buffer;
  /**
   * Descriptors that came with it, already open in this process (close-on-exec). They belong to
   * the receiver now: wrap them (`Socket.fromFd`, `fs` calls) or close them.
   */
  fds: number[];
  /** The sender's address, on datagram sockets whose sender is bound (otherwise undefined). */
  address?: UnixAddress;
  /**
   * The payload was cut to the receive buffer (MSG_TRUNC), or some descriptors were dropped for
   * lack of control space (MSG_CTRUNC; raise `maxFds`).
   */
  truncated: boolean;
  /** Every control message, including the SCM_RIGHTS one. */
  ancillary: ControlMessage[];
}

/** Receive sizing of the message readers. */
export interface UnixReceiveOptions {
  /** Largest payload one message may carry, in bytes. Default 64 KiB. */
  bufferSize?: number;
  /** Most descriptors one message may carry; more are closed by the kernel (MSG_CTRUNC). Default 16. */
  maxFds?: number;
}

/** The control messages that carry `fds`. */
export function rightsFor(fds: readonly number[] | undefined): ControlMessage[] {
  return fds && fds.length > 0 ? [scmRights(fds)] : [];
}

/** Gathers a message's payload into a buffer list. */
export function partsOf(data: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}

/** Turns what recvmsg returned into a {@link UnixMessage}. */
export function toUnixMessage(r: ReceivedMsg): UnixMessage {
  const fds: number[] = [];
  for (const m of r.ancillary) {
    if (m.level === C.SOL_SOCKET && m.type === C.SCM_RIGHTS) fds.push(...decodeRights(m));
  }
  const out: UnixMessage = {
    data: r.data,
    fds,
    truncated: (r.flags & (C.MSG_TRUNC | C.MSG_CTRUNC)) !== 0,
    ancillary: r.ancillary,
  };
  if (r.address && r.address.family === 'unix' && r.address.path !== '') out.address = r.address;
  return out;
}

/** Closes descriptors nobody will receive, so a dropped message does not leak them. */
export function closeFds(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed by its new owner
    }
  }
}

/** Receives one message with room for `maxFds` descriptors. */
export function receiveMessage(socket: Socket, options: UnixReceiveOptions = {}, signal?: AbortSignal): Promise<ReceivedMsg> {
  const bufferSize = options.bufferSize ?? 64 * 1024;
  const maxFds = options.maxFds ?? 16;
  return socket.recvMsg(bufferSize, maxFds > 0 ? cmsgSpace(4 * maxFds) : 0, 0, signal ? { signal, timeout: null } : { timeout: null });
}

/**
 * The messages of `socket`, one recvmsg at a time: the next is read only after the subscriber's
 * `next()` returned, so an unread message stays in the kernel (for stream and seqpacket sockets
 * that is end-to-end backpressure). With `endOnEmpty` (connection-oriented sockets) an empty
 * read without descriptors is the peer's end of stream and completes; datagram sockets pass
 * empty datagrams through.
 */
export function readUnixMessages(socket: Socket, options: UnixReceiveOptions & { endOnEmpty: boolean }): Observable<UnixMessage> {
  return new (rx().Observable)<UnixMessage>((subscriber) => {
    const controller = new AbortController();
    void (async () => {
      while (!controller.signal.aborted) {
        let r: ReceivedMsg;
        try {
          r = await receiveMessage(socket, options, controller.signal);
        } catch (error) {
          if (!controller.signal.aborted) subscriber.error(error);
          return;
        }
        const message = toUnixMessage(r);
        if (options.endOnEmpty && message.data.length === 0 && message.fds.length === 0 && !message.truncated) {
          subscriber.complete();
          return;
        }
        if (subscriber.closed) {
          closeFds(message.fds);
          return;
        }
        subscriber.next(message);
      }
    })();
    return () => controller.abort();
  });
}

/** What {@link sharedMessages} needs of the object that owns the socket. */
export interface MessagesOwner {
  readonly socket: Socket;
  /** Whether the owner closed the socket itself. */
  readonly isClosed: boolean;
  /** Settles when the owner closes. */
  readonly closed: Promise<void>;
}

/**
 * @internal
 * The shared `messages$` of a socket-owning object (UNIX datagram socket, seqpacket
 * connection): reads while subscribed, completes when the owner closes, and turns the error the
 * owner's own close causes in a pending recvmsg (EBADF) into that completion.
 */
export function sharedMessages(owner: MessagesOwner, options: UnixReceiveOptions & { endOnEmpty: boolean }): Observable<UnixMessage> {
  return new (rx().Observable)<UnixMessage>((subscriber) => {
    if (owner.isClosed) {
      subscriber.complete();
      return undefined;
    }
    const inner = readUnixMessages(owner.socket, options).subscribe({
      next: (m) => subscriber.next(m),
      error: (e: unknown) => (owner.isClosed ? subscriber.complete() : subscriber.error(e)),
      complete: () => subscriber.complete(),
    });
    void owner.closed.then(() => subscriber.complete());
    return () => inner.unsubscribe();
  }).pipe(rx().share());
}
