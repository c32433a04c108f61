/**
 * LINKTYPE_ values (tcpdump.org's link-layer header types, the numbers pcap and pcapng files
 * store) for the frames a packet socket captures, and how an interface's ARP hardware type maps
 * to one, as libpcap maps it on Linux.
 */

/** The link types of packet and IP captures. */
export const LinkType = {
  /** BSD loopback: a 4-byte address family in host order, then IP. */
  NULL: 0,
  /** Ethernet II (and Linux loopback, whose frames carry a zeroed Ethernet header). */
  ETHERNET: 1,
  /** Raw IPv4 or IPv6, told apart by the version nibble. */
  RAW: 101,
  /** OpenBSD loopback: a 4-byte address family in network order. */
  LOOP: 108,
  /** Linux "cooked" capture v1: a 16-byte pseudo-header (what `tcpdump -i any` wrote before libpcap 1.10). */
  LINUX_SLL: 113,
  /** 802.11 with a radiotap header. */
  IEEE802_11_RADIOTAP: 127,
  /** Raw IPv4 only. */
  IPV4: 228,
  /** Raw IPv6 only. */
  IPV6: 229,
  /** Linux netlink (`nlmon` interfaces). */
  NETLINK: 253,
  /** Linux "cooked" capture v2: a 20-byte pseudo-header with the interface index (`tcpdump -i any` today). */
  LINUX_SLL2: 276,
} as const;

/** `ARPHRD_*` hardware types that have their own link type. */
const BY_HARDWARE = new Map<number, number>([
  [1, LinkType.ETHERNET], // ARPHRD_ETHER
  [772, LinkType.ETHERNET], // ARPHRD_LOOPBACK
  [768, LinkType.RAW], // ARPHRD_TUNNEL (ipip)
  [769, LinkType.RAW], // ARPHRD_TUNNEL6
  [776, LinkType.RAW], // ARPHRD_SIT
  [778, LinkType.RAW], // ARPHRD_IPGRE
  [0xfffe, LinkType.RAW], // ARPHRD_NONE (tun, wireguard)
  [803, LinkType.IEEE802_11_RADIOTAP], // ARPHRD_IEEE80211_RADIOTAP
  [824, LinkType.NETLINK], // ARPHRD_NETLINK
]);

/**
 * The link type to write a packet socket's frames under. `SOCK_DGRAM` sockets (and hardware
 * types without a link type of their own) get no link-layer header from the kernel, so their
 * frames are written with a Linux cooked header (SLL2 by default), as libpcap does.
 *
 * @param hardwareType - The interface's `ARPHRD_*` (`sockaddr_ll.sll_hatype`).
 * @param cooked - Whether the socket is `SOCK_DGRAM` (or the capture spans interfaces).
 */
export function linkTypeForHardware(hardwareType: number, cooked = false): number {
  if (cooked) return LinkType.LINUX_SLL2;
  return BY_HARDWARE.get(hardwareType) ?? LinkType.LINUX_SLL2;
}

const NAMES = new Map<number, string>([
  [LinkType.NULL, 'NULL'],
  [LinkType.ETHERNET, 'EN10MB'],
  [LinkType.RAW, 'RAW'],
  [LinkType.LOOP, 'LOOP'],
  [LinkType.LINUX_SLL, 'LINUX_SLL'],
  [LinkType.IEEE802_11_RADIOTAP, 'IEEE802_11_RADIO'],
  [LinkType.IPV4, 'IPV4'],
  [LinkType.IPV6, 'IPV6'],
  [LinkType.NETLINK, 'NETLINK'],
  [LinkType.LINUX_SLL2, 'LINUX_SLL2'],
  [227, 'CAN_SOCKETCAN'],
]);

/** tcpdump's name for a link type (`EN10MB`, `LINUX_SLL2`), or `LINKTYPE_<n>`. */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `LINKTYPE_${linkType}`;
}
