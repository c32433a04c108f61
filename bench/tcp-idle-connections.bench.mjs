// Memory held per idle TCP connection on the server: N (10,000) concurrent connections from a
// separate client process (plain node:net sockets, the same for both servers) to a server process
// that reads every connection: rxsock (@rxsock/inet tcpServer, each connection's input$
// subscribed) against node:net (a 'data' listener per socket). The server's RSS and V8 heapUsed
// are taken after gc() before (warmed up, no connections) and with all N open; the deltas / N are
// the result (lower is better). Both processes run under `ulimit -n 65536`.
// Env: CONNECTIONS (default 10000), WARMUP (connections opened and closed first, default 500),
// ROUNDS (default 3; both servers once per round, the order alternating; medians and spreads).
import { fileURLToPath } from 'node:url';
import { sleep, startChild } from './lib/ipc.mjs';
import { report } from './report.mjs';

const N = Number(process.env.CONNECTIONS ?? 10_000);
const WARMUP = Number(process.env.WARMUP ?? 500);
const HOST = '127.0.0.1';
const NOFILE = Math.max(65536, N * 2 + 1024);
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));

async function side(impl) {
  const server = startChild(lib('idle-server.mjs'), [impl, HOST], { nofile: NOFILE });
  let clients;
  try {
    const { port, api } = await server.next('ready');
    clients = startChild(lib('idle-clients.mjs'), [HOST, port], { nofile: NOFILE });
    await clients.next('ready');
    const cycle = async (n) => {
      const t0 = performance.now();
      clients.send({ type: 'cmd', op: 'open', n });
      const opened = await clients.next('opened', 60_000);
      if (opened.failed) throw new Error(`${impl}: ${opened.failed} of ${n} connects failed`);
      server.send({ type: 'cmd', op: 'waitOpen', n });
      await server.next('open', 60_000);
      return (performance.now() - t0) / 1000;
    };
    const closeAll = async () => {
      clients.send({ type: 'cmd', op: 'closeAll' });
      await clients.next('closed', 60_000);
      server.send({ type: 'cmd', op: 'waitOpen', n: 0 });
      await server.next('open', 60_000);
    };
    const measure = async () => {
      server.send({ type: 'cmd', op: 'measure' });
      return server.next('memory');
    };
    // warm-up: the first connections pay for lazily compiled code and first-use allocations
    if (WARMUP > 0) {
      await cycle(WARMUP);
      await closeAll();
    }
    await sleep(200);
    const before = await measure();
    const connectSeconds = await cycle(N);
    await sleep(500);
    const after = await measure();
    await closeAll();
    return {
      impl,
      api,
      connectSeconds,
      rssPerConn: (after.rss - before.rss) / N,
      heapPerConn: (after.heapUsed - before.heapUsed) / N,
      externalPerConn: (after.external - before.external) / N,
      before,
      after,
    };
  } finally {
    await clients?.stop();
    await server.stop();
  }
}

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const runs = { rxsock: [], net: [] };
for (let r = 0; r < ROUNDS; r++) for (const impl of r % 2 ? ['net', 'rxsock'] : ['rxsock', 'net']) runs[impl].push(await side(impl));
// The round with the median RSS per connection stands for each side in the detailed lines.
const medianRun = (rs) => [...rs].sort((a, b) => a.rssPerConn - b.rssPerConn)[Math.floor(rs.length / 2)];
const rx = medianRun(runs.rxsock);
const nt = medianRun(runs.net);
const kib = (b) => (b / 1024).toFixed(2);
for (const s of [rx, nt]) {
  console.log(
    `  ${(s.impl === 'net' ? 'node:net' : s.impl).padEnd(8)} per connection: RSS ${kib(s.rssPerConn)} KiB, heapUsed ${kib(s.heapPerConn)} KiB, external ${kib(s.externalPerConn)} KiB ` +
      `(server RSS ${(s.before.rss / 2 ** 20).toFixed(1)} -> ${(s.after.rss / 2 ** 20).toFixed(1)} MiB, heapUsed ${(s.before.heapUsed / 2 ** 20).toFixed(1)} -> ${(s.after.heapUsed / 2 ** 20).toFixed(1)} MiB; ` +
      `${N} connections in ${s.connectSeconds.toFixed(2)} s); api: ${s.api}`,
  );
}
const brief = (s) => ({
  rssBytes: Math.round(s.rssPerConn),
  heapUsedBytes: Math.round(s.heapPerConn),
  externalBytes: Math.round(s.externalPerConn),
  rssBeforeMiB: +(s.before.rss / 2 ** 20).toFixed(1),
  rssAfterMiB: +(s.after.rss / 2 ** 20).toFixed(1),
  connectSeconds: +s.connectSeconds.toFixed(2),
  api: s.api,
});
report({
  name: 'tcp-idle-connections',
  unit: 'KiB RSS/connection',
  rxsock: runs.rxsock.map((s) => s.rssPerConn / 1024),
  peer: runs.net.map((s) => s.rssPerConn / 1024),
  peerName: 'node:net',
  higherIsBetter: false,
  extra: { connections: N, rxsockPerConnection: brief(rx), peerPerConnection: brief(nt) },
});
report({
  name: 'tcp-idle-connections-heap',
  unit: 'KiB heapUsed/connection',
  rxsock: runs.rxsock.map((s) => s.heapPerConn / 1024),
  peer: runs.net.map((s) => s.heapPerConn / 1024),
  peerName: 'node:net',
  higherIsBetter: false,
  extra: { connections: N },
});
