/**
 * One line per packet in `tcpdump -n`'s shape for the common cases: IPv4/IPv6 with UDP, TCP
 * (flags, relative sequence numbers, options), ICMP/ICMPv6 echo and unreachables, ARP. Headers
 * are read with the family's lazy codec views; anything else gets tcpdump's fallback wording.
 */
import { decodePacket, IcmpView, Icmpv6View, TcpView, tcpdumpFlags, UdpView, type IpView, type Packet, type TcpOption } from '../../codec/index.js';
import { compareBytes, TcpSequences } from './tcp-sequence.js';

/** `HH:MM:SS.uuuuuu` in local time, from nanoseconds since the epoch. */
export function formatTime(timestampNs: bigint): string {
  const ms = Number(timestampNs / 1_000_000n);
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const us = String(Number((timestampNs / 1000n) % 1_000_000n)).padStart(6, '0');
  return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${us}`;
}

function tcpOptions(options: TcpOption[]): string {
  return options
    .map((o) => {
      switch (o.kind) {
        case 'nop':
          return 'nop';
        case 'eol':
          return 'eol';
        case 'mss':
          return `mss ${o.value}`;
        case 'windowScale':
          return `wscale ${o.shift}`;
        case 'sackPermitted':
          return 'sackOK';
        case 'sack':
          return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`;
        case 'timestamp':
          return `TS val ${o.value} ecr ${o.echo}`;
        default:
          return `unknown-${o.type}`;
      }
    })
    .join(',');
}

/** Formats packets one per line; keeps the TCP numbering state of one capture. */
export class PacketSummary {
  private readonly tcp = new TcpSequences();

  /** The line for one frame (without the trailing newline). */
  line(timestampNs: bigint, frame: Uint8Array, wireLength: number): string {
    return `${formatTime(timestampNs)} ${this.describe(frame, wireLength)}`;
  }

  private describe(frame: Uint8Array, wireLength: number): string {
    let p: Packet;
    try {
      p = decodePacket(frame, 'ethernet');
      const eth = p.ethernet;
      if (p.arp) return this.arp(p);
      if (p.ip) return this.ip(p, p.ip);
      if (eth) return `${eth.src} > ${eth.dst}, ethertype ${etherTypeName(eth.etherType)}, length ${wireLength}`;
    } catch {
      // a frame the codec cannot even start on
    }
    return `[|ether], length ${wireLength}`;
  }

  private arp(p: Packet): string {
    const a = p.arp!;
    const len = 28;
    if (a.op === 1) return `ARP, Request who-has ${a.targetIp} tell ${a.senderIp}, length ${len}`;
    if (a.op === 2) return `ARP, Reply ${a.senderIp} is-at ${a.senderMac}, length ${len}`;
    return `ARP, op ${a.op}, length ${len}`;
  }

  private ip(p: Packet, ip: IpView): string {
    const v6 = ip.version === 6;
    const tag = v6 ? 'IP6' : 'IP';
    const t = p.transport;
    if (t instanceof UdpView) {
      return `${tag} ${ip.src}.${t.srcPort} > ${ip.dst}.${t.dstPort}: UDP, length ${Math.max(0, t.length - 8)}`;
    }
    if (t instanceof TcpView) return `${tag} ${ip.src}.${t.srcPort} > ${ip.dst}.${t.dstPort}: ${this.tcpText(p, ip, t)}`;
    // Icmpv6View extends IcmpView: ask for the narrower one first
    if (t instanceof Icmpv6View) return `${tag} ${ip.src} > ${ip.dst}: ${icmp6Text(t, ip.payload.length)}`;
    if (t instanceof IcmpView) return `${tag} ${ip.src} > ${ip.dst}: ${icmpText(t, ip.payload.length)}`;
    const proto = v6 ? (ip as { nextHeader: number }).nextHeader : (ip as { protocol: number }).protocol;
    return `${tag} ${ip.src} > ${ip.dst}: ip-proto-${proto} ${ip.payload.length}`;
  }

  private tcpText(p: Packet, ip: IpView, t: TcpView): string {
    const flags = t.flags;
    const payload = t.payload.length;
    const src = ipBytes(p, ip, 'src');
    const dst = ipBytes(p, ip, 'dst');
    const cmp = compareBytes(src, dst);
    const reversed = cmp > 0 || (cmp === 0 && t.srcPort > t.dstPort);
    let seq = t.seq;
    let ack = t.ack;
    if (flags & 0x10) {
      const key = reversed ? `${ip.dst}|${ip.src}|${t.dstPort}|${t.srcPort}` : `${ip.src}|${ip.dst}|${t.srcPort}|${t.dstPort}`;
      ({ seq, ack } = this.tcp.relative(key, reversed, seq, ack, (flags & 0x02) !== 0));
    }
    let out = `Flags [${tcpdumpFlags(flags)}]`;
    if (payload > 0 || flags & 0x07) {
      out += `, seq ${seq}`;
      if (payload > 0) out += `:${(seq + payload) >>> 0}`;
    }
    if (flags & 0x10) out += `, ack ${ack}`;
    out += `, win ${t.window}`;
    if (flags & 0x20) out += `, urg ${t.urgentPointer}`;
    if (t.optionBytes.length > 0) out += `, options [${tcpOptions(t.options)}]`;
    return `${out}, length ${payload}`;
  }
}

function ipBytes(p: Packet, ip: IpView, which: 'src' | 'dst'): Uint8Array {
  const v6 = ip.version === 6;
  const base = ip.offset;
  const at = v6 ? base + (which === 'src' ? 8 : 24) : base + (which === 'src' ? 12 : 16);
  return p.bytes.subarray(at, at + (v6 ? 16 : 4));
}

function icmpText(t: IcmpView, length: number): string {
  switch (t.type) {
    case 8:
      return `ICMP echo request, id ${t.id}, seq ${t.seq}, length ${length}`;
    case 0:
      return `ICMP echo reply, id ${t.id}, seq ${t.seq}, length ${length}`;
    case 3: {
      const inner = t.payload;
      if (t.code === 3 && inner.length >= 28) {
        const ihl = (inner[0]! & 0x0f) * 4;
        const proto = inner[9]!;
        const dst = `${inner[16]}.${inner[17]}.${inner[18]}.${inner[19]}`;
        const port = (inner[ihl + 2]! << 8) | inner[ihl + 3]!;
        const name = proto === 17 ? 'udp' : proto === 6 ? 'tcp' : `proto-${proto}`;
        return `ICMP ${dst} ${name} port ${port} unreachable, length ${length}`;
      }
      if (t.code === 1 && inner.length >= 20) return `ICMP host ${inner[16]}.${inner[17]}.${inner[18]}.${inner[19]} unreachable, length ${length}`;
      return `ICMP unreachable code ${t.code}, length ${length}`;
    }
    case 11:
      return `ICMP time exceeded in-transit, length ${length}`;
    default:
      return `ICMP type-#${t.type}, length ${length}`;
  }
}

function icmp6Text(t: Icmpv6View, length: number): string {
  if (t.type === 128) return `ICMP6, echo request, id ${t.id}, seq ${t.seq}, length ${length}`;
  if (t.type === 129) return `ICMP6, echo reply, id ${t.id}, seq ${t.seq}, length ${length}`;
  return `ICMP6, type ${t.type}, length ${length}`;
}

function etherTypeName(type: number): string {
  return `Unknown (0x${type.toString(16).padStart(4, '0')})`;
}
