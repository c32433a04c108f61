// TLS throughput on loopback: 1 GiB from a sender process to a receiver process over TLS 1.3
// (TLS_AES_128_GCM_SHA256, node:tls on both ends). Contenders, in the same run:
// - rxsock (the goal's line): inet tlsServer() and connectTls() with their defaults. rxsock
//   accepts or connects (Happy Eyeballs), then hands the fd to Node's own TCP handle
//   (Connection.toNetSocket()), so node:tls reads and writes it in C++; the decrypted side is
//   consumed through TlsConnection's faces (input$, write()/drain()/end()).
// - node:net: tls.createServer() / tls.connect(), 'data' and write()/'drain'.
// - duplex: node:tls over core's SocketDuplex (toDuplex(connection)), the path any rxsock stream
//   can take, with the same faces through fromDuplex.
// - js-stream: node:tls over a minimal JS stream.Duplex wrapping a net.Socket
//   (lib/js-stream-duplex.mjs). node:tls treats any stream that is not a net.Socket alike
//   (Node's JSStreamSocket: each encrypted write copied, passed through JS stream layers and
//   completed one setImmediate later; each read handed to OpenSSL by copy), so js-stream is the
//   floor of the duplex path; what duplex pays beyond it is ours.
// Reports MB/s measured at the receiver (first decrypted byte to EOF), median of ROUNDS with the
// spread (min-max), and each side's CPU time per GiB; the JSON lines carry the paired per-round
// ratios. Rounds rotate which contender goes first.
// Env: BYTES (default 1 GiB), CHUNK (write size, default 64 KiB), ROUNDS (default 5), BASELINE
// (the path of another built checkout: its rxsock runs as one more contender, to measure a change
// in one run), LOADED_FLOOR=1 (one more contender: the js-stream floor in processes that have
// also imported @rxsock/inet and subscribed an idle tcpServer).
// Measured 2026-12-03 (ROUNDS=8, 2 cores shared with other work, load 1.4-2.3):
// - with the hand-over and rx()'s partial rxjs: rxsock 877 MB/s [717-910], node:net 879
//   [601-951], ratio 1.00 [0.85-1.49]; CPU s/GiB receiver 1.09 vs 1.08 (1.00), sender 0.82 vs
//   0.84 (1.02). js-stream 621.
// - with the hand-over, before rx() loaded only the parts of rxjs it uses: 0.97 [0.90-1.59],
//   receiver CPU 0.94, sender 0.96. The rxsock receiver ran 6-7 mark-compacts per GiB against 0
//   in node:net's (a perf_hooks gc observer); importing @rxsock/inet and the whole of rxjs into
//   the node:net receiver gave it 7-8 too, with no rxsock code on its data path. With the parts,
//   the rxsock receiver runs 1.
// - before the hand-over (node:tls over SocketDuplex, today's duplex line): 0.62 [0.58-0.77]
//   of node:net, 0.84 of js-stream; the duplex line in the run above: 585 MB/s, 0.63 of node:net
//   and 0.88 of js-stream, CPU s/GiB receiver 1.53 and sender 1.34 against js-stream's 1.22 and
//   1.30 (bench/duplex-throughput: SocketDuplex itself writes at a JS Duplex's cost and reads at
//   half of it; the rest is node:tls's JS stream path).
// Tried, not kept: reading 1 MiB at a time into one buffer shared by all lending connections
// (copying only chunks that must wait) against today's recycled 64 KiB buffers (BASELINE runs):
// receiver CPU 1.02 and 0.99, sender 0.91 and 0.79, throughput 0.94 and 0.93: nothing beyond the
// noise, and a chunk kept by mistake could then show another connection's bytes.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startChild } from './lib/ipc.mjs';
import { makeCert } from './lib/test-cert.mjs';
import { loadavg } from 'node:os';
import { median, report } from './report.mjs';

const BYTES = Number(process.env.BYTES ?? 2 ** 30);
const CHUNK = Number(process.env.CHUNK ?? 65536);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const peer = fileURLToPath(new URL('./lib/tls-throughput-peer.mjs', import.meta.url));
const cert = makeCert();

/** `baseline` runs rxsock from another checkout (BASELINE), to compare a change in one run. */
const peerOf = (impl) => (impl === 'baseline' ? [join(process.env.BASELINE, 'bench/lib/tls-throughput-peer.mjs'), 'rxsock'] : [peer, impl]);

async function round(impl) {
  const [script, as] = peerOf(impl);
  const recv = startChild(script, ['recv', as, cert.key, cert.cert]);
  try {
    const { port } = await recv.next('listening');
    const send = startChild(script, ['send', as, cert.cert, port, BYTES, CHUNK]);
    try {
      const [r, s] = await Promise.all([recv.next('done', 600_000), send.next('done', 600_000)]);
      if (r.bytes !== BYTES) throw new Error(`${impl}: received ${r.bytes} of ${BYTES} bytes`);
      return { mbps: r.bytes / r.seconds / 1e6, recvCpuS: r.cpu.total / 1e6, sendCpuS: s.cpu.total / 1e6, protocol: `${r.protocol} ${r.cipher}`, recvApi: r.api, sendApi: s.api };
    } finally {
      await send.stop();
    }
  } finally {
    await recv.stop();
  }
}

const IMPLS = ['rxsock', 'net', 'duplex', 'jsstream', ...(process.env.LOADED_FLOOR ? ['jsloaded'] : []), ...(process.env.BASELINE ? ['baseline'] : [])];
const LABEL = { rxsock: 'rxsock', net: 'node:net', duplex: 'duplex', jsstream: 'js-stream', jsloaded: 'js-loaded', baseline: 'baseline' };
const results = { rxsock: [], net: [], duplex: [], jsstream: [], jsloaded: [], baseline: [] };
const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
try {
  for (let i = 0; i < ROUNDS; i++) {
    // Each round rotates which contender goes first.
    for (let k = 0; k < IMPLS.length; k++) {
      const impl = IMPLS[(i + k) % IMPLS.length];
      results[impl].push(await round(impl));
    }
  }
} finally {
  cert.remove();
}
const gib = BYTES / 2 ** 30;
const summary = (rs) => ({
  mbps: median(rs.map((r) => r.mbps)),
  min: Math.min(...rs.map((r) => r.mbps)),
  max: Math.max(...rs.map((r) => r.mbps)),
  recvCpuPerGiB: median(rs.map((r) => r.recvCpuS)) / gib,
  sendCpuPerGiB: median(rs.map((r) => r.sendCpuS)) / gib,
});
const sums = Object.fromEntries(IMPLS.map((impl) => [impl, summary(results[impl])]));
for (const impl of IMPLS) {
  const s = sums[impl];
  const rs = results[impl];
  console.log(
    `  ${LABEL[impl].padEnd(9)} ${s.mbps.toFixed(0)} MB/s (median of ${ROUNDS}, min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}: ${rs.map((r) => r.mbps.toFixed(0)).join(', ')}), ` +
      `CPU per GiB: receiver ${s.recvCpuPerGiB.toFixed(2)} s, sender ${s.sendCpuPerGiB.toFixed(2)} s; ${rs[0].protocol}`,
  );
}
for (const impl of ['rxsock', 'duplex', 'jsstream']) console.log(`  ${LABEL[impl]} used: receiver ${results[impl][0].recvApi}; sender ${results[impl][0].sendApi}`);
const r3 = (x) => Math.round(x * 1000) / 1000;
// [left, right, name suffix, the right side's name]: the headline (defaults against node:net),
// then the SocketDuplex path against node:net and against the JS stream floor it shares.
const FLOOR = 'node:tls over a minimal JS stream.Duplex wrapping node:net (the JSStreamSocket floor)';
const PAIRS = [
  ['rxsock', 'net', '', 'node:net + node:tls'],
  ['duplex', 'net', '-duplex', 'node:net + node:tls'],
  ['duplex', 'jsstream', '-duplex-vs-js-stream', FLOOR],
  ...(IMPLS.includes('jsloaded') ? [['duplex', 'jsloaded', '-duplex-vs-js-stream-loaded', 'the js-stream floor in processes that also imported @rxsock/inet and subscribed an idle tcpServer']] : []),
  ...(IMPLS.includes('baseline') ? [['rxsock', 'baseline', '-vs-baseline', `rxsock + node:tls from ${process.env.BASELINE}`]] : []),
];
for (const [left, peer, suffix, peerName] of PAIRS) {
  const rx = sums[left];
  const pr = sums[peer];
  report({
    name: `tls-throughput${suffix}`,
    unit: 'MB/s',
    rxsock: results[left].map((r) => r.mbps),
    peer: results[peer].map((r) => r.mbps),
    peerName,
    higherIsBetter: true,
    extra: {
      bytes: BYTES,
      chunk: CHUNK,
      rounds: ROUNDS,
      rxsockApi: { receiver: results[left][0].recvApi, sender: results[left][0].sendApi },
      spread: { rxsock: [r3(rx.min), r3(rx.max)], peer: [r3(pr.min), r3(pr.max)] },
      rxsockCpuPerGiB: { receiverS: r3(rx.recvCpuPerGiB), senderS: r3(rx.sendCpuPerGiB) },
      peerCpuPerGiB: { receiverS: r3(pr.recvCpuPerGiB), senderS: r3(pr.sendCpuPerGiB) },
      protocol: results[left][0].protocol,
      loadAverage: { before: loadBefore, after: loadavg().map((x) => r3(x)) },
    },
  });
  // CPU per GiB of each side, paired by round as above (lower is better).
  for (const side of ['recv', 'send']) {
    const key = side === 'recv' ? 'recvCpuS' : 'sendCpuS';
    report({
      name: `tls-throughput-cpu-${side === 'recv' ? 'receiver' : 'sender'}${suffix}`,
      unit: 'CPU s/GiB',
      rxsock: results[left].map((r) => r[key] / gib),
      peer: results[peer].map((r) => r[key] / gib),
      peerName,
      higherIsBetter: false,
    });
  }
}
