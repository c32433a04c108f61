/**
 * ICMP and ICMPv6 sockets in both kinds Linux offers: raw (SOCK_RAW, needs CAP_NET_RAW, sees
 * every ICMP message for the host) and ping sockets (SOCK_DGRAM, no capability but the group
 * must be in `net.ipv4.ping_group_range`; echo only, the kernel owns the identifier and
 * delivers only the replies to this socket). Messages come out the same from both.
 */
import type { Observable } from 'rxjs';
import {
  C,
  checkDatagramReaderOptions,
  cmsgSpace,
  decodeTimespec,
  decodeUint32,
  invalidArgument,
  rx,
  SocketError,
  type Datagram,
  type DatagramReaderOptions,
  type Socket,
  type SocketAddress,
} from '@rxsock/core';
import { buildPacket } from '../codec/build.js';
import { IcmpType, Icmpv6Type, IcmpView, Icmpv6View } from '../codec/icmp.js';
import { Ipv4View } from '../codec/ipv4.js';
import { PacketDecodeError } from '../codec/errors.js';
import { DatagramSocket } from './datagram-socket.js';
import { errorQueue$, type IcmpErrorReport } from './error-queue.js';
import { PrivilegeError, openPrivilegedSocket } from './privilege.js';

/** `'raw'` (SOCK_RAW), `'dgram'` (a ping socket), or `'auto'`: raw when permitted, else a ping socket. */
export type IcmpSocketKind = 'raw' | 'dgram' | 'auto';

/** Options of {@link icmpSocket}. */
export interface IcmpSocketOptions {
  /** `'inet'` (ICMP, default) or `'inet6'` (ICMPv6). */
  family?: 'inet' | 'inet6';
  /** Which kind of socket. Default `'auto'`. */
  kind?: IcmpSocketKind;
  /** TTL / hop limit of what is sent. */
  ttl?: number;
  /** Bind to this local address (numeric). */
  bind?: string;
  /** Send and receive through this interface only (SO_BINDTODEVICE). */
  device?: string;
  /** Ask the kernel for each message's arrival time (SO_TIMESTAMPNS): {@link IcmpMessage.kernelTime}. */
  timestamps?: boolean;
  /** Receive batching, queue bound and overflow policy (core's DatagramReader). */
  receive?: DatagramReaderOptions;
  /**
   * Queue ICMP errors about what this socket sent, and the errors the stack raises itself, on
   * the socket's error queue (IP_RECVERR / IPV6_RECVERR), read as {@link IcmpSocket.errors$}.
   * A ping socket learns of unreachable hosts and expired TTLs only this way.
   */
  errors?: boolean;
}

/** One ICMP or ICMPv6 message received. */
export interface IcmpMessage {
  /** The ICMP message (without any IP header), as a lazy view. */
  icmp: IcmpView | Icmpv6View;
  /** The sender's address. */
  from: string;
  /** TTL / hop limit the message arrived with, when the kernel reported it. */
  ttl: number | undefined;
  /** The IPv4 header it came in, on a raw IPv4 socket. */
  ip: Ipv4View | undefined;
  /** When it was read, `process.hrtime.bigint()` nanoseconds. */
  receivedAt: bigint;
  /** When the kernel received it (CLOCK_REALTIME nanoseconds), with the `timestamps` option. */
  kernelTime: bigint | undefined;
}

/** An echo request, for {@link IcmpSocket.sendEcho}. */
export interface EchoRequest {
  /** Identifier (a ping socket replaces it with its own, {@link IcmpSocket.echoId}). */
  id: number;
  /** Sequence number. */
  seq: number;
  /** Echo data. */
  data?: Uint8Array;
}

/** An ICMP or ICMPv6 socket. Made by {@link icmpSocket}. */
export class IcmpSocket extends DatagramSocket<IcmpMessage> {
  /** The kind opened (`'auto'` resolved). */
  readonly kind: 'raw' | 'dgram';

  private errorReports: Observable<IcmpErrorReport> | undefined;

  /** @internal */
  constructor(
    socket: Socket,
    kind: 'raw' | 'dgram',
    receive: DatagramReaderOptions,
    private readonly queuesErrors = false,
  ) {
    super(socket, receive);
    this.kind = kind;
  }

  /**
   * With IP_RECVERR the kernel also sets the socket's pending error for each ICMP error, and a
   * receive call returns it once (iputils ping then reads the error queue). The queue has the
   * error itself, with the request it is about; the messages behind it are still to be read.
   */
  protected override recoverable(error: unknown): boolean {
    return this.queuesErrors && error instanceof SocketError && error.syscall === 'recvmmsg' && error.code !== 'EBADF' && error.errno !== undefined;
  }

  /**
   * The socket's error queue, while subscribed (opened with `errors: true`): ICMP errors about
   * its messages (with the message quoted) and local errors. Completes on close.
   */
  get errors$(): Observable<IcmpErrorReport> {
    const r = rx();
    return (this.errorReports ??= errorQueue$(this.socket, this.family).pipe(r.takeUntil(r.from(this.closed)), r.share()));
  }

  /**
   * The identifier of this socket's echo requests on a ping socket: the kernel writes its own
   * (the socket's local "port") into every request and delivers only replies that carry it.
   * `undefined` on a raw socket, where the caller picks.
   */
  get echoId(): number | undefined {
    if (this.kind !== 'dgram') return undefined;
    return (this.socket.getsockname() as SocketAddress & { port: number }).port;
  }

  /**
   * Messages received while subscribed. A raw socket sees every ICMP message the host gets
   * (other processes' echo replies included: match on id); a ping socket only the replies and
   * errors for its own requests. Messages too short to be ICMP are skipped.
   */
  get messages$(): Observable<IcmpMessage> {
    return this.received$;
  }

  /** Sends an ICMP message (type, code, checksum, body: build it with `buildPacket`) to `host`. */
  send(message: Uint8Array, host: string): Promise<number> {
    return this.socket.sendTo(message, this.target(host));
  }

  /** Sends an echo request to `host` (ICMP type 8, or ICMPv6 type 128). */
  sendEcho(request: EchoRequest, host: string): Promise<number> {
    return this.send(this.echoRequest(request), host);
  }

  /** The echo request {@link IcmpSocket.sendEcho} sends, built (to time the send itself, or reuse it). */
  echoRequest(request: EchoRequest): Uint8Array {
    const v6 = this.family === 'inet6';
    // The kernel computes the ICMPv6 checksum (it needs the source address it picks) on raw
    // and ping sockets alike; ping sockets recompute the ICMP one after writing their id.
    return buildPacket([{ layer: v6 ? 'icmpv6' : 'icmp', type: v6 ? Icmpv6Type.EchoRequest : IcmpType.EchoRequest, id: request.id, seq: request.seq }], request.data);
  }

  protected convert(d: Datagram): IcmpMessage | undefined {
    const receivedAt = process.hrtime.bigint();
    const from = (d.address as SocketAddress & { host?: string } | null)?.host ?? '';
    let kernelTime: bigint | undefined;
    for (const m of d.ancillary) if (m.level === C.SOL_SOCKET && m.type === C.SCM_TIMESTAMPNS) kernelTime = decodeTimespec(m).totalNanoseconds;
    try {
      if (this.family === 'inet6') {
        return { icmp: new Icmpv6View(d.data), from, ttl: controlInt(d, C.IPPROTO_IPV6, C.IPV6_HOPLIMIT), ip: undefined, receivedAt, kernelTime };
      }
      if (this.kind === 'raw') {
        const ip = new Ipv4View(d.data);
        return { icmp: new IcmpView(d.data, ip.payloadOffset, ip.payloadEnd, ip), from, ttl: ip.ttl, ip, receivedAt, kernelTime };
      }
      return { icmp: new IcmpView(d.data), from, ttl: controlInt(d, C.IPPROTO_IP, C.IP_TTL), ip: undefined, receivedAt, kernelTime };
    } catch (error) {
      if (error instanceof PacketDecodeError) return undefined;
      throw error;
    }
  }
}

function controlInt(d: Datagram, level: number, type: number): number | undefined {
  for (const m of d.ancillary) if (m.level === level && m.type === type) return decodeUint32(m);
  return undefined;
}

/**
 * Opens an ICMP (IPv4) or ICMPv6 socket: raw, ping, or (default) raw when this process may and
 * a ping socket otherwise. Received messages carry their TTL / hop limit.
 *
 * @throws {@link PrivilegeError}: EPERM naming CAP_NET_RAW for a raw socket; EACCES naming
 *   `net.ipv4.ping_group_range` for a ping socket (with `'auto'`, when neither is allowed, the
 *   ping socket's error, whose text also says that a raw socket needs CAP_NET_RAW).
 */
export function icmpSocket(options: IcmpSocketOptions = {}): IcmpSocket {
  const family = options.family ?? 'inet';
  if (family !== 'inet' && family !== 'inet6') throw invalidArgument(`family must be 'inet' or 'inet6', got ${String(family)}`);
  const kind = options.kind ?? 'auto';
  if (kind !== 'raw' && kind !== 'dgram' && kind !== 'auto') throw invalidArgument(`kind must be 'raw', 'dgram' or 'auto', got ${String(kind)}`);
  checkDatagramReaderOptions(options.receive);
  const af = family === 'inet' ? C.AF_INET : C.AF_INET6;
  const protocol = family === 'inet' ? C.IPPROTO_ICMP : C.IPPROTO_ICMPV6;
  let socket: Socket;
  let opened: 'raw' | 'dgram';
  if (kind === 'auto') {
    try {
      socket = openPrivilegedSocket(af, C.SOCK_RAW, protocol);
      opened = 'raw';
    } catch (error) {
      if (!(error instanceof PrivilegeError)) throw error;
      socket = openPrivilegedSocket(af, C.SOCK_DGRAM, protocol);
      opened = 'dgram';
    }
  } else {
    socket = openPrivilegedSocket(af, kind === 'raw' ? C.SOCK_RAW : C.SOCK_DGRAM, protocol);
    opened = kind;
  }
  const receive: DatagramReaderOptions = { ...options.receive };
  try {
    if (options.device !== undefined) socket.setOption(C.SOL_SOCKET, C.SO_BINDTODEVICE, Buffer.from(`${options.device}\0`));
    if (family === 'inet') {
      if (options.ttl !== undefined) socket.setOption('IP_TTL', options.ttl);
      if (opened === 'dgram') {
        socket.setOption('IP_RECVTTL', true);
        receive.controlSize = (receive.controlSize ?? 0) + cmsgSpace(4);
      }
    } else {
      if (options.ttl !== undefined) socket.setOption('IPV6_UNICAST_HOPS', options.ttl);
      socket.setOption('IPV6_RECVHOPLIMIT', true);
      receive.controlSize = (receive.controlSize ?? 0) + cmsgSpace(4);
    }
    if (options.errors) {
      if (family === 'inet') socket.setOption(C.SOL_IP, C.IP_RECVERR, 1);
      else socket.setOption(C.SOL_IPV6, C.IPV6_RECVERR, 1);
    }
    if (options.timestamps) {
      socket.setOption(C.SOL_SOCKET, C.SO_TIMESTAMPNS, 1);
      receive.controlSize = (receive.controlSize ?? 0) + cmsgSpace(16);
    }
    if (options.bind !== undefined) socket.bind([options.bind, 0]);
  } catch (error) {
    socket.close();
    throw error;
  }
  return new IcmpSocket(socket, opened, receive, options.errors === true);
}
