// UDP request/response latency on loopback: a client sends a SIZE-byte datagram, the server
// echoes it, the client sends the next when the echo arrives; client and server in one process.
// rxsock: @rxsock/inet udpSocket() with DEFAULT options on both ends (datagrams$ → send());
// peer: node:dgram ('message' → send()). Same run, rounds interleaved; microseconds per round
// trip, median and spread. The goal (issue 10): rxsock at or below node:dgram's latency with the
// same defaults that make udp-receive cheap (the adaptive batching must stay out of a closed
// request/response loop's way).
// Env: TRIPS (round trips per round, default 20000), ROUNDS (default 7), SIZE (64).
import dgram from 'node:dgram';
import { udpSocket } from '@rxsock/inet';
import { report } from './report.mjs';

const TRIPS = Number(process.env.TRIPS ?? 20000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SIZE = Number(process.env.SIZE ?? 64);
const HOST = '127.0.0.1';
const payload = Buffer.alloc(SIZE, 0x61);

async function rxsockRound() {
  const server = udpSocket({ host: HOST });
  const client = udpSocket({ host: HOST });
  const serverSub = server.datagrams$.subscribe((d) => void server.send(d.data, d.address));
  const to = { host: HOST, port: server.address().port };
  const us = await new Promise((resolve, reject) => {
    let n = 0;
    let t0;
    client.datagrams$.subscribe({
      next: () => {
        if (++n === TRIPS) resolve(Number(process.hrtime.bigint() - t0) / 1000 / TRIPS);
        else client.send(payload, to).catch(reject);
      },
      error: reject,
    });
    t0 = process.hrtime.bigint();
    client.send(payload, to).catch(reject);
  });
  serverSub.unsubscribe();
  client.close();
  server.close();
  return us;
}

async function dgramRound() {
  const server = dgram.createSocket('udp4');
  const client = dgram.createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  await new Promise((r) => server.bind(0, HOST, r));
  await new Promise((r) => client.bind(0, HOST, r));
  const port = server.address().port;
  const us = await new Promise((resolve) => {
    let n = 0;
    client.on('message', () => {
      if (++n === TRIPS) resolve(Number(process.hrtime.bigint() - t0) / 1000 / TRIPS);
      else client.send(payload, port, HOST);
    });
    const t0 = process.hrtime.bigint();
    client.send(payload, port, HOST);
  });
  client.close();
  server.close();
  return us;
}

// Wall time per round trip, and this process's CPU time per round trip (user + system; both ends
// run here): on a machine shared with other work the CPU figure is the steadier of the two.
async function timed(round, wall, cpu) {
  const c0 = process.cpuUsage();
  wall.push(await round());
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / TRIPS);
}

const rx = [];
const dg = [];
const rxCpu = [];
const dgCpu = [];
await rxsockRound(); // warm-up
await dgramRound();
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2) {
    await timed(dgramRound, dg, dgCpu);
    await timed(rxsockRound, rx, rxCpu);
  } else {
    await timed(rxsockRound, rx, rxCpu);
    await timed(dgramRound, dg, dgCpu);
  }
}
const us = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(`  rxsock ${us(rx)}; node:dgram ${us(dg)} us/roundtrip (${ROUNDS} rounds of ${TRIPS}, ${SIZE}-byte datagrams)`);
console.log(`  CPU per round trip: rxsock ${us(rxCpu)}; node:dgram ${us(dgCpu)} us`);
report({
  name: 'udp-pingpong',
  unit: 'us/roundtrip',
  rxsock: rx,
  peer: dg,
  peerName: 'node:dgram',
  higherIsBetter: false,
  extra: { trips: TRIPS, size: SIZE, api: 'inet udpSocket() defaults, datagrams$ → send()', goal: 'at or below node:dgram (ratio >= 1)' },
});
report({
  name: 'udp-pingpong-cpu',
  unit: 'us CPU/roundtrip',
  rxsock: rxCpu,
  peer: dgCpu,
  peerName: 'node:dgram',
  higherIsBetter: false,
  extra: { trips: TRIPS, size: SIZE, api: 'inet udpSocket() defaults, datagrams$ → send()', note: 'process CPU (user+system, both ends) per round trip' },
});
