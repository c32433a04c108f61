/** UNIX clients: connect to a path or abstract name, or make a connected pair. */
import { C, Socket } from '@rxsock/core';
import { unixAddress, type UnixPath } from './address.js';
import { UnixConnection, type UnixConnectionOptions } from './connection.js';
import { SeqpacketConnection, type SeqpacketOptions } from './seqpacket.js';

/** Cancellation of a UNIX connect. */
export interface UnixConnectOptions {
  /** Milliseconds before rejecting with `ETIMEDOUT` (a full backlog makes connect wait). */
  timeout?: number;
  /** Cancels the connect. */
  signal?: AbortSignal;
}

async function open(type: number, path: UnixPath, options: UnixConnectOptions): Promise<Socket> {
  const socket = Socket.create(C.AF_UNIX, type);
  try {
    await socket.connect(unixAddress(path), {
      timeout: options.timeout ?? null,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/**
 * Connects a UNIX stream socket to `path`.
 * @throws `SocketError` `ENOENT` (no such socket), `ECONNREFUSED` (stale file), `EACCES`.
 */
export async function connectUnix(path: UnixPath, options: UnixConnectionOptions & UnixConnectOptions = {}): Promise<UnixConnection> {
  const socket = await open(C.SOCK_STREAM, path, options);
  return new UnixConnection(socket, options);
}

/** Connects a UNIX seqpacket socket to `path`. */
export async function connectSeqpacket(path: UnixPath, options: SeqpacketOptions & UnixConnectOptions = {}): Promise<SeqpacketConnection> {
  const socket = await open(C.SOCK_SEQPACKET, path, options);
  return new SeqpacketConnection(socket, options);
}

/** Two connected UNIX stream connections (`socketpair`). */
export function unixPair(options: UnixConnectionOptions = {}): [UnixConnection, UnixConnection] {
  const [a, b] = Socket.pair(C.AF_UNIX, C.SOCK_STREAM);
  return [new UnixConnection(a, options), new UnixConnection(b, options)];
}

/** Two connected seqpacket connections (`socketpair`). */
export function seqpacketPair(options: SeqpacketOptions = {}): [SeqpacketConnection, SeqpacketConnection] {
  const [a, b] = Socket.pair(C.AF_UNIX, C.SOCK_SEQPACKET);
  return [new SeqpacketConnection(a, options), new SeqpacketConnection(b, options)];
}
