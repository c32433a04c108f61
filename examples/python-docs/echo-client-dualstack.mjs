// Python docs, socket module, "Example": the client that supports IPv4 and IPv6 by trying every
// getaddrinfo() result in turn until one connects.
//
//   for res in socket.getaddrinfo(HOST, PORT, socket.AF_UNSPEC, socket.SOCK_STREAM):
//       af, socktype, proto, canonname, sa = res
//       try: s = socket.socket(af, socktype, proto)
//       except OSError: s = None; continue
//       try: s.connect(sa)
//       except OSError: s.close(); s = None; continue
//       break
//   with s: s.sendall(b'Hello, world'); data = s.recv(1024)
//   print('Received', repr(data))
//
// (For the parallel, Happy Eyeballs version of this loop see create-connection-client.mjs.)
//
// Run: HOST=localhost PORT=50007 node examples/python-docs/echo-client-dualstack.mjs
import { pathToFileURL } from 'node:url';
import { C, Socket, formatAddress, getaddrinfo } from '@rxsock/core';

export async function main({ host = process.env.HOST ?? 'localhost', port = Number(process.env.PORT ?? 50007), log = console.log } = {}) {
  let s = null;
  for (const res of await getaddrinfo(host, port, { family: C.AF_UNSPEC, type: C.SOCK_STREAM })) {
    try {
      s = Socket.create(res.family, res.type, res.protocol);
    } catch {
      s = null;
      continue;
    }
    try {
      await s.connect(res.address);
    } catch (e) {
      log(`could not connect to ${formatAddress(res.address)}: ${e.code}`);
      s.close();
      s = null;
      continue;
    }
    break;
  }
  if (s === null) {
    log('could not open socket');
    process.exitCode = 1;
    return undefined;
  }
  try {
    await s.sendAll(Buffer.from('Hello, world'));
    const data = await s.recv(1024);
    log('Received', JSON.stringify(data.toString()));
    return data.toString();
  } finally {
    s.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
