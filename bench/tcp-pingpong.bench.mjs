// One-byte TCP ping-pong on loopback, client and server in one process, rxsock against node:net
// in the same run. Reports microseconds per round trip (median of several rounds).
// rxsock, the headline: the core Socket's awaited calls (accept, connect, recvInto, send).
// rxsock-connection (second JSON line): @rxsock/inet — tcpServer echoing through
// Connection.input$ → write(), connect() with the client driven by its input$ — the same
// event-driven shape as the node:net side ('data' → write()).
// Env: TRIPS (round trips per round, default 20000).
import net from 'node:net';
import { C, Socket } from '@rxsock/core';
import { connect, tcpServer } from '@rxsock/inet';
import { median, report } from './report.mjs';

const ROUNDS = 5;
const TRIPS = Number(process.env.TRIPS ?? 20000);
const HOST = '127.0.0.1';

async function socketRound() {
  const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
  listener.bind([HOST, 0]);
  listener.listen(1);
  const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
  const [[server]] = await Promise.all([listener.accept(), client.connect([HOST, listener.getsockname().port])]);
  listener.close();
  client.setOption('TCP_NODELAY', true);
  server.setOption('TCP_NODELAY', true);
  const echo = (async () => {
    // 64 KiB read buffers, as node:net's (libuv reads into 64 KiB).
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = await server.recvInto(buf);
      if (n === 0) return;
      await server.send(buf.subarray(0, n));
    }
  })();
  const ping = Buffer.from('x');
  const pong = Buffer.alloc(65536);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < TRIPS; i++) {
    await client.send(ping);
    await client.recvInto(pong);
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / TRIPS;
  client.close();
  await echo;
  server.close();
  return us;
}

async function connectionRound() {
  const server = tcpServer({ host: HOST, port: 0, noDelay: true });
  const sub = server.connections$.subscribe((conn) => {
    conn.input$.subscribe({ next: (chunk) => conn.write(chunk), error: () => conn.close(), complete: () => conn.close() });
  });
  const client = await connect(HOST, server.port, { noDelay: true });
  const ping = Buffer.from('x');
  const us = await new Promise((resolve, reject) => {
    let n = 0;
    const t0 = process.hrtime.bigint();
    client.input$.subscribe({
      next: () => {
        if (++n === TRIPS) resolve(Number(process.hrtime.bigint() - t0) / 1000 / TRIPS);
        else client.write(ping);
      },
      error: reject,
    });
    client.write(ping);
  });
  client.close();
  sub.unsubscribe();
  server.close();
  return us;
}

function netRound() {
  return new Promise((resolve) => {
    const srv = net.createServer({ noDelay: true }, (c) => {
      c.on('data', (d) => c.write(d));
      c.on('error', () => {});
    });
    srv.listen(0, HOST, () => {
      const c = net.connect({ port: srv.address().port, host: HOST, noDelay: true });
      let n = 0;
      let t0;
      const ping = Buffer.from('x');
      c.on('connect', () => {
        t0 = process.hrtime.bigint();
        c.write(ping);
      });
      c.on('data', () => {
        if (++n === TRIPS) {
          const us = Number(process.hrtime.bigint() - t0) / 1000 / TRIPS;
          c.destroy();
          srv.close(() => resolve(us));
        } else c.write(ping);
      });
    });
  });
}

const sock = [];
const conn = [];
const peer = [];
await socketRound(); // warm-up
await connectionRound();
await netRound();
for (let r = 0; r < ROUNDS; r++) {
  sock.push(await socketRound());
  conn.push(await connectionRound());
  peer.push(await netRound());
}
const us = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(`  rxsock Socket ${us(sock)}; rxsock Connection ${us(conn)}; node:net ${us(peer)} us/roundtrip (${ROUNDS} rounds of ${TRIPS})`);
report({
  name: 'tcp-pingpong',
  unit: 'us/roundtrip',
  rxsock: median(sock),
  peer: median(peer),
  peerName: 'node:net',
  higherIsBetter: false,
  extra: { trips: TRIPS, rounds: ROUNDS, api: 'core Socket accept/connect/recvInto/send' },
});
report({
  name: 'tcp-pingpong-connection',
  unit: 'us/roundtrip',
  rxsock: median(conn),
  peer: median(peer),
  peerName: 'node:net',
  higherIsBetter: false,
  extra: { trips: TRIPS, rounds: ROUNDS, api: 'inet tcpServer + connect, Connection.input$ → write()' },
});
