/** IPv6 headers (RFC 8200) with their extension headers walked. */
import { invalidArgument } from '@rxsock/core';
import { checkField, ipv6Text, put16, put32, putAddress, u16, u32 } from './bytes.js';
import { pseudoHeaderSum } from './checksum.js';
import { PacketDecodeError, malformed, need } from './errors.js';
import type { IpContext } from './ip-context.js';
import { IpProtocol } from './numbers.js';

/** One hop-by-hop or destination option (type 0 is Pad1, type 1 is PadN). */
export interface Ipv6Option {
  /** Option type. */
  type: number;
  /** Option data (empty for Pad1). */
  data: Uint8Array;
}

/** A decoded extension header (read from the packet on each access of {@link Ipv6View.extensions}). */
export type Ipv6Extension =
  | { type: 'hopByHop' | 'destination'; nextHeader: number; offset: number; length: number; options: Ipv6Option[] }
  | { type: 'routing'; nextHeader: number; offset: number; length: number; routingType: number; segmentsLeft: number; data: Uint8Array; addresses: string[] }
  | { type: 'fragment'; nextHeader: number; offset: number; length: number; fragmentOffset: number; moreFragments: boolean; id: number }
  | { type: 'ah'; nextHeader: number; offset: number; length: number; spi: number; seq: number; icv: Uint8Array };

/** An extension header to encode, for {@link Ipv6Fields.extensions}. */
export type Ipv6ExtensionFields =
  | { type: 'hopByHop' | 'destination'; options?: Ipv6Option[] }
  | {
      type: 'routing';
      /** Routing type. Default 0 (the type whose data is a list of addresses). */
      routingType?: number;
      /** Segments left. Default 0. */
      segmentsLeft?: number;
      /** Addresses (types 0 and 2), after 4 reserved bytes. */
      addresses?: (string | Uint8Array)[];
      /** Raw type-specific data after the first 4 bytes (instead of `addresses`; padded to 8). */
      data?: Uint8Array;
    }
  | { type: 'fragment'; fragmentOffset?: number; moreFragments?: boolean; id?: number }
  | { type: 'ah'; spi?: number; seq?: number; icv?: Uint8Array };

/** The fields of an IPv6 header, for {@link buildPacket}. */
export interface Ipv6Fields {
  /** Traffic class. Default 0. */
  trafficClass?: number;
  /** Flow label. Default 0. */
  flowLabel?: number;
  /** Payload length. Default: everything after the fixed header. */
  payloadLength?: number;
  /** Next header of the fixed header. Default: the first extension, else the next layer. */
  nextHeader?: number;
  /** Hop limit. Default 64. */
  hopLimit?: number;
  /** Source address, text or 16 bytes. */
  src: string | Uint8Array;
  /** Destination address, text or 16 bytes. */
  dst: string | Uint8Array;
  /** Extension headers, in order. */
  extensions?: Ipv6ExtensionFields[];
}

const EXTENSION_NAMES: Record<number, 'hopByHop' | 'routing' | 'fragment' | 'destination' | 'ah'> = {
  [IpProtocol.HopByHop]: 'hopByHop',
  [IpProtocol.Routing]: 'routing',
  [IpProtocol.Fragment]: 'fragment',
  [IpProtocol.DestinationOptions]: 'destination',
  [IpProtocol.AH]: 'ah',
};

/** Whether a next-header value is an extension header this codec walks. */
export function isIpv6Extension(nextHeader: number): boolean {
  return EXTENSION_NAMES[nextHeader] !== undefined;
}

function extensionLength(b: Uint8Array, type: number, at: number): number {
  if (type === IpProtocol.Fragment) return 8;
  if (type === IpProtocol.AH) return ((b[at + 1] as number) + 2) * 4;
  return ((b[at + 1] as number) + 1) * 8;
}

/**
 * A lazy view of an IPv6 packet. The constructor walks the extension headers (hop-by-hop,
 * routing, fragment, destination options, AH) without allocating, so the upper-layer `protocol`
 * and `payloadOffset` are known; other fields are read on access. An extension header cut by
 * the end of the bytes does not fail the view: `extensionError` reports it and the walk stops
 * there.
 *
 * @throws {@link PacketDecodeError} `truncated` when the bytes end inside the fixed header,
 *   `malformed` for a version other than 6.
 */
export class Ipv6View implements IpContext {
  /** Always 6. */
  readonly version = 6 as const;
  /** The upper-layer protocol after the extension headers (or the header where the walk stopped). */
  readonly protocol: number;
  /** Offset in `bytes` of the upper-layer header. */
  readonly payloadOffset: number;
  /** End of the payload: the payload length, or the end of the captured bytes. */
  readonly payloadEnd: number;
  /** Number of extension headers walked. */
  readonly extensionCount: number;
  /** Why the walk stopped early, when an extension header did not fit. */
  readonly extensionError: PacketDecodeError | undefined;
  private readonly fragmentAt: number;
  private readonly finalDstAt: number;

  constructor(
    /** The buffer holding the packet. */
    readonly bytes: Uint8Array,
    /** Offset of the packet in `bytes`. */
    readonly offset = 0,
    /** End of the captured bytes (exclusive). */
    readonly end = bytes.length,
  ) {
    need('ipv6', offset, end, 40);
    const version = (bytes[offset] as number) >>> 4;
    if (version !== 6) throw malformed('ipv6', offset, `version is ${version}, not 6`);
    this.payloadEnd = Math.min(offset + 40 + u16(bytes, offset + 4), end);
    let next = bytes[offset + 6] as number;
    let at = offset + 40;
    let count = 0;
    let fragmentAt = -1;
    let finalDstAt = offset + 24;
    let error: PacketDecodeError | undefined;
    while (isIpv6Extension(next)) {
      if (this.payloadEnd - at < 8) {
        error = new PacketDecodeError('ipv6-extension', 'truncated', at, `extension header ${next} needs 8 bytes, ${Math.max(0, this.payloadEnd - at)} available`);
        break;
      }
      const length = extensionLength(bytes, next, at);
      if (at + length > this.payloadEnd) {
        error = new PacketDecodeError('ipv6-extension', 'truncated', at, `extension header ${next} is ${length} bytes, ${this.payloadEnd - at} available`);
        break;
      }
      if (next === IpProtocol.Fragment) fragmentAt = at;
      if (next === IpProtocol.Routing && (bytes[at + 3] as number) > 0) {
        const type = bytes[at + 2] as number;
        const addresses = type === 0 ? (bytes[at + 1] as number) >>> 1 : type === 2 ? 1 : 0;
        if (addresses > 0 && length >= 8 + 16 * addresses) finalDstAt = at + 8 + 16 * (addresses - 1);
      }
      next = bytes[at] as number;
      at += length;
      count++;
    }
    this.protocol = next;
    this.payloadOffset = at;
    this.extensionCount = count;
    this.extensionError = error;
    this.fragmentAt = fragmentAt;
    this.finalDstAt = finalDstAt;
  }

  /** Traffic class. */
  get trafficClass(): number {
    return (u16(this.bytes, this.offset) >>> 4) & 0xff;
  }
  /** Flow label. */
  get flowLabel(): number {
    return u32(this.bytes, this.offset) & 0xfffff;
  }
  /** Payload length field (extension headers included). */
  get payloadLength(): number {
    return u16(this.bytes, this.offset + 4);
  }
  /** Next header of the fixed header. */
  get nextHeader(): number {
    return this.bytes[this.offset + 6] as number;
  }
  /** Hop limit. */
  get hopLimit(): number {
    return this.bytes[this.offset + 7] as number;
  }
  /** Source address, RFC 5952 text. */
  get src(): string {
    return ipv6Text(this.bytes, this.offset + 8);
  }
  /** Destination address, RFC 5952 text. */
  get dst(): string {
    return ipv6Text(this.bytes, this.offset + 24);
  }
  /** The extension headers walked, decoded (an array built on each access). */
  get extensions(): Ipv6Extension[] {
    const out: Ipv6Extension[] = [];
    let type = this.nextHeader;
    let at = this.offset + 40;
    for (let i = 0; i < this.extensionCount; i++) {
      const ext = decodeExtension(this.bytes, type, at);
      out.push(ext);
      type = ext.nextHeader;
      at += ext.length;
    }
    return out;
  }
  /** Whether a fragment header is present (an atomic fragment, offset 0 without M, counts too). */
  get hasFragmentHeader(): boolean {
    return this.fragmentAt >= 0;
  }
  /** Whether the payload is one piece of a fragmented datagram (a fragment header with an offset or M). */
  get isFragment(): boolean {
    return this.fragmentAt >= 0 && (u16(this.bytes, this.fragmentAt + 2) & 0xfff9) !== 0;
  }
  /** Fragment offset in 8-byte units (0 without a fragment header). */
  get fragmentOffset(): number {
    return this.fragmentAt < 0 ? 0 : u16(this.bytes, this.fragmentAt + 2) >>> 3;
  }
  /** The fragment header's M flag. */
  get moreFragments(): boolean {
    return this.fragmentAt >= 0 && (u16(this.bytes, this.fragmentAt + 2) & 1) === 1;
  }
  /** Whether the captured bytes end before the payload length. */
  get truncated(): boolean {
    return this.offset + 40 + this.payloadLength > this.end;
  }
  /** The upper-layer payload (a subarray of `bytes`). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.payloadEnd);
  }
  /** {@inheritDoc IpContext.payloadComplete} */
  get payloadComplete(): boolean {
    return !this.truncated && !this.isFragment && this.extensionError === undefined;
  }
  /** {@inheritDoc IpContext.pseudoHeaderSum} */
  pseudoHeaderSum(protocol: number, length: number): number {
    return pseudoHeaderSum(this.bytes, this.offset + 8, this.finalDstAt, 16, protocol, length);
  }
}

function decodeOptions(b: Uint8Array, start: number, end: number): Ipv6Option[] {
  const out: Ipv6Option[] = [];
  let at = start;
  while (at < end) {
    const type = b[at] as number;
    if (type === 0) {
      out.push({ type, data: b.subarray(at + 1, at + 1) });
      at++;
      continue;
    }
    if (at + 1 >= end) throw malformed('ipv6-extension', at, `option ${type} has no length byte`);
    const len = b[at + 1] as number;
    if (at + 2 + len > end) throw malformed('ipv6-extension', at, `option ${type} length ${len} runs past its header`);
    out.push({ type, data: b.subarray(at + 2, at + 2 + len) });
    at += 2 + len;
  }
  return out;
}

function decodeExtension(b: Uint8Array, type: number, at: number): Ipv6Extension {
  const nextHeader = b[at] as number;
  const length = extensionLength(b, type, at);
  switch (type) {
    case IpProtocol.Fragment: {
      const word = u16(b, at + 2);
      return { type: 'fragment', nextHeader, offset: at, length, fragmentOffset: word >>> 3, moreFragments: (word & 1) === 1, id: u32(b, at + 4) };
    }
    case IpProtocol.AH:
      return { type: 'ah', nextHeader, offset: at, length, spi: u32(b, at + 4), seq: u32(b, at + 8), icv: b.subarray(at + 12, at + length) };
    case IpProtocol.Routing: {
      const routingType = b[at + 2] as number;
      const data = b.subarray(at + 4, at + length);
      const addresses: string[] = [];
      if (routingType === 0 || routingType === 2) for (let p = at + 8; p + 16 <= at + length; p += 16) addresses.push(ipv6Text(b, p));
      return { type: 'routing', nextHeader, offset: at, length, routingType, segmentsLeft: b[at + 3] as number, data, addresses };
    }
    default:
      return { type: EXTENSION_NAMES[type] as 'hopByHop' | 'destination', nextHeader, offset: at, length, options: decodeOptions(b, at + 2, at + length) };
  }
}

/** @internal The protocol number of an extension to encode. */
export function extensionProtocol(ext: Ipv6ExtensionFields): number {
  switch (ext.type) {
    case 'hopByHop': return IpProtocol.HopByHop;
    case 'destination': return IpProtocol.DestinationOptions;
    case 'routing': return IpProtocol.Routing;
    case 'fragment': return IpProtocol.Fragment;
    case 'ah': return IpProtocol.AH;
    default: throw invalidArgument(`unknown IPv6 extension header ${String((ext as { type: unknown }).type)}`);
  }
}

/** @internal Encodes one extension header, with `nextHeader` in its first byte. */
export function encodeExtension(ext: Ipv6ExtensionFields, nextHeader: number): Uint8Array {
  let out: Uint8Array;
  switch (ext.type) {
    case 'fragment': {
      out = new Uint8Array(8);
      put16(out, 2, (checkField(ext.fragmentOffset ?? 0, 0x1fff, 'fragment.fragmentOffset') << 3) | (ext.moreFragments ? 1 : 0));
      put32(out, 4, checkField(ext.id ?? 0, 0xffffffff, 'fragment.id'));
      break;
    }
    case 'ah': {
      const icv = ext.icv ?? new Uint8Array(4);
      if ((12 + icv.length) % 4 !== 0) throw invalidArgument('ah.icv: the header must be a multiple of 4 bytes');
      out = new Uint8Array(12 + icv.length);
      out[1] = out.length / 4 - 2;
      put32(out, 4, checkField(ext.spi ?? 0, 0xffffffff, 'ah.spi'));
      put32(out, 8, checkField(ext.seq ?? 0, 0xffffffff, 'ah.seq'));
      out.set(icv, 12);
      break;
    }
    case 'routing': {
      let data: Uint8Array;
      if (ext.data !== undefined) data = ext.data;
      else {
        const addresses = ext.addresses ?? [];
        data = new Uint8Array(4 + 16 * addresses.length);
        addresses.forEach((a, i) => putAddress(data, 4 + 16 * i, 6, a, 'routing.addresses'));
      }
      const length = Math.ceil((4 + data.length) / 8) * 8;
      out = new Uint8Array(length);
      out[1] = length / 8 - 1;
      out[2] = checkField(ext.routingType ?? 0, 0xff, 'routing.routingType');
      out[3] = checkField(ext.segmentsLeft ?? 0, 0xff, 'routing.segmentsLeft');
      out.set(data, 4);
      break;
    }
    default: {
      const parts: number[] = [0, 0];
      for (const o of ext.options ?? []) {
        checkField(o.type, 0xff, 'ipv6 option type');
        if (o.type === 0) parts.push(0);
        else parts.push(o.type, checkField(o.data.length, 0xff, 'ipv6 option length'), ...o.data);
      }
      const pad = (8 - (parts.length % 8)) % 8;
      if (pad === 1) parts.push(0);
      else if (pad > 1) parts.push(1, pad - 2, ...new Array<number>(pad - 2).fill(0));
      out = Uint8Array.from(parts);
      if (out.length > 2048) throw invalidArgument('ipv6 options header longer than 2048 bytes');
      out[1] = out.length / 8 - 1;
    }
  }
  out[0] = nextHeader;
  return out;
}

/** @internal Writes the fixed header; returns the offset after it. */
export function writeIpv6(b: Uint8Array, at: number, f: Ipv6Fields, payloadLength: number, nextHeader: number): number {
  const tc = checkField(f.trafficClass ?? 0, 0xff, 'ipv6.trafficClass');
  const flow = checkField(f.flowLabel ?? 0, 0xfffff, 'ipv6.flowLabel');
  put32(b, at, ((6 << 28) | (tc << 20) | flow) >>> 0);
  put16(b, at + 4, checkField(f.payloadLength ?? payloadLength, 0xffff, 'ipv6.payloadLength'));
  b[at + 6] = checkField(f.nextHeader ?? nextHeader, 0xff, 'ipv6.nextHeader');
  b[at + 7] = checkField(f.hopLimit ?? 64, 0xff, 'ipv6.hopLimit');
  putAddress(b, at + 8, 6, f.src, 'ipv6.src');
  putAddress(b, at + 24, 6, f.dst, 'ipv6.dst');
  return at + 40;
}
