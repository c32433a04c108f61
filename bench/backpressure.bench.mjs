// Memory held while a slow consumer is fed by a fast producer: a producer process writes BYTES
// (1 GiB) over loopback TCP as fast as its writer lets it; the consumer process handles each
// chunk with an async function paced to RATE (50 MB/s) and samples its own RSS every 100 ms.
// The consumer is what is compared: rxsock (@rxsock/inet tcpServer, consumeChunks over the
// Connection's ChunkReader with consumeChunks' DEFAULTS: a fresh buffer per read, freed by the
// garbage collector; the headline, `backpressure`) against node:net (pause()/resume() around the
// same async handler). `backpressure-recycle` is the same rxsock consumer with `recycle: true`
// (each chunk's read buffer is given back once its handler settled; chunks are then valid only
// inside their handler). ROUNDS rounds (default 3), each running every side once, the order
// rotating; medians and spreads.
// Both are fed by the SAME producer, a node:net process (write() + 'drain'), so the sender, its
// buffers and the process layout are identical for both sides; PRODUCER=own gives each consumer
// a producer of its own kind instead (rxsock: inet connect + Connection.writer + drain()).
// Every byte is checked in order (sha256 at both ends). Reports the consumer's peak RSS (lower
// is better), the consumer's CPU time (what its memory policy costs), and how long the
// producer's writes spent waiting (backpressure reaching the sender).
// Env: BYTES (default 1 GiB), RATE (bytes/s, default 50e6), CHUNK (producer write size, 64 KiB),
// PRODUCER (`net`, the default, or `own`), ROUNDS (default 3).
import { fileURLToPath } from 'node:url';
import { startChild } from './lib/ipc.mjs';
import { report } from './report.mjs';

const BYTES = Number(process.env.BYTES ?? 2 ** 30);
const RATE = Number(process.env.RATE ?? 50e6);
const CHUNK = Number(process.env.CHUNK ?? 65536);
const PRODUCER = process.env.PRODUCER ?? 'net';
if (PRODUCER !== 'net' && PRODUCER !== 'own') throw new Error(`PRODUCER must be 'net' or 'own', not ${PRODUCER}`);
const HOST = '127.0.0.1';
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));
const budget = (BYTES / RATE) * 1000 * 2 + 30_000;

async function side(impl) {
  const consumer = startChild(lib('bp-consumer.mjs'), [impl, HOST, RATE]);
  let producer;
  try {
    const { port, baseline } = await consumer.next('listening');
    const producerImpl = PRODUCER === 'own' ? impl : 'net';
    producer = startChild(lib('bp-producer.mjs'), [producerImpl, HOST, port, BYTES, CHUNK]);
    const [c, p] = await Promise.all([consumer.next('done', budget), producer.next('done', budget)]);
    const intact = c.bytes === p.bytes && c.bytes === BYTES && c.sha256 === p.sha256;
    return { impl, api: c.api, producerImpl, baseline, consumer: c, producer: p, intact };
  } finally {
    await producer?.stop();
    await consumer.stop();
  }
}

const mib = (b) => b / 2 ** 20;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const IMPLS = ['rxsock-copy', 'net', 'rxsock'];
const runs = { 'rxsock-copy': [], net: [], rxsock: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < IMPLS.length; k++) {
    const impl = IMPLS[(k + r) % IMPLS.length];
    runs[impl].push(await side(impl));
  }
}
// The round with the median peak stands for each side in the detailed lines.
const medianRun = (rs) => [...rs].sort((a, b) => a.consumer.rss.peak - b.consumer.rss.peak)[Math.floor(rs.length / 2)];
const sides = [medianRun(runs.rxsock), medianRun(runs.net), medianRun(runs['rxsock-copy'])];
const peaks = (impl) => runs[impl].map((s) => mib(s.consumer.rss.peak));
const growths = (impl) => runs[impl].map((s) => mib(s.consumer.rss.peak - s.consumer.rss.baseline));
const allIntact = Object.values(runs).every((rs) => rs.every((s) => s.intact));
for (const s of sides) {
  const c = s.consumer;
  const p = s.producer;
  console.log(
    `  ${(s.impl === 'net' ? 'node:net' : s.impl).padEnd(11)} consumer peak RSS ${mib(c.rss.peak).toFixed(1)} MiB (baseline ${mib(c.rss.baseline).toFixed(1)}, growth ${mib(c.rss.peak - c.rss.baseline).toFixed(1)} MiB, median ${mib(c.rss.median).toFixed(1)}, ${c.rss.count} samples; at the peak: V8 heap ${mib(c.rss.atPeak.heapTotal).toFixed(1)} (used ${mib(c.rss.atPeak.heapUsed).toFixed(1)}), Buffers ${mib(c.rss.atPeak.arrayBuffers).toFixed(1)} MiB); ` +
      `consumed ${(c.bytes / 2 ** 30).toFixed(3)} GiB in ${c.seconds.toFixed(1)} s = ${(c.bytes / c.seconds / 1e6).toFixed(1)} MB/s in ${c.chunks} chunks, consumer CPU user ${(c.cpu.user / 1e6).toFixed(2)} + system ${(c.cpu.system / 1e6).toFixed(2)} s; ` +
      `peak user-space queue ${(c.peakQueued / 1024).toFixed(0)} KiB; ${s.producerImpl === 'net' ? 'node:net' : s.producerImpl} producer blocked ${p.blockedSeconds.toFixed(1)} of ${p.seconds.toFixed(1)} s (${p.waits} waits, its write queue peaked at ${(p.peakBuffered / 1024).toFixed(0)} KiB); ` +
      `peaks of all rounds ${peaks(s.impl).map((x) => x.toFixed(1)).join(', ')} MiB; sha256 ${s.intact ? 'match, every byte in order' : `MISMATCH (consumer ${c.bytes} bytes ${c.sha256.slice(0, 12)}, producer ${p.bytes} bytes ${p.sha256.slice(0, 12)})`}; api: ${s.api}`,
  );
}
const [rx, nt, copy] = sides;
if (!allIntact) console.log('  !!! WARNING: data corrupted or lost (sha256 mismatch); the RSS result is not valid');
const brief = (s) => ({
  peakRssMiB: +mib(s.consumer.rss.peak).toFixed(1),
  baselineRssMiB: +mib(s.consumer.rss.baseline).toFixed(1),
  growthMiB: +mib(s.consumer.rss.peak - s.consumer.rss.baseline).toFixed(1),
  peakQueuedKiB: Math.round(s.consumer.peakQueued / 1024),
  consumeMBps: +(s.consumer.bytes / s.consumer.seconds / 1e6).toFixed(1),
  consumerCpuUserS: +(s.consumer.cpu.user / 1e6).toFixed(2),
  consumerCpuSystemS: +(s.consumer.cpu.system / 1e6).toFixed(2),
  producerBlockedS: +s.producer.blockedSeconds.toFixed(2),
  producerS: +s.producer.seconds.toFixed(2),
  producerPeakBufferedKiB: Math.round(s.producer.peakBuffered / 1024),
  intact: s.intact,
  api: s.api,
  producer: s.producerImpl === 'net' ? 'node:net' : s.producerImpl,
});
report({
  name: 'backpressure',
  unit: 'MiB peak RSS',
  rxsock: peaks('rxsock-copy'),
  peer: peaks('net'),
  peerName: 'node:net',
  higherIsBetter: false,
  extra: { bytes: BYTES, rate: RATE, chunk: CHUNK, producer: PRODUCER, intact: allIntact, api: copy.api, rxsockSide: brief(copy), peerSide: brief(nt), goal: "peak RSS below node:net's with consumeChunks' defaults" },
});
report({
  name: 'backpressure-recycle',
  unit: 'MiB peak RSS',
  rxsock: peaks('rxsock'),
  peer: peaks('net'),
  peerName: 'node:net',
  higherIsBetter: false,
  extra: { bytes: BYTES, rate: RATE, intact: allIntact, api: rx.api, rxsockSide: brief(rx) },
});
if (!allIntact) process.exitCode = 1;
// The same runs seen as growth over each consumer's own idle baseline (rxsock's baseline carries
// koffi and its modules): the memory the slow consumer's traffic actually cost.
report({
  name: 'backpressure-growth',
  unit: 'MiB RSS over baseline',
  rxsock: growths('rxsock-copy'),
  peer: growths('net'),
  peerName: 'node:net',
  higherIsBetter: false,
  extra: { bytes: BYTES, rate: RATE, api: copy.api },
});
