/**
 * The AF_PACKET socket: frames as the link layer sees them, on one interface or all of them.
 *
 * Set-up order matters and is done here once: the socket is created for protocol 0 (it receives
 * nothing yet), then get their options, memberships, filter and ring, and only then is it bound
 * to its protocol and interface. So no packet arrives before the filter is in place, which is
 * the window tcpdump-style tools otherwise have to drain.
 */
import {
  attachFilter,
  C,
  DatagramReader,
  ifNameToIndex,
  invalidArgument,
  MessageBatch,
  rx,
  Socket,
  SocketError,
  type Datagram,
  type DatagramReaderOptions,
} from '@rxsock/core';
import type { Observable } from 'rxjs';
import type { PacketAddress } from './address.js';
import { AF_PACKET, EthProtocol, PacketOption, SOL_PACKET, SO_TIMESTAMPNS } from './constants.js';
import { explainPrivilege } from './errors.js';
import { DROP_ALL, type BpfProgram } from './filter/program.js';
import { toProgram, type FilterInput } from './filter/input.js';
import { FilterLinkType } from './filter/libpcap.js';
import { decodeStatistics, encodeFanout, encodeMembership, type FanoutOptions, type MembershipRequest } from './options.js';
import { packetFromDatagram, RECEIVE_CONTROL_SIZE } from './receive.js';
import { PacketRing, type RingOptions } from './ring/packet-ring.js';
import type { CapturedPacket } from './packet.js';

/** Options of {@link PacketSocket.open}. */
export interface PacketSocketOptions {
  /** Interface name or index to capture on; left out, every interface. */
  interface?: string | number;
  /** `'raw'` (whole frames, link header included; the default) or `'dgram'` (from the network header). */
  type?: 'raw' | 'dgram';
  /** EtherType to receive (host order), default every protocol (ETH_P_ALL). */
  protocol?: number;
  /** Put the interface in promiscuous mode for as long as the socket is open (PACKET_MR_PROMISC). */
  promiscuous?: boolean;
  /** Receive every multicast frame (PACKET_MR_ALLMULTI). */
  allMulticast?: boolean;
  /** Link-layer multicast groups to join (`'01:00:5e:00:00:fb'`). */
  multicast?: readonly string[];
  /** A filter, attached before the first packet can arrive (see the module comment). */
  filter?: FilterInput;
  /** Bytes kept of each packet when `filter` is an expression (tcpdump's `-s`). Default 262144. */
  snapLength?: number;
  /** A TPACKET_V3 receive ring (the fast path); left out, packets are read with recvmmsg. */
  ring?: RingOptions | boolean;
  /** Join a fanout group once bound. */
  fanout?: FanoutOptions;
  /** Skip frames this host sends (PACKET_IGNORE_OUTGOING). */
  ignoreOutgoing?: boolean;
  /** SO_RCVBUF for the recvmmsg path, in bytes (SO_RCVBUFFORCE when it exceeds the sysctl limit). */
  receiveBufferSize?: number;
}

/**
 * Cumulative PACKET_STATISTICS. The kernel resets its counters on every read; this object adds
 * them up, so the numbers only grow, like tcpdump's end-of-capture report.
 */
export interface PacketStatistics {
  /** Packets that passed the filter ("packets received by filter"), dropped ones included. */
  received: number;
  /** Packets the kernel dropped for lack of room ("packets dropped by kernel"). */
  dropped: number;
  /** Ring freezes (TPACKET_V3): times every block was still held by the reader. */
  freezes: number;
}

function interfaceIndexOf(name: string | number | undefined): number {
  if (name === undefined) return 0;
  if (typeof name === 'number') {
    if (!Number.isInteger(name) || name < 0) throw invalidArgument(`interface index must be an integer >= 0, got ${name}`, 'bind');
    return name;
  }
  const index = ifNameToIndex(name);
  if (index === 0) throw new SocketError(`no such interface: ${name}`, { code: 'ENODEV', errno: 19, syscall: 'if_nametoindex', address: name });
  return index;
}

/**
 * A packet socket (AF_PACKET), opened with {@link PacketSocket.open}.
 *
 * @example
 * ```ts
 * const capture = PacketSocket.open({ interface: 'eth0', filter: 'udp port 53', ring: true });
 * capture.ring!.packets$.subscribe((p) => console.log(p.timestamp, p.data.length));
 * ```
 */
export class PacketSocket {
  /** The core socket underneath (options, fd, raw calls). */
  readonly socket: Socket;
  /** The interface bound to (0: all). */
  readonly interfaceIndex: number;
  /** The protocol bound to (host order). */
  readonly protocol: number;
  /** `'raw'` or `'dgram'`. */
  readonly kind: 'raw' | 'dgram';
  /** The receive ring, when opened with `ring`. */
  readonly ring: PacketRing | undefined;
  private readonly totals: PacketStatistics = { received: 0, dropped: 0, freezes: 0 };
  private reader: DatagramReader | undefined;
  private closedFlag = false;

  private constructor(socket: Socket, interfaceIndex: number, protocol: number, kind: 'raw' | 'dgram', ring: PacketRing | undefined) {
    this.socket = socket;
    this.interfaceIndex = interfaceIndex;
    this.protocol = protocol;
    this.kind = kind;
    this.ring = ring;
  }

  /**
   * Opens, configures and binds a packet socket.
   * @throws `SocketError` `EPERM` naming CAP_NET_RAW without the privilege, `ENODEV` for an
   * unknown interface, `EINVAL` for bad options, `ERR_RXSOCK_FILTER_SYNTAX` for a bad filter.
   */
  static open(options: PacketSocketOptions = {}): PacketSocket {
    const kind = options.type ?? 'raw';
    if (kind !== 'raw' && kind !== 'dgram') throw invalidArgument(`type must be 'raw' or 'dgram', got ${String(kind)}`, 'socket');
    const protocol = options.protocol ?? EthProtocol.ALL;
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 0xffff) throw invalidArgument(`protocol must be 0..65535, got ${String(protocol)}`, 'socket');
    const interfaceIndex = interfaceIndexOf(options.interface);
    // Compile before creating anything: a syntax error leaves nothing to clean up.
    const program = options.filter === undefined ? undefined : toProgram(options.filter, { linkType: kind === 'raw' ? FilterLinkType.ETHERNET : FilterLinkType.RAW_IP, snapLength: options.snapLength ?? 262144 });
    let socket: Socket;
    try {
      // Protocol 0: nothing is delivered until bind names the real one.
      socket = Socket.create(AF_PACKET, kind === 'raw' ? C.SOCK_RAW : C.SOCK_DGRAM, 0);
    } catch (error) {
      throw explainPrivilege(error, 'opening a packet socket');
    }
    let ring: PacketRing | undefined;
    try {
      socket.setOption(SOL_PACKET, PacketOption.AUXDATA, 1);
      socket.setOption(C.SOL_SOCKET, SO_TIMESTAMPNS, 1);
      if (options.ignoreOutgoing) socket.setOption(SOL_PACKET, PacketOption.IGNORE_OUTGOING, 1);
      if (options.receiveBufferSize !== undefined) setReceiveBuffer(socket, options.receiveBufferSize);
      const join = (m: Omit<MembershipRequest, 'interfaceIndex'>) => {
        if (interfaceIndex === 0) throw invalidArgument(`a ${m.kind} membership needs an interface`, 'setsockopt');
        socket.setOption(SOL_PACKET, PacketOption.ADD_MEMBERSHIP, encodeMembership({ ...m, interfaceIndex }));
      };
      if (options.promiscuous) join({ kind: 'promiscuous' });
      if (options.allMulticast) join({ kind: 'all-multicast' });
      for (const address of options.multicast ?? []) join({ kind: 'multicast', address });
      if (program) attachFilter(socket, program.bytes);
      if (options.ring) ring = new PacketRing(socket, options.ring === true ? {} : options.ring);
      socket.bind({ family: 'packet', protocol, interfaceIndex });
      const ps = new PacketSocket(socket, interfaceIndex, protocol, kind, ring);
      if (options.fanout) ps.joinFanout(options.fanout);
      return ps;
    } catch (error) {
      ring?.close();
      socket.close();
      throw explainPrivilege(error, 'configuring a packet socket', 'CAP_NET_RAW (CAP_NET_ADMIN for promiscuous mode)');
    }
  }

  /** The bound address (interface, protocol, the interface's own link-layer address). */
  address(): PacketAddress {
    return this.socket.getsockname() as PacketAddress;
  }

  /**
   * Packets read with recvmmsg batches (core's DatagramReader): each its own copy, VLAN tags
   * restored, kernel timestamps. For small captures; a socket opened with a ring reads its ring.
   */
  packets$(options: DatagramReaderOptions = {}): Observable<CapturedPacket> {
    if (this.ring) throw invalidArgument('this socket has a receive ring: read ring.packets$ or ring.blocks$', 'recvmmsg');
    return new (rx().Observable)<CapturedPacket>((subscriber) => {
      const reader = new DatagramReader(this.socket, { slotSize: 65536, ...options, controlSize: (options.controlSize ?? 0) + RECEIVE_CONTROL_SIZE });
      this.reader = reader;
      const inner = reader.datagrams$.subscribe({
        next: (d: Datagram) => subscriber.next(packetFromDatagram(d, this.kind === 'raw')),
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      reader.request(Infinity);
      return () => {
        inner.unsubscribe();
        reader.close();
        if (this.reader === reader) this.reader = undefined;
      };
    });
  }

  /**
   * Cumulative kernel counters (PACKET_STATISTICS), summed across the kernel's reset-on-read.
   */
  statistics(): PacketStatistics {
    if (!this.closedFlag) {
      const raw = this.socket.getOption(SOL_PACKET, PacketOption.STATISTICS, 12);
      const s = decodeStatistics(raw, raw.length);
      this.totals.received += s.packets;
      this.totals.dropped += s.drops;
      this.totals.freezes += s.freezes;
    }
    return { ...this.totals };
  }

  /**
   * Replaces the filter. With `flush` (the default) no packet that only the old filter accepted
   * is read after this returns: a drop-all program goes in first, what is queued (or ready in
   * the ring) is discarded, then the new program goes in. Packets arriving during the swap are
   * dropped, as libpcap does; without `flush` the kernel swaps programs atomically and packets
   * already queued stay.
   */
  setFilter(filter: FilterInput, options: { flush?: boolean; snapLength?: number } = {}): BpfProgram {
    const program = toProgram(filter, { linkType: this.kind === 'raw' ? FilterLinkType.ETHERNET : FilterLinkType.RAW_IP, snapLength: options.snapLength ?? 262144 });
    if (options.flush !== false) {
      attachFilter(this.socket, DROP_ALL.bytes);
      this.discardQueued();
    }
    attachFilter(this.socket, program.bytes);
    return program;
  }

  /** Joins a multicast group, or promiscuous/all-multicast mode, on the bound interface. */
  addMembership(request: Omit<MembershipRequest, 'interfaceIndex'>): void {
    this.membership(PacketOption.ADD_MEMBERSHIP, request);
  }

  /** Leaves what {@link PacketSocket.addMembership} joined. */
  dropMembership(request: Omit<MembershipRequest, 'interfaceIndex'>): void {
    this.membership(PacketOption.DROP_MEMBERSHIP, request);
  }

  /** Joins a PACKET_FANOUT group: the members share the interface's packets. */
  joinFanout(options: FanoutOptions): void {
    this.socket.setOption(SOL_PACKET, PacketOption.FANOUT, encodeFanout(options));
  }

  /** The fanout group this socket is in (useful after `uniqueId`), or -1 for none. */
  fanoutGroup(): number {
    const v = this.socket.getOption(SOL_PACKET, PacketOption.FANOUT);
    return v === 0 ? -1 : v & 0xffff;
  }

  /**
   * Sends one whole frame (SOCK_RAW: link header included) on the bound interface, or on
   * `interfaceIndex` when the socket is bound to all of them.
   */
  async send(frame: Uint8Array, interfaceIndex = this.interfaceIndex): Promise<void> {
    await this.sendFrames([frame], interfaceIndex);
  }

  /**
   * Sends frames in batches with sendmmsg (one system call per up to 1024 frames), waiting for
   * room as needed. Resolves with the number sent.
   */
  async sendFrames(frames: readonly Uint8Array[], interfaceIndex = this.interfaceIndex): Promise<number> {
    if (interfaceIndex === 0) throw invalidArgument('sending needs an interface: bind to one or pass interfaceIndex', 'sendmmsg');
    const to = { family: 'packet' as const, protocol: this.protocol === EthProtocol.ALL ? 0 : this.protocol, interfaceIndex };
    let sent = 0;
    for (let i = 0; i < frames.length; i += 1024) {
      const chunk = frames.slice(i, i + 1024).map((data) => ({ data, address: to }));
      sent += await this.socket.sendMany(chunk);
    }
    return sent;
  }

  /** Closes the ring and the socket (promiscuous mode and memberships end with it). */
  close(): void {
    if (this.closedFlag) return;
    this.statistics();
    this.closedFlag = true;
    this.reader?.close();
    this.ring?.close();
    this.socket.close();
  }

  /** Whether {@link PacketSocket.close} was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** `using capture = PacketSocket.open(...)` closes it. */
  [Symbol.dispose](): void {
    this.close();
  }

  private membership(option: number, request: Omit<MembershipRequest, 'interfaceIndex'>): void {
    if (this.interfaceIndex === 0) throw invalidArgument(`a ${request.kind} membership needs an interface`, 'setsockopt');
    this.socket.setOption(SOL_PACKET, option, encodeMembership({ ...request, interfaceIndex: this.interfaceIndex }));
  }

  private discardQueued(): void {
    if (this.ring) {
      this.ring.discardReady();
      return;
    }
    // Straight to recvmmsg: the socket's readiness flag may be stale, the queue is what counts.
    const batch = new MessageBatch(64, 64, { addresses: false });
    while (batch.receive(this.socket.fileno(), C.MSG_DONTWAIT) > 0);
  }
}

function setReceiveBuffer(socket: Socket, bytes: number): void {
  try {
    socket.setOption('SO_RCVBUFFORCE', bytes);
  } catch {
    socket.setOption('SO_RCVBUF', bytes);
  }
}
