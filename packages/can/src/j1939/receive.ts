/**
 * J1939 messages straight out of a `recvmmsg` batch: the payload (reassembled by the kernel
 * from TP/ETP packets), the sender's NAME, address and PGN from `sockaddr_can`, and the
 * destination and priority from the control messages of the same call.
 */
import { C, type DatagramDecoder, type MessageBatch } from '@rxsock/core';
import type { CanAddress } from '../codec/address.js';
import type { InterfaceNames } from '../socket/interface.js';
import { j1939Part } from './address.js';
import { decodeJ1939Control } from './control.js';

/** A J1939 message received. */
export interface J1939Message {
  /** The payload: up to 8 bytes in one frame, more reassembled by the kernel (TP/ETP). */
  readonly data: Uint8Array;
  /** Parameter group number (for PDU1 PGNs without the destination byte). */
  readonly pgn: number;
  /** Sender's address. */
  readonly srcAddr: number;
  /** Sender's NAME, when the kernel knows it from an address claim (0n otherwise). */
  readonly srcName: bigint;
  /** Destination address; J1939_NO_ADDR (0xFF) for a broadcast. */
  readonly destAddr: number;
  /** Destination NAME, when the kernel knows it (0n otherwise). */
  readonly destName: bigint;
  /** Priority 0 (highest) .. 7. */
  readonly priority: number;
  /** Interface index it arrived on. */
  readonly ifindex: number;
  /** Interface name (`''` when the index no longer resolves). */
  readonly interfaceName: string;
  /** Kernel receive time, seconds since the epoch (0 without timestamps). */
  readonly timestampSec: number;
  /** Nanoseconds part of the receive time. */
  readonly timestampNsec: number;
  /**
   * The message was longer than the socket's `maxMessageSize` and `data` holds only its start
   * (MSG_TRUNC). Raise `maxMessageSize` to receive it whole.
   */
  readonly truncated: boolean;
}

/** @internal Decodes a J1939 socket's receive batches for core's DatagramReader. */
export class J1939Decoder implements DatagramDecoder<J1939Message> {
  constructor(
    private readonly names: InterfaceNames,
    /** The socket's interface: the kernel reports index 0 for a message it reassembled (TP/ETP). */
    private readonly boundIfindex: number,
  ) {}

  decode(batch: MessageBatch, i: number): J1939Message {
    const address = batch.address(i) as CanAddress | null;
    const source = j1939Part(address);
    const control = decodeJ1939Control(batch.ancillary(i));
    const ifindex = address?.ifindex || this.boundIfindex;
    return {
      // A copy: the batch's slots are reused by the next read.
      data: Uint8Array.prototype.slice.call(batch.data(i)),
      pgn: source.pgn,
      srcAddr: source.addr,
      srcName: source.name,
      destAddr: control.destAddr,
      destName: control.destName,
      priority: control.priority,
      ifindex,
      interfaceName: this.names.name(ifindex),
      timestampSec: control.timestampSec,
      timestampNsec: control.timestampNsec,
      truncated: (batch.flags(i) & C.MSG_TRUNC) !== 0,
    };
  }
}
