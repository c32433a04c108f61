/**
 * Builds whole packets from plain objects, outermost layer first, like scapy's `Ether()/IP()/UDP()`:
 * lengths, next-protocol numbers and checksums are filled in unless a field gives them.
 */
import { invalidArgument } from '@rxsock/core';
import { put16 } from './bytes.js';
import { ARP_LENGTH, writeArp, type ArpFields } from './arp.js';
import { foldChecksum, internetChecksum, pseudoHeaderSum, sumWords } from './checksum.js';
import { ethernetHeaderLength, writeEthernet, type EthernetFields } from './ethernet.js';
import { ICMP_HEADER_LENGTH, writeIcmp, type IcmpFields } from './icmp.js';
import { ipv4OptionBytes, writeIpv4, type Ipv4Fields } from './ipv4.js';
import { encodeExtension, extensionProtocol, writeIpv6, type Ipv6Fields } from './ipv6.js';
import { EtherType, IpProtocol } from './numbers.js';
import { encodeTcpOptions } from './tcp-options.js';
import { writeTcp, type TcpFields } from './tcp.js';
import { UDP_HEADER_LENGTH, writeUdp, type UdpFields } from './udp.js';

/** One layer to build: the header's fields tagged with its `layer` name. */
export type LayerFields =
  | ({ layer: 'ethernet' } & EthernetFields)
  | ({ layer: 'arp' } & ArpFields)
  | ({ layer: 'ipv4' } & Ipv4Fields)
  | ({ layer: 'ipv6' } & Ipv6Fields)
  | ({ layer: 'udp' } & UdpFields)
  | ({ layer: 'tcp' } & TcpFields)
  | ({ layer: 'icmp' } & IcmpFields)
  | ({ layer: 'icmpv6' } & IcmpFields);

const ETHER_TYPES: Partial<Record<LayerFields['layer'], number>> = { ipv4: EtherType.IPv4, ipv6: EtherType.IPv6, arp: EtherType.ARP };
const PROTOCOLS: Partial<Record<LayerFields['layer'], number>> = {
  ipv4: 4,
  ipv6: 41,
  udp: IpProtocol.UDP,
  tcp: IpProtocol.TCP,
  icmp: IpProtocol.ICMP,
  icmpv6: IpProtocol.ICMPv6,
};

interface Prepared {
  fields: LayerFields;
  size: number;
  /** IPv4 options, TCP options, or IPv6 extension headers (first byte patched later). */
  extra: Uint8Array[];
}

function prepare(fields: LayerFields): Prepared {
  switch (fields.layer) {
    case 'ethernet': return { fields, size: ethernetHeaderLength(fields), extra: [] };
    case 'arp': return { fields, size: ARP_LENGTH, extra: [] };
    case 'ipv4': {
      const options = ipv4OptionBytes(fields.options);
      return { fields, size: 20 + options.length, extra: [options] };
    }
    case 'ipv6': {
      const exts = (fields.extensions ?? []).map((e) => encodeExtension(e, 0));
      return { fields, size: 40 + exts.reduce((n, e) => n + e.length, 0), extra: exts };
    }
    case 'udp': return { fields, size: UDP_HEADER_LENGTH, extra: [] };
    case 'tcp': {
      const options = encodeTcpOptions(fields.options);
      return { fields, size: 20 + options.length, extra: [options] };
    }
    case 'icmp':
    case 'icmpv6': return { fields, size: ICMP_HEADER_LENGTH, extra: [] };
    default: throw invalidArgument(`unknown layer ${String((fields as { layer: unknown }).layer)}`);
  }
}

/**
 * Builds a packet from its layers, outermost first, and a payload. Unless a field sets them:
 * the EtherType, IPv4 protocol and IPv6 next headers come from the next layer; IPv4 total
 * length, IPv6 payload length and UDP length from what follows; the IPv4 header checksum, and
 * the UDP, TCP and ICMPv6 checksums over the pseudo-header of the IP layer right below them (the
 * final destination of an IPv6 routing header), and the ICMP checksum, are computed. A UDP
 * checksum that computes to 0 is sent as 0xffff.
 *
 * @example
 * ```ts
 * const frame = buildPacket([
 *   { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
 *   { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
 *   { layer: 'udp', srcPort: 1234, dstPort: 53 },
 * ], Buffer.from('hello'));
 * ```
 * @throws `SocketError` (from `@rxsock/core`) `EINVAL` naming the field that is out of range or unparsable.
 */
export function buildPacket(layers: readonly LayerFields[], payload: Uint8Array = new Uint8Array(0)): Buffer {
  if (!Array.isArray(layers)) throw invalidArgument('buildPacket: layers must be an array');
  if (!(payload instanceof Uint8Array)) throw invalidArgument('buildPacket: payload must be a Uint8Array');
  const prepared = layers.map(prepare);
  const total = prepared.reduce((n, p) => n + p.size, 0) + payload.length;
  const b = Buffer.alloc(total);
  const starts: number[] = [];
  let at = 0;
  prepared.forEach((p, i) => {
    starts.push(at);
    const next = prepared[i + 1]?.fields.layer;
    const rest = total - at;
    const f = p.fields;
    switch (f.layer) {
      case 'ethernet': writeEthernet(b, at, f, next && ETHER_TYPES[next]); break;
      case 'arp': writeArp(b, at, f); break;
      case 'ipv4': writeIpv4(b, at, f, p.extra[0] as Uint8Array, rest, next && PROTOCOLS[next]); break;
      case 'ipv6': {
        const exts = f.extensions ?? [];
        const upper = next ? PROTOCOLS[next] ?? IpProtocol.NoNext : IpProtocol.NoNext;
        let q = writeIpv6(b, at, f, rest - 40, exts[0] ? extensionProtocol(exts[0]) : upper);
        p.extra.forEach((bytes, k) => {
          b.set(bytes, q);
          const following = exts[k + 1];
          b[q] = following ? extensionProtocol(following) : upper;
          q += bytes.length;
        });
        break;
      }
      case 'udp': writeUdp(b, at, f, rest); break;
      case 'tcp': writeTcp(b, at, f, p.extra[0] as Uint8Array); break;
      default: writeIcmp(b, at, f);
    }
    at += p.size;
  });
  b.set(payload, at);
  // Checksums last, innermost first, once every byte they cover is in place.
  for (let i = prepared.length - 1; i >= 0; i--) fillChecksum(b, prepared, starts, i);
  return b;
}

function fillChecksum(b: Buffer, prepared: Prepared[], starts: number[], i: number): void {
  const f = (prepared[i] as Prepared).fields;
  if (f.layer !== 'udp' && f.layer !== 'tcp' && f.layer !== 'icmp' && f.layer !== 'icmpv6') return;
  const at = starts[i] as number;
  const field = f.layer === 'udp' ? at + 6 : f.layer === 'tcp' ? at + 16 : at + 2;
  if (f.checksum !== undefined) {
    put16(b, field, f.checksum);
    return;
  }
  const below = prepared[i - 1]?.fields;
  const length = b.length - at;
  if (f.layer === 'icmp') {
    put16(b, field, internetChecksum(b, at, b.length));
    return;
  }
  if (below?.layer !== 'ipv4' && below?.layer !== 'ipv6') return;
  const ipAt = starts[i - 1] as number;
  const protocol = f.layer === 'udp' ? IpProtocol.UDP : f.layer === 'tcp' ? IpProtocol.TCP : IpProtocol.ICMPv6;
  const pseudo = below.layer === 'ipv4'
    ? pseudoHeaderSum(b, ipAt + 12, ipAt + 16, 4, protocol, length)
    : pseudoHeaderSum(b, ipAt + 8, finalDestination(below, prepared[i - 1] as Prepared, ipAt), 16, protocol, length);
  let sum = foldChecksum(sumWords(b, at, b.length, pseudo));
  if (f.layer === 'udp' && sum === 0) sum = 0xffff;
  put16(b, field, sum);
}

/** RFC 8200 8.1: with a routing header still to be processed, the checksum covers the final destination. */
function finalDestination(ip: Ipv6Fields, prepared: Prepared, ipAt: number): number {
  let q = ipAt + 40;
  let dst = ipAt + 24;
  (ip.extensions ?? []).forEach((e, k) => {
    if (e.type === 'routing' && (e.segmentsLeft ?? 0) > 0 && e.data === undefined && (e.addresses?.length ?? 0) > 0 && ((e.routingType ?? 0) === 0 || e.routingType === 2)) {
      dst = q + 8 + 16 * ((e.addresses?.length ?? 1) - 1);
    }
    q += (prepared.extra[k] as Uint8Array).length;
  });
  return dst;
}
