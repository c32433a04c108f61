// TLS throughput on loopback: 1 GiB from a sender process to a receiver process over TLS 1.3
// (TLS_AES_128_GCM_SHA256, node:tls on both ends), rxsock connections under node:tls
// (inet connectTls/tlsServer, through core's SocketDuplex) against node:net under node:tls, in
// the same run. Reports MB/s measured at the receiver (first decrypted byte to EOF), median of
// ROUNDS with the spread (min-max), and each side's CPU time per GiB.
// Env: BYTES (default 1 GiB), CHUNK (write size, default 64 KiB), ROUNDS (default 5), BASELINE
// (the path of another built checkout: its rxsock runs as one more contender, to measure a change
// in one run), LOADED_FLOOR=1 (one more contender: the js-stream floor in processes that have
// also imported @rxsock/inet and subscribed an idle tcpServer). Rounds rotate which contender
// goes first; the JSON lines carry the paired per-round ratios, and two more lines per peer
// compare each side's CPU per GiB.
// Three contenders: rxsock (the goal's line, against node:net), node:net, and js-stream: node:tls
// over a minimal JS stream.Duplex wrapping a net.Socket (lib/js-stream-duplex.mjs). node:tls
// treats any stream that is not a net.Socket alike (Node's JSStreamSocket: each encrypted write
// copied, passed through JS stream layers and completed one setImmediate later; each read handed
// to OpenSSL by copy), so js-stream is the floor any JS stream pays; rxsock beyond it is ours.
// Measured 2026-12-03 on main (ROUNDS=6, 1 GiB, 2 shared cores; medians [min-max], ratios
// paired by round): rxsock 501 MB/s [432-603], node:net 807 [642-897], js-stream 594 [425-609];
// rxsock/node:net 0.62 [0.58-0.77], rxsock/js-stream 0.84 [0.79-1.18]. CPU s per GiB: receiver
// rxsock 2.20, node:net 1.46, js-stream 1.60; sender 1.82, 1.16, 1.67 (rxsock/js-stream 0.92).
// Earlier runs the same day (ROUNDS=10): rxsock/node:net 0.78 and 0.70, rxsock/js-stream 0.88
// and 0.98; the floor alone at 0.71-0.89 of node:net, with 1.6x its sender CPU and 1.13-1.15x
// its receiver CPU: most of the distance to the goal is node:tls's JS stream path.
// What rxsock pays beyond the floor is not the adapter's work per byte (bench/duplex-throughput:
// without TLS, SocketDuplex writes at the JS Duplex's cost and reads at half of it); part of it
// is what having rxsock in the process costs node:tls. LOADED_FLOOR runs (10 rounds each) put the
// floor in processes that also imported @rxsock/inet and subscribed an idle tcpServer: against
// that loaded floor rxsock's throughput was 1.05 and 1.04, receiver CPU 0.89 and 0.89, sender
// 1.16 and 1.07 (the loaded floor itself: 356 vs 503 MB/s plain in one run, 511 vs 535 in the
// other). One visible part is V8's (--trace-gc, single 512 MiB transfers): the ~3.5 MiB of
// old-generation heap rxjs (1.3) and rxsock's modules (2.2) add keep V8 starting incremental
// marking during the transfer: 10-16 mark-compacts per 512 MiB and 330-410 ms of helper-thread
// CPU in the rxsock receiver, 0-1 and 60-100 ms in the plain floor's, 4-5 with rxjs merely
// imported, 6-7 with the subscribed server.
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
