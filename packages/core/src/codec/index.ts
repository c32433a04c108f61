/**
 * Pure codecs: socket addresses and their `struct sockaddr` bytes, IP address text, byte order,
 * and ancillary data. No system calls; the ABI facts come in as layout parameters.
 */
export type {
  Inet4Address,
  Inet6Address,
  Inet6AddressInit,
  UnixAddress,
  RawAddress,
  SocketAddressMap,
  SocketAddress,
  SocketAddressInit,
} from './address.js';
export { formatAddress, addressPort } from './address.js';
export type { SockaddrLayout, AddressCodec } from './sockaddr.js';
export {
  sockaddrLayouts,
  SOCKADDR_HEADER_SIZE,
  decodeError,
  registerAddressCodec,
  allocSockaddr,
  sockaddrFamily,
  encodeSockaddr,
  decodeSockaddr,
} from './sockaddr.js';
export type { IpFamily } from './inet-text.js';
export { inetPton, inetNtop, inetAton, inetNtoa, isIPv4, isIPv6, ipFamily } from './inet-text.js';
export { hostIsLittleEndian, htons, ntohs, htonl, ntohl } from './byte-order.js';
export type { CmsgLayout, ControlMessage, ControlPayload, Ucred, InPktinfo, In6Pktinfo, Timespec } from './cmsg.js';
export {
  cmsgLayouts,
  cmsgAlign,
  cmsgLen,
  cmsgSpace,
  CMSG_LEN,
  CMSG_SPACE,
  encodeControl,
  decodeControl,
  scmRights,
  decodeRights,
  encodeUcred,
  decodeUcred,
  scmCredentials,
  encodeInPktinfo,
  decodeInPktinfo,
  decodePktinfo,
  ipPktinfo,
  encodeIn6Pktinfo,
  decodeIn6Pktinfo,
  ipv6Pktinfo,
  decodeTimespec,
  encodeTimespec,
  decodeUint32,
  encodeUint32,
} from './cmsg.js';
export { decodeSockExtendedErr, encodeSockExtendedErr, SOCK_EXTENDED_ERR_SIZE, type SockExtendedErr } from './extended-err.js';
export * from './capture-file/index.js';
