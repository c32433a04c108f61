// TLS throughput on loopback: 1 GiB from a sender process to a receiver process over TLS 1.3
// (TLS_AES_128_GCM_SHA256, node:tls on both ends), rxsock connections under node:tls
// (inet connectTls/tlsServer, through core's SocketDuplex) against node:net under node:tls, in
// the same run. Reports MB/s measured at the receiver (first decrypted byte to EOF), median of
// ROUNDS with the spread (min-max), and each side's CPU time per GiB.
// Env: BYTES (default 1 GiB), CHUNK (write size, default 64 KiB), ROUNDS (default 5), BASELINE
// (the path of another built checkout: its rxsock runs as one more contender, to measure a change
// in one run), LOADED_FLOOR=1 (one more contender: the js-stream floor in processes that have
// also imported @rxsock/inet and subscribed an idle tcpServer). Rounds rotate which contender goes first; the JSON lines carry the paired
// per-round ratios, and two more lines per peer compare each side's CPU per GiB.
// Three contenders: rxsock (the goal's line, against node:net), node:net, and js-stream: node:tls
// over a minimal JS stream.Duplex wrapping a net.Socket (lib/js-stream-duplex.mjs). node:tls
// treats any stream that is not a net.Socket alike (Node's JSStreamSocket: each encrypted write
// copied, passed through JS stream layers and completed one setImmediate later; each read handed
// to OpenSSL by copy), so js-stream is the floor any JS stream pays; rxsock beyond it is ours.
// Measured 2026-12-03, 1 GiB, ROUNDS=10, 2 cores shared with other work (load average 1.7-3.5),
// two runs (medians [min-max]; ratios paired by round):
//   throughput MB/s: rxsock 369 [253-493] and 434 [343-490]; node:net 472 [323-730] and
//     620 [472-803]; js-stream 421 [250-533] and 443 [314-603]. rxsock/node:net 0.78 [0.59-1.14]
//     and 0.70 [0.54-1.04]; rxsock/js-stream 0.88 [0.54-1.65] and 0.98 [0.76-1.56].
//   CPU s per GiB, receiver: rxsock 2.38 and 1.96, node:net 1.73 and 1.44, js-stream 1.99 and
//     1.63 (rxsock/js-stream 0.84 [0.70-0.99] and 0.83 [0.72-1.06]).
//   CPU s per GiB, sender: rxsock 2.52 and 2.09, node:net 1.23 and 1.07, js-stream 1.97 and 1.71
//     (rxsock/js-stream 0.78 [0.71-1.11] and 0.82 [0.66-1.01]; 1.01 [0.74-1.15] in a third run).
// So the floor alone is at 0.71-0.89 of node:net's throughput, with 1.6x its sender CPU and
// 1.13-1.15x its receiver CPU: most of the distance to the goal is node:tls's JS stream path.
// What rxsock pays beyond the floor is not the adapter's work per byte (bench/duplex-throughput:
// without TLS, SocketDuplex writes at the JS Duplex's cost and reads at a third of it); part of it
// is what having rxsock in the process costs node:tls. LOADED_FLOOR runs (10 rounds each) put the
// floor in processes that also imported @rxsock/inet and subscribed an idle tcpServer:
//   run A (load 2.9-3.7): loaded floor 356 MB/s [270-451] vs plain floor 503 [286-649], receiver
//     CPU 1.62 vs 1.55 s/GiB, sender 2.12 vs 1.64; rxsock 375, 1.83, 1.82 (against the loaded
//     floor: 1.05 [0.73-1.44], 0.89 [0.81-1.23], 1.16 [0.81-1.45]).
//   run B (load 2.0-2.9): loaded floor 511 [324-536] vs plain 535 [466-652], receiver 1.65 vs
//     1.70, sender 1.98 vs 1.93; rxsock 531, 1.85, 1.85 (against the plain floor 0.99
//     [0.74-1.17], 0.92 [0.65-1.09], 1.05 [0.75-1.24]; against the loaded one 1.04, 0.89, 1.07).
// One visible part is V8's (--trace-gc, per-thread CPU of single 512 MiB transfers): the
// ~3.5 MiB of old-generation heap rxjs (1.3) and rxsock's modules (2.2) add keep V8 starting
// incremental marking during the transfer, 10-16 mark-compacts per 512 MiB and 330-410 ms of
// helper-thread CPU in the rxsock receiver, 0-1 and 60-100 ms in the plain floor's, 4-5 with
// rxjs merely imported, 6-7 with the subscribed server.
// The receiver reads (SocketDuplex lendChunks) into one 1 MiB buffer shared by all lending
// connections, copying only chunks that must wait; against the previous per-connection recycled
// 64 KiB buffers, same runs (BASELINE): receiver CPU 1.02 [0.95-1.20] and 0.99 [0.70-1.21],
// sender 0.91 and 0.79 [0.67-1.01], throughput 0.94 and 0.93: no difference beyond the noise.
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

const IMPLS = ['rxsock', 'net', 'jsstream', ...(process.env.LOADED_FLOOR ? ['jsloaded'] : []), ...(process.env.BASELINE ? ['baseline'] : [])];
const LABEL = { rxsock: 'rxsock', net: 'node:net', jsstream: 'js-stream', jsloaded: 'js-loaded', baseline: 'baseline' };
const results = { rxsock: [], net: [], jsstream: [], jsloaded: [], baseline: [] };
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
console.log(`  rxsock used: receiver ${results.rxsock[0].recvApi}; sender ${results.rxsock[0].sendApi}`);
console.log(`  js-stream used: receiver ${results.jsstream[0].recvApi}; sender ${results.jsstream[0].sendApi}`);
const r3 = (x) => Math.round(x * 1000) / 1000;
const PEER = {
  net: { suffix: '', peerName: 'node:net + node:tls' },
  jsstream: { suffix: '-vs-js-stream', peerName: 'node:tls over a minimal JS stream.Duplex wrapping node:net (the JSStreamSocket floor)' },
  jsloaded: { suffix: '-vs-js-stream-loaded', peerName: 'the js-stream floor in processes that also imported @rxsock/inet and subscribed an idle tcpServer' },
  baseline: { suffix: '-vs-baseline', peerName: `rxsock + node:tls from ${process.env.BASELINE}` },
};
for (const peer of IMPLS.slice(1)) {
  const rx = sums.rxsock;
  const pr = sums[peer];
  const { suffix, peerName } = PEER[peer];
  report({
    name: `tls-throughput${suffix}`,
    unit: 'MB/s',
    rxsock: results.rxsock.map((r) => r.mbps),
    peer: results[peer].map((r) => r.mbps),
    peerName,
    higherIsBetter: true,
    extra: {
      bytes: BYTES,
      chunk: CHUNK,
      rounds: ROUNDS,
      spread: { rxsock: [r3(rx.min), r3(rx.max)], peer: [r3(pr.min), r3(pr.max)] },
      rxsockCpuPerGiB: { receiverS: r3(rx.recvCpuPerGiB), senderS: r3(rx.sendCpuPerGiB) },
      peerCpuPerGiB: { receiverS: r3(pr.recvCpuPerGiB), senderS: r3(pr.sendCpuPerGiB) },
      protocol: results.rxsock[0].protocol,
      loadAverage: { before: loadBefore, after: loadavg().map((x) => r3(x)) },
    },
  });
  // CPU per GiB of each side, paired by round as above (lower is better).
  for (const side of ['recv', 'send']) {
    const key = side === 'recv' ? 'recvCpuS' : 'sendCpuS';
    report({
      name: `tls-throughput-cpu-${side === 'recv' ? 'receiver' : 'sender'}${suffix}`,
      unit: 'CPU s/GiB',
      rxsock: results.rxsock.map((r) => r[key] / gib),
      peer: results[peer].map((r) => r[key] / gib),
      peerName,
      higherIsBetter: false,
    });
  }
}
