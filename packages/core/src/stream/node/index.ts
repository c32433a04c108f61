/**
 * Adapters between rxsock's stream layer and Node's own stream interfaces: a `stream.Duplex`
 * and Web Streams over a connection, and the reverse, a connection face over any Node Duplex or
 * Web stream pair (for TLS, HTTP/2, child processes...).
 * @module
 */
export { SocketDuplex, toDuplex, type ByteStreamEndpoint, type SocketDuplexOptions } from './duplex.js';
export { toWebStreams, type WebStreamEndpoint, type WebStreamPair, type WebStreamsOptions } from './web.js';
export { StreamConnection, StreamReader, StreamWriter, fromDuplex, fromWebStreams } from './stream-connection.js';
