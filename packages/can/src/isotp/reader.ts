/**
 * The receive side of an ISO-TP socket on core's DatagramReader: one whole message per
 * datagram, the same bounded queue, credit and counters as CAN_RAW, and the protocol's
 * per-message failures (the socket's pending error) handed to the socket instead of ending the
 * stream.
 */
import type { Observable } from 'rxjs';
import { C, DatagramReader, SocketError, type DatagramDecoder, type MessageBatch, type Socket } from '@rxsock/core';
import { CanCreditReader, type CanReaderOptions } from '../socket/credit-reader.js';
import { IsotpErrorCode, isIsotpTransferErrno } from './errors.js';

/** Reader options an ISO-TP socket passes through (the slot size is the message size). */
export type IsotpReaderOptions = CanReaderOptions;

/** @internal How an ISO-TP socket's readers are made. */
export interface IsotpReaderSetup {
  readonly socket: Socket;
  readonly maxMessageSize: number;
  readonly defaults: IsotpReaderOptions;
  /** Where a protocol error read by a receive call goes (the socket sorts send from receive). */
  readonly onTransferError: (errno: number) => void;
  /** The readers open on the socket, closed (their subscribers completed) when it closes. */
  readonly readers: Set<IsotpMessageReader>;
}

/** @internal Copies each message out of the batch; routes ISO-TP's errnos to the socket. */
class IsotpMessageDecoder implements DatagramDecoder<Uint8Array> {
  constructor(private readonly setup: IsotpReaderSetup) {}

  decode(batch: MessageBatch, i: number): Uint8Array {
    if (batch.flags(i) & C.MSG_TRUNC) {
      throw new SocketError(`an ISO-TP message of ${batch.length(i)} bytes is longer than maxMessageSize ${this.setup.maxMessageSize}`, { code: IsotpErrorCode.TRUNCATED, syscall: 'recvmmsg' });
    }
    const start = i * batch.slotSize;
    // A copy: the batch's slots are reused by the next recvmmsg (Buffer#slice would be a view).
    const message = new Uint8Array(batch.length(i));
    message.set(batch.payload.subarray(start, start + message.length));
    return message;
  }

  recover(error: unknown): boolean {
    const errno = (error as SocketError).errno;
    if (!(error instanceof SocketError) || !isIsotpTransferErrno(errno)) return false;
    this.setup.onTransferError(errno);
    return true;
  }
}

/**
 * A credit-driven reader of ISO-TP messages. Messages are read whatever the credit (the kernel
 * has already acknowledged them to the sender); those beyond it wait in a queue of `queueLimit`,
 * and the overflow policy decides what is lost when it is full. Every loss is counted.
 */
export class IsotpMessageReader extends CanCreditReader<Uint8Array> {
  private readonly readers: Set<IsotpMessageReader>;

  /** @internal */
  constructor(setup: IsotpReaderSetup, options: IsotpReaderOptions = {}) {
    // Each slot holds a whole message (66000 bytes on Linux 6.1): a small batch keeps a reader's
    // buffers small; messages are few and large, so a batch of 4 loses nothing of the batching.
    const o = { batchSize: 4, ...setup.defaults, ...options };
    super(new DatagramReader<Uint8Array>(setup.socket, { ...o, slotSize: setup.maxMessageSize, addresses: false }, new IsotpMessageDecoder(setup)));
    this.readers = setup.readers;
    this.readers.add(this);
  }

  /** The messages, as granted with {@link IsotpMessageReader.request}. One subscriber at a time. */
  get messages$(): Observable<Uint8Array> {
    return this.frames$;
  }

  /** Stops reading and completes the subscriber; the socket stays open. */
  override close(): void {
    this.readers.delete(this);
    super.close();
  }
}
