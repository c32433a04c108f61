/** The per-connection TCP options shared by clients and servers. */
import type { Socket } from '@rxsock/core';

/** TCP options applied to every connection a client opens or a server accepts. */
export interface TcpSocketOptions {
  /** Disable Nagle's algorithm (`TCP_NODELAY`), for request/response traffic. Default: kernel's (off). */
  noDelay?: boolean;
  /** Turn on TCP keep-alive probes (`SO_KEEPALIVE`). */
  keepAlive?: boolean;
  /**
   * Idle time before the first keep-alive probe, in milliseconds like Node's
   * `setKeepAlive(true, initialDelay)`; rounded up to whole seconds for `TCP_KEEPIDLE`.
   */
  keepAliveInitialDelay?: number;
}

/** Applies {@link TcpSocketOptions} to a TCP socket. */
export function applyTcpOptions(socket: Socket, options: TcpSocketOptions): void {
  if (options.noDelay !== undefined) socket.setOption('TCP_NODELAY', options.noDelay);
  if (options.keepAlive !== undefined) socket.setOption('SO_KEEPALIVE', options.keepAlive);
  if (options.keepAlive && options.keepAliveInitialDelay !== undefined && options.keepAliveInitialDelay > 0) {
    socket.setOption('TCP_KEEPIDLE', Math.max(1, Math.ceil(options.keepAliveInitialDelay / 1000)));
  }
}
