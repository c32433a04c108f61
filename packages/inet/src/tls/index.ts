export { TlsConnection } from './connection.js';
export { connectTls, type TlsConnectOptions } from './connect.js';
export { TlsServer, tlsServer, type TlsServerCounters, type TlsServerOptions } from './server.js';
export { TlsErrorCode } from './handshake.js';
