/**
 * Name resolution: `getaddrinfo` and `getnameinfo` run on libuv's thread pool (they may block on
 * DNS), never on the loop. Results carry decoded address objects.
 */
import { decodeSockaddr, encodeSockaddr } from '../codec/sockaddr.js';
import type { SocketAddress } from '../codec/address.js';
import { SocketError, systemError } from '../errors.js';
import { C, sys, type ConstantName } from '../sys/index.js';

/** One result of {@link getaddrinfo}: Python's `(family, type, proto, canonname, sockaddr)`. */
export interface AddrInfo {
  family: number;
  type: number;
  protocol: number;
  /** The canonical name, when `AI_CANONNAME` was asked for (first result only). */
  canonname: string;
  address: SocketAddress;
}

/** Options of {@link getaddrinfo}; numbers are the C constants. */
export interface AddrInfoOptions {
  family?: number;
  type?: number;
  protocol?: number;
  flags?: number;
}

const gaiNames: ConstantName[] = [
  'EAI_BADFLAGS', 'EAI_NONAME', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_FAMILY', 'EAI_SOCKTYPE', 'EAI_SERVICE',
  'EAI_MEMORY', 'EAI_SYSTEM', 'EAI_OVERFLOW', 'EAI_NODATA', 'EAI_ADDRFAMILY',
];

function gaiError(syscall: string, status: number, errno: number, host: string | undefined): SocketError {
  if (status === C.EAI_SYSTEM && errno) return systemError(syscall, errno, host);
  const code = gaiNames.find((n) => C[n] === status) ?? `EAI_${status}`;
  return new SocketError(`${syscall} ${code}${host ? ` ${host}` : ''} (${sys().gaiStrerror(status)})`, {
    code,
    errno: status,
    syscall,
    ...(host !== undefined ? { address: host } : {}),
  });
}

/**
 * `getaddrinfo(host, port, family, type, proto, flags)`: resolves on the thread pool. `host`
 * null with `AI_PASSIVE` gives the wildcard addresses. Fails with a {@link SocketError} whose
 * code is the EAI_* name (`EAI_NONAME` for an unknown host).
 */
export async function getaddrinfo(host: string | null, port: string | number | null, options: AddrInfoOptions = {}): Promise<AddrInfo[]> {
  const r = await sys().getaddrinfoAsync(host, port === null ? null : String(port), {
    family: options.family ?? C.AF_UNSPEC,
    socktype: options.type ?? 0,
    protocol: options.protocol ?? 0,
    flags: options.flags ?? 0,
  });
  if (r.status !== 0) throw gaiError('getaddrinfo', r.status, r.errno, host ?? undefined);
  const out: AddrInfo[] = [];
  for (const e of r.entries) {
    if (e.addr.length === 0) continue;
    out.push({ family: e.family, type: e.socktype, protocol: e.protocol, canonname: e.canonname ?? '', address: decodeSockaddr(e.addr, e.addr.length) });
  }
  return out;
}

/** `getnameinfo(address, flags)`: host and service names of an address (NI_* flags). */
export async function getnameinfo(address: SocketAddress, flags = 0): Promise<{ host: string; service: string }> {
  const bytes = encodeSockaddr(address);
  const r = await sys().getnameinfoAsync(bytes, bytes.length, flags);
  if (r.status !== 0) throw gaiError('getnameinfo', r.status, sys().errno(), undefined);
  return { host: r.host, service: r.service };
}
