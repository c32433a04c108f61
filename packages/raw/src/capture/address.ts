/**
 * `struct sockaddr_ll`, the packet family's address: which interface and protocol a frame came
 * in on (or goes out of), its link-layer source address and its packet type. Registered with
 * core's address registry, so every Socket operation of the family decodes and encodes it.
 *
 * Layout (20 bytes): family u16 @0, protocol u16 **big-endian** @2, ifindex i32 @4, hatype u16 @8,
 * pkttype u8 @10, halen u8 @11, addr[8] @12.
 */
import { allocSockaddr, decodeError, invalidArgument, registerAddressCodec, type AddressCodec } from '@rxsock/core';
import { formatMac, parseMac } from '../codec/bytes.js';
import { AF_PACKET, PACKET_TYPE_NAMES } from './constants.js';

/** Who a frame was for, as the kernel classified it (`sll_pkttype`). */
export type PacketType = (typeof PACKET_TYPE_NAMES)[number] | `type${number}`;

/** An AF_PACKET address (`struct sockaddr_ll`). */
export interface PacketAddress {
  /** Discriminant. */
  family: 'packet';
  /** EtherType in host order (`0x0800`); 3 (ETH_P_ALL) for every protocol. */
  protocol: number;
  /** Interface index (0: any, on bind). */
  interfaceIndex: number;
  /** ARP hardware type (`ARPHRD_ETHER` is 1, loopback 772). */
  hardwareType?: number;
  /** Packet type on receive; ignored on send. */
  packetType?: PacketType;
  /** Link-layer address as `aa:bb:cc:dd:ee:ff` (the source on receive, the destination for SOCK_DGRAM sends). */
  address?: string;
}

declare module '@rxsock/core' {
  interface SocketAddressMap {
    /** `AF_PACKET`. */
    packet: PacketAddress;
  }
}

/** `sizeof(struct sockaddr_ll)`. */
export const SOCKADDR_LL_SIZE = 20;

/** The name of a `sll_pkttype` number. */
export function packetTypeName(n: number): PacketType {
  return PACKET_TYPE_NAMES[n] ?? `type${n}`;
}

function packetTypeNumber(t: PacketType | undefined): number {
  if (t === undefined) return 0;
  const i = (PACKET_TYPE_NAMES as readonly string[]).indexOf(t);
  if (i >= 0) return i;
  const m = /^type(\d+)$/.exec(t);
  if (m && Number(m[1]) <= 255) return Number(m[1]);
  throw invalidArgument(`unknown packet type ${String(t)}`);
}

function checkInt(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${what} must be an integer ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** The codec core's registry dispatches AF_PACKET addresses to. */
export const packetAddressCodec: AddressCodec<PacketAddress> = {
  familyNumber: AF_PACKET,
  familyName: 'packet',
  encode(a, layout) {
    const bytes = allocSockaddr(AF_PACKET, SOCKADDR_LL_SIZE, layout);
    const v = new DataView(bytes.buffer);
    v.setUint16(2, checkInt(a.protocol, 0, 0xffff, 'protocol'));
    v.setInt32(4, checkInt(a.interfaceIndex, 0, 0x7fffffff, 'interfaceIndex'), true);
    v.setUint16(8, checkInt(a.hardwareType ?? 0, 0, 0xffff, 'hardwareType'), true);
    bytes[10] = packetTypeNumber(a.packetType);
    if (a.address !== undefined && a.address !== '') {
      let mac: Uint8Array;
      try {
        mac = parseMac(a.address, a.address.split(/[:-]/).length);
      } catch {
        throw invalidArgument(`bad link-layer address '${a.address}' (expected hex bytes separated by colons)`);
      }
      if (mac.length > 8) throw invalidArgument(`a link-layer address has at most 8 bytes, got ${mac.length}`);
      bytes[11] = mac.length;
      bytes.set(mac, 12);
    }
    return bytes;
  },
  decode(bytes, length) {
    if (length < 12) throw decodeError(`sockaddr_ll needs at least 12 bytes, got ${length}`);
    const v = new DataView(bytes.buffer, bytes.byteOffset, length);
    const halen = Math.min(bytes[11]!, 8, Math.max(0, length - 12));
    const out: PacketAddress = {
      family: 'packet',
      protocol: v.getUint16(2),
      interfaceIndex: v.getInt32(4, true),
      hardwareType: v.getUint16(8, true),
      packetType: packetTypeName(bytes[10]!),
    };
    if (halen > 0) out.address = formatMac(bytes, 12, halen);
    return out;
  },
  format: (a) => `packet(${a.interfaceIndex}, 0x${a.protocol.toString(16).padStart(4, '0')}${a.address ? `, ${a.address}` : ''})`,
};

registerAddressCodec(packetAddressCodec);
