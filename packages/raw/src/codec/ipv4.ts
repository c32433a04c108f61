/** IPv4 headers (RFC 791): options, header checksum, fragments flagged. */
import { invalidArgument } from '@rxsock/core';
import { checkField, ipv4Text, put16, putAddress, u16 } from './bytes.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { malformed, need } from './errors.js';
import type { IpContext } from './ip-context.js';

/** One IPv4 option: its type byte and its data (without the type and length bytes). EOL is 0, NOP is 1. */
export interface Ipv4Option {
  /** Option type byte (copied flag, class and number together), such as 7 (record route) or 148 (router alert). */
  type: number;
  /** Option data after the type and length bytes; empty for EOL (0) and NOP (1). */
  data: Uint8Array;
}

/** The fields of an IPv4 header, for {@link buildPacket}. */
export interface Ipv4Fields {
  /** Type of service byte (DSCP << 2 | ECN). Default 0. */
  tos?: number;
  /** Total length. Default: header plus everything after it. */
  totalLength?: number;
  /** Identification. Default 0. */
  id?: number;
  /** The reserved (evil) bit. Default false. */
  reservedFlag?: boolean;
  /** Don't fragment. Default false. */
  dontFragment?: boolean;
  /** More fragments. Default false. */
  moreFragments?: boolean;
  /** Fragment offset in 8-byte units. Default 0. */
  fragmentOffset?: number;
  /** Time to live. Default 64. */
  ttl?: number;
  /** Protocol. Default: from the next layer. */
  protocol?: number;
  /** Header checksum. Default: computed. */
  checksum?: number;
  /** Source address, text or 4 bytes. */
  src: string | Uint8Array;
  /** Destination address, text or 4 bytes. */
  dst: string | Uint8Array;
  /** Options as a list (padded with EOL to a multiple of 4) or as raw bytes (a multiple of 4). */
  options?: Ipv4Option[] | Uint8Array;
}

/**
 * A lazy view of an IPv4 packet. The constructor checks the version, IHL and total length; all
 * fields are read on access. The payload ends at the total length or at the captured bytes,
 * whichever comes first (`truncated` says which).
 *
 * @throws {@link PacketDecodeError} `truncated` when the bytes end inside the header, `malformed`
 *   for a version other than 4, an IHL below 5 or a total length shorter than the header.
 */
export class Ipv4View implements IpContext {
  /** Always 4. */
  readonly version = 4 as const;
  /** Header length in bytes (IHL * 4). */
  readonly headerLength: number;
  /** End of the payload in `bytes`: the total length, or the end of the captured bytes. */
  readonly payloadEnd: number;

  constructor(
    /** The buffer holding the packet. */
    readonly bytes: Uint8Array,
    /** Offset of the packet in `bytes`. */
    readonly offset = 0,
    /** End of the captured bytes (exclusive). */
    readonly end = bytes.length,
  ) {
    need('ipv4', offset, end, 20);
    const first = bytes[offset] as number;
    if (first >>> 4 !== 4) throw malformed('ipv4', offset, `version is ${first >>> 4}, not 4`);
    const headerLength = (first & 0x0f) * 4;
    if (headerLength < 20) throw malformed('ipv4', offset, `IHL ${first & 0x0f} is below 5`);
    need('ipv4', offset, end, headerLength);
    const total = u16(bytes, offset + 2);
    if (total < headerLength) throw malformed('ipv4', offset, `total length ${total} is shorter than the header (${headerLength})`);
    this.headerLength = headerLength;
    this.payloadEnd = Math.min(offset + total, end);
  }

  /** Type of service byte. */
  get tos(): number {
    return this.bytes[this.offset + 1] as number;
  }
  /** Differentiated services code point (the top 6 bits of the TOS byte). */
  get dscp(): number {
    return this.tos >>> 2;
  }
  /** Explicit congestion notification (the low 2 bits of the TOS byte). */
  get ecn(): number {
    return this.tos & 3;
  }
  /** Total length field. */
  get totalLength(): number {
    return u16(this.bytes, this.offset + 2);
  }
  /** Identification. */
  get id(): number {
    return u16(this.bytes, this.offset + 4);
  }
  /** The three flag bits (reserved, DF, MF) as a number 0..7. */
  get flags(): number {
    return (this.bytes[this.offset + 6] as number) >>> 5;
  }
  /** The reserved flag bit. */
  get reservedFlag(): boolean {
    return (this.flags & 4) !== 0;
  }
  /** Don't fragment. */
  get dontFragment(): boolean {
    return (this.flags & 2) !== 0;
  }
  /** More fragments. */
  get moreFragments(): boolean {
    return (this.flags & 1) !== 0;
  }
  /** Fragment offset in 8-byte units. */
  get fragmentOffset(): number {
    return u16(this.bytes, this.offset + 6) & 0x1fff;
  }
  /** Whether this packet is a fragment (MF set or a non-zero offset): its payload is not a whole datagram. */
  get isFragment(): boolean {
    return (u16(this.bytes, this.offset + 6) & 0x3fff) !== 0;
  }
  /** Time to live. */
  get ttl(): number {
    return this.bytes[this.offset + 8] as number;
  }
  /** Protocol of the payload. */
  get protocol(): number {
    return this.bytes[this.offset + 9] as number;
  }
  /** Header checksum field. */
  get checksum(): number {
    return u16(this.bytes, this.offset + 10);
  }
  /** Whether the header checksum is correct. */
  get checksumValid(): boolean {
    return internetChecksum(this.bytes, this.offset, this.offset + this.headerLength) === 0;
  }
  /** Source address, dotted quad. */
  get src(): string {
    return ipv4Text(this.bytes, this.offset + 12);
  }
  /** Destination address, dotted quad. */
  get dst(): string {
    return ipv4Text(this.bytes, this.offset + 16);
  }
  /** The option bytes (a subarray; empty without options). */
  get optionBytes(): Uint8Array {
    return this.bytes.subarray(this.offset + 20, this.offset + this.headerLength);
  }
  /**
   * The options, in order, up to and including an EOL (the padding after it is not listed).
   *
   * @throws {@link PacketDecodeError} `malformed` when an option's length is below 2 or runs past the header.
   */
  get options(): Ipv4Option[] {
    return decodeIpv4Options(this.bytes, this.offset + 20, this.offset + this.headerLength);
  }
  /** Whether the captured bytes end before the total length. */
  get truncated(): boolean {
    return this.offset + this.totalLength > this.end;
  }
  /** Offset of the payload in `bytes`. */
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }
  /** The payload (a subarray of `bytes`, without Ethernet padding). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.payloadEnd);
  }
  /** {@inheritDoc IpContext.payloadComplete} */
  get payloadComplete(): boolean {
    return !this.truncated && !this.isFragment;
  }
  /** {@inheritDoc IpContext.pseudoHeaderSum} */
  pseudoHeaderSum(protocol: number, length: number): number {
    return pseudoHeaderSum(this.bytes, this.offset + 12, this.offset + 16, 4, protocol, length);
  }
}

function decodeIpv4Options(b: Uint8Array, start: number, end: number): Ipv4Option[] {
  const out: Ipv4Option[] = [];
  let at = start;
  while (at < end) {
    const type = b[at] as number;
    if (type === 0 || type === 1) {
      out.push({ type, data: b.subarray(at + 1, at + 1) });
      at++;
      if (type === 0) break;
      continue;
    }
    if (at + 1 >= end) throw malformed('ipv4', at, `option ${type} has no length byte`);
    const len = b[at + 1] as number;
    if (len < 2 || at + len > end) throw malformed('ipv4', at, `option ${type} length ${len} does not fit the header`);
    out.push({ type, data: b.subarray(at + 2, at + len) });
    at += len;
  }
  return out;
}

/** @internal The option bytes of `fields`, padded with EOL to a multiple of 4. */
export function ipv4OptionBytes(options: Ipv4Fields['options']): Uint8Array {
  if (options === undefined) return new Uint8Array(0);
  if (options instanceof Uint8Array) {
    if (options.length % 4 !== 0 || options.length > 40) throw invalidArgument('ipv4.options: raw options must be a multiple of 4 bytes, at most 40');
    return options;
  }
  const parts: number[] = [];
  for (const o of options) {
    checkField(o.type, 0xff, 'ipv4 option type');
    if (o.type === 0 || o.type === 1) {
      parts.push(o.type);
      continue;
    }
    if (o.data.length > 38) throw invalidArgument(`ipv4 option ${o.type}: data longer than 38 bytes`);
    parts.push(o.type, o.data.length + 2, ...o.data);
  }
  while (parts.length % 4 !== 0) parts.push(0);
  if (parts.length > 40) throw invalidArgument(`ipv4.options: ${parts.length} bytes, at most 40 fit`);
  return Uint8Array.from(parts);
}

/** @internal Writes the header (checksum filled in last by {@link finishIpv4}); returns the payload offset. */
export function writeIpv4(b: Uint8Array, at: number, f: Ipv4Fields, options: Uint8Array, totalLength: number, nextProtocol: number | undefined): number {
  const headerLength = 20 + options.length;
  b[at] = 0x40 | (headerLength / 4);
  b[at + 1] = checkField(f.tos ?? 0, 0xff, 'ipv4.tos');
  put16(b, at + 2, checkField(f.totalLength ?? totalLength, 0xffff, 'ipv4.totalLength'));
  put16(b, at + 4, checkField(f.id ?? 0, 0xffff, 'ipv4.id'));
  const flags = (f.reservedFlag ? 4 : 0) | (f.dontFragment ? 2 : 0) | (f.moreFragments ? 1 : 0);
  put16(b, at + 6, (flags << 13) | checkField(f.fragmentOffset ?? 0, 0x1fff, 'ipv4.fragmentOffset'));
  b[at + 8] = checkField(f.ttl ?? 64, 0xff, 'ipv4.ttl');
  b[at + 9] = checkField(f.protocol ?? nextProtocol ?? 0, 0xff, 'ipv4.protocol');
  putAddress(b, at + 12, 4, f.src, 'ipv4.src');
  putAddress(b, at + 16, 4, f.dst, 'ipv4.dst');
  b.set(options, at + 20);
  put16(b, at + 10, f.checksum !== undefined ? checkField(f.checksum, 0xffff, 'ipv4.checksum') : internetChecksum(b, at, at + headerLength));
  return at + headerLength;
}

