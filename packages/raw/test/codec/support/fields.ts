/** Plain-object snapshots of decoded packets, to compare with what was built (or with scapy). */
import type { Packet } from '../../../src/index.js';

const arr = (b: Uint8Array): number[] => Array.from(b);

/** Every field of every layer of `p`, as JSON-friendly values. */
export function snapshot(p: Packet): Record<string, unknown> {
  const out: Record<string, unknown> = { layers: p.layers };
  const e = p.ethernet;
  if (e) out.ethernet = { src: e.src, dst: e.dst, vlans: e.vlans, type: e.etherType };
  const a = p.arp;
  if (a) out.arp = { op: a.op, senderMac: a.senderMac, senderIp: a.senderIp, targetMac: a.targetMac, targetIp: a.targetIp, hardwareType: a.hardwareType, protocolType: a.protocolType };
  const v4 = p.ipv4;
  if (v4) {
    out.ipv4 = {
      src: v4.src, dst: v4.dst, tos: v4.tos, id: v4.id, flags: v4.flags, fragmentOffset: v4.fragmentOffset, ttl: v4.ttl,
      protocol: v4.protocol, totalLength: v4.totalLength, headerLength: v4.headerLength, checksum: v4.checksum, checksumValid: v4.checksumValid,
      options: v4.options.filter((o) => o.type !== 0).map((o) => ({ type: o.type, data: arr(o.data) })),
    };
  }
  const v6 = p.ipv6;
  if (v6) {
    out.ipv6 = {
      src: v6.src, dst: v6.dst, trafficClass: v6.trafficClass, flowLabel: v6.flowLabel, hopLimit: v6.hopLimit,
      payloadLength: v6.payloadLength, nextHeader: v6.nextHeader, protocol: v6.protocol,
      extensions: v6.extensions.map((x) => {
        switch (x.type) {
          case 'hopByHop':
          case 'destination':
            return { type: x.type, options: x.options.filter((o) => o.type > 1).map((o) => ({ type: o.type, data: arr(o.data) })) };
          case 'routing': return { type: x.type, routingType: x.routingType, segmentsLeft: x.segmentsLeft, addresses: x.addresses };
          case 'fragment': return { type: x.type, fragmentOffset: x.fragmentOffset, moreFragments: x.moreFragments, id: x.id };
          case 'ah': return { type: x.type, spi: x.spi, seq: x.seq, icv: arr(x.icv) };
        }
      }),
    };
  }
  const u = p.udp;
  if (u) out.udp = { srcPort: u.srcPort, dstPort: u.dstPort, length: u.length, checksum: u.checksum, checksumValid: u.checksumValid };
  const t = p.tcp;
  if (t) {
    out.tcp = {
      srcPort: t.srcPort, dstPort: t.dstPort, seq: t.seq, ack: t.ack, flags: t.flags, window: t.window, urgentPointer: t.urgentPointer,
      dataOffset: t.dataOffset, checksum: t.checksum, checksumValid: t.checksumValid,
      options: t.options.filter((o) => o.kind !== 'eol').map((o) => (o.kind === 'other' ? { kind: 'other', type: o.type, data: arr(o.data) } : o)),
    };
  }
  const i = p.icmp ?? p.icmpv6;
  if (i) out[p.icmp ? 'icmp' : 'icmpv6'] = { type: i.type, code: i.code, id: i.id, seq: i.seq, checksum: i.checksum, checksumValid: i.checksumValid };
  out.payload = arr(p.payload);
  return out;
}
