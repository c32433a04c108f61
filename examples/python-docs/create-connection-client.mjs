// Python docs, socket module: socket.create_connection((host, port), timeout) — resolve the
// name, try the addresses, return the first connected socket. rxsock's connect() does that with
// Happy Eyeballs (RFC 8305): families interleaved, a new attempt every 250 ms beside the
// previous ones, the first to connect wins, and an error listing every attempt if none does.
//
//   with socket.create_connection((HOST, PORT), timeout=5) as s:
//       s.sendall(b'Hello, world')
//       s.shutdown(socket.SHUT_WR)
//       print('Received', repr(b''.join(iter(lambda: s.recv(1024), b''))))
//
// Run: HOST=localhost PORT=50007 node examples/python-docs/create-connection-client.mjs
import { pathToFileURL } from 'node:url';
import { formatAddress } from '@rxsock/core';
import { connect } from '@rxsock/inet';

export async function main({ host = process.env.HOST ?? 'localhost', port = Number(process.env.PORT ?? 50007), message = 'Hello, world', log = console.log } = {}) {
  let conn;
  try {
    conn = await connect(host, port, { timeout: 5000 });
  } catch (e) {
    // A ConnectError names every address tried and why each failed.
    log(`could not connect: ${e.message}`);
    process.exitCode = 1;
    return undefined;
  }
  log(`connected to ${formatAddress(conn.remoteAddress)} from ${formatAddress(conn.localAddress)}`);
  conn.write(Buffer.from(message));
  await conn.end(); // shutdown(SHUT_WR): the server sees EOF, we keep reading
  const parts = [];
  for await (const chunk of conn) parts.push(chunk);
  const all = Buffer.concat(parts);
  log('Received', JSON.stringify(all.toString()));
  return all.toString();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
