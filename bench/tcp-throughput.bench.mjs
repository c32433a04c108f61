// Bulk TCP throughput on loopback: 1 GiB from a sender process to a receiver process, rxsock on
// both ends (@rxsock/inet: tcpServer + Connection.input$ receiving, connect + Connection.writer
// sending) against node:net on both ends, in the same run. Reports GB/s measured at the receiver (first
// byte of the connection to EOF; median of ROUNDS) and each side's CPU time per round.
// Env: BYTES (default 1 GiB), CHUNK (write size, default 64 KiB), ROUNDS (default 9: single
// rounds on this 2-core VM vary by ±25%).
import { fileURLToPath } from 'node:url';
import { startChild } from './lib/ipc.mjs';
import { median, report } from './report.mjs';

const BYTES = Number(process.env.BYTES ?? 2 ** 30);
const CHUNK = Number(process.env.CHUNK ?? 65536);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const peer = fileURLToPath(new URL('./lib/tcp-throughput-peer.mjs', import.meta.url));

async function round(impl) {
  const recv = startChild(peer, ['recv', impl]);
  try {
    const { port } = await recv.next('listening');
    const send = startChild(peer, ['send', impl, port, BYTES, CHUNK]);
    try {
      const [r, s] = await Promise.all([recv.next('done', 85_000), send.next('done', 85_000)]);
      if (r.bytes !== BYTES) throw new Error(`${impl}: received ${r.bytes} of ${BYTES} bytes`);
      return { gbps: r.bytes / r.seconds / 1e9, recvCpuS: r.cpu.total / 1e6, sendCpuS: s.cpu.total / 1e6, seconds: r.seconds, recvApi: r.api, sendApi: s.api };
    } finally {
      await send.stop();
    }
  } finally {
    await recv.stop();
  }
}

const results = { rxsock: [], net: [] };
for (let i = 0; i < ROUNDS; i++) {
  // alternate the order so neither side always runs on a warmer machine
  for (const impl of i % 2 ? ['net', 'rxsock'] : ['rxsock', 'net']) results[impl].push(await round(impl));
}
const summary = (rs) => ({
  gbps: median(rs.map((r) => r.gbps)),
  recvCpuS: median(rs.map((r) => r.recvCpuS)),
  sendCpuS: median(rs.map((r) => r.sendCpuS)),
  seconds: median(rs.map((r) => r.seconds)),
});
const rx = summary(results.rxsock);
const nt = summary(results.net);
const gib = BYTES / 2 ** 30;
for (const [name, s] of [['rxsock', rx], ['node:net', nt]]) {
  console.log(
    `  ${name.padEnd(8)} ${s.gbps.toFixed(2)} GB/s (median of ${ROUNDS}: ${(name === 'rxsock' ? results.rxsock : results.net).map((r) => r.gbps.toFixed(2)).join(', ')}), ` +
      `CPU receiver ${s.recvCpuS.toFixed(2)} s, sender ${s.sendCpuS.toFixed(2)} s for ${gib.toFixed(2)} GiB in ${s.seconds.toFixed(2)} s`,
  );
}
console.log(`  rxsock used: receiver ${results.rxsock[0].recvApi}; sender ${results.rxsock[0].sendApi}`);
report({
  name: 'tcp-throughput',
  unit: 'GB/s',
  rxsock: results.rxsock.map((r) => r.gbps),
  peer: results.net.map((r) => r.gbps),
  peerName: 'node:net',
  higherIsBetter: true,
  extra: {
    bytes: BYTES,
    chunk: CHUNK,
    rounds: ROUNDS,
    rxsockCpu: { receiverS: round3(rx.recvCpuS), senderS: round3(rx.sendCpuS) },
    peerCpu: { receiverS: round3(nt.recvCpuS), senderS: round3(nt.sendCpuS) },
    rxsockApi: { receiver: results.rxsock[0].recvApi, sender: results.rxsock[0].sendApi },
  },
});

function round3(x) {
  return Math.round(x * 1000) / 1000;
}
