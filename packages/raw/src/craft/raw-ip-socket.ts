/**
 * Raw IPv4 and IPv6 sockets (SOCK_RAW): send whole IP packets with IP_HDRINCL / IPV6_HDRINCL
 * (or let the kernel write the IP header), and receive what the kernel hands a raw socket of a
 * protocol: for IPv4 the whole packet with its header, for IPv6 the payload after it.
 */
import type { Observable } from 'rxjs';
import { C, checkDatagramReaderOptions, invalidArgument, type Datagram, type DatagramReaderOptions, type SocketAddress } from '@rxsock/core';
import { decodePacket, type Packet } from '../codec/packet.js';
import { DatagramSocket } from './datagram-socket.js';
import { openPrivilegedSocket } from './privilege.js';

/** Options of {@link rawIpSocket}. */
export interface RawIpSocketOptions {
  /** `'inet'` (default) or `'inet6'`. */
  family?: 'inet' | 'inet6';
  /**
   * The IP protocol number the socket is for (`IpProtocol.UDP`, `IpProtocol.ICMP`, ...): it
   * receives that protocol's packets, and sends with it in the header the kernel writes.
   * Default 255 (IPPROTO_RAW): send-only, every packet carries its own header.
   */
  protocol?: number;
  /**
   * The packets you send include their IP header (IP_HDRINCL, or IPV6_HDRINCL on Linux >= 4.5).
   * Default true for IPPROTO_RAW (the kernel implies it), false otherwise.
   */
  headerIncluded?: boolean;
  /** Bind to this local address (numeric). */
  bind?: string;
  /** Send and receive through this interface only (SO_BINDTODEVICE). */
  device?: string;
  /** TTL / hop limit of the headers the kernel writes. */
  ttl?: number;
  /** Receive batching, queue bound and overflow policy (core's DatagramReader). */
  receive?: DatagramReaderOptions;
}

/** One packet a raw IP socket received. */
export interface RawIpPacket {
  /**
   * The bytes: a whole IPv4 packet (header included) on an IPv4 socket; on an IPv6 socket the
   * payload after the IPv6 header (the kernel does not pass the IPv6 header up).
   */
  data: Buffer;
  /** The sender's address. */
  from: string;
  /** `msg_flags` (MSG_TRUNC when the packet was longer than the receive slot). */
  flags: number;
  /** The lazily decoded packet, on an IPv4 socket (IPv4 header, then the transport). */
  packet: Packet | undefined;
}

/** A raw IPv4 or IPv6 socket. Made by {@link rawIpSocket}. */
export class RawIpSocket extends DatagramSocket<RawIpPacket> {
  /** The protocol the socket was opened for. */
  readonly protocol: number;
  /** Whether sent packets carry their own IP header. */
  readonly headerIncluded: boolean;

  /** @internal */
  constructor(socket: ReturnType<typeof openPrivilegedSocket>, protocol: number, headerIncluded: boolean, receive: DatagramReaderOptions) {
    super(socket, receive);
    this.protocol = protocol;
    this.headerIncluded = headerIncluded;
  }

  /** Packets received, while subscribed. An IPPROTO_RAW socket receives nothing. */
  get packets$(): Observable<RawIpPacket> {
    return this.received$;
  }

  /**
   * Sends one packet to `host`: a whole IP packet (build it with `buildPacket`) when the header
   * is included, else the payload the kernel puts behind its own header. The kernel routes by
   * `host`; with an included header it still fills in the IPv4 total length and header checksum
   * (and the source address and id when they are 0).
   */
  send(data: Uint8Array, host: string): Promise<number> {
    return this.socket.sendTo(data, this.target(host));
  }

  protected convert(d: Datagram): RawIpPacket {
    const from = (d.address as SocketAddress & { host?: string } | null)?.host ?? '';
    return { data: d.data, from, flags: d.flags, packet: this.family === 'inet' ? decodePacket(d.data, 'ipv4') : undefined };
  }
}

/**
 * Opens a raw IP socket. Needs CAP_NET_RAW.
 *
 * @example
 * ```ts
 * const raw = rawIpSocket({ family: 'inet' }); // IPPROTO_RAW: send whole packets
 * await raw.send(buildPacket([{ layer: 'ipv4', src: '127.0.0.1', dst: '127.0.0.1' }, { layer: 'udp', srcPort: 9, dstPort: 9999 }], data), '127.0.0.1');
 * ```
 * @throws {@link PrivilegeError} (EPERM, `capability: 'CAP_NET_RAW'`) without the capability.
 */
export function rawIpSocket(options: RawIpSocketOptions = {}): RawIpSocket {
  const family = options.family ?? 'inet';
  if (family !== 'inet' && family !== 'inet6') throw invalidArgument(`family must be 'inet' or 'inet6', got ${String(family)}`);
  const protocol = options.protocol ?? C.IPPROTO_RAW;
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw invalidArgument(`protocol must be 0..255, got ${String(protocol)}`);
  checkDatagramReaderOptions(options.receive);
  const af = family === 'inet' ? C.AF_INET : C.AF_INET6;
  const socket = openPrivilegedSocket(af, C.SOCK_RAW, protocol);
  const headerIncluded = options.headerIncluded ?? protocol === C.IPPROTO_RAW;
  try {
    if (headerIncluded && protocol !== C.IPPROTO_RAW) {
      if (af === C.AF_INET) socket.setOption('IP_HDRINCL', true);
      else socket.setOption(C.IPPROTO_IPV6, C.IPV6_HDRINCL, 1);
    }
    if (options.device !== undefined) socket.setOption(C.SOL_SOCKET, C.SO_BINDTODEVICE, Buffer.from(`${options.device}\0`));
    if (options.ttl !== undefined) {
      if (af === C.AF_INET) socket.setOption('IP_TTL', options.ttl);
      else socket.setOption('IPV6_UNICAST_HOPS', options.ttl);
    }
    if (options.bind !== undefined) socket.bind([options.bind, 0]);
  } catch (error) {
    socket.close();
    throw error;
  }
  return new RawIpSocket(socket, protocol, headerIncluded, { ...options.receive });
}
