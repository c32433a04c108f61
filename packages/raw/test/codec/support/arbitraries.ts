/** fast-check arbitraries for the header fields the codecs encode. */
import fc from 'fast-check';
import type { Ipv4Option, Ipv6ExtensionFields, LayerFields, TcpOption, VlanTag } from '../../../src/index.js';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

export const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
export const ipv4 = fc.ipV4();
/** Canonical text, as inet_ntop prints it (fast-check's ipV6 text is not always canonical). */
export const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const words = Array.from({ length: 8 }, (_, i) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  return words.map((w) => w.toString(16)).join(':');
});

export const vlan: fc.Arbitrary<Required<VlanTag>> = fc.record({
  tpid: fc.constantFrom(0x8100, 0x88a8),
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.boolean(),
  vid: fc.integer({ min: 0, max: 4095 }),
});

/**
 * IPv4 options: NOP, router alert, and option numbers without a fixed layout (scapy parses those
 * generically; the numbers with a layout, such as record route, need data of that layout).
 */
const genericOptionNumber = fc.constantFrom(5, 6, 10, 13, 14, 15, 16, 17, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
export const ipv4Options: fc.Arbitrary<Ipv4Option[]> = fc.array(
  fc.oneof(
    fc.constant<Ipv4Option>({ type: 1, data: new Uint8Array(0) }),
    fc.uint8Array({ minLength: 2, maxLength: 2 }).map((data): Ipv4Option => ({ type: 148, data })),
    fc.record({ copy: fc.boolean(), cls: fc.integer({ min: 0, max: 3 }), number: genericOptionNumber, data: bytes(6) })
      .map(({ copy, cls, number, data }): Ipv4Option => ({ type: (copy ? 0x80 : 0) | (cls << 5) | number, data })),
  ),
  { maxLength: 4 },
);

export const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  u16.map((value): TcpOption => ({ kind: 'mss', value })),
  fc.integer({ min: 0, max: 14 }).map((shift): TcpOption => ({ kind: 'windowScale', shift })),
  fc.constant<TcpOption>({ kind: 'sackPermitted' }),
  fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 3 }).map((blocks): TcpOption => ({ kind: 'sack', blocks })),
  fc.tuple(u32, u32).map(([value, echo]): TcpOption => ({ kind: 'timestamp', value, echo })),
  fc.record({ type: fc.constantFrom(6, 7, 9, 30, 253, 254), data: bytes(4) }).map((o): TcpOption => ({ kind: 'other', ...o })),
);

/** Options that fit in 40 bytes. */
export const tcpOptions: fc.Arbitrary<TcpOption[]> = fc.array(tcpOption, { maxLength: 4 }).filter((list) => {
  const size = list.reduce((n, o) => n + (o.kind === 'nop' ? 1 : o.kind === 'mss' ? 4 : o.kind === 'windowScale' ? 3 : o.kind === 'sackPermitted' ? 2 : o.kind === 'sack' ? 2 + 8 * o.blocks.length : o.kind === 'timestamp' ? 10 : o.kind === 'other' ? 2 + o.data.length : 1), 0);
  return size <= 40;
});

export const ipv6Extension: fc.Arbitrary<Ipv6ExtensionFields> = fc.oneof(
  fc.record({
    type: fc.constantFrom('hopByHop' as const, 'destination' as const),
    // Not 5 (router alert), 194 (jumbo payload), 201 (home address): their data has a fixed layout.
    options: fc.array(fc.record({ type: fc.integer({ min: 2, max: 255 }).filter((t) => t !== 5 && t !== 194 && t !== 201), data: bytes(8) }), { maxLength: 2 }),
  }),
  fc.record({ type: fc.constant('routing' as const), routingType: fc.constant(0), segmentsLeft: fc.constant(0), addresses: fc.array(ipv6, { maxLength: 2 }) }),
  fc.record({ type: fc.constant('fragment' as const), fragmentOffset: fc.constant(0), moreFragments: fc.constant(false), id: u32 }),
  fc.record({ type: fc.constant('ah' as const), spi: u32, seq: u32, icv: fc.constantFrom(4, 8, 12).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })) }),
);

export const ethernetLayer = fc.record({ layer: fc.constant('ethernet' as const), src: mac, dst: mac, vlans: fc.array(vlan, { maxLength: 3 }) });
export const ipv4Layer = fc.record({
  layer: fc.constant('ipv4' as const),
  src: ipv4,
  dst: ipv4,
  tos: u8,
  id: u16,
  dontFragment: fc.boolean(),
  ttl: u8,
  options: ipv4Options,
});
export const ipv6Layer = fc.record({
  layer: fc.constant('ipv6' as const),
  src: ipv6,
  dst: ipv6,
  trafficClass: u8,
  flowLabel: fc.integer({ min: 0, max: 0xfffff }),
  hopLimit: u8,
  extensions: fc.array(ipv6Extension, { maxLength: 3 }),
});
export const udpLayer = fc.record({ layer: fc.constant('udp' as const), srcPort: u16, dstPort: u16 });
export const tcpLayer = fc.record({
  layer: fc.constant('tcp' as const),
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0x1ff }),
  window: u16,
  urgentPointer: u16,
  options: tcpOptions,
});
export const icmpLayer = fc.record({ layer: fc.constant('icmp' as const), type: u8, code: u8, id: u16, seq: u16 });
/** ICMPv6 error and echo types: scapy leaves unknown types after extension headers undissected. */
export const icmpv6Layer = fc.record({ layer: fc.constant('icmpv6' as const), type: fc.constantFrom(1, 2, 3, 4, 128, 129), code: u8, id: u16, seq: u16 });
export const arpLayer = fc.record({ layer: fc.constant('arp' as const), op: fc.constantFrom(1, 2), senderMac: mac, senderIp: ipv4, targetMac: mac, targetIp: ipv4 });

/** A whole packet: optional Ethernet, then ARP or IP with a matching transport. */
export const packetLayers: fc.Arbitrary<LayerFields[]> = fc.oneof(
  fc.tuple(ethernetLayer, arpLayer).map((l): LayerFields[] => l),
  fc.tuple(fc.option(ethernetLayer, { nil: undefined }), ipv4Layer, fc.oneof(udpLayer, tcpLayer, icmpLayer)).map(([e, ip, t]): LayerFields[] => (e ? [e, ip, t] : [ip, t])),
  fc.tuple(fc.option(ethernetLayer, { nil: undefined }), ipv6Layer, fc.oneof(udpLayer, tcpLayer, icmpv6Layer)).map(([e, ip, t]): LayerFields[] => (e ? [e, ip, t] : [ip, t])),
);
