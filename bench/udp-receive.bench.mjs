// UDP receive cost on loopback: receiver CPU time per datagram (process.cpuUsage user+sys over
// the run / datagrams received), 64-byte datagrams from the SAME sender process (sendmmsg, paced
// to RATE in 1 ms ticks; see bench/lib/udp-sender.mjs), into rxsock receivers and into a
// node:dgram receiver, each in its own process with the same receive buffer (SO_RCVBUFFORCE
// 8 MiB as root, else SO_RCVBUF). rxsock's sides (bench/lib/udp-receiver.mjs): `rxsock-udp`, the
// headline, is @rxsock/inet udpSocket().datagrams$ with DEFAULT options (`batchDelayMs: 'auto'`:
// adaptive batching, which rests 1 ms between recvmmsg batches once a fast stream arrives);
// `rxsock-udp-edge` is the same with `batchDelayMs: 0` (a read at every edge); on request
// `rxsock-udp-delay` with a fixed `batchDelayMs: 1`;
// on request, `rxsock-batch` is the raw core loop (Socket.tryRecvBatch + MessageBatch(64)) and
// `rxsock-reader` core's DatagramReader.
// Loss must stay under 0.1%; a run above that is flagged loudly. Then the highest loss-free rate
// of the headline side and of node:dgram: short runs stepping the sender rate up.
// Env: COUNT (datagrams per main run, default 2,000,000), RATE (default 200000), SIZE (64),
// STEP_SECONDS (2), RATES (comma list), RCVBUF (bytes, default 8 MiB), RX_SIDES (comma list of
// rxsock receivers, the first is the headline and is swept; default rxsock-udp,rxsock-udp-edge),
// BATCH_DELAY_MS (rxsock-udp-delay's pause, default 1), ROUNDS (main runs per side, interleaved
// across sides; default 3),
// SWEEP_ALL=1 (sweep every side), SENDER (`vector`, the default, or `sendMany`).
import { fileURLToPath } from 'node:url';
import { startChild, sleep } from './lib/ipc.mjs';
import { report } from './report.mjs';

const COUNT = Number(process.env.COUNT ?? 2_000_000);
const RATE = Number(process.env.RATE ?? 200_000);
const SIZE = Number(process.env.SIZE ?? 64);
const STEP_SECONDS = Number(process.env.STEP_SECONDS ?? 2);
const RATES = (process.env.RATES ?? '200000,250000,300000,350000,400000,500000,600000,800000,1000000').split(',').map(Number);
const RCVBUF = Number(process.env.RCVBUF ?? 8 << 20);
const SENDER = process.env.SENDER ?? 'vector'; // or 'sendMany' (bench/lib/udp-sender.mjs says why vector)
const MAX_LOSS = 0.001;
let senderMode;
const HOST = '127.0.0.1';
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));

async function measure(recv, send, rate, count) {
  recv.send({ type: 'start' });
  await recv.next('started');
  send.send({ type: 'send', rate, count });
  // A loaded machine may send far below the rate: allow 20 times the nominal duration.
  const s = await send.next('sent', Math.max(60_000, (count / rate) * 1000 * 20));
  await sleep(300); // let the receiver drain its queue
  recv.send({ type: 'stop' });
  const r = await recv.next('stats');
  const loss = (s.sent - r.received) / s.sent;
  return {
    rate,
    sent: s.sent,
    received: r.received,
    loss,
    usPerDatagram: r.cpu.total / r.received,
    recvCpuS: r.cpu.total / 1e6,
    senderUsPerDatagram: s.cpu.total / s.sent,
    senderRate: s.rate,
    senderLimited: s.rate < rate * 0.98,
    counters: r.counters,
  };
}

async function open(impl) {
  const recv = startChild(lib('udp-receiver.mjs'), [impl, HOST, RCVBUF]);
  const ready = await recv.next('ready');
  const send = startChild(lib('udp-sender.mjs'), [HOST, ready.port, SIZE, SENDER]);
  senderMode = (await send.next('ready')).mode;
  await measure(recv, send, RATE, Math.min(COUNT, RATE / 2)); // warm-up, half a second
  return { impl, api: ready.api, rcvbuf: ready.rcvbuf, recv, send, rounds: [], steps: [], best: 0, limitedBySender: false };
}

async function sweep(s) {
  for (const rate of RATES) {
    const st = await measure(s.recv, s.send, rate, Math.round(rate * STEP_SECONDS));
    s.steps.push(st);
    console.log(
      `    ${s.impl} @ ${(rate / 1000).toFixed(0)}k/s: loss ${(st.loss * 100).toFixed(3)}%, ${st.usPerDatagram.toFixed(2)} us/datagram` +
        (st.senderLimited ? `, sender reached only ${(st.senderRate / 1000).toFixed(0)}k/s` : ''),
    );
    if (st.loss >= MAX_LOSS || st.senderLimited) break;
  }
  for (const st of s.steps) {
    if (st.loss < MAX_LOSS && !st.senderLimited) s.best = st.rate;
    else {
      if (st.senderLimited && st.loss < MAX_LOSS) s.limitedBySender = true;
      break;
    }
  }
}

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const RX_SIDES = (process.env.RX_SIDES ?? 'rxsock-udp,rxsock-udp-edge').split(',');
const sides = [];
try {
  for (const impl of [...RX_SIDES, 'dgram']) sides.push(await open(impl));
  for (let r = 0; r < ROUNDS; r++) {
    // Every side once per round, the order rotating, so each ran under the same machine load.
    for (let k = 0; k < sides.length; k++) {
      const s = sides[(k + r) % sides.length];
      const m = await measure(s.recv, s.send, RATE, COUNT);
      s.rounds.push(m);
      console.log(
        `    round ${r + 1} ${s.impl}: ${m.usPerDatagram.toFixed(2)} us/datagram, loss ${(m.loss * 100).toFixed(3)}% ` +
          `(kernel drops ${m.counters.kernelDrops ?? 'n/a'}), sender ${(m.senderRate / 1000).toFixed(0)}k/s`,
      );
    }
  }
  for (const [i, s] of sides.entries()) if (i === 0 || s.impl === 'dgram' || process.env.SWEEP_ALL === '1') await sweep(s);
} finally {
  for (const s of sides) {
    await s.send.stop();
    await s.recv.stop();
  }
}
for (const s of sides) {
  // The round with the median CPU per datagram stands for the side in the detailed lines.
  const sorted = [...s.rounds].sort((a, b) => a.usPerDatagram - b.usPerDatagram);
  s.main = sorted[Math.floor(sorted.length / 2)];
  s.main.lossWorst = Math.max(...s.rounds.map((x) => x.loss));
}

const warnings = [];
for (const s of sides) {
  const m = s.main;
  const lossy = m.lossWorst >= MAX_LOSS;
  if (lossy) warnings.push(`${s.impl}: loss ${(m.lossWorst * 100).toFixed(3)}% in a round at ${RATE}/s exceeds 0.1%; its CPU per datagram is NOT a valid result`);
  if (m.senderLimited) warnings.push(`${s.impl}: the sender reached only ${m.senderRate.toFixed(0)}/s of ${RATE}/s`);
  console.log(
    `  ${s.impl.padEnd(13)} ${m.usPerDatagram.toFixed(3)} us/datagram (rounds ${s.rounds.map((x) => x.usPerDatagram.toFixed(2)).join(', ')}; median round: CPU ${m.recvCpuS.toFixed(2)} s for ${m.received} datagrams), ` +
      `loss ${(m.loss * 100).toFixed(4)}% (${m.sent - m.received} of ${m.sent})${lossy ? '  <<< LOSS ABOVE 0.1% >>>' : ''}, ` +
      `highest loss-free rate ${s.steps.length ? `${s.best ? (s.best / 1000).toFixed(0) + 'k/s' : 'below ' + RATES[0] / 1000 + 'k/s'}${s.limitedBySender ? ' (or more: the sender was the limit)' : ''}` : 'not swept'}; ` +
      `rcvbuf ${s.rcvbuf.effective} via ${s.rcvbuf.method}; sender CPU ${m.senderUsPerDatagram.toFixed(2)} us/datagram; api: ${s.api}`,
  );
}
console.log(`  sender: ${senderMode}, ${SIZE}-byte datagrams, ${RATE}/s for the main runs`);
for (const w of warnings) console.log(`  !!! WARNING: ${w}`);

const rx = sides[0];
const dg = sides.find((s) => s.impl === 'dgram');
const brief = (s) => ({
  impl: s.impl,
  api: s.api,
  usPerDatagram: r3(s.main.usPerDatagram),
  loss: s.main.loss,
  lossOk: s.main.loss < MAX_LOSS,
  received: s.main.received,
  sent: s.main.sent,
  senderRate: Math.round(s.main.senderRate),
  senderUsPerDatagram: r3(s.main.senderUsPerDatagram),
  highestLossFreeRate: s.steps.length ? s.best : null,
  sweepLimitedBySender: s.limitedBySender,
  sweep: s.steps.map((st) => ({ rate: st.rate, loss: r6(st.loss), usPerDatagram: r3(st.usPerDatagram), senderRate: Math.round(st.senderRate) })),
  rcvbuf: s.rcvbuf,
  counters: s.main.counters,
});
report({
  name: 'udp-receive',
  unit: 'us/datagram',
  rxsock: rx.rounds.map((x) => x.usPerDatagram),
  peer: dg.rounds.map((x) => x.usPerDatagram),
  peerName: 'node:dgram',
  higherIsBetter: false,
  extra: {
    size: SIZE,
    rate: RATE,
    sender: senderMode,
    count: COUNT,
    lossOk: sides.every((s) => s.main.lossWorst < MAX_LOSS),
    warnings,
    rxsockSides: sides.filter((s) => s.impl !== 'dgram').map(brief),
    peerSide: brief(dg),
    goal: 'rxsock <= half of node:dgram (ratio >= 2)',
  },
});
for (const b of sides.slice(1, -1)) {
  report({ name: `udp-receive-${b.impl.replace(/^rxsock-udp-/, '').replace(/^rxsock-/, '')}`, unit: 'us/datagram', rxsock: b.rounds.map((x) => x.usPerDatagram), peer: dg.rounds.map((x) => x.usPerDatagram), peerName: 'node:dgram', higherIsBetter: false, extra: { impl: b.impl, api: b.api, loss: b.main.lossWorst, lossOk: b.main.lossWorst < MAX_LOSS } });
}

function r3(x) {
  return Math.round(x * 1000) / 1000;
}
function r6(x) {
  return Math.round(x * 1e6) / 1e6;
}
