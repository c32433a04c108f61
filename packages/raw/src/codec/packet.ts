/**
 * The layered decode: Ethernet -> VLAN tags -> ARP | IPv4 | IPv6 (extension headers) -> UDP |
 * TCP | ICMP | ICMPv6. Each layer is a lazy view over the same bytes; the walk stops where the
 * bytes end or a header breaks, and says so in `error`, so a capture loop never needs a try.
 */
import { ArpView } from './arp.js';
import { PacketDecodeError, type LayerName } from './errors.js';
import { EthernetView } from './ethernet.js';
import { IcmpView, Icmpv6View } from './icmp.js';
import { Ipv4View } from './ipv4.js';
import { Ipv6View } from './ipv6.js';
import { EtherType, IpProtocol } from './numbers.js';
import { TcpView } from './tcp.js';
import { UdpView } from './udp.js';

/**
 * Where a packet's bytes start: an Ethernet II frame, an IP packet (version from its first
 * nibble, as pcap's LINKTYPE_RAW), IPv4, IPv6 or ARP, or the number of an EtherType (the
 * network layer an AF_PACKET `SOCK_DGRAM` socket delivers, with the protocol from `sockaddr_ll`).
 */
export type LinkLayer = 'ethernet' | 'ip' | 'ipv4' | 'ipv6' | 'arp' | number;

/** A transport view. */
export type TransportView = UdpView | TcpView | IcmpView | Icmpv6View;

/** An IP view. */
export type IpView = Ipv4View | Ipv6View;

/**
 * A decoded packet: one lazy view per layer found. Views are made on the first access of any
 * layer and read their fields from the bytes on access; nothing is copied. Bytes that end
 * early or a broken header stop the walk: the layers before it are there and `error` says what
 * happened (`truncated` also covers an IP or UDP length that runs past the captured bytes).
 */
export class Packet {
  private done = false;
  private eth: EthernetView | undefined;
  private arpView: ArpView | undefined;
  private ipView: IpView | undefined;
  private transportView: TransportView | undefined;
  private failure: PacketDecodeError | undefined;

  constructor(
    /** The buffer holding the packet. */
    readonly bytes: Uint8Array,
    /** Where the bytes start. */
    readonly link: LinkLayer = 'ethernet',
    /** Offset of the packet in `bytes`. */
    readonly offset = 0,
    /** End of the captured bytes (exclusive). */
    readonly end = bytes.length,
  ) {}

  /** The Ethernet header (with its VLAN tags), when the link layer is Ethernet. */
  get ethernet(): EthernetView | undefined {
    return this.decoded().eth;
  }
  /** The ARP message. */
  get arp(): ArpView | undefined {
    return this.decoded().arpView;
  }
  /** The IPv4 or IPv6 header. */
  get ip(): IpView | undefined {
    return this.decoded().ipView;
  }
  /** The IPv4 header. */
  get ipv4(): Ipv4View | undefined {
    const ip = this.decoded().ipView;
    return ip instanceof Ipv4View ? ip : undefined;
  }
  /** The IPv6 header. */
  get ipv6(): Ipv6View | undefined {
    const ip = this.decoded().ipView;
    return ip instanceof Ipv6View ? ip : undefined;
  }
  /** The transport (or ICMP) header. */
  get transport(): TransportView | undefined {
    return this.decoded().transportView;
  }
  /** The UDP header. */
  get udp(): UdpView | undefined {
    const t = this.decoded().transportView;
    return t instanceof UdpView ? t : undefined;
  }
  /** The TCP header. */
  get tcp(): TcpView | undefined {
    const t = this.decoded().transportView;
    return t instanceof TcpView ? t : undefined;
  }
  /** The ICMP message. */
  get icmp(): IcmpView | undefined {
    const t = this.decoded().transportView;
    return t instanceof IcmpView ? t : undefined;
  }
  /** The ICMPv6 message. */
  get icmpv6(): Icmpv6View | undefined {
    const t = this.decoded().transportView;
    return t instanceof Icmpv6View ? t : undefined;
  }
  /** Why the walk stopped early, if it did. */
  get error(): PacketDecodeError | undefined {
    return this.decoded().failure;
  }
  /** Whether any layer found its bytes cut short (a header, or a length field past the capture). */
  get truncated(): boolean {
    const p = this.decoded();
    if (p.failure?.reason === 'truncated') return true;
    if (p.ipView?.truncated) return true;
    return p.transportView instanceof UdpView && p.transportView.truncated;
  }
  /** The layers found, outermost first (`'vlan'` once per tag). */
  get layers(): LayerName[] {
    const p = this.decoded();
    const out: LayerName[] = [];
    if (p.eth) {
      out.push('ethernet');
      for (let i = 0; i < p.eth.vlanCount; i++) out.push('vlan');
    }
    if (p.arpView) out.push('arp');
    if (p.ipView) out.push(p.ipView.version === 4 ? 'ipv4' : 'ipv6');
    if (p.ipView instanceof Ipv6View && p.ipView.extensionCount > 0) out.push('ipv6-extension');
    const t = p.transportView;
    if (t) out.push(t instanceof UdpView ? 'udp' : t instanceof TcpView ? 'tcp' : t instanceof IcmpView ? 'icmp' : 'icmpv6');
    return out;
  }
  /** The bytes after the innermost decoded header (a subarray). */
  get payload(): Uint8Array {
    const p = this.decoded();
    if (p.transportView) return p.transportView.payload;
    if (p.ipView) return p.ipView.payload;
    if (p.arpView) return this.bytes.subarray(p.arpView.offset + p.arpView.headerLength, this.end);
    if (p.eth) return p.eth.payload;
    return this.bytes.subarray(this.offset, this.end);
  }

  private decoded(): this {
    if (!this.done) {
      this.done = true;
      try {
        this.walk();
      } catch (error) {
        if (!(error instanceof PacketDecodeError)) throw error;
        this.failure = error;
      }
    }
    return this;
  }

  private walk(): void {
    const { bytes, end } = this;
    let at = this.offset;
    let type: number;
    switch (this.link) {
      case 'ethernet': {
        const eth = (this.eth = new EthernetView(bytes, at, end));
        type = eth.etherType;
        at = eth.payloadOffset;
        break;
      }
      case 'ip':
        type = at < end && (bytes[at] as number) >>> 4 === 6 ? EtherType.IPv6 : EtherType.IPv4;
        break;
      case 'ipv4': type = EtherType.IPv4; break;
      case 'ipv6': type = EtherType.IPv6; break;
      case 'arp': type = EtherType.ARP; break;
      default: type = this.link;
    }
    if (type === EtherType.ARP) {
      this.arpView = new ArpView(bytes, at, end);
      return;
    }
    let ip: IpView;
    if (type === EtherType.IPv4) {
      const v4 = new Ipv4View(bytes, at, end);
      this.ipView = ip = v4;
      if (v4.fragmentOffset !== 0) return;
    } else if (type === EtherType.IPv6) {
      const v6 = new Ipv6View(bytes, at, end);
      this.ipView = ip = v6;
      if (v6.extensionError) throw v6.extensionError;
      if (v6.fragmentOffset !== 0) return;
    } else return;
    const start = ip.payloadOffset;
    const stop = ip.payloadEnd;
    switch (ip.protocol) {
      case IpProtocol.UDP: this.transportView = new UdpView(bytes, start, stop, ip); break;
      case IpProtocol.TCP: this.transportView = new TcpView(bytes, start, stop, ip); break;
      case IpProtocol.ICMP: this.transportView = new IcmpView(bytes, start, stop, ip); break;
      case IpProtocol.ICMPv6: this.transportView = new Icmpv6View(bytes, start, stop, ip); break;
    }
  }
}

/**
 * Decodes a packet lazily: nothing is read until a layer is asked for, and then only the
 * headers' lengths; fields are read on access. Never throws for bad bytes: see
 * {@link Packet.error} and {@link Packet.truncated}.
 *
 * @param bytes the captured bytes
 * @param link where they start (default an Ethernet II frame)
 */
export function decodePacket(bytes: Uint8Array, link: LinkLayer = 'ethernet', offset = 0, end = bytes.length): Packet {
  return new Packet(bytes, link, offset, end);
}

/**
 * The packet an ICMP or ICMPv6 error message quotes (destination unreachable, time exceeded,
 * parameter problem...): its payload decoded as IPv4 (ICMP) or IPv6 (ICMPv6), lazily. Error
 * messages quote only the start of the offending packet, so the quoted packet is usually
 * `truncated` and its transport checksum unverifiable (`null`); its addresses and ports are there.
 */
export function quotedPacket(icmp: IcmpView | Icmpv6View): Packet {
  return new Packet(icmp.bytes, icmp instanceof Icmpv6View ? 'ipv6' : 'ipv4', icmp.payloadOffset, icmp.end);
}
