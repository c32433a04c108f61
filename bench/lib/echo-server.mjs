// The server of bench/tcp-echo-10k: echoes every byte back on each connection, with default
// settings. IMPL `rxsock`: @rxsock/inet tcpServer().connections$, each Connection's input$ →
// write(); IMPL `net`: node:net createServer, 'data' → write() (this process never loads rxsock).
// Reports {type:'ready', port, pid, api}; {type:'cmd', op:'waitIdle'} is answered with
// {type:'idle'} once every connection of the last round is closed (the load generator resets
// 10,000 at the end of a round; the next round must not start while they are being torn down).
// Lives until the parent closes the channel.
import net from 'node:net';
import { childMain, nextMessage, sleep, tell } from './ipc.mjs';

const [impl, host] = process.argv.slice(2);
let errors = 0;
let open = 0;

childMain(async () => {
  let port;
  let api;
  if (impl === 'net') {
    const server = net.createServer({ noDelay: true }, (c) => {
      open++;
      c.on('close', () => open--);
      c.on('data', (d) => c.write(d));
      c.on('end', () => c.end());
      c.on('error', () => errors++);
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: 0, host, backlog: 4096 }, resolve);
    });
    port = server.address().port;
    api = "node:net createServer, 'data' → write()";
  } else if (impl === 'rxsock') {
    const { tcpServer } = await import('@rxsock/inet');
    const server = tcpServer({ host, port: 0, backlog: 4096, noDelay: true });
    server.connections$.subscribe((conn) => {
      open++;
      conn.input$.subscribe({
        next: (chunk) => conn.write(chunk),
        error: () => {
          errors++;
          open--;
          conn.close();
        },
        complete: () => {
          open--;
          conn.close();
        },
      });
    });
    port = server.port;
    api = 'inet tcpServer().connections$, Connection.input$ → write()';
  } else throw new Error(`unknown impl ${impl}`);
  await tell({ type: 'ready', port, pid: process.pid, api });
  for (;;) {
    await nextMessage('cmd');
    while (open > 0) await sleep(50);
    await tell({ type: 'idle', errors });
  }
});
