// The server of bench/http-requests: `IMPL` runs node:http with one small response per request
// ('hello world', keep-alive), fed by rxsock (IMPL `rxsock`: @rxsock/inet tcpServer() +
// serveHttp(), each connection a core SocketDuplex) or by node:net (IMPL `net`:
// server.listen()). Tells its port, then reports its process CPU time between the parent's
// 'start' and 'stop' messages.
import http from 'node:http';
import { childMain, cpuSince, nextMessage, tell } from './ipc.mjs';

const [impl] = process.argv.slice(2);
const HOST = '127.0.0.1';
const BODY = Buffer.from('hello world');

childMain(async () => {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  });
  let port;
  let api;
  if (impl === 'rxsock') {
    const { tcpServer, serveHttp } = await import('@rxsock/inet');
    const rx = tcpServer({ host: HOST, port: 0, noDelay: true });
    serveHttp(server, rx);
    port = rx.port;
    api = 'node:http fed by inet tcpServer() + serveHttp() (SocketDuplex per connection)';
  } else {
    await new Promise((resolve) => server.listen(0, HOST, resolve));
    port = server.address().port;
    api = 'node:http server.listen() (node:net)';
  }
  await tell({ type: 'listening', port, api });
  await nextMessage('start');
  const cpu0 = process.cpuUsage();
  await nextMessage('stop');
  await tell({ type: 'cpu', cpu: cpuSince(cpu0) });
  await nextMessage('exit');
  process.exit(0);
});
