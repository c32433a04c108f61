/** EtherType and IP protocol numbers the codecs dispatch on (IANA registries). */

/** EtherType values (the 16-bit type after the MAC addresses and each VLAN tag). */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  /** 802.1Q customer VLAN tag. */
  VLAN: 0x8100,
  IPv6: 0x86dd,
  /** 802.1ad service VLAN tag (QinQ outer tag). */
  QinQ: 0x88a8,
  /** The pre-standard QinQ outer tag some switches still send. */
  QinQLegacy: 0x9100,
} as const;

/** IP protocol numbers (IPv4 `protocol`, IPv6 `next header`). */
export const IpProtocol = {
  HopByHop: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  Routing: 43,
  Fragment: 44,
  ESP: 50,
  AH: 51,
  ICMPv6: 58,
  NoNext: 59,
  DestinationOptions: 60,
} as const;

/** @internal Whether an EtherType introduces a VLAN tag. */
export function isVlanTpid(type: number): boolean {
  return type === EtherType.VLAN || type === EtherType.QinQ || type === EtherType.QinQLegacy;
}
