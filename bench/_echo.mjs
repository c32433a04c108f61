import { tcpServer } from '@rxsock/inet';
const server = tcpServer({ host: '127.0.0.1', port: 0, backlog: 4096, noDelay: true });
server.connections$.subscribe((conn) => {
  conn.input$.subscribe({ next: (chunk) => conn.write(chunk), error: () => conn.close(), complete: () => conn.close() });
});
console.log(server.port);
setTimeout(() => process.exit(0), Number(process.argv[2] ?? 12000));
