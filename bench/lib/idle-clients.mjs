// The client side of bench/tcp-idle-connections, the same for every server: plain node:net
// sockets that connect to HOST:PORT and then stay silent. Messages: {type:'cmd', op:'open', n}
// opens n more (at most CONCURRENCY connects in flight) → {type:'opened', total, failed};
// {type:'cmd', op:'closeAll'} → {type:'closed'}.
import net from 'node:net';
import { childMain, nextMessage, tell } from './ipc.mjs';

const [host, portArg] = process.argv.slice(2);
const port = Number(portArg);
const CONCURRENCY = 256;
const sockets = new Set();

function connectOne() {
  return new Promise((resolve) => {
    const c = net.connect({ host, port });
    c.on('connect', () => {
      sockets.add(c);
      resolve(true);
    });
    c.on('error', () => resolve(false));
    c.on('close', () => sockets.delete(c));
  });
}

childMain(async () => {
  await tell({ type: 'ready' });
  for (;;) {
    const m = await nextMessage('cmd');
    if (m.op === 'open') {
      let next = 0;
      let failed = 0;
      const worker = async () => {
        while (next < m.n) {
          next++;
          if (!(await connectOne())) failed++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, m.n) }, worker));
      await tell({ type: 'opened', total: sockets.size, failed });
    } else if (m.op === 'closeAll') {
      const closing = [...sockets].map((c) => new Promise((r) => (c.once('close', r), c.destroy())));
      await Promise.all(closing);
      await tell({ type: 'closed' });
    }
  }
});
