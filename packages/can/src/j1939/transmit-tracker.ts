/**
 * Each sent message's end, from the socket's error queue (SO_J1939_ERRQUEUE with
 * SOF_TIMESTAMPING_TX_ACK | OPT_ID): the kernel numbers the messages of a socket in the order
 * they reach it, and reports each one's completion (`tx-done`) or abort (`tx-abort`) under
 * that number.
 *
 * Read with core's ErrorQueueReader, for as long as the socket lives (unread entries would count
 * against its receive buffer).
 */
import type { Observable } from 'rxjs';
import { ErrorQueueReader, LazySubject, MessageBatch, SocketError, cmsgSpace, type Socket } from '@rxsock/core';
import { decodeJ1939ErrQueue, type J1939ErrQueueEvent } from './control.js';

/** Codes of the `SocketError`s this module raises beyond plain system-call errors. */
export const J1939ErrorCode = {
  /** The kernel aborted the message's transport session (no receiver, a timeout, the peer's abort); `errno` says why. */
  ABORTED: 'ERR_RXSOCK_J1939_ABORTED',
  /** The socket closed before the message's transport session reported its end. */
  CLOSED: 'ERR_SOCKET_CLOSED',
} as const;

/** What a tracked `send` reports when its transfer ended. */
export interface J1939SendResult {
  /** The message's key on this socket (0 for the first message sent). */
  readonly id: number;
  /**
   * Bytes the kernel reports acknowledged: the whole message for one frame or a TP/ETP transfer
   * to one node; 0 for a broadcast (BAM), which nobody acknowledges.
   */
  readonly bytesAcked: number;
}

interface Pending {
  resolve: (r: J1939SendResult) => void;
  reject: (e: unknown) => void;
}

/** @internal Reads a J1939 socket's error queue and settles the sends waiting for their end. */
export class TransmitTracker {
  private readonly pending = new Map<number, Pending>();
  private readonly queue: ErrorQueueReader;
  private readonly events = new LazySubject<J1939ErrQueueEvent>();

  constructor(socket: Socket) {
    // sock_extended_err, plus room for the timestamp messages the kernel may add.
    const batch = new MessageBatch(16, 64, { addresses: false, controlSize: cmsgSpace(16) * 4 + cmsgSpace(64) });
    // A read that fails means the socket closed under it: close() settles what waits.
    this.queue = new ErrorQueueReader(socket, batch, { entries: (b, n) => this.decode(b, n) });
    // Referenced only while a send waits: an idle socket does not keep the process alive.
    this.queue.unref();
  }

  /** Every entry, as decoded. */
  get events$(): Observable<J1939ErrQueueEvent> {
    return this.events.asObservable();
  }

  /** Waits for the end of message `id`; call it before the message is sent (one frame can end at once). */
  expect(id: number): Promise<J1939SendResult> {
    return new Promise<J1939SendResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.ref();
    });
  }

  /** Message `id` never reached the kernel: nothing will come for it. */
  forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.queue.unref();
  }

  /** Stops reading; waiting sends reject with `ERR_SOCKET_CLOSED`. */
  close(): void {
    this.queue.close();
    const error = new SocketError('the J1939 socket was closed before the message finished', { code: J1939ErrorCode.CLOSED, syscall: 'sendto' });
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.events.complete();
  }

  private decode(batch: MessageBatch, count: number): void {
    for (let i = 0; i < count; i++) {
      let event: J1939ErrQueueEvent;
      try {
        event = decodeJ1939ErrQueue(Uint8Array.prototype.slice.call(batch.data(i)), batch.ancillary(i));
      } catch {
        continue; // an entry this code cannot read: the kernel's own, so skip it
      }
      this.dispatch(event);
    }
  }

  private dispatch(event: J1939ErrQueueEvent): void {
    this.events.next(event);
    if (event.kind !== 'tx-done' && event.kind !== 'tx-abort') return;
    const p = this.pending.get(event.id);
    if (!p) return;
    this.forget(event.id);
    if (event.kind === 'tx-done') {
      p.resolve({ id: event.id, bytesAcked: event.bytesAcked ?? 0 });
      return;
    }
    p.reject(new SocketError(`the kernel aborted J1939 message ${event.id}: ${event.code || 'errno ' + event.errno} after ${event.bytesAcked ?? 0} bytes acknowledged`, {
      code: J1939ErrorCode.ABORTED,
      errno: event.errno,
      syscall: 'sendto',
    }));
  }
}
