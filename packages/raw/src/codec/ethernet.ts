/** Ethernet II frames with any number of stacked 802.1Q / 802.1ad tags. */
import { invalidArgument } from '@rxsock/core';
import { checkField, formatMac, parseMac, put16, u16 } from './bytes.js';
import { need } from './errors.js';
import { EtherType, isVlanTpid } from './numbers.js';

/** One VLAN tag: its TPID (0x8100 for 802.1Q, 0x88a8 for 802.1ad) and its TCI fields. */
export interface VlanTag {
  /** Tag protocol identifier. Default when encoding: 0x88a8 for outer tags of a stack, 0x8100 for the innermost. */
  tpid?: number;
  /** Priority code point, 0..7. Default 0. */
  pcp?: number;
  /** Drop eligible indicator. Default false. */
  dei?: boolean;
  /** VLAN identifier, 0..4095. */
  vid: number;
}

/** The fields of an Ethernet II header, for {@link buildPacket}. */
export interface EthernetFields {
  /** Destination MAC as text (`'ff:ff:ff:ff:ff:ff'`) or 6 bytes. Default broadcast. */
  dst?: string | Uint8Array;
  /** Source MAC. Default `00:00:00:00:00:00`. */
  src?: string | Uint8Array;
  /** VLAN tags, outermost first. */
  vlans?: VlanTag[];
  /** EtherType after the tags. Default: from the next layer (IPv4, IPv6, ARP). */
  type?: number;
}

/** Length of the untagged Ethernet II header. */
export const ETHERNET_HEADER_LENGTH = 14;

/**
 * A lazy view of an Ethernet II frame at `offset` in `bytes`: the constructor walks the VLAN tags
 * (so the header's length is known) and every other field is read from the bytes on access.
 * The view holds the buffer; it does not copy it.
 *
 * @throws {@link PacketDecodeError} `truncated` when the bytes end inside the header or a tag.
 */
export class EthernetView {
  /** Number of VLAN tags between the source MAC and the EtherType. */
  readonly vlanCount: number;
  /** Header length including tags (14 + 4 per tag). */
  readonly headerLength: number;

  constructor(
    /** The buffer holding the frame. */
    readonly bytes: Uint8Array,
    /** Offset of the frame in `bytes`. */
    readonly offset = 0,
    /** End of the captured bytes (exclusive). */
    readonly end = bytes.length,
  ) {
    need('ethernet', offset, end, ETHERNET_HEADER_LENGTH);
    let at = offset + 12;
    let count = 0;
    while (isVlanTpid(u16(bytes, at))) {
      need('vlan', at, end, 6);
      at += 4;
      count++;
    }
    this.vlanCount = count;
    this.headerLength = at + 2 - offset;
  }

  /** Destination MAC, lowercase colon-separated hex. */
  get dst(): string {
    return formatMac(this.bytes, this.offset);
  }

  /** Source MAC, lowercase colon-separated hex. */
  get src(): string {
    return formatMac(this.bytes, this.offset + 6);
  }

  /** EtherType after all VLAN tags (a value below 0x0600 is an 802.3 length). */
  get etherType(): number {
    return u16(this.bytes, this.offset + this.headerLength - 2);
  }

  /** The VLAN tags, outermost first (an array built on each access). */
  get vlans(): Required<VlanTag>[] {
    const out: Required<VlanTag>[] = [];
    for (let i = 0; i < this.vlanCount; i++) out.push(this.vlan(i));
    return out;
  }

  /** The `index`-th VLAN tag, outermost first. */
  vlan(index: number): Required<VlanTag> {
    const at = this.offset + 12 + 4 * index;
    const tci = u16(this.bytes, at + 2);
    return { tpid: u16(this.bytes, at), pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0xfff };
  }

  /** Offset of the payload in `bytes`. */
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }

  /** The payload (a subarray of `bytes`, up to `end`; Ethernet padding included). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.end);
  }
}

/** @internal Bytes the header of `fields` takes. */
export function ethernetHeaderLength(fields: EthernetFields): number {
  return ETHERNET_HEADER_LENGTH + 4 * (fields.vlans?.length ?? 0);
}

function macBytes(value: string | Uint8Array | undefined, fallback: number, field: string): Uint8Array {
  if (value === undefined) return new Uint8Array(6).fill(fallback);
  if (typeof value === 'string') return parseMac(value);
  if (value instanceof Uint8Array && value.length === 6) return value;
  throw invalidArgument(`${field}: expected a MAC as text or 6 bytes`);
}

/** @internal Writes the header at `at`; `nextType` is the EtherType implied by the next layer. */
export function writeEthernet(b: Uint8Array, at: number, fields: EthernetFields, nextType: number | undefined): number {
  b.set(macBytes(fields.dst, 0xff, 'ethernet.dst'), at);
  b.set(macBytes(fields.src, 0x00, 'ethernet.src'), at + 6);
  let p = at + 12;
  const tags = fields.vlans ?? [];
  tags.forEach((tag, i) => {
    const tpid = tag.tpid ?? (i < tags.length - 1 ? EtherType.QinQ : EtherType.VLAN);
    put16(b, p, checkField(tpid, 0xffff, 'vlan.tpid'));
    const tci = (checkField(tag.pcp ?? 0, 7, 'vlan.pcp') << 13) | (tag.dei ? 0x1000 : 0) | checkField(tag.vid, 0xfff, 'vlan.vid');
    put16(b, p + 2, tci);
    p += 4;
  });
  put16(b, p, checkField(fields.type ?? nextType ?? 0, 0xffff, 'ethernet.type'));
  return p + 2;
}
