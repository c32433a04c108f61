/**
 * `ping()`: ICMP echo as an Observable, with ping(8)'s (iputils) semantics: one request per
 * interval, replies matched by identifier and sequence, duplicates and ICMP errors counted, and
 * a summary with loss and rtt min/avg/max/mdev when it ends (count answered, deadline, linger
 * after the last request, or an abort).
 */
import type { Observable, Subscriber } from 'rxjs';
import { C, Socket, SocketError, getaddrinfo, invalidArgument, isIPv4, isIPv6, rx } from '@rxsock/core';
import { IcmpType, Icmpv6Type, type IcmpView, type Icmpv6View } from '../codec/icmp.js';
import { quotedPacket } from '../codec/packet.js';
import type { IcmpErrorReport } from './error-queue.js';
import { icmpSocket, type IcmpMessage, type IcmpSocket, type IcmpSocketKind } from './icmp-socket.js';
import { realtimeNanoseconds } from './realtime-clock.js';

/** Options of {@link ping}; the letters are ping(8)'s. */
export interface PingOptions {
  /** `-c`: stop after this many requests are answered (or, with a deadline, when it expires). Default: until aborted. */
  count?: number;
  /** `-i`: milliseconds between requests. Default 1000. */
  intervalMs?: number;
  /** `-s`: echo data bytes. Default 56 (64 bytes of ICMP). Replies are timed when it is at least 16, as in ping(8). */
  size?: number;
  /** `-t`: TTL / hop limit of the requests (0..255; the kernel refuses 0 with EINVAL). */
  ttl?: number;
  /**
   * `-w`: stop after this many milliseconds whatever was sent or received. As in ping(8), a
   * deadline keeps requests going past `count` until `count` are answered, and the first ICMP
   * error ends the run.
   */
  deadlineMs?: number;
  /** `-W`: after the last request, how long to wait when nothing was answered at all. Default 10000. */
  timeoutMs?: number;
  /** `-4` / `-6`: the address family to resolve and ping. Default: the address's own, or IPv4 first for a name. */
  family?: 'inet' | 'inet6';
  /** Which socket: a raw ICMP socket (CAP_NET_RAW), a ping socket, or raw when permitted (default). */
  socket?: IcmpSocketKind;
  /** Identifier of the requests on a raw socket. Default random. (A ping socket's kernel picks its own.) */
  id?: number;
  /** Ends the run early with a summary, like ping(8) on Ctrl-C. */
  signal?: AbortSignal;
}

/** The first event: what is being pinged and how. */
export interface PingStart {
  type: 'start';
  /** The destination as given. */
  host: string;
  /** The address pinged. */
  address: string;
  family: 'inet' | 'inet6';
  /** Echo data bytes per request. */
  size: number;
  /** The socket kind used. */
  socket: 'raw' | 'dgram';
}

/** An echo reply. */
export interface PingReply {
  type: 'reply';
  /** Sequence number (from 1, as ping(8) counts). */
  seq: number;
  /** ICMP bytes received (header and data: 64 for the default size). */
  bytes: number;
  /** Who answered. */
  from: string;
  /** TTL / hop limit of the reply, when the kernel reported it. */
  ttl: number | undefined;
  /** Round-trip time in milliseconds (microsecond resolution); undefined when the size is below 16. */
  timeMs: number | undefined;
  /** A second (or later) reply to the same request. */
  duplicate: boolean;
}

/**
 * An ICMP error about one of our requests (unreachable, TTL exceeded...), matched by the request
 * it quotes: read as a message on a raw socket, from the error queue (IP_RECVERR /
 * IPV6_RECVERR) on a ping socket, which never sees ICMP errors as messages.
 */
export interface PingError {
  type: 'error';
  /** Sequence number of the request it is about. */
  seq: number;
  /** The router or host that reported it. */
  from: string;
  /** ICMP type and code. */
  icmpType: number;
  icmpCode: number;
  /** iputils ping's words for it, such as `'Destination Host Unreachable'`, `'Time to live exceeded'` or (IPv6) `'Time exceeded: Hop limit'`. */
  text: string;
}

/** The last event. */
export interface PingSummary {
  type: 'summary';
  /** The destination as given, and its address. */
  host: string;
  address: string;
  transmitted: number;
  /** Distinct requests answered. */
  received: number;
  duplicates: number;
  /** ICMP errors received about our requests. */
  errors: number;
  /** `(transmitted - received) * 100 / transmitted`. */
  lossPercent: number;
  /** Milliseconds from the first request to the end. */
  timeMs: number;
  /** Round-trip statistics in milliseconds, when a timed reply came. */
  rtt: { min: number; avg: number; max: number; mdev: number } | undefined;
  /** Most requests ever outstanding when an answer (reply or error) came: ping(8)'s `pipe N`, printed when above 1. */
  pipe: number;
}

/** What {@link ping} emits: a start, replies and errors as they come, then a summary. */
export type PingEvent = PingStart | PingReply | PingError | PingSummary;

const UNREACHABLE = [
  'Destination Net Unreachable', 'Destination Host Unreachable', 'Destination Protocol Unreachable',
  'Destination Port Unreachable', 'Frag needed and DF set', 'Source Route Failed', 'Destination Net Unknown',
  'Destination Host Unknown', 'Source Host Isolated', 'Destination Net Prohibited', 'Destination Host Prohibited',
  'Destination Net Unreachable for Type of Service', 'Destination Host Unreachable for Type of Service',
  'Packet filtered', 'Precedence Violation', 'Precedence Cutoff',
];
const UNREACHABLE_V6 = ['No route', 'Administratively prohibited', 'Beyond scope of source address', 'Address unreachable', 'Port unreachable'];

/** iputils' words for an ICMP error (ping_common.c / ping6_common.c), or undefined for other messages. */
function errorText(v6: boolean, type: number, code: number, rest: number): string | undefined {
  if (v6) {
    switch (type) {
      case Icmpv6Type.DestinationUnreachable: return `Destination unreachable: ${UNREACHABLE_V6[code] ?? `Unknown code ${code}`}`;
      case Icmpv6Type.PacketTooBig: return `Packet too big: mtu=${rest}`;
      case Icmpv6Type.TimeExceeded: return `Time exceeded: ${code === 0 ? 'Hop limit' : code === 1 ? 'Defragmentation failure' : `code ${code}`}`;
      case Icmpv6Type.ParameterProblem: return `Parameter problem: ${['Wrong header field ', 'Unknown header ', 'Unknown option '][code] ?? `code ${code} `}at ${rest}`;
      default: return undefined;
    }
  }
  switch (type) {
    case IcmpType.DestinationUnreachable:
      if (code === 4) return `Frag needed and DF set (mtu = ${rest & 0xffff})`;
      return UNREACHABLE[code] ?? `Dest Unreachable, Bad Code: ${code}`;
    case IcmpType.TimeExceeded: return code === 0 ? 'Time to live exceeded' : code === 1 ? 'Frag reassembly time exceeded' : `Time exceeded, Bad Code: ${code}`;
    case IcmpType.ParameterProblem: return `Parameter problem: pointer = ${rest >>> 24}`;
    case IcmpType.SourceQuench: return 'Source Quench';
    case IcmpType.Redirect: return ['Redirect Network', 'Redirect Host', 'Redirect Type of Service and Network', 'Redirect Type of Service and Host'][code] ?? `Redirect, Bad Code: ${code}`;
    default: return undefined;
  }
}

/** The pattern ping(8) sends: a timeval (the send time, `now` in ns), then each byte its own offset. */
function echoData(size: number, timed: boolean, now: bigint): Buffer {
  const data = Buffer.alloc(size);
  for (let i = timed ? 16 : 0; i < size; i++) data[i] = i & 0xff;
  if (timed) {
    data.writeBigInt64LE(now / 1_000_000_000n, 0);
    data.writeBigInt64LE((now % 1_000_000_000n) / 1000n, 8);
  }
  return data;
}

/**
 * iputils' first step: a UDP socket connected to the destination (port 1025, nothing is sent)
 * makes the kernel look the route up, so an unroutable address (an `unreachable` or `blackhole`
 * route) fails as `connect` (EHOSTUNREACH, EINVAL) before the run starts, as ping(8) reports it.
 */
async function routeProbe(address: string, family: 'inet' | 'inet6'): Promise<void> {
  const probe = Socket.create(family === 'inet' ? C.AF_INET : C.AF_INET6, C.SOCK_DGRAM);
  try {
    await probe.connect([address, 1025]);
  } finally {
    probe.close();
  }
}

function checkCount(value: number | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(`ping: ${name} must be a number in ${min}..${max}, got ${String(value)}`);
  }
}

/** Resolves `host` to one address of the wanted family. */
async function resolve(host: string, family: 'inet' | 'inet6' | undefined): Promise<{ address: string; family: 'inet' | 'inet6' }> {
  const wrongFamily = (): SocketError =>
    new SocketError(`${host}: Address family for hostname not supported`, { code: 'EAI_ADDRFAMILY', address: host });
  if (isIPv4(host)) {
    if (family === 'inet6') throw wrongFamily();
    return { address: host, family: 'inet' };
  }
  if (isIPv6(host)) {
    if (family === 'inet') throw wrongFamily();
    return { address: host, family: 'inet6' };
  }
  const results = await getaddrinfo(host, null, { family: family === 'inet' ? C.AF_INET : family === 'inet6' ? C.AF_INET6 : C.AF_UNSPEC, type: C.SOCK_RAW });
  const first = results.find((r) => r.address.family === 'inet') ?? results[0];
  const a = first?.address as { family: string; host: string } | undefined;
  if (!a || (a.family !== 'inet' && a.family !== 'inet6')) throw new SocketError(`ping: ${host}: no address`, { code: 'EAI_NONAME', address: host });
  return { address: a.host, family: a.family };
}

/**
 * Pings `host` (a numeric address or a name, resolved off the loop): emits a {@link PingStart},
 * then {@link PingReply} and {@link PingError} events as they come, then a {@link PingSummary},
 * and completes. It ends when `count` requests are answered, at the deadline, after the linger
 * that follows the last of `count` requests (two of the longest round trips when something was
 * answered, else `timeoutMs`), or when `signal` aborts. Unsubscribing stops it without a summary.
 * A reply already in the kernel when the linger ends is read and counted first, as iputils reads
 * its socket empty before it exits, however busy this process was.
 *
 * @example
 * ```ts
 * ping('127.0.0.1', { count: 3, intervalMs: 200 }).subscribe((e) => console.log(e));
 * ```
 * @throws `EINVAL` at once for bad options; as the Observable's error: a {@link PrivilegeError}
 *   when neither a raw nor a ping socket is allowed, `EAI_*` when the name does not resolve
 *   (`EAI_ADDRFAMILY` for an address of the other family than asked for).
 */
export function ping(host: string, options: PingOptions = {}): Observable<PingEvent> {
  checkCount(options.count, 'count', 1);
  checkCount(options.intervalMs, 'intervalMs', 0);
  checkCount(options.size, 'size', 0, 65507);
  checkCount(options.ttl, 'ttl', 0, 255);
  checkCount(options.deadlineMs, 'deadlineMs', 0);
  checkCount(options.timeoutMs, 'timeoutMs', 0);
  checkCount(options.id, 'id', 0, 0xffff);
  if (typeof host !== 'string' || host === '') throw invalidArgument('ping: a destination is required');
  return new (rx().Observable)<PingEvent>((subscriber) => {
    const run = new PingRun(host, options, subscriber);
    void run.start();
    return () => run.stop(false);
  });
}

class PingRun {
  private socket: IcmpSocket | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  /**
   * Send times: CLOCK_REALTIME nanoseconds, the clock of the kernel's arrival stamps, read just
   * before the request is built and sent (as iputils stamps its timeval).
   */
  private readonly sentAt = new Map<number, bigint>();
  private readonly answered = new Set<number>();
  private address = '';
  private v6 = false;
  private echoId = 0;
  private seq = 0;
  private transmitted = 0;
  private received = 0;
  private duplicates = 0;
  private errors = 0;
  private startedAt = 0n;
  private rtts: number[] = [];
  private pipe = 0;
  private doneCheck: NodeJS.Immediate | undefined;
  private finished = false;
  private readonly size: number;
  private readonly timed: boolean;
  private messagesSubscription: { unsubscribe(): void } | undefined;
  private errorsSubscription: { unsubscribe(): void } | undefined;
  private readonly onAbort = (): void => this.stop(true);

  constructor(
    private readonly host: string,
    private readonly options: PingOptions,
    private readonly subscriber: Subscriber<PingEvent>,
  ) {
    this.size = options.size ?? 56;
    this.timed = this.size >= 16;
  }

  async start(): Promise<void> {
    try {
      const { address, family } = await resolve(this.host, this.options.family);
      if (this.finished) return;
      this.address = address;
      this.v6 = family === 'inet6';
      // Small slots: a reply is the request's size plus headers; an error quotes at most 1280 bytes.
      const receive = { batchSize: 8, slotSize: Math.max(1500, this.size + 128) };
      const socket = (this.socket = icmpSocket({ family, kind: this.options.socket ?? 'auto', receive, errors: true, timestamps: true, ...(this.options.ttl !== undefined ? { ttl: this.options.ttl } : {}) }));
      await routeProbe(address, family);
      if (this.finished) return;
      this.echoId = this.options.id ?? Math.floor(Math.random() * 0x10000);
      this.messagesSubscription = socket.messages$.subscribe({
        next: (m) => this.onMessage(m),
        error: (error: unknown) => this.fail(error),
      });
      // A raw socket sees ICMP errors as messages (above); the queue would give each one twice.
      if (socket.kind === 'dgram') {
        this.errorsSubscription = socket.errors$.subscribe({
          next: (e) => this.onQueuedError(e),
          error: (error: unknown) => this.fail(error),
        });
      }
      this.subscriber.next({ type: 'start', host: this.host, address, family, size: this.size, socket: socket.kind });
      if (this.options.signal?.aborted) return this.stop(true);
      this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
      // Builds (and drops) one request first: the codec's first run compiles it, a one-time
      // cost of this process that is no part of a round trip (iputils has none to pay).
      socket.echoRequest({ id: this.echoId, seq: 0, data: echoData(this.size, this.timed, realtimeNanoseconds()) });
      this.startedAt = process.hrtime.bigint();
      if (this.options.deadlineMs !== undefined) this.after(this.options.deadlineMs, () => this.stop(true));
      this.sendNext();
    } catch (error) {
      this.fail(error);
    }
  }

  private after(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
  }

  private sendNext(): void {
    if (this.finished || !this.socket) return;
    const { count } = this.options;
    this.seq = this.seq >= 0xffff ? 1 : this.seq + 1;
    const seq = this.seq;
    const message = this.socket.echoRequest({ id: this.echoId, seq, data: echoData(this.size, this.timed, realtimeNanoseconds()) });
    this.answered.delete(seq);
    this.transmitted++;
    // stamped after the request is built, right before it is handed to the kernel
    this.sentAt.set(seq, realtimeNanoseconds());
    this.socket.send(message, this.address).catch((error: unknown) => this.fail(error));
    // With a deadline, requests go on until `count` are answered (or an error or the deadline ends it).
    if (count !== undefined && this.transmitted >= count && this.options.deadlineMs === undefined) {
      this.lingerAfterLast();
      return;
    }
    this.after(this.options.intervalMs ?? 1000, () => this.sendNext());
  }

  /** After the last request: two of the longest round trips when anything came back, else the -W timeout. */
  private lingerAfterLast(): void {
    const maxMs = this.rtts.length ? Math.max(...this.rtts) : 0;
    const wait = this.received > 0 ? Math.max(2 * maxMs, 1) : (this.options.timeoutMs ?? 10_000);
    const lastCall = Date.now() + wait + (this.options.timeoutMs ?? 10_000);
    this.after(wait, () => this.stopOnceRead(lastCall));
  }

  /**
   * Ends the run, unless the kernel already holds a message the reader has not delivered: a
   * reply can arrive within the linger while this process is busy, and be seen by the event
   * loop only after the linger's timer (iputils reads its socket empty before it exits). Then it
   * looks again each millisecond, at most until `lastCall` (the -W timeout after the linger).
   */
  private stopOnceRead(lastCall: number): void {
    if (this.finished) return;
    if (this.socket?.datagramWaiting && Date.now() < lastCall) this.after(1, () => this.stopOnceRead(lastCall));
    else this.stop(true);
  }

  private onMessage(m: IcmpMessage): void {
    if (this.finished) return;
    const icmp = m.icmp;
    const replyType = this.v6 ? Icmpv6Type.EchoReply : IcmpType.EchoReply;
    if (icmp.type === replyType) {
      // A ping socket only hands us our own replies (with the id the kernel chose); a raw socket
      // hands us every reply on the host.
      if (this.socket?.kind === 'raw' && icmp.id !== this.echoId) return;
      const sentAt = this.sentAt.get(icmp.seq);
      if (sentAt === undefined) return;
      const duplicate = this.answered.has(icmp.seq);
      this.acknowledge(icmp.seq);
      // From the send stamp to the kernel's arrival stamp of the reply, as iputils times it: the
      // time this process takes to wake up and read the reply is not the network's. A clock set
      // back in between gives 0, as iputils does ("Time of day goes back").
      const arrived = m.kernelTime ?? realtimeNanoseconds();
      const timeMs = this.timed ? Math.max(0, Number(arrived - sentAt) / 1e6) : undefined;
      if (duplicate) this.duplicates++;
      else {
        this.answered.add(icmp.seq);
        this.received++;
        if (timeMs !== undefined) this.rtts.push(timeMs);
      }
      this.subscriber.next({ type: 'reply', seq: icmp.seq, bytes: icmp.end - icmp.offset, from: m.from, ttl: m.ttl, timeMs, duplicate });
      this.checkDone();
      return;
    }
    const text = errorText(this.v6, icmp.type, icmp.code, icmp.rest);
    if (text === undefined) return; // not an error message (our own requests, seen by a raw socket on loopback)
    const about = this.quotedSeq(icmp);
    if (about === undefined) return;
    this.acknowledge(about);
    this.errors++;
    this.subscriber.next({ type: 'error', seq: about, from: m.from, icmpType: icmp.type, icmpCode: icmp.code, text });
    this.checkDone();
  }

  /** An ICMP error from a ping socket's error queue: the kernel quotes our request itself. */
  private onQueuedError(e: IcmpErrorReport): void {
    if (this.finished || e.origin === 'local' || !e.quoted) return;
    const text = errorText(this.v6, e.icmpType, e.icmpCode, e.info);
    const echo = e.quoted;
    if (text === undefined || echo.type !== (this.v6 ? Icmpv6Type.EchoRequest : IcmpType.EchoRequest) || !this.sentAt.has(echo.seq)) return;
    this.acknowledge(echo.seq);
    this.errors++;
    this.subscriber.next({ type: 'error', seq: echo.seq, from: e.from ?? '', icmpType: e.icmpType, icmpCode: e.icmpCode, text });
    this.checkDone();
  }

  /** The sequence number of our echo request quoted in an ICMP error, if it is ours. */
  private quotedSeq(icmp: IcmpView | Icmpv6View): number | undefined {
    const quoted = quotedPacket(icmp);
    const echo = this.v6 ? quoted.icmpv6 : quoted.icmp;
    if (!echo || echo.type !== (this.v6 ? Icmpv6Type.EchoRequest : IcmpType.EchoRequest)) return undefined;
    // A ping socket only gets errors about its own requests; on a raw socket, match our id.
    if (this.socket?.kind === 'raw' && echo.id !== this.echoId) return undefined;
    return this.sentAt.has(echo.seq) ? echo.seq : undefined;
  }

  /** How many requests were outstanding when `seq` was answered (ping_common.c's acknowledge()). */
  private acknowledge(seq: number): void {
    const outstanding = (this.seq - seq) & 0xffff;
    if (outstanding <= 0x7fff) this.pipe = Math.max(this.pipe, outstanding + 1);
  }

  /**
   * Ends the run once `count` requests are answered, or (with a deadline) at the first error;
   * checked after the answers that came together are all read, as ping(8) reads a wake-up's
   * messages before it looks.
   */
  private checkDone(): void {
    if (this.doneCheck) return;
    this.doneCheck = setImmediate(() => {
      this.doneCheck = undefined;
      const { count } = this.options;
      if ((count !== undefined && this.received + this.errors >= count) || (this.options.deadlineMs !== undefined && this.errors > 0)) this.stop(true);
    });
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.cleanup();
    this.subscriber.error(error);
  }

  private cleanup(): void {
    this.finished = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.doneCheck) clearImmediate(this.doneCheck);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.messagesSubscription?.unsubscribe();
    this.errorsSubscription?.unsubscribe();
    this.socket?.close();
  }

  /** Ends the run; with `summary`, emits the summary and completes. */
  stop(summary: boolean): void {
    if (this.finished) return;
    this.cleanup();
    if (!summary) return;
    const elapsedMs = this.startedAt === 0n ? 0 : Number(process.hrtime.bigint() - this.startedAt) / 1e6;
    const n = this.rtts.length;
    let rtt: PingSummary['rtt'];
    if (n > 0) {
      const sum = this.rtts.reduce((a, b) => a + b, 0);
      const avg = sum / n;
      const sum2 = this.rtts.reduce((a, b) => a + b * b, 0);
      rtt = { min: Math.min(...this.rtts), avg, max: Math.max(...this.rtts), mdev: Math.sqrt(Math.max(0, sum2 / n - avg * avg)) };
    }
    this.subscriber.next({
      type: 'summary',
      host: this.host,
      address: this.address,
      transmitted: this.transmitted,
      received: this.received,
      duplicates: this.duplicates,
      errors: this.errors,
      lossPercent: this.transmitted ? ((this.transmitted - this.received) * 100) / this.transmitted : 0,
      timeMs: elapsedMs,
      rtt,
      pipe: this.pipe,
    });
    this.subscriber.complete();
  }
}
