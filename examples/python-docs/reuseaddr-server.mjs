// Python docs, socket module: "Running an example several times with too small delay between
// executions, could lead to this error: OSError: [Errno 98] Address already in use. This is
// because the previous execution has left the socket in a TIME_WAIT state ... the
// SO_REUSEADDR flag tells the kernel to reuse a local socket in TIME_WAIT state":
//
//   s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//   s.bind((HOST, PORT))
//
// This server answers one client and closes the connection first (so the server's side of the
// port goes to TIME_WAIT), then exits. Run it twice in a row on the same port: it rebinds at
// once. rxsock servers set SO_REUSEADDR by default; `--no-reuse` turns it off to show Python's
// error.
//
// Run: PORT=50007 node examples/python-docs/reuseaddr-server.mjs [--no-reuse]
import { pathToFileURL } from 'node:url';
import { formatAddress } from '@rxsock/core';
import { tcpServer } from '@rxsock/inet';

export async function main({
  host = process.env.HOST ?? '127.0.0.1',
  port = Number(process.env.PORT ?? 50007),
  reuseAddress = !process.argv.includes('--no-reuse'),
  log = console.log,
} = {}) {
  let server;
  try {
    server = tcpServer({ host, port, reuseAddress });
  } catch (e) {
    log(`OSError: [Errno ${e.errno}] ${e.message}`);
    process.exitCode = 1;
    return false;
  }
  log(`listening on ${formatAddress(server.address())} (SO_REUSEADDR ${reuseAddress ? 'on' : 'off'})`);
  const conn = await server.accept();
  server.close();
  // One chunk, then stop reading (break leaves the connection open; unsubscribing from input$
  // would close it).
  let request = Buffer.alloc(0);
  for await (const chunk of conn) {
    request = chunk;
    break;
  }
  conn.write(Buffer.from(`served ${request.toString()}`));
  await conn.writer.flush();
  conn.close(); // active close: this side of the connection now sits in TIME_WAIT
  log('served one client; exiting');
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
