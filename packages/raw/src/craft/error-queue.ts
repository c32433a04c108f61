/**
 * ICMP errors from a socket's error queue (IP_RECVERR / IPV6_RECVERR): what a ping socket gets
 * instead of the ICMP error messages a raw socket sees, and, on any socket, the errors the
 * kernel raised itself (a route that refuses, a message over the MTU).
 * Read with core's ErrorQueueReader (through a duplicate fd, with a waiter of its own beside
 * the message reader's).
 */
import type { Observable } from 'rxjs';
import { C, ErrorQueueReader, MessageBatch, cmsgSpace, decodeSockExtendedErr, decodeSockaddr, errnoName, rx, type Socket, type SocketAddress } from '@rxsock/core';
import { IcmpView, Icmpv6View } from '../codec/icmp.js';
import { PacketDecodeError } from '../codec/errors.js';

/** `SO_EE_ORIGIN_*` by name. */
const ORIGINS: Record<number, IcmpErrorReport['origin']> = { 1: 'local', 2: 'icmp', 3: 'icmp6' };

/** One error-queue entry of an ICMP socket. */
export interface IcmpErrorReport {
  /** Who raised it: this host's stack (`'local'`) or an ICMP / ICMPv6 message from the network. */
  origin: 'local' | 'icmp' | 'icmp6' | 'other';
  /** The error as an errno name (`'EHOSTUNREACH'`, `'EMSGSIZE'`...). */
  code: string;
  /** The errno number. */
  errno: number;
  /** ICMP type and code of the error message (0 for local errors). */
  icmpType: number;
  icmpCode: number;
  /** `ee_info`: the MTU for "fragmentation needed" / "packet too big" and local EMSGSIZE, the pointer of a parameter problem. */
  info: number;
  /** Who sent the ICMP error (the router or host), when the kernel says. */
  from: string | undefined;
  /** The message of ours it is about (for an echo request: its id and seq), as a lazy view, when it parses. */
  quoted: IcmpView | Icmpv6View | undefined;
}

/** @internal Reads the error queue of `socket` (which has IP_RECVERR or IPV6_RECVERR set). */
export function errorQueue$(socket: Socket, family: 'inet' | 'inet6'): Observable<IcmpErrorReport> {
  return new (rx().Observable)<IcmpErrorReport>((subscriber) => {
    const level = family === 'inet' ? C.SOL_IP : C.SOL_IPV6;
    const type = family === 'inet' ? C.IP_RECVERR : C.IPV6_RECVERR;
    // sock_extended_err and the offender's sockaddr_in6; the quoted message is at most 576/1280 bytes
    const batch = new MessageBatch(8, 1280, { addresses: false, controlSize: cmsgSpace(16 + 28) * 2 });
    const reader = new ErrorQueueReader(socket, batch, {
      entries: (b, n) => {
        for (let i = 0; i < n; i++) {
          const report = decodeReport(b, i, level, type, family);
          if (report) subscriber.next(report);
        }
      },
      error: (error) => subscriber.error(error),
    });
    return () => reader.close();
  });
}

/** Entry `i` of `batch` as a report, or undefined when it carries no extended error of this family. */
function decodeReport(batch: MessageBatch, i: number, level: number, type: number, family: 'inet' | 'inet6'): IcmpErrorReport | undefined {
  const m = batch.ancillary(i).find((c) => c.level === level && c.type === type);
  if (!m || !(m.data instanceof Uint8Array)) return undefined;
  const e = decodeSockExtendedErr(m);
  const offender = m.data.subarray(16);
  let from: string | undefined;
  try {
    // SO_EE_OFFENDER: a sockaddr after the struct (family AF_UNSPEC when there is none)
    const address = offender.length >= 2 ? (decodeSockaddr(offender, offender.length) as SocketAddress & { host?: string }) : undefined;
    from = address?.host;
  } catch {
    from = undefined;
  }
  let quoted: IcmpView | Icmpv6View | undefined;
  const bytes = Uint8Array.prototype.slice.call(batch.data(i));
  try {
    quoted = family === 'inet' ? new IcmpView(bytes) : new Icmpv6View(bytes);
  } catch (error) {
    if (!(error instanceof PacketDecodeError)) throw error;
  }
  return { origin: ORIGINS[e.origin] ?? 'other', code: errnoName(e.errno), errno: e.errno, icmpType: e.type, icmpCode: e.code, info: e.info, from, quoted };
}
