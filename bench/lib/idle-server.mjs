// The server of bench/tcp-idle-connections: accepts connections on HOST:0 and keeps each one
// open and read (every connection has a live reader, so a byte would be delivered), closing it at
// EOF. IMPL `rxsock`: @rxsock/inet's tcpServer().connections$ with each connection's input$
// subscribed (or the core fallback of bench/lib/rx.mjs); IMPL `net`: node:net with a 'data'
// listener. Messages: {type:'cmd', op:'waitOpen', n} → {type:'open', open} once exactly n are
// open; {type:'cmd', op:'measure'} → {type:'memory', ...process.memoryUsage() after gc()}.
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
    const rx = await import('./rx.mjs');
    const server = rx.serveTcp(host, (c) => {
      open++;
      accepted++;
      const close = () => {
        open--;
        c.connection ? c.connection.close() : c.socket.close();
      };
      rx.readAll(c, () => {}).then(close, () => {
        errors++;
        close();
      });
    });
    port = server.port;
    api = [...rx.uses].join(', ');
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
