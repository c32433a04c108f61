// Python docs, socket module, "Example": the server that supports IPv4 and IPv6 by trying every
// getaddrinfo() result until one binds.
//
//   for res in socket.getaddrinfo(HOST, PORT, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE):
//       af, socktype, proto, canonname, sa = res
//       try: s = socket.socket(af, socktype, proto)
//       except OSError: s = None; continue
//       try: s.bind(sa); s.listen(1)
//       except OSError: s.close(); s = None; continue
//       break
//   ... accept one client and echo ...
//
// The same loop over @rxsock/core's getaddrinfo and Socket; the accepted socket is then wrapped
// in an @rxsock/inet Connection to echo with backpressure (pipeTo).
//
// Run: node examples/python-docs/echo-server-dualstack.mjs   (HOST unset: the wildcards)
import { pathToFileURL } from 'node:url';
import { C, Socket, formatAddress, getaddrinfo } from '@rxsock/core';
import { Connection } from '@rxsock/inet';

export async function main({ host = process.env.HOST ?? null, port = Number(process.env.PORT ?? 50007), log = console.log } = {}) {
  let s = null;
  for (const res of await getaddrinfo(host, port, { family: C.AF_UNSPEC, type: C.SOCK_STREAM, flags: C.AI_PASSIVE })) {
    try {
      s = Socket.create(res.family, res.type, res.protocol);
    } catch {
      s = null;
      continue;
    }
    try {
      s.bind(res.address);
      s.listen(1);
    } catch {
      s.close();
      s = null;
      continue;
    }
    break;
  }
  if (s === null) {
    log('could not open socket');
    process.exitCode = 1;
    return;
  }
  log(`listening on ${formatAddress(s.getsockname())}`);
  const [sock, addr] = await s.accept();
  s.close();
  const conn = new Connection(sock);
  log('Connected by', formatAddress(addr));
  await conn.pipeTo(conn); // echo until the client's EOF, then half-close
  await conn.closed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
