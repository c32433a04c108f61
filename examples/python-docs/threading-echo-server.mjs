// Python docs, socketserver: the multi-client echo server (ThreadingTCPServer with a
// BaseRequestHandler whose handle() answers each request in upper case). Python gives every
// client a thread; here every client is one more subscription on the same event loop.
//
//   class ThreadedTCPRequestHandler(socketserver.BaseRequestHandler):
//       def handle(self):
//           data = self.request.recv(1024)
//           self.request.sendall(data.upper())
//   with ThreadedTCPServer((HOST, PORT), ThreadedTCPRequestHandler) as server:
//       server.serve_forever()
//
// This version keeps each connection open and answers every chunk, so a client may send many
// requests; the listener is dual stack ('::', IPv4 clients too). SIGINT/SIGTERM stop it cleanly.
//
// Run: PORT=9999 node examples/python-docs/threading-echo-server.mjs
import { pathToFileURL } from 'node:url';
import { formatAddress } from '@rxsock/core';
import { tcpServer } from '@rxsock/inet';

export function main({ host = process.env.HOST, port = Number(process.env.PORT ?? 9999), log = console.log } = {}) {
  const server = tcpServer({ host, port, noDelay: true });
  log(`listening on ${formatAddress(server.address())}`);
  const subscription = server.connections$.subscribe((conn) => {
    const who = formatAddress(conn.remoteAddress);
    log(`${who} connected (${server.counters.active} active)`);
    conn.input$.subscribe({
      next: (data) => conn.write(Buffer.from(data.toString('latin1').toUpperCase(), 'latin1')),
      error: (e) => log(`${who} failed: ${e.code}`),
      complete: () => {
        log(`${who} done`);
        void conn.end();
      },
    });
  });
  const stop = () => {
    subscription.unsubscribe();
    server.close();
  };
  return { server, stop };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { stop } = main();
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, stop);
}
