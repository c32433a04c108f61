/** ARP (RFC 826), with the Ethernet/IPv4 address sizes read as text and others as hex. */
import { invalidArgument } from '@rxsock/core';
import { checkField, formatMac, ipv4Text, parseMac, put16, putAddress, u16 } from './bytes.js';
import { need } from './errors.js';
import { EtherType } from './numbers.js';

/** ARP operation codes. */
export const ArpOp = { Request: 1, Reply: 2 } as const;

/** The fields of an Ethernet/IPv4 ARP message, for {@link buildPacket}. */
export interface ArpFields {
  /** Hardware type. Default 1 (Ethernet). */
  hardwareType?: number;
  /** Protocol type. Default 0x0800 (IPv4). */
  protocolType?: number;
  /** Operation: 1 request, 2 reply. Default 1. */
  op?: number;
  /** Sender MAC. Default all zero. */
  senderMac?: string | Uint8Array;
  /** Sender IPv4 address. */
  senderIp: string | Uint8Array;
  /** Target MAC. Default all zero. */
  targetMac?: string | Uint8Array;
  /** Target IPv4 address. */
  targetIp: string | Uint8Array;
}

/**
 * A lazy view of an ARP message. Addresses of the Ethernet/IPv4 sizes (6 and 4 bytes) read as
 * MAC and dotted-quad text; other sizes read as colon-separated hex.
 *
 * @throws {@link PacketDecodeError} `truncated` when the bytes end inside the message.
 */
export class ArpView {
  /** Length of the message (8 + 2 * (hlen + plen)). */
  readonly headerLength: number;

  constructor(
    /** The buffer holding the message. */
    readonly bytes: Uint8Array,
    /** Offset of the message in `bytes`. */
    readonly offset = 0,
    /** End of the captured bytes (exclusive). */
    readonly end = bytes.length,
  ) {
    need('arp', offset, end, 8);
    this.headerLength = 8 + 2 * ((bytes[offset + 4] as number) + (bytes[offset + 5] as number));
    need('arp', offset, end, this.headerLength);
  }

  /** Hardware type (1 = Ethernet). */
  get hardwareType(): number {
    return u16(this.bytes, this.offset);
  }
  /** Protocol type (0x0800 = IPv4). */
  get protocolType(): number {
    return u16(this.bytes, this.offset + 2);
  }
  /** Hardware address length. */
  get hardwareLength(): number {
    return this.bytes[this.offset + 4] as number;
  }
  /** Protocol address length. */
  get protocolLength(): number {
    return this.bytes[this.offset + 5] as number;
  }
  /** Operation (1 request, 2 reply). */
  get op(): number {
    return u16(this.bytes, this.offset + 6);
  }
  /** Sender hardware address. */
  get senderMac(): string {
    return formatMac(this.bytes, this.offset + 8, this.hardwareLength);
  }
  /** Sender protocol address. */
  get senderIp(): string {
    return this.protocolText(this.offset + 8 + this.hardwareLength);
  }
  /** Target hardware address. */
  get targetMac(): string {
    return formatMac(this.bytes, this.offset + 8 + this.hardwareLength + this.protocolLength, this.hardwareLength);
  }
  /** Target protocol address. */
  get targetIp(): string {
    return this.protocolText(this.offset + 8 + 2 * this.hardwareLength + this.protocolLength);
  }

  private protocolText(at: number): string {
    return this.protocolLength === 4 ? ipv4Text(this.bytes, at) : formatMac(this.bytes, at, this.protocolLength);
  }
}

/** @internal The Ethernet/IPv4 ARP message is 28 bytes. */
export const ARP_LENGTH = 28;

function mac(value: string | Uint8Array | undefined, field: string): Uint8Array {
  if (value === undefined) return new Uint8Array(6);
  if (typeof value === 'string') return parseMac(value);
  if (value instanceof Uint8Array && value.length === 6) return value;
  throw invalidArgument(`${field}: expected a MAC as text or 6 bytes`);
}

/** @internal Writes an Ethernet/IPv4 ARP message. */
export function writeArp(b: Uint8Array, at: number, f: ArpFields): number {
  put16(b, at, checkField(f.hardwareType ?? 1, 0xffff, 'arp.hardwareType'));
  put16(b, at + 2, checkField(f.protocolType ?? EtherType.IPv4, 0xffff, 'arp.protocolType'));
  b[at + 4] = 6;
  b[at + 5] = 4;
  put16(b, at + 6, checkField(f.op ?? ArpOp.Request, 0xffff, 'arp.op'));
  b.set(mac(f.senderMac, 'arp.senderMac'), at + 8);
  putAddress(b, at + 14, 4, f.senderIp, 'arp.senderIp');
  b.set(mac(f.targetMac, 'arp.targetMac'), at + 18);
  putAddress(b, at + 24, 4, f.targetIp, 'arp.targetIp');
  return at + ARP_LENGTH;
}
