// A real pipeline on rxsock: producers stream line-framed sensor records over TCP into a
// service that splits them into lines and fans every line out over UDP to three subscribers.
// Backpressure runs end to end: the service asks for the next TCP chunk only when the UDP
// sends of the previous one went through, so a slow fan-out slows the producers' sockets.
// Live throughput is printed twice a second. Everything stays on 127.0.0.1.
import { LineDecoder, consumeChunks } from '@rxsock/core';
import { connect, tcpServer, udpSocket } from '@rxsock/inet';

const SECONDS = Number(process.env.DEMO_SECONDS ?? 3);
const PRODUCERS = 2;
// Lines per second per producer. UDP has no flow control: above what the subscribers can take,
// the kernel drops datagrams, and the demo reports those drops rather than hiding them.
const RATE = Number(process.env.DEMO_RATE ?? 10_000);

// Three UDP subscribers, each counting what it receives.
const subscribers = [0, 1, 2].map(() => udpSocket({ host: '127.0.0.1', port: 0, receiveBufferSize: 8 << 20 }));
const received = subscribers.map(() => ({ datagrams: 0, bytes: 0 }));
subscribers.forEach((s, i) =>
  s.datagrams$.subscribe((d) => {
    received[i].datagrams++;
    received[i].bytes += d.data.length;
  }),
);
const targets = subscribers.map((s) => s.address());
const fanout = udpSocket({ host: '127.0.0.1', port: 0, sendBufferSize: 4 << 20 });

// The line-framed TCP service.
const server = tcpServer({ host: '127.0.0.1', port: 0 });
let linesIn = 0;
let bytesIn = 0;
server.connections$.subscribe((conn) => {
  const decoder = new LineDecoder({ maxLength: 4096 });
  consumeChunks(conn.reader, async (chunk) => {
    bytesIn += chunk.length;
    const lines = decoder.push(chunk);
    linesIn += lines.length;
    if (lines.length > 0) await fanout.sendMany(lines.flatMap((data) => targets.map((address) => ({ data, address }))));
  }).then(
    () => conn.close(),
    (error) => {
      console.error('service: connection failed:', error.code, error.message);
      conn.close(error);
    },
  );
});

async function produce(id, until) {
  const conn = await connect('127.0.0.1', server.port);
  let seq = 0;
  const start = Date.now();
  for (let round = 0; Date.now() < until; round++) {
    // Paced to RATE lines/s: ahead of schedule, wait.
    const ahead = seq / RATE - (Date.now() - start) / 1000;
    if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead * 1000));
    let batch = '';
    for (let i = 0; i < 64; i++) batch += `sensor-${id},${seq++},${(20 + Math.random() * 5).toFixed(3)}\n`;
    // write() says false above the writer's high-water mark: wait for it to drain.
    if (!conn.write(Buffer.from(batch))) await conn.drain();
    // The producers share the process with the service: let the loop breathe now and then.
    else if (round % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
  }
  await conn.end();
  conn.close();
  return seq;
}

console.log(`pipeline: ${PRODUCERS} TCP producers at ${RATE.toLocaleString('en')} lines/s each -> line service on 127.0.0.1:${server.port} -> UDP fan-out to ${targets.length} subscribers, ${SECONDS} s`);
const started = Date.now();
let last = { t: started, lines: 0, bytes: 0, out: 0 };
const ticker = setInterval(() => {
  const now = Date.now();
  const out = received.reduce((s, r) => s + r.datagrams, 0);
  const dt = (now - last.t) / 1000;
  console.log(
    `  ${((now - started) / 1000).toFixed(1)} s  in: ${Math.round((linesIn - last.lines) / dt).toLocaleString('en')} lines/s ` +
      `(${((bytesIn - last.bytes) / dt / 1e6).toFixed(1)} MB/s)  out: ${Math.round((out - last.out) / dt).toLocaleString('en')} datagrams/s`,
  );
  last = { t: now, lines: linesIn, bytes: bytesIn, out };
}, 500);

const until = Date.now() + SECONDS * 1000;
const produced = (await Promise.all(Array.from({ length: PRODUCERS }, (_, i) => produce(i, until)))).reduce((a, b) => a + b, 0);
// Let the last datagrams land.
const settled = () => linesIn === produced && received.every((r) => r.datagrams === linesIn);
for (let i = 0; i < 250 && !settled(); i++) await new Promise((r) => setTimeout(r, 20));
clearInterval(ticker);

console.log(`produced ${produced.toLocaleString('en')} lines; the service read ${linesIn.toLocaleString('en')} lines (${(bytesIn / 1e6).toFixed(1)} MB)`);
subscribers.forEach((s, i) => {
  const c = s.counters;
  console.log(`  subscriber ${i + 1}: ${received[i].datagrams.toLocaleString('en')} datagrams, kernel drops ${c.kernelDrops}`);
});
const complete = produced === linesIn && received.every((r) => r.datagrams === linesIn);
console.log(complete ? 'every line reached every subscriber' : 'some lines were lost (see the counts above)');
server.close();
fanout.close();
for (const s of subscribers) s.close();
process.exitCode = complete ? 0 : 1;
