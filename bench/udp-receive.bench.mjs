// UDP receive cost on loopback: receiver CPU time per datagram (process.cpuUsage user+sys over
// the run / datagrams received), 64-byte datagrams from the SAME sender process (sendmmsg, paced
// to RATE in 1 ms ticks; see bench/lib/udp-sender.mjs), into rxsock receivers and into a
// node:dgram receiver, each in its own process with the same receive buffer (SO_RCVBUFFORCE
// 8 MiB as root, else SO_RCVBUF). rxsock's sides (bench/lib/udp-receiver.mjs): `rxsock-udp`, the
// headline, is @rxsock/inet udpSocket().datagrams$ with `batchDelayMs: 1` (the reader pauses
// 1 ms after draining the socket so datagrams gather into full recvmmsg batches: up to 1 ms of
// added latency); `rxsock-udp-nodelay` is the same with default options (a read at every edge);
// on request, `rxsock-batch` is the raw core loop (Socket.tryRecvBatch + MessageBatch(64)) and
// `rxsock-reader` core's DatagramReader.
// Loss must stay under 0.1%; a run above that is flagged loudly. Then the highest loss-free rate
// of the headline side and of node:dgram: short runs stepping the sender rate up.
// Env: COUNT (datagrams per main run, default 2,000,000), RATE (default 200000), SIZE (64),
// STEP_SECONDS (2), RATES (comma list), RCVBUF (bytes, default 8 MiB), RX_SIDES (comma list of
// rxsock receivers, the first is the headline and is swept; default rxsock-udp,rxsock-udp-nodelay),
// BATCH_DELAY_MS (the headline's pause, default 1),
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
  const s = await send.next('sent', 60_000);
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

async function side(impl, { sweep }) {
  const recv = startChild(lib('udp-receiver.mjs'), [impl, HOST, RCVBUF]);
  let send;
  try {
    const ready = await recv.next('ready');
    send = startChild(lib('udp-sender.mjs'), [HOST, ready.port, SIZE, SENDER]);
    senderMode = (await send.next('ready')).mode;
    await measure(recv, send, RATE, Math.min(COUNT, RATE / 2)); // warm-up, half a second
    const main = await measure(recv, send, RATE, COUNT);
    const steps = [];
    if (sweep) {
      for (const rate of RATES) {
        const st = await measure(recv, send, rate, Math.round(rate * STEP_SECONDS));
        steps.push(st);
        console.log(
          `    ${impl} @ ${(rate / 1000).toFixed(0)}k/s: loss ${(st.loss * 100).toFixed(3)}%, ${st.usPerDatagram.toFixed(2)} us/datagram` +
            (st.senderLimited ? `, sender reached only ${(st.senderRate / 1000).toFixed(0)}k/s` : ''),
        );
        if (st.loss >= MAX_LOSS || st.senderLimited) break;
      }
    }
    let best = 0;
    let limitedBySender = false;
    for (const st of steps) {
      if (st.loss < MAX_LOSS && !st.senderLimited) best = st.rate;
      else {
        if (st.senderLimited && st.loss < MAX_LOSS) limitedBySender = true;
        break;
      }
    }
    return { impl, api: ready.api, rcvbuf: ready.rcvbuf, main, steps, best, limitedBySender };
  } finally {
    await send?.stop();
    await recv.stop();
  }
}

const RX_SIDES = (process.env.RX_SIDES ?? 'rxsock-udp,rxsock-udp-nodelay').split(',');
const sides = [];
for (const [i, impl] of RX_SIDES.entries()) sides.push(await side(impl, { sweep: i === 0 || process.env.SWEEP_ALL === '1' }));
sides.push(await side('dgram', { sweep: true }));

const warnings = [];
for (const s of sides) {
  const m = s.main;
  const lossy = m.loss >= MAX_LOSS;
  if (lossy) warnings.push(`${s.impl}: loss ${(m.loss * 100).toFixed(3)}% at ${RATE}/s exceeds 0.1%; its CPU per datagram is NOT a valid result`);
  if (m.senderLimited) warnings.push(`${s.impl}: the sender reached only ${m.senderRate.toFixed(0)}/s of ${RATE}/s`);
  console.log(
    `  ${s.impl.padEnd(13)} ${m.usPerDatagram.toFixed(3)} us/datagram (CPU ${m.recvCpuS.toFixed(2)} s for ${m.received} datagrams), ` +
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
  rxsock: rx.main.usPerDatagram,
  peer: dg.main.usPerDatagram,
  peerName: 'node:dgram',
  higherIsBetter: false,
  extra: {
    size: SIZE,
    rate: RATE,
    sender: senderMode,
    count: COUNT,
    lossOk: sides.every((s) => s.main.loss < MAX_LOSS),
    warnings,
    rxsockSides: sides.filter((s) => s.impl !== 'dgram').map(brief),
    peerSide: brief(dg),
    goal: 'rxsock <= half of node:dgram (ratio >= 2)',
  },
});
for (const b of sides.slice(1, -1)) {
  report({ name: `udp-receive-${b.impl.replace(/^rxsock-/, '')}`, unit: 'us/datagram', rxsock: b.main.usPerDatagram, peer: dg.main.usPerDatagram, peerName: 'node:dgram', higherIsBetter: false, extra: { impl: b.impl, api: b.api, loss: b.main.loss, lossOk: b.main.loss < MAX_LOSS } });
}

function r3(x) {
  return Math.round(x * 1000) / 1000;
}
function r6(x) {
  return Math.round(x * 1e6) / 1e6;
}
