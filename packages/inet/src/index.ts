/**
 * @packageDocumentation
 * `@rxsock/inet`: TCP, UDP and UNIX domain sockets over IPv4 and IPv6 as RxJS observables with
 * backpressure, on top of `@rxsock/core`. A Happy Eyeballs TCP client, dual-stack servers whose
 * connections are an Observable, batched UDP with multicast and IP_PKTINFO, and UNIX stream,
 * datagram and seqpacket sockets with descriptor passing and peer credentials.
 */
export {
  afOf,
  familyName,
  inetAddress,
  toInetAddress,
  addressForSocket,
  unmapped,
  type InetAddress,
  type InetAddressInput,
  type IpFamilyName,
} from './common/address.js';
export { ConnectError, type ConnectAttempt } from './common/errors.js';
export { acceptLoop, isTransientAcceptError, type AcceptLoopOptions } from './common/accept-loop.js';
export { StreamServer, type ServerCounters, type AcceptBackoffOptions, type ServerConnection } from './common/stream-server.js';

export { Connection, type ConnectionOptions, type ReadMode } from './tcp/connection.js';
export { connect, connect$, type ConnectOptions } from './tcp/connect.js';
export {
  DEFAULT_ATTEMPT_DELAY,
  MIN_ATTEMPT_DELAY,
  interleaveFamilies,
  raceAttempts,
  type RaceOptions,
  type RaceFailure,
  type RaceResult,
} from './tcp/happy-eyeballs.js';
export { resolveHost, type Resolver, type ResolveRequest } from './tcp/resolve.js';
export { listen, tcpServer, createTcpServer, TcpServer, type ListenOptions } from './tcp/server.js';
export { applyTcpOptions, type TcpSocketOptions } from './tcp/socket-options.js';

export {
  udpSocket,
  UdpSocket,
  type UdpSocketOptions,
  type UdpDatagram,
  type OutgoingDatagram,
  type UdpCounters,
} from './udp/socket.js';
export {
  setMembership,
  setMulticastInterface,
  setMulticastLoopback,
  setMulticastTtl,
  setTtl,
  type InterfaceSpec,
} from './udp/multicast.js';
export { destinationOf, pktinfoControlSize, type PacketDestination } from './udp/pktinfo.js';

export { abstractName, isAbstract, unixAddress, unlinkStaleSocket, type UnixPath } from './unix/address.js';
export {
  readUnixMessages,
  closeFds,
  type UnixMessage,
  type UnixOutgoingMessage,
  type UnixReceiveOptions,
} from './unix/messages.js';
export { UnixConnection, type UnixConnectionOptions } from './unix/connection.js';
export { SeqpacketConnection, type SeqpacketOptions } from './unix/seqpacket.js';
export { UnixDatagramSocket, unixDatagram, type UnixDatagramOptions } from './unix/datagram.js';
export {
  UnixServer,
  unixServer,
  seqpacketServer,
  listenUnix,
  listenSeqpacket,
  type UnixListenOptions,
  type SeqpacketListenOptions,
  type UnixServerBaseOptions,
} from './unix/server.js';
export { connectUnix, connectSeqpacket, unixPair, seqpacketPair, type UnixConnectOptions } from './unix/connect.js';

export { TlsConnection, connectTls, TlsServer, tlsServer, TlsErrorCode, type TlsConnectOptions, type TlsServerCounters, type TlsServerOptions } from './tls/index.js';
export { httpConnector, RxsockAgent, serveHttp, type HttpConnectOptions, type OnCreate, type ConnectionSource } from './http/index.js';
