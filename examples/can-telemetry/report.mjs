// Plain text for stdout: one block per window while running, a table and a verdict at the end.

const num = (v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));

/** One window's figures, with the running counts of the bus, the decoder and the UDP subscriber. */
export function formatWindow(w, elapsedSec, { onBus, decoded, udpReceived }) {
  const lines = [`[${elapsedSec.toFixed(1).padStart(5)} s] window ${w.index + 1} (${w.seconds.toFixed(1)} s): bus ${onBus} frames, decoded ${decoded}, udp ${udpReceived} lines`];
  for (const s of w.signals) {
    lines.push(
      `  ${s.key.padEnd(34)} ${s.ratePerSec.toFixed(1).padStart(6)}/s  min ${num(s.min).padStart(8)}  mean ${num(s.mean).padStart(8)}  max ${num(s.max).padStart(8)} ${s.unit}`.trimEnd(),
    );
  }
  return lines.join('\n');
}

const COLUMNS = ['planned', 'kernelSent', 'onBus', 'decoded', 'udpSent', 'udpReceived'];

/** The final table: per message, each count along the way; then the verdict. */
export function formatSummary(s) {
  const head = `${'message'.padEnd(14)} ${'id'.padEnd(11)} ${'period'.padStart(7)} ${COLUMNS.map((c) => c.padStart(11)).join(' ')}`;
  const rows = s.messages.map(
    (m) => `${m.name.padEnd(14)} ${m.id.padEnd(11)} ${`${m.periodMs} ms`.padStart(7)} ${COLUMNS.map((c) => String(m[c] ?? '-').padStart(11)).join(' ')}`,
  );
  const total = `${'total'.padEnd(14)} ${''.padEnd(11)} ${''.padStart(7)} ${COLUMNS.map((c) => String(s.totals[c]).padStart(11)).join(' ')}`;
  const samples = s.signals.reduce((n, x) => n + x.count, 0);
  return [
    `summary: ${s.durationSec} s of ECU traffic on ${s.interface}, ${s.elapsedSec.toFixed(1)} s in all`,
    head,
    ...rows,
    total,
    `signals: ${s.signals.length} (${samples} samples, ${s.outOfRange} outside their DBC range); windows: ${s.windows}; BCM data updates: ${s.updates}`,
    s.ok ? 'OK: every frame the ECUs sent was on the bus, decoded, and arrived at the UDP subscriber as a JSON line' : `CHECK FAILED: ${s.problems.join('; ')}`,
  ].join('\n');
}
