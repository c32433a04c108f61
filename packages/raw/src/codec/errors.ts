/**
 * The typed error of every header decoder. It is core's `ERR_RXSOCK_DECODE` (a `SocketError`),
 * with the layer that failed, why, and where, so a capture loop can count bad packets by cause
 * without parsing messages.
 */
import { SocketError } from '@rxsock/core';

/** The header layers the codecs know. */
export type LayerName =
  | 'ethernet'
  | 'vlan'
  | 'arp'
  | 'ipv4'
  | 'ipv6'
  | 'ipv6-extension'
  | 'udp'
  | 'tcp'
  | 'icmp'
  | 'icmpv6';

/**
 * Why a header could not be read: `'truncated'` (the bytes end inside it) or `'malformed'`
 * (a field contradicts the structure, such as an IPv4 IHL below 5).
 */
export type DecodeFailure = 'truncated' | 'malformed';

/**
 * A header that could not be decoded. `code` is `'ERR_RXSOCK_DECODE'` like every decode error of
 * core; `layer`, `reason` and `offset` say which header, why, and at which byte of the buffer.
 */
export class PacketDecodeError extends SocketError {
  /** The header being decoded. */
  readonly layer: LayerName;
  /** Truncated bytes or a malformed field. */
  readonly reason: DecodeFailure;
  /** Byte offset of the header in the buffer handed to the decoder. */
  readonly offset: number;

  constructor(layer: LayerName, reason: DecodeFailure, offset: number, detail: string) {
    super(`${layer} header at offset ${offset} is ${reason}: ${detail}`, { code: 'ERR_RXSOCK_DECODE' });
    this.name = 'PacketDecodeError';
    this.layer = layer;
    this.reason = reason;
    this.offset = offset;
  }
}

/** @internal Throws unless `need` bytes are available at `offset` before `end`. */
export function need(layer: LayerName, offset: number, end: number, need: number): void {
  if (end - offset < need) {
    throw new PacketDecodeError(layer, 'truncated', offset, `needs ${need} bytes, ${Math.max(0, end - offset)} available`);
  }
}

/** @internal The error for a field that breaks the header's structure. */
export function malformed(layer: LayerName, offset: number, detail: string): PacketDecodeError {
  return new PacketDecodeError(layer, 'malformed', offset, detail);
}
