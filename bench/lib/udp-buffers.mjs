// Receive-buffer plumbing of bench/udp-receive, applied the same way to every receiver's fd
// (rxsock's and node:dgram's), so every side gets the same kernel buffer.
import { Socket } from '@rxsock/core';

/**
 * Sets the receive buffer of any socket fd (ours or node's): SO_RCVBUFFORCE when allowed (root /
 * CAP_NET_ADMIN), else SO_RCVBUF (capped by net.core.rmem_max). Works on a duplicate of the fd
 * (Socket.fromFd with dup), which shares the socket. Returns {method, effective} (effective:
 * what the kernel reports, i.e. twice the request).
 */
export function setReceiveBuffer(fd, bytes) {
  const s = Socket.fromFd(fd, { dup: true });
  try {
    let method = 'SO_RCVBUFFORCE';
    try {
      s.setOption('SO_RCVBUFFORCE', bytes);
    } catch {
      method = 'SO_RCVBUF';
      s.setOption('SO_RCVBUF', bytes);
    }
    return { method, effective: s.getOption('SO_RCVBUF') };
  } finally {
    s.close();
  }
}

/** The fd of a node:dgram socket (Linux; node keeps its handle behind a symbol). */
export function dgramFd(sock) {
  for (const k of Object.getOwnPropertySymbols(sock)) {
    const v = sock[k];
    if (v && v.handle && typeof v.handle.fd === 'number') return v.handle.fd;
  }
  throw new Error('cannot find the fd of the node:dgram socket');
}
