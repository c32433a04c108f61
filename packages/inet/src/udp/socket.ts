/**
 * UDP: a bound datagram socket with batched receive (recvmmsg through core's DatagramReader),
 * send / sendMany (sendmmsg), connected mode, multicast, broadcast, TTL, the destination of each
 * datagram (IP_PKTINFO / IPV6_RECVPKTINFO), and counters.
 */
import type { Observable, Subscriber } from 'rxjs';
import {
  C,
  DatagramReader,
  checkDatagramReaderOptions,
  Socket,
  type ControlMessage,
  type Datagram,
  type DatagramReaderOptions,
  type OutgoingMessage,
  rx,
} from '@rxsock/core';
import { afOf, addressForSocket, inetAddress, toInetAddress, type InetAddress, type InetAddressInput, type IpFamilyName } from '../common/address.js';
import { setMembership, setMulticastInterface, setMulticastLoopback, setMulticastTtl, setTtl, type InterfaceSpec } from './multicast.js';
import { destinationOf, pktinfoControlSize, type PacketDestination } from './pktinfo.js';

/** Options of {@link udpSocket}. */
export interface UdpSocketOptions {
  /** `'inet'` or `'inet6'`. Default: the family of `host`, else `'inet'`. */
  family?: IpFamilyName;
  /** Local address to bind (numeric). Default: the family's wildcard. */
  host?: string;
  /** Local port; 0 (default) lets the kernel pick. */
  port?: number;
  /** Bind at creation (default true). A send-only client may skip it; the kernel binds on first send. */
  bind?: boolean;
  /** `SO_REUSEADDR` (several multicast listeners on one port). Default false. */
  reuseAddress?: boolean;
  /** `SO_REUSEPORT`: sockets share the port and the kernel balances datagrams between them. */
  reusePort?: boolean;
  /** `IPV6_V6ONLY` for an IPv6 socket. Default false (a `'::'` socket also gets IPv4). */
  ipv6Only?: boolean;
  /** `SO_BROADCAST`: allow sending to broadcast addresses. */
  broadcast?: boolean;
  /** Unicast TTL / IPv6 hop limit. */
  ttl?: number;
  /** Multicast TTL / hop limit (kernel default 1). */
  multicastTtl?: number;
  /** Deliver this host's own multicast back to it (kernel default true). */
  multicastLoopback?: boolean;
  /** Interface for outgoing multicast (index, name, or IPv4 address). */
  multicastInterface?: InterfaceSpec;
  /**
   * Report each datagram's destination address and interface (`IP_PKTINFO`,
   * `IPV6_RECVPKTINFO`) in {@link UdpDatagram.destination}.
   */
  pktinfo?: boolean;
  /** `SO_RCVBUF` in bytes (the kernel doubles it for bookkeeping). */
  receiveBufferSize?: number;
  /** `SO_SNDBUF` in bytes. */
  sendBufferSize?: number;
  /**
   * Receive batching, queue bound and overflow policy (core's DatagramReader). The default
   * `batchDelayMs` here is `'auto'`: each datagram is read at its edge until a fast stream
   * arrives, then the reader rests a millisecond between `recvmmsg` batches (and stops at the
   * first kernel drop); pass `batchDelayMs: 0` to read at every edge whatever the rate.
   */
  receive?: DatagramReaderOptions;
}

/** One received UDP datagram. */
export interface UdpDatagram {
  /** The payload. */
  data: Buffer;
  /** The sender. */
  address: InetAddress;
  /** Where it was sent to; present with the `pktinfo` option. */
  destination?: PacketDestination;
  /** The datagram was longer than the receive slot and was cut (MSG_TRUNC). */
  truncated: boolean;
  /** `msg_flags`. */
  flags: number;
  /** All control messages, for anything else the socket was asked to report. */
  ancillary: ControlMessage[];
}

/** One datagram for {@link UdpSocket.sendMany}. */
export interface OutgoingDatagram {
  /** Payload, or several buffers gathered into one datagram. */
  data: Uint8Array | readonly Uint8Array[];
  /** Destination; leave out on a connected socket. */
  address?: InetAddressInput;
}

/** Running totals of a {@link UdpSocket}. */
export interface UdpCounters {
  /** Datagrams sent. */
  sent: number;
  /** Payload bytes sent. */
  sentBytes: number;
  /** Sends that failed. */
  sendErrors: number;
  /** Datagrams read from the kernel. */
  received: number;
  /** Datagrams handed to subscribers. */
  delivered: number;
  /** Datagrams the bounded queue discarded (either policy). */
  dropped: number;
  /** Datagrams the kernel dropped (receive buffer full), from SO_RXQ_OVFL. */
  kernelDrops: number;
  /** Datagrams cut to the slot size. */
  truncated: number;
  /**
   * ICMP errors reported on receive (`ECONNREFUSED` on a connected socket whose peer has no
   * listener): counted and skipped, since they concern an earlier send, not the reception.
   */
  icmpErrors: number;
}

/** Receive errors that report an ICMP message about an earlier send, not a broken socket. */
const ICMP_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EMSGSIZE', 'EHOSTDOWN']);

/**
 * A UDP socket. Create it with {@link udpSocket}.
 *
 * @example
 * ```ts
 * const udp = udpSocket({ host: '127.0.0.1', port: 0, pktinfo: true });
 * udp.datagrams$.subscribe((d) => void udp.send(d.data, d.address)); // echo
 * ```
 */
export class UdpSocket {
  /** The underlying socket. */
  readonly socket: Socket;
  /** `'inet'` or `'inet6'`. */
  readonly family: IpFamilyName;
  /**
   * Received datagrams, read in recvmmsg batches into a bounded queue (see the `receive`
   * option). Shared: several subscribers see the same datagrams; reading stops while nobody is
   * subscribed (the kernel buffers, then drops). Completes on {@link UdpSocket.close}.
   */
  get datagrams$(): Observable<UdpDatagram> {
    return (this.datagramsObservable ??= new (rx().Observable)<UdpDatagram>((subscriber) => this.subscribeDatagrams(subscriber)).pipe(rx().share()));
  }
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;

  private readonly receiveOptions: DatagramReaderOptions;
  private reader: DatagramReader | undefined;
  private datagramsObservable: Observable<UdpDatagram> | undefined;
  private readonly done = { received: 0, delivered: 0, dropped: 0, kernelDrops: 0 };
  private readonly stats = { sent: 0, sentBytes: 0, sendErrors: 0, truncated: 0, icmpErrors: 0 };
  private isClosed = false;
  private resolveClosed!: () => void;

  /** Wraps an open UDP socket; {@link udpSocket} is the usual way in. */
  constructor(socket: Socket, receive: DatagramReaderOptions = {}) {
    this.socket = socket;
    this.family = socket.family === C.AF_INET ? 'inet' : 'inet6';
    this.receiveOptions = receive;
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  }

  private subscribeDatagrams(subscriber: Subscriber<UdpDatagram>): (() => void) | undefined {
    let inner: { unsubscribe(): void } | undefined;
    const run = (): void => {
      const reader = this.openReader();
      inner = reader.datagrams$.subscribe({
        next: (d) => subscriber.next(this.toUdp(d)),
        error: (error: unknown) => {
          if (!this.isClosed && ICMP_ERRORS.has((error as { code?: string }).code ?? '')) {
            // The reader is done after an error; a fresh one carries on with the same socket.
            this.stats.icmpErrors++;
            this.retireReader(reader);
            run();
            return;
          }
          subscriber.error(error);
        },
        complete: () => subscriber.complete(),
      });
      reader.request(Infinity);
    };
    if (this.isClosed) {
      subscriber.complete();
      return undefined;
    }
    run();
    return () => inner?.unsubscribe();
  }

  /** The bound local address. */
  address(): InetAddress {
    return this.socket.getsockname() as InetAddress;
  }

  /** The peer of a connected socket, or undefined. */
  remoteAddress(): InetAddress | undefined {
    try {
      return this.socket.getpeername() as InetAddress;
    } catch {
      return undefined;
    }
  }

  /**
   * Sends one datagram to `address` (required unless connected). An IPv4 destination works on a
   * dual-stack IPv6 socket (it is written as `::ffff:a.b.c.d`).
   * @returns The bytes sent (the whole datagram).
   */
  async send(data: Uint8Array, address?: InetAddressInput): Promise<number> {
    try {
      const n = address === undefined ? await this.socket.send(data) : await this.socket.sendTo(data, this.target(address));
      this.stats.sent++;
      this.stats.sentBytes += n;
      return n;
    } catch (error) {
      this.stats.sendErrors++;
      throw error;
    }
  }

  /** Sends several datagrams with `sendmmsg` (one system call per batch the kernel takes). */
  async sendMany(messages: readonly OutgoingDatagram[]): Promise<number> {
    const out: OutgoingMessage[] = messages.map((m) => (m.address === undefined ? { data: m.data } : { data: m.data, address: this.target(m.address) }));
    try {
      const n = await this.socket.sendMany(out);
      this.stats.sent += n;
      for (const m of messages.slice(0, n)) {
        this.stats.sentBytes += m.data instanceof Uint8Array ? m.data.byteLength : m.data.reduce((s, b) => s + b.byteLength, 0);
      }
      return n;
    } catch (error) {
      this.stats.sendErrors++;
      throw error;
    }
  }

  /**
   * Connected UDP: fixes the peer, so `send(data)` needs no address and only the peer's datagrams
   * are received; ICMP errors (port unreachable) become visible and are counted.
   */
  async connect(address: InetAddressInput): Promise<void> {
    await this.socket.connect(this.target(address));
  }

  /** Joins multicast `group` on `iface` (default: the kernel's choice by route). */
  addMembership(group: string, iface?: InterfaceSpec): void {
    setMembership(this.socket, group, iface, false);
  }

  /** Leaves multicast `group` joined with {@link UdpSocket.addMembership}. */
  dropMembership(group: string, iface?: InterfaceSpec): void {
    setMembership(this.socket, group, iface, true);
  }

  /** `SO_BROADCAST`. */
  setBroadcast(on: boolean): void {
    this.socket.setOption('SO_BROADCAST', on);
  }

  /** Unicast TTL / hop limit. */
  setTtl(ttl: number): void {
    setTtl(this.socket, ttl);
  }

  /** Multicast TTL / hop limit. */
  setMulticastTtl(ttl: number): void {
    setMulticastTtl(this.socket, ttl);
  }

  /** Loopback of own multicast. */
  setMulticastLoopback(on: boolean): void {
    setMulticastLoopback(this.socket, on);
  }

  /** Interface for outgoing multicast. */
  setMulticastInterface(iface: InterfaceSpec): void {
    setMulticastInterface(this.socket, iface);
  }

  /** A snapshot of the counters. */
  get counters(): UdpCounters {
    const r = this.reader?.counters;
    return {
      ...this.stats,
      received: this.done.received + (r?.received ?? 0),
      delivered: this.done.delivered + (r?.delivered ?? 0),
      dropped: this.done.dropped + (r ? r.droppedNewest + r.droppedOldest : 0),
      kernelDrops: this.done.kernelDrops + (r?.kernelDrops ?? 0),
    };
  }

  /** Closes the socket; `datagrams$` subscribers complete. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.reader?.close();
    this.socket.close();
    this.resolveClosed();
  }

  /** `await using udp = udpSocket(...)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private target(address: InetAddressInput): InetAddress {
    return addressForSocket(toInetAddress(address), this.socket.family);
  }

  private openReader(): DatagramReader {
    return (this.reader ??= new DatagramReader(this.socket, this.receiveOptions));
  }

  private retireReader(reader: DatagramReader): void {
    const c = reader.counters;
    this.done.received += c.received;
    this.done.delivered += c.delivered;
    this.done.dropped += c.droppedNewest + c.droppedOldest;
    this.done.kernelDrops += c.kernelDrops;
    reader.close();
    if (this.reader === reader) this.reader = undefined;
  }

  private toUdp(d: Datagram): UdpDatagram {
    const truncated = (d.flags & C.MSG_TRUNC) !== 0;
    if (truncated) this.stats.truncated++;
    const out: UdpDatagram = { data: d.data, address: d.address as InetAddress, truncated, flags: d.flags, ancillary: d.ancillary };
    const destination = d.ancillary.length ? destinationOf(d.ancillary) : undefined;
    if (destination) out.destination = destination;
    return out;
  }
}

/**
 * Creates a UDP socket, applies the options and binds it (numeric host; the family's wildcard
 * by default).
 *
 * @throws `SocketError` from socket/setsockopt/bind (`EADDRINUSE`, `EADDRNOTAVAIL`...).
 */
export function udpSocket(options: UdpSocketOptions = {}): UdpSocket {
  const family: IpFamilyName =
    options.family ?? (options.host !== undefined && options.host.includes(':') ? 'inet6' : 'inet');
  const af = afOf(family);
  // The reader is made at the first subscription; bad receive options fail here, not there.
  checkDatagramReaderOptions(options.receive);
  const socket = Socket.create(af, C.SOCK_DGRAM);
  try {
    if (options.reuseAddress) socket.setOption('SO_REUSEADDR', true);
    if (options.reusePort) socket.setOption('SO_REUSEPORT', true);
    if (af === C.AF_INET6) socket.setOption('IPV6_V6ONLY', options.ipv6Only ?? false);
    if (options.broadcast !== undefined) socket.setOption('SO_BROADCAST', options.broadcast);
    if (options.receiveBufferSize !== undefined) socket.setOption('SO_RCVBUF', options.receiveBufferSize);
    if (options.sendBufferSize !== undefined) socket.setOption('SO_SNDBUF', options.sendBufferSize);
    if (options.ttl !== undefined) setTtl(socket, options.ttl);
    if (options.multicastTtl !== undefined) setMulticastTtl(socket, options.multicastTtl);
    if (options.multicastLoopback !== undefined) setMulticastLoopback(socket, options.multicastLoopback);
    if (options.multicastInterface !== undefined) setMulticastInterface(socket, options.multicastInterface);
    if (options.pktinfo) {
      if (af === C.AF_INET) socket.setOption('IP_PKTINFO', true);
      else socket.setOption('IPV6_RECVPKTINFO', true);
    }
    if (options.bind ?? true) {
      socket.bind(inetAddress(options.host ?? (af === C.AF_INET ? '0.0.0.0' : '::'), options.port ?? 0));
    }
  } catch (error) {
    socket.close();
    throw error;
  }
  const receive: DatagramReaderOptions = { batchDelayMs: 'auto', ...options.receive };
  if (options.pktinfo) receive.controlSize = (receive.controlSize ?? 0) + pktinfoControlSize();
  return new UdpSocket(socket, receive);
}
