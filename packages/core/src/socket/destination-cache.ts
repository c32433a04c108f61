/**
 * The last destination each socket sent a datagram to, encoded once: a UDP server replying to
 * the same peer, or a client sending to its server, would otherwise parse the host text, allocate
 * and fill a sockaddr and format the address text on every send. Kept in a WeakMap rather than a
 * field, so the sockets that never call `sendTo` (every TCP connection) pay nothing for it.
 */
import { encodeSockaddr } from '../codec/sockaddr.js';
import { formatAddress, type SocketAddress } from '../codec/address.js';

/** One encoded destination. The bytes are never written after encoding (a pending send may still hold them). */
interface Destination {
  readonly family: 'inet' | 'inet6';
  readonly host: string;
  readonly port: number;
  readonly flowInfo: number;
  readonly scopeId: number;
  readonly bytes: Uint8Array;
  readonly text: string;
}

const lastDestination = new WeakMap<object, Destination>();

/**
 * `addr` as sockaddr bytes and text for `socket`'s sends: from the cache when it is the address
 * the socket sent to last (IPv4/IPv6 only), encoded (and remembered) otherwise. Encoding throws
 * the codec's typed errors for a bad address, as before.
 */
export function encodeDestination(socket: object, addr: SocketAddress): { bytes: Uint8Array; text: string } {
  if (addr.family !== 'inet' && addr.family !== 'inet6') return { bytes: encodeSockaddr(addr), text: formatAddress(addr) };
  const flowInfo = addr.family === 'inet6' ? (addr.flowInfo ?? 0) : 0;
  const scopeId = addr.family === 'inet6' ? (addr.scopeId ?? 0) : 0;
  const last = lastDestination.get(socket);
  if (last !== undefined && last.host === addr.host && last.port === addr.port && last.family === addr.family && last.flowInfo === flowInfo && last.scopeId === scopeId) {
    return last;
  }
  const bytes = encodeSockaddr(addr);
  const fresh: Destination = { family: addr.family, host: addr.host, port: addr.port, flowInfo, scopeId, bytes, text: formatAddress(addr) };
  lastDestination.set(socket, fresh);
  return fresh;
}
