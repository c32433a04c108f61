import { C, Socket } from '@rxsock/core';
import { connect, tcpServer } from '@rxsock/inet';
const TRIPS = Number(process.env.TRIPS ?? 100000);
const HOST='127.0.0.1';
async function loopbackPair() {
  const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
  listener.bind([HOST, 0]);
  listener.listen(1);
  const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
  const [[server]] = await Promise.all([listener.accept(), client.connect([HOST, listener.getsockname().port])]);
  listener.close();
  client.setOption('TCP_NODELAY', true);
  server.setOption('TCP_NODELAY', true);
  return [client, server];
}
async function socketRound() {
  const [client, server] = await loopbackPair();
  const echo = (async () => {
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
if (process.env.MIX) console.log('conn', (await connectionRound()).toFixed(2));
for (let r = 0; r < Number(process.env.ROUNDS ?? 3); r++) console.log((await socketRound()).toFixed(2));
