// The telemetry demo, in one function: ECUs on CAN_BCM -> bus -> decode with the DBC -> live
// figures and JSON lines over UDP -> a subscriber, then the check that nothing was lost.
// demo.mjs runs it from the command line; packages/can/test/vm/demo.test.ts runs it in-process.
import { fileURLToPath } from 'node:url';
import { loadDbcFile } from '@rxsock/can';
import { startBusTap } from './bus-tap.mjs';
import { startEcus } from './ecus.mjs';
import { startPipeline } from './pipeline.mjs';
import { formatSummary, formatWindow } from './report.mjs';
import { startUdpSubscriber } from './udp.mjs';

/** The DBC that ships with the demo. */
export const TELEMETRY_DBC = fileURLToPath(new URL('telemetry.dbc', import.meta.url));

/**
 * Polls until `done()` holds (true), or until `progress()` has not changed for `quietMs`, or
 * `timeoutMs` passed (false).
 */
async function settle(done, progress, { quietMs, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  let last = progress();
  let lastChange = Date.now();
  while (!done()) {
    const now = Date.now();
    if (now > deadline || now - lastChange > quietMs) return false;
    await new Promise((r) => setTimeout(r, 20));
    const p = progress();
    if (p !== last) {
      last = p;
      lastChange = Date.now();
    }
  }
  return true;
}

/**
 * Runs the demo on `iface` for `durationSec` seconds of ECU traffic, printing a block of
 * figures every `windowMs` through `print`, and returns the summary: counts per message at each
 * stage, per-signal totals, and `ok` with the `problems` found.
 */
export async function runTelemetryDemo({ interface: iface = 'vcan0', durationSec = 10, windowMs = 2000, dbcPath = TELEMETRY_DBC, print = console.log } = {}) {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const db = await loadDbcFile(dbcPath);

  // Listeners first, then the ECUs: every frame has a socket waiting for it.
  const subscriber = startUdpSubscriber();
  const tap = startBusTap(db, iface);
  const pipeline = startPipeline(db, iface, {
    windowMs,
    target: subscriber.address,
    onWindow: (w, totals) => print(formatWindow(w, elapsed(), { onBus: tap.total, decoded: totals.frames, udpReceived: subscriber.lines })),
  });
  const problems = [];
  let ecus;
  try {
    ecus = await startEcus(db, iface, { durationSec });
    const periods = ecus.jobs.map((j) => `${j.message.name} every ${j.periodMs} ms`).join(', ');
    print(`ECUs ${[...new Set(ecus.jobs.map((j) => j.node))].join(', ')} on ${iface} through CAN_BCM for ${durationSec} s: ${periods}`);

    // The kernel runs the cycles; the ECUs are done when every job reports its frames sent.
    // Emulated guests are slow and uneven, so the allowance is generous.
    const allowanceMs = durationSec * 3000 + 20_000;
    let timer;
    const finished = await Promise.race([ecus.done.then(() => true), new Promise((r) => (timer = setTimeout(() => r(false), allowanceMs)))]);
    clearTimeout(timer);
    if (!finished) problems.push(`the BCM jobs had not sent their frames after ${allowanceMs / 1000} s`);
    const kernelSent = ecus.kernelSent();
    const kernelTotal = [...kernelSent.values()].reduce((a, b) => a + (b ?? 0), 0);

    // Everything sent is in the sockets' queues by now or soon: let the readers catch up.
    await settle(() => tap.total >= kernelTotal && pipeline.totals.frames >= kernelTotal, () => tap.total + pipeline.totals.frames, { quietMs: 2000, timeoutMs: 30_000 });
    await pipeline.stop();
    await settle(() => subscriber.lines + subscriber.invalid >= pipeline.linesSent, () => subscriber.lines, { quietMs: 2000, timeoutMs: 30_000 });

    const messages = ecus.jobs.map((j) => {
      const name = j.message.name;
      return {
        name,
        id: `0x${j.message.id.toString(16).toUpperCase()}`,
        extended: j.message.extended,
        periodMs: j.periodMs,
        planned: j.planned,
        kernelSent: kernelSent.get(name),
        onBus: tap.counts.get(name) ?? 0,
        decoded: pipeline.totals.byMessage.get(name) ?? 0,
        udpSent: pipeline.linesSentByMessage.get(name) ?? 0,
        udpReceived: subscriber.byMessage.get(name) ?? 0,
      };
    });
    const sum = (key) => messages.reduce((n, m) => n + (m[key] ?? 0), 0);
    const totals = { planned: sum('planned'), kernelSent: sum('kernelSent'), onBus: tap.total, decoded: pipeline.totals.frames, udpSent: pipeline.linesSent, udpReceived: subscriber.lines };

    problems.push(...ecus.errors);
    for (const m of messages) {
      if (m.kernelSent === undefined) problems.push(`${m.name}: no kernel count in /proc/net/can-bcm`);
      else if (m.kernelSent !== m.planned) problems.push(`${m.name}: the kernel sent ${m.kernelSent} of ${m.planned} frames`);
      if (m.onBus !== m.kernelSent) problems.push(`${m.name}: ${m.onBus} frames on the bus, ${m.kernelSent} sent`);
      if (m.decoded !== m.onBus) problems.push(`${m.name}: ${m.decoded} decoded of ${m.onBus} on the bus`);
      if (m.udpSent !== m.decoded) problems.push(`${m.name}: ${m.udpSent} JSON lines sent of ${m.decoded} decoded`);
      if (m.udpReceived !== m.udpSent) problems.push(`${m.name}: ${m.udpReceived} JSON lines received of ${m.udpSent} sent`);
    }
    if (subscriber.invalid > 0) problems.push(`${subscriber.invalid} UDP lines were not telemetry JSON`);
    if (pipeline.totals.outOfRange > 0) problems.push(`${pipeline.totals.outOfRange} signal values outside their DBC range`);
    if (pipeline.windows === 0) problems.push('no window of figures was produced');
    const drops = { tap: tap.kernelDrops, pipeline: pipeline.drops, udp: subscriber.kernelDrops };
    if (drops.tap + drops.pipeline + drops.udp > 0) problems.push(`drops: ${JSON.stringify(drops)}`);

    const summary = {
      ok: problems.length === 0,
      problems,
      interface: iface,
      durationSec,
      elapsedSec: elapsed(),
      messages,
      totals,
      drops,
      signals: [...pipeline.totals.bySignal.values()].sort((a, b) => a.key.localeCompare(b.key)),
      outOfRange: pipeline.totals.outOfRange,
      windows: pipeline.windows,
      updates: ecus.jobs.reduce((n, j) => n + j.updates, 0),
    };
    print(formatSummary(summary));
    return summary;
  } finally {
    ecus?.close();
    await pipeline.stop().catch(() => undefined);
    tap.close();
    subscriber.close();
  }
}
