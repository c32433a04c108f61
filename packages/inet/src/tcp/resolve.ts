/**
 * Turning a host name into the addresses `connect` races: getaddrinfo on the thread pool by
 * default, or any function with the same shape (tests, service discovery, a DNS cache).
 */
import { C, getaddrinfo, ipFamily, type SocketAddress } from '@rxsock/core';
import { inetAddress, type InetAddress, type IpFamilyName } from '../common/address.js';

/** What a {@link Resolver} is asked. */
export interface ResolveRequest {
  /** The host as the caller wrote it. */
  host: string;
  port: number;
  /** Restrict to one family; undefined for both. */
  family: IpFamilyName | undefined;
  /** Aborted when the connect is cancelled or times out. */
  signal: AbortSignal | undefined;
}

/**
 * Resolves a host to addresses in preference order (best first). The default is
 * {@link resolveHost}; inject another with `connect(host, port, { resolver })`.
 */
export type Resolver = (request: ResolveRequest) => Promise<readonly SocketAddress[]>;

/**
 * The default {@link Resolver}: numeric hosts are parsed without a lookup; names go through
 * `getaddrinfo` (on libuv's thread pool), which already sorts by RFC 6724 preference. Duplicates
 * (one per socket type on some systems) are dropped.
 */
export async function resolveHost(request: ResolveRequest): Promise<InetAddress[]> {
  const { host, port, family } = request;
  if (ipFamily(host.split('%')[0]!) !== undefined) return [inetAddress(host, port)];
  const results = await getaddrinfo(host, port, {
    family: family === 'inet' ? C.AF_INET : family === 'inet6' ? C.AF_INET6 : C.AF_UNSPEC,
    type: C.SOCK_STREAM,
  });
  request.signal?.throwIfAborted();
  const seen = new Set<string>();
  const out: InetAddress[] = [];
  for (const r of results) {
    const a = r.address;
    if (a.family !== 'inet' && a.family !== 'inet6') continue;
    const key = `${a.family}|${a.host}|${a.family === 'inet6' ? a.scopeId : 0}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}
