/** ICMP (RFC 792) and ICMPv6 (RFC 4443) messages. */
import { checkField, put16, put32, u16, u32 } from './bytes.js';
import { foldChecksum, sumWords } from './checksum.js';
import { need } from './errors.js';
import type { IpContext } from './ip-context.js';
import { IpProtocol } from './numbers.js';

/** ICMP (IPv4) message types. */
export const IcmpType = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  TimeExceeded: 11,
  ParameterProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
} as const;

/** ICMPv6 message types. */
export const Icmpv6Type = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
} as const;

/** The fields of an ICMP or ICMPv6 message header, for {@link buildPacket}. */
export interface IcmpFields {
  /** Message type. */
  type: number;
  /** Code. Default 0. */
  code?: number;
  /** Checksum. Default: computed (ICMPv6 over the pseudo-header, when an IPv6 layer is below). */
  checksum?: number;
  /** Identifier (bytes 4-5, echo messages). Default 0. */
  id?: number;
  /** Sequence number (bytes 6-7, echo messages). Default 0. */
  seq?: number;
  /** The whole second word (bytes 4-7) instead of `id`/`seq`, for other messages (an MTU, a pointer). */
  rest?: number;
}

/** ICMP and ICMPv6 headers are 8 bytes (type, code, checksum, one word). */
export const ICMP_HEADER_LENGTH = 8;

abstract class IcmpBase {
  constructor(
    /** The buffer holding the message. */
    readonly bytes: Uint8Array,
    /** Offset of the message in `bytes`. */
    readonly offset: number,
    /** End of the IP payload or of the captured bytes (exclusive). */
    readonly end: number,
    /** The IP header under this one. */
    readonly ip: IpContext | undefined,
  ) {}

  /** Message type. */
  get type(): number {
    return this.bytes[this.offset] as number;
  }
  /** Code. */
  get code(): number {
    return this.bytes[this.offset + 1] as number;
  }
  /** Checksum field. */
  get checksum(): number {
    return u16(this.bytes, this.offset + 2);
  }
  /** Identifier (bytes 4-5; meaningful in echo messages). */
  get id(): number {
    return u16(this.bytes, this.offset + 4);
  }
  /** Sequence number (bytes 6-7; meaningful in echo messages). */
  get seq(): number {
    return u16(this.bytes, this.offset + 6);
  }
  /** Bytes 4-7 as one word (an MTU, a pointer, a gateway address...). */
  get rest(): number {
    return u32(this.bytes, this.offset + 4);
  }
  /** Offset of the data after the 8-byte header. */
  get payloadOffset(): number {
    return this.offset + ICMP_HEADER_LENGTH;
  }
  /** The data after the 8-byte header: echo data, or the quoted packet of an error message. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + ICMP_HEADER_LENGTH, this.end);
  }
}

/**
 * A lazy view of an ICMP message (IPv4).
 *
 * @throws {@link PacketDecodeError} `truncated` when fewer than 8 bytes are there.
 */
export class IcmpView extends IcmpBase {
  /** Always 8. */
  readonly headerLength = ICMP_HEADER_LENGTH;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length, ip?: IpContext) {
    need('icmp', offset, end, ICMP_HEADER_LENGTH);
    super(bytes, offset, end, ip);
  }

  /** Whether the checksum over the message is correct; `null` when the IP payload is truncated or a fragment. */
  get checksumValid(): boolean | null {
    if (this.ip && !this.ip.payloadComplete) return null;
    return foldChecksum(sumWords(this.bytes, this.offset, this.end)) === 0;
  }
}

/**
 * A lazy view of an ICMPv6 message. Every ICMPv6 message has at least 4 bytes; the fields of
 * bytes 4-7 read as 0 when a message is shorter than 8.
 *
 * @throws {@link PacketDecodeError} `truncated` when fewer than 4 bytes are there.
 */
export class Icmpv6View extends IcmpBase {
  /** Always 8 (the 4-byte header and the first word of the body, as for ICMP). */
  readonly headerLength = ICMP_HEADER_LENGTH;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length, ip?: IpContext) {
    need('icmpv6', offset, end, 4);
    super(bytes, offset, end, ip);
  }

  override get id(): number {
    return this.end - this.offset >= 8 ? super.id : 0;
  }
  override get seq(): number {
    return this.end - this.offset >= 8 ? super.seq : 0;
  }
  override get rest(): number {
    return this.end - this.offset >= 8 ? super.rest : 0;
  }
  override get payload(): Uint8Array {
    return this.bytes.subarray(Math.min(this.offset + ICMP_HEADER_LENGTH, this.end), this.end);
  }
  /** The message body after the 4-byte header. */
  get body(): Uint8Array {
    return this.bytes.subarray(this.offset + 4, this.end);
  }
  /** Whether the checksum (over the IPv6 pseudo-header) is correct; `null` without a whole IPv6 payload under it. */
  get checksumValid(): boolean | null {
    const ip = this.ip;
    if (!ip || !ip.payloadComplete) return null;
    const length = this.end - this.offset;
    return foldChecksum(sumWords(this.bytes, this.offset, this.end, ip.pseudoHeaderSum(IpProtocol.ICMPv6, length))) === 0;
  }
}

/** @internal Writes the 8-byte header (the checksum is filled in later by the packet builder). */
export function writeIcmp(b: Uint8Array, at: number, f: IcmpFields): number {
  b[at] = checkField(f.type, 0xff, 'icmp.type');
  b[at + 1] = checkField(f.code ?? 0, 0xff, 'icmp.code');
  put16(b, at + 2, 0);
  if (f.rest !== undefined) put32(b, at + 4, checkField(f.rest, 0xffffffff, 'icmp.rest'));
  else {
    put16(b, at + 4, checkField(f.id ?? 0, 0xffff, 'icmp.id'));
    put16(b, at + 6, checkField(f.seq ?? 0, 0xffff, 'icmp.seq'));
  }
  return at + ICMP_HEADER_LENGTH;
}
