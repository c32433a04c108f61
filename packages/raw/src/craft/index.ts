/**
 * Crafting: raw IPv4/IPv6 sockets (IP_HDRINCL / IPPROTO_RAW), ICMP and ICMPv6 sockets (raw or
 * unprivileged ping sockets), and `ping()`.
 */
export { PrivilegeError, openPrivilegedSocket, pingGroupRange } from './privilege.js';
export { RawIpSocket, rawIpSocket, type RawIpSocketOptions, type RawIpPacket } from './raw-ip-socket.js';
export { IcmpSocket, icmpSocket, type IcmpSocketOptions, type IcmpSocketKind, type IcmpMessage, type EchoRequest } from './icmp-socket.js';
export type { IcmpErrorReport } from './error-queue.js';
export { ping, type PingOptions, type PingEvent, type PingStart, type PingReply, type PingError, type PingSummary } from './ping.js';
