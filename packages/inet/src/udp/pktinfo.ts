/**
 * The destination of a received datagram, from IP_PKTINFO / IPV6_PKTINFO: which local address
 * and interface it was sent to. A server bound to a wildcard needs it to answer from the address
 * the client wrote to (multi-homed hosts, anycast, VIPs).
 */
import { C, cmsgSpace, decodeIn6Pktinfo, decodeInPktinfo, type ControlMessage } from '@rxsock/core';
import { unmapped } from '../common/address.js';

/** Where a datagram was addressed, as the kernel saw it. */
export interface PacketDestination {
  /** The destination address in the packet's header (a multicast group, a broadcast address...). */
  host: string;
  /** The interface it arrived on. */
  interfaceIndex: number;
}

/** Ancillary space for one `in6_pktinfo` plus one `in_pktinfo` (a dual-stack socket may get either). */
export function pktinfoControlSize(): number {
  return cmsgSpace(20) + cmsgSpace(12);
}

/**
 * Reads the destination out of a datagram's control messages; undefined when the socket did not
 * ask for it. A v4-mapped IPv6 destination (IPv4 traffic on a dual-stack socket) is reported in
 * IPv4 form.
 */
export function destinationOf(ancillary: readonly ControlMessage[]): PacketDestination | undefined {
  for (const m of ancillary) {
    if (m.level === C.IPPROTO_IP && m.type === C.IP_PKTINFO) {
      const info = decodeInPktinfo(m);
      return { host: info.destination, interfaceIndex: info.ifindex };
    }
    if (m.level === C.IPPROTO_IPV6 && m.type === C.IPV6_PKTINFO) {
      const info = decodeIn6Pktinfo(m);
      return { host: unmapped(info.address) ?? info.address, interfaceIndex: info.ifindex };
    }
  }
  return undefined;
}
