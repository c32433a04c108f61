// TLS throughput on loopback: 1 GiB from a sender process to a receiver process over TLS 1.3
// (TLS_AES_128_GCM_SHA256, node:tls on both ends), rxsock connections under node:tls
// (inet connectTls/tlsServer, through core's SocketDuplex) against node:net under node:tls, in
// the same run. Reports MB/s measured at the receiver (first decrypted byte to EOF), median of
// ROUNDS with the spread (min-max), and each side's CPU time per GiB.
// Env: BYTES (default 1 GiB), CHUNK (write size, default 64 KiB), ROUNDS (default 5), BASELINE
// (the path of another built checkout: its rxsock runs as a fourth contender, to measure a change
// in one run). Rounds rotate which contender goes first; the JSON lines carry the paired
// per-round ratios, and two more lines per peer compare each side's CPU per GiB.
// Measured 2026-12-03, 2 cores at load average 2.9-3.0, ROUNDS=5: rxsock 417 MB/s (396-583) vs
// node:net 619 MB/s (440-689), ratio 0.67 (paired 0.64-0.95); CPU per GiB receiver 1.87 vs
// 1.41 s (0.76), sender 1.64 vs 1.03 s (0.62). (At load 17-19 before the receiver reused its
// read buffers: 0.60.) node:tls drives a stream that is not a net.Socket through its
// JSStreamSocket: each encrypted write is copied into a new buffer (JSStream::DoWrite), passes
// JS stream layers and completes one setImmediate later; each read is handed to OpenSSL by copy.
// The receiver's read buffers are reused (SocketDuplex lendChunks); the sender's cost is in
// those Node layers: batching the writes (a 1 MiB TLS highWaterMark, 6x fewer sends) made the
// sender slower, not faster (TLSWrap concatenates a batch into one new vector).
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

const IMPLS = ['rxsock', 'net', 'jsstream', ...(process.env.BASELINE ? ['baseline'] : [])];
const LABEL = { rxsock: 'rxsock', net: 'node:net', jsstream: 'js-stream', baseline: 'baseline' };
const results = { rxsock: [], net: [], jsstream: [], baseline: [] };
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
