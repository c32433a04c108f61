// TLS throughput on loopback: 1 GiB from a sender process to a receiver process over TLS 1.3
// (TLS_AES_128_GCM_SHA256, node:tls on both ends), rxsock connections under node:tls
// (inet connectTls/tlsServer, through core's SocketDuplex) against node:net under node:tls, in
// the same run. Reports MB/s measured at the receiver (first decrypted byte to EOF), median of
// ROUNDS with the spread (min-max), and each side's CPU time per GiB.
// Env: BYTES (default 1 GiB), CHUNK (write size, default 64 KiB), ROUNDS (default 5).
// Measured 2026-12-03, 2 cores at load average 17-19 (other builds and a qemu guest), ROUNDS=3:
// rxsock 50 MB/s (47-63) vs node:net 83 MB/s (67-92), ratio 0.60; CPU per GiB receiver 2.02 vs
// 1.70 s, sender 2.32 vs 1.32 s. node:tls drives a non-net.Socket through its JSStreamSocket
// (JS writes, one setImmediate per write completion), node:net through its native handle.
import { fileURLToPath } from 'node:url';
import { startChild } from './lib/ipc.mjs';
import { makeCert } from './lib/test-cert.mjs';
import { median, report } from './report.mjs';

const BYTES = Number(process.env.BYTES ?? 2 ** 30);
const CHUNK = Number(process.env.CHUNK ?? 65536);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const peer = fileURLToPath(new URL('./lib/tls-throughput-peer.mjs', import.meta.url));
const cert = makeCert();

async function round(impl) {
  const recv = startChild(peer, ['recv', impl, cert.key, cert.cert]);
  try {
    const { port } = await recv.next('listening');
    const send = startChild(peer, ['send', impl, cert.cert, port, BYTES, CHUNK]);
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

const results = { rxsock: [], net: [] };
try {
  for (let i = 0; i < ROUNDS; i++) {
    for (const impl of i % 2 ? ['net', 'rxsock'] : ['rxsock', 'net']) results[impl].push(await round(impl));
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
const rx = summary(results.rxsock);
const nt = summary(results.net);
for (const [name, s, rs] of [['rxsock', rx, results.rxsock], ['node:net', nt, results.net]]) {
  console.log(
    `  ${name.padEnd(8)} ${s.mbps.toFixed(0)} MB/s (median of ${ROUNDS}, min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}: ${rs.map((r) => r.mbps.toFixed(0)).join(', ')}), ` +
      `CPU per GiB: receiver ${s.recvCpuPerGiB.toFixed(2)} s, sender ${s.sendCpuPerGiB.toFixed(2)} s; ${rs[0].protocol}`,
  );
}
console.log(`  rxsock used: receiver ${results.rxsock[0].recvApi}; sender ${results.rxsock[0].sendApi}`);
const r3 = (x) => Math.round(x * 1000) / 1000;
report({
  name: 'tls-throughput',
  unit: 'MB/s',
  rxsock: rx.mbps,
  peer: nt.mbps,
  peerName: 'node:net + node:tls',
  higherIsBetter: true,
  extra: {
    bytes: BYTES,
    chunk: CHUNK,
    rounds: ROUNDS,
    spread: { rxsock: [r3(rx.min), r3(rx.max)], peer: [r3(nt.min), r3(nt.max)] },
    rxsockCpuPerGiB: { receiverS: r3(rx.recvCpuPerGiB), senderS: r3(rx.sendCpuPerGiB) },
    peerCpuPerGiB: { receiverS: r3(nt.recvCpuPerGiB), senderS: r3(nt.sendCpuPerGiB) },
    protocol: results.rxsock[0].protocol,
    loadAverage: (await import('node:os')).loadavg().map((x) => r3(x)),
  },
});
