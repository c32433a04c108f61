// Python docs, socket module, "Example": the IPv4 echo server.
//
//   with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
//       s.bind((HOST, PORT)); s.listen(1)
//       conn, addr = s.accept()
//       with conn:
//           print('Connected by', addr)
//           while True:
//               data = conn.recv(1024)
//               if not data: break
//               conn.sendall(data)
//
// In rxsock the accepted connection's bytes are an Observable; echoing is writing each chunk
// back, and the client's EOF completes the stream, after which we half-close too.
//
// Run: node examples/python-docs/echo-server.mjs   (PORT=0 picks a free port; HOST defaults to
// 0.0.0.0, Python's '' "all interfaces")
import { pathToFileURL } from 'node:url';
import { tcpServer } from '@rxsock/inet';
import { formatAddress } from '@rxsock/core';

export async function main({ host = process.env.HOST ?? '0.0.0.0', port = Number(process.env.PORT ?? 50007), log = console.log } = {}) {
  const server = tcpServer({ host, port, backlog: 1 });
  log(`listening on ${formatAddress(server.address())}`);
  // Like Python's single accept(); then the listener is closed (the connection stays open).
  const conn = await server.accept();
  server.close();
  log('Connected by', formatAddress(conn.remoteAddress));
  await new Promise((resolve, reject) =>
    conn.input$.subscribe({
      next: (data) => conn.write(data),
      error: reject,
      complete: resolve,
    }),
  );
  await conn.end();
  await conn.closed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
