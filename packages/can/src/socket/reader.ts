/**
 * The receive side of a CAN_RAW socket on core's DatagramReader: `recvmmsg` batches, a bounded
 * queue with an overflow policy, counters including the kernel's drops (SO_RXQ_OVFL), and three
 * ways to consume: an Observable, explicit credit, and `for await`.
 */
import type { Observable } from 'rxjs';
import { cmsgSpace, creditIterable, DatagramReader, type CreditControl, type Socket } from '@rxsock/core';
import type { ReceivedCanFrame } from '../codec/frame.js';
import { CanFrameDecoder } from './receive.js';
import type { InterfaceNames } from './interface.js';
import { CanCreditReader, type CanReaderOptions } from './credit-reader.js';

/** @internal How a socket's readers are made. */
export interface ReaderSetup {
  socket: Socket;
  /** Largest frame structure the socket receives (72, or 2060 with XL). */
  slotSize: number;
  /** Control bytes per frame for the timestamps. */
  timestampControl: number;
  names: InterfaceNames;
  defaults: CanReaderOptions;
}

/**
 * A credit-driven reader of CAN frames. Frames are read whatever the credit (the bus does not
 * wait); those beyond it wait in a queue of `queueLimit` frames, and the overflow policy decides
 * what is lost when it is full. Every loss is counted, the kernel's included.
 */
export class CanFrameReader extends CanCreditReader<ReceivedCanFrame> {
  /** @internal */
  constructor(setup: ReaderSetup, options: CanReaderOptions = {}) {
    const o = { ...setup.defaults, ...options };
    super(new DatagramReader<ReceivedCanFrame>(
      setup.socket,
      // Timestamps plus room for a second control message the kernel may add; the drop counter's
      // space is the reader's own.
      { ...o, slotSize: setup.slotSize, controlSize: setup.timestampControl > 0 ? setup.timestampControl + cmsgSpace(4) : 0, addresses: true },
      new CanFrameDecoder(setup.names),
    ));
  }
}

/** What {@link framesIterable} needs of a reader: a credit-driven Observable (`frames$`, `request`, `close`). */
export interface CreditSource<T> extends CreditControl {
  readonly frames$: Observable<T>;
}

/**
 * `for await` over a reader: each `next()` grants one frame of credit. Frames arriving while the
 * loop is busy wait in the reader's bounded queue. `break` closes the reader, not the socket.
 */
export function framesIterable<T = ReceivedCanFrame>(reader: CreditSource<T>): AsyncIterableIterator<T> {
  return creditIterable(reader.frames$, reader);
}
