/** Connected socket pairs over real loopback, for tests that need both ends of a connection. */
import { C, Socket } from '@rxsock/core';

/** The loopback host of a family. */
export function loopbackHost(family: 'inet' | 'inet6'): string {
  return family === 'inet' ? '127.0.0.1' : '::1';
}

/**
 * A TCP connection over loopback: `[client, server side]`, both rxsock Sockets. The listener is
 * closed before returning.
 */
export async function tcpPair(family: 'inet' | 'inet6' = 'inet'): Promise<[Socket, Socket]> {
  const af = family === 'inet' ? C.AF_INET : C.AF_INET6;
  const listener = Socket.create(af, C.SOCK_STREAM);
  try {
    listener.bind([loopbackHost(family), 0]);
    listener.listen(1);
    const { port } = listener.getsockname() as { port: number };
    const client = Socket.create(af, C.SOCK_STREAM);
    const [accepted] = await Promise.all([listener.accept(), client.connect([loopbackHost(family), port])]);
    return [client, accepted[0]];
  } finally {
    listener.close();
  }
}

/** Two UDP sockets on loopback, each connected to the other. */
export async function udpPair(family: 'inet' | 'inet6' = 'inet'): Promise<[Socket, Socket]> {
  const af = family === 'inet' ? C.AF_INET : C.AF_INET6;
  const a = Socket.create(af, C.SOCK_DGRAM);
  const b = Socket.create(af, C.SOCK_DGRAM);
  a.bind([loopbackHost(family), 0]);
  b.bind([loopbackHost(family), 0]);
  await a.connect(b.getsockname());
  await b.connect(a.getsockname());
  return [a, b];
}

/** A unique abstract UNIX socket name (Linux), with its leading NUL. */
export function abstractName(prefix = 'rxsock'): string {
  return `\0${prefix}-${process.pid}-${Math.random().toString(36).slice(2)}`;
}
