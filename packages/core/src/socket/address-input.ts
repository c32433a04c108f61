/**
 * The address forms a Socket accepts, as in Python: an address object, a UNIX path string, or a
 * `[host, port]` / `[host, port, flowInfo, scopeId]` tuple read in the socket's own family.
 */
import type { SocketAddress } from '../codec/address.js';
import { isIPv4, isIPv6 } from '../codec/inet-text.js';
import { invalidArgument } from '../errors.js';
import { C } from '../sys/index.js';

/** An address as a Socket method accepts it. */
export type AddressInput =
  | SocketAddress
  | string
  | readonly [host: string, port: number]
  | readonly [host: string, port: number, flowInfo: number, scopeId: number];

/** Whether a host is written numerically (no name resolution needed). */
export function isNumericHost(host: string): boolean {
  return host === '' || host === '<broadcast>' || isIPv4(host) || isIPv6(stripZone(host));
}

function stripZone(host: string): string {
  const i = host.indexOf('%');
  return i < 0 ? host : host.slice(0, i);
}

/**
 * Turns an {@link AddressInput} into an address object of `family` (a socket's AF_* number).
 * Only numeric hosts are accepted: name resolution is asynchronous (`getaddrinfo`), and the
 * synchronous calls (bind) must not block the loop resolving names.
 */
export function toAddress(family: number, input: AddressInput, syscall: string): SocketAddress {
  if (typeof input === 'string') {
    if (family !== C.AF_UNIX) throw invalidArgument(`${syscall}: a string address is a UNIX path, but the socket is not AF_UNIX`, syscall);
    return { family: 'unix', path: input };
  }
  if (Array.isArray(input)) {
    const [host, port, flowInfo, scopeId] = input as [string, number, number?, number?];
    if (typeof host !== 'string' || typeof port !== 'number') {
      throw invalidArgument(`${syscall}: an address tuple is [host, port]`, syscall);
    }
    if (!isNumericHost(host)) {
      throw invalidArgument(`${syscall}: '${host}' is not a numeric address; resolve it with getaddrinfo() first`, syscall);
    }
    if (family === C.AF_INET) {
      const h = host === '' ? '0.0.0.0' : host === '<broadcast>' ? '255.255.255.255' : host;
      if (!isIPv4(h)) throw invalidArgument(`${syscall}: '${host}' is not an IPv4 address`, syscall);
      return { family: 'inet', host: h, port };
    }
    if (family === C.AF_INET6) {
      let h = host === '' ? '::' : host;
      let scope = scopeId ?? 0;
      const zone = h.indexOf('%');
      if (zone >= 0) {
        const name = h.slice(zone + 1);
        scope = /^\d+$/.test(name) ? Number(name) : scope;
        h = h.slice(0, zone);
      }
      if (!isIPv6(h)) throw invalidArgument(`${syscall}: '${host}' is not an IPv6 address`, syscall);
      return { family: 'inet6', host: h, port, flowInfo: flowInfo ?? 0, scopeId: scope };
    }
    throw invalidArgument(`${syscall}: a [host, port] tuple needs an AF_INET or AF_INET6 socket`, syscall);
  }
  if (typeof input === 'object' && input !== null && 'family' in input) return input as SocketAddress;
  throw invalidArgument(`${syscall}: not an address: ${String(input)}`, syscall);
}
