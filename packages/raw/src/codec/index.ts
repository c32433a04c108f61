/**
 * Header codecs: lazy views over packet bytes (fields read on access) and a packet builder from
 * plain objects. Pure functions of bytes: no socket is touched here.
 */
export { PacketDecodeError, type LayerName, type DecodeFailure } from './errors.js';
export { EtherType, IpProtocol } from './numbers.js';
export { formatMac, parseMac } from './bytes.js';
export { internetChecksum, sumWords, foldChecksum } from './checksum.js';
export type { IpContext } from './ip-context.js';
export { EthernetView, ETHERNET_HEADER_LENGTH, type EthernetFields, type VlanTag } from './ethernet.js';
export { ArpView, ArpOp, type ArpFields } from './arp.js';
export { Ipv4View, type Ipv4Fields, type Ipv4Option } from './ipv4.js';
export { Ipv6View, isIpv6Extension, type Ipv6Fields, type Ipv6Extension, type Ipv6ExtensionFields, type Ipv6Option } from './ipv6.js';
export { UdpView, UDP_HEADER_LENGTH, type UdpFields } from './udp.js';
export { TcpView, TcpFlags, tcpdumpFlags, type TcpFields } from './tcp.js';
export { TcpOptionKind, type TcpOption } from './tcp-options.js';
export { IcmpView, Icmpv6View, IcmpType, Icmpv6Type, ICMP_HEADER_LENGTH, type IcmpFields } from './icmp.js';
export { Packet, decodePacket, quotedPacket, type LinkLayer, type IpView, type TransportView } from './packet.js';
export { buildPacket, type LayerFields } from './build.js';
