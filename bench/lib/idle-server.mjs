// The server of bench/tcp-idle-connections: accepts connections on HOST:0 and keeps each one
// open and read (every connection has a live reader, so a byte would be delivered), closing it at
// EOF. IMPL `rxsock`: @rxsock/inet's tcpServer().connections$ with each connection's input$
// subscribed; IMPL `net`: node:net with a 'data' listener (this process never loads rxsock).
// Messages: {type:'cmd', op:'waitOpen', n} → {type:'open', open} once exactly n are open;
// {type:'cmd', op:'measure'} → {type:'memory', ...process.memoryUsage() after gc()}.
import net from 'node:net';
import { childMain, nextMessage, sleep, tell } from './ipc.mjs';

const [impl, host] = process.argv.slice(2);
let open = 0;
let accepted = 0;
let errors = 0;

childMain(async () => {
  let port;
  let api;
  if (impl === 'net') {
    const server = net.createServer((c) => {
      open++;
      accepted++;
      c.on('data', () => {});
      c.on('end', () => c.destroy());
      c.on('error', () => errors++);
      c.on('close', () => open--);
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: 0, host, backlog: 4096 }, resolve);
    });
    port = server.address().port;
    api = "node:net server, 'data' listener per connection";
  } else {
    const { tcpServer } = await import('@rxsock/inet');
    const server = tcpServer({ host, port: 0, backlog: 4096 });
    server.connections$.subscribe((conn) => {
      open++;
      accepted++;
      // input$ completes at EOF (the connection then waits for its own end()), errors on a reset
      // (and closes itself); either way it is done here.
      const done = () => {
        open--;
        conn.close();
      };
      conn.input$.subscribe({
        next: () => {},
        error: () => {
          errors++;
          done();
        },
        complete: done,
      });
    });
    port = server.port;
    api = 'inet tcpServer().connections$, Connection.input$ subscribed per connection';
  }
  await tell({ type: 'ready', port, api });
  for (;;) {
    const m = await nextMessage('cmd');
    if (m.op === 'waitOpen') {
      while (open !== m.n) await sleep(20);
      await tell({ type: 'open', open, accepted, errors });
    } else {
      for (let i = 0; i < 5; i++) {
        globalThis.gc();
        await sleep(40);
      }
      await tell({ type: 'memory', ...process.memoryUsage(), open });
    }
  }
});
