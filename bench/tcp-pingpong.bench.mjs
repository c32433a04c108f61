// One-byte TCP ping-pong on loopback, client and server in one process, rxsock against node:net
// in the same run. Reports microseconds per round trip (median of several rounds).
import net from 'node:net';
import { C, Socket } from '@rxsock/core';
import { median, report } from './report.mjs';

const ROUNDS = 5;
const TRIPS = Number(process.env.TRIPS ?? 20000);

async function rxsockRound() {
  const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
  listener.bind(['127.0.0.1', 0]);
  listener.listen(1);
  const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
  const [[server]] = await Promise.all([listener.accept(), client.connect(['127.0.0.1', listener.getsockname().port])]);
  listener.close();
  client.setOption('TCP_NODELAY', true);
  server.setOption('TCP_NODELAY', true);
  const echo = (async () => {
    const buf = Buffer.alloc(1);
    for (;;) {
      const n = await server.recvInto(buf);
      if (n === 0) return;
      await server.send(buf.subarray(0, n));
    }
  })();
  const ping = Buffer.from('x');
  const pong = Buffer.alloc(1);
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

function netRound() {
  return new Promise((resolve) => {
    const srv = net.createServer({ noDelay: true }, (c) => {
      c.on('data', (d) => c.write(d));
      c.on('error', () => {});
    });
    srv.listen(0, '127.0.0.1', () => {
      const c = net.connect({ port: srv.address().port, host: '127.0.0.1', noDelay: true });
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

const rx = [];
const peer = [];
await rxsockRound(); // warm-up
await netRound();
for (let r = 0; r < ROUNDS; r++) {
  rx.push(await rxsockRound());
  peer.push(await netRound());
}
report({ name: 'tcp-pingpong', unit: 'us/roundtrip', rxsock: median(rx), peer: median(peer), peerName: 'node:net', higherIsBetter: false, extra: { trips: TRIPS, rounds: ROUNDS } });
