/**
 * IP-level options of datagram sockets: multicast membership and outgoing interface, TTL / hop
 * limits, loopback of own multicast. Each picks the IPv4 or IPv6 option by the family of the
 * group or socket, so one call works on IPv4, IPv6 and dual-stack sockets.
 */
import { C, ifNameToIndex, inetPton, invalidArgument, isIPv4, isIPv6, type Socket } from '@rxsock/core';

/**
 * An interface as the multicast calls take it: its index (`1` is usually `lo`), its name
 * (`'lo'`, `'eth0'`), or, for IPv4, one of its addresses (`'127.0.0.1'`).
 */
export type InterfaceSpec = number | string;

function indexOf(iface: InterfaceSpec): number {
  return typeof iface === 'number' ? iface : ifNameToIndex(iface);
}

/**
 * Joins (`drop` false) or leaves a multicast group. IPv4 groups use `IP_ADD_MEMBERSHIP` with a
 * `struct ip_mreqn` (interface by address or index), IPv6 groups `IPV6_JOIN_GROUP` (interface by
 * index; 0 lets the kernel pick by route). An IPv4 group on a dual-stack IPv6 socket works too:
 * Linux takes IPv4-level options on IPv6 UDP sockets.
 */
export function setMembership(socket: Socket, group: string, iface: InterfaceSpec | undefined, drop: boolean): void {
  if (isIPv4(group)) {
    const value =
      iface === undefined
        ? { group }
        : typeof iface === 'string' && isIPv4(iface)
          ? { group, localAddress: iface }
          : { group, interfaceIndex: indexOf(iface) };
    socket.setOption(drop ? 'IP_DROP_MEMBERSHIP' : 'IP_ADD_MEMBERSHIP', value);
    return;
  }
  const [host, zone] = group.split('%') as [string, string | undefined];
  if (!isIPv6(host)) throw invalidArgument(`not a multicast group address: ${group}`, 'setsockopt');
  const interfaceIndex = iface !== undefined ? indexOf(iface) : zone !== undefined ? indexOf(/^\d+$/.test(zone) ? Number(zone) : zone) : 0;
  socket.setOption(drop ? 'IPV6_LEAVE_GROUP' : 'IPV6_JOIN_GROUP', { group: host, interfaceIndex });
}

/**
 * Chooses the interface outgoing multicast leaves by. An IPv4 address (or, on an IPv4 socket,
 * any spec) sets `IP_MULTICAST_IF` with a `struct ip_mreqn`; otherwise `IPV6_MULTICAST_IF`.
 */
export function setMulticastInterface(socket: Socket, iface: InterfaceSpec): void {
  const v4 = socket.family === C.AF_INET || (typeof iface === 'string' && isIPv4(iface));
  if (!v4) {
    socket.setOption('IPV6_MULTICAST_IF', indexOf(iface));
    return;
  }
  // struct ip_mreqn { imr_multiaddr (ignored here), imr_address, imr_ifindex }
  const mreqn = new Uint8Array(12);
  if (typeof iface === 'string' && isIPv4(iface)) mreqn.set(inetPton('inet', iface), 4);
  else new DataView(mreqn.buffer).setInt32(8, indexOf(iface), true);
  socket.setOption(C.IPPROTO_IP, C.IP_MULTICAST_IF, mreqn);
}

/**
 * Runs the IPv4 variant on IPv4 sockets, the IPv6 one on IPv6 sockets and, for a dual-stack
 * socket's IPv4 traffic, the IPv4 one as well (best effort: an IPv6-only socket refuses it).
 */
function bothLevels(socket: Socket, v4: () => void, v6: () => void): void {
  if (socket.family === C.AF_INET) return v4();
  v6();
  try {
    v4();
  } catch {
    // IPV6_V6ONLY sockets carry no IPv4 traffic, so the IPv4 setting does not matter.
  }
}

/** Unicast TTL (IPv4 `IP_TTL`) / hop limit (IPv6 `IPV6_UNICAST_HOPS`). */
export function setTtl(socket: Socket, ttl: number): void {
  bothLevels(socket, () => socket.setOption('IP_TTL', ttl), () => socket.setOption('IPV6_UNICAST_HOPS', ttl));
}

/** Multicast TTL / hop limit (default 1: the local link only). */
export function setMulticastTtl(socket: Socket, ttl: number): void {
  bothLevels(socket, () => socket.setOption('IP_MULTICAST_TTL', ttl), () => socket.setOption('IPV6_MULTICAST_HOPS', ttl));
}

/** Whether this host's own multicast is delivered back to its sockets (default on). */
export function setMulticastLoopback(socket: Socket, on: boolean): void {
  bothLevels(socket, () => socket.setOption('IP_MULTICAST_LOOP', on), () => socket.setOption('IPV6_MULTICAST_LOOP', on));
}
