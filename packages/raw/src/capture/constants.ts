/**
 * Numbers of `linux/if_packet.h`, `linux/if_ether.h` and `linux/filter.h` that the packet family
 * uses; the same on every Linux ABI.
 */

/** `ETH_P_*` protocols a packet socket can be opened or bound for (host order here). */
export const EthProtocol = {
  /** Every protocol, outgoing packets included. */
  ALL: 0x0003,
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  IPV6: 0x86dd,
} as const;

/** `SOL_PACKET` option names. */
export const PacketOption = {
  ADD_MEMBERSHIP: 1,
  DROP_MEMBERSHIP: 2,
  RX_RING: 5,
  STATISTICS: 6,
  AUXDATA: 8,
  VERSION: 10,
  RESERVE: 12,
  TX_RING: 13,
  TIMESTAMP: 17,
  FANOUT: 18,
  QDISC_BYPASS: 20,
  IGNORE_OUTGOING: 23,
} as const;

/** `PACKET_MR_*` membership types of `struct packet_mreq`. */
export const Membership = { MULTICAST: 0, PROMISC: 1, ALLMULTI: 2 } as const;

/** `TPACKET_V3`, the block-based ring version. */
export const TPACKET_V3 = 2;

/** `tp_status` bits. */
export const TpStatus = {
  KERNEL: 0,
  USER: 1,
  COPY: 2,
  LOSING: 4,
  VLAN_VALID: 0x10,
  VLAN_TPID_VALID: 0x40,
} as const;

/** `PACKET_FANOUT_*` modes. */
export const FanoutMode = { hash: 0, 'load-balance': 1, cpu: 2, rollover: 3, random: 4, queue: 5 } as const;

/** `PACKET_FANOUT_FLAG_*` bits (they sit in the mode's byte of the option's upper half). */
export const FanoutFlag = { ROLLOVER: 0x1000, UNIQUEID: 0x2000, IGNORE_OUTGOING: 0x4000, DEFRAG: 0x8000 } as const;

/** `PACKET_*` packet types of `sockaddr_ll.sll_pkttype`, by number. */
export const PACKET_TYPE_NAMES = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing', 'loopback', 'user', 'kernel'] as const;

/** `SOL_PACKET` (263). */
export const SOL_PACKET = 263;
/** `AF_PACKET` (17). */
export const AF_PACKET = 17;
/** `SO_TIMESTAMPNS` / `SCM_TIMESTAMPNS` (35). */
export const SO_TIMESTAMPNS = 35;
