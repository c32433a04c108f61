// Shared by the benchmarks: the JSON line every benchmark prints, and small statistics.
//
// `rxsock` and `peer` are each one value per round (an array; a single number counts as one
// round). The line reports the medians, the spread of each side (min and max over the rounds)
// and the ratio of the medians; when both sides ran the same number of rounds, `ratioSpread` is
// the min and max of the per-round ratios (round i of rxsock against round i of the peer, which
// ran next to it under the same machine load).

/** Prints the human line and the JSON line. `higherIsBetter` decides the ratio's direction. */
export function report({ name, unit, rxsock, peer, peerName, higherIsBetter, extra = {} }) {
  const rx = rounds(rxsock);
  const pr = rounds(peer);
  const ratioOf = (r, p) => (higherIsBetter ? r / p : p / r);
  const mRx = median(rx);
  const mPr = median(pr);
  const ratio = ratioOf(mRx, mPr);
  const paired = rx.length === pr.length && rx.length > 1 ? rx.map((r, i) => ratioOf(r, pr[i])) : undefined;
  const spread = (xs) => (xs.length > 1 ? ` [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]` : '');
  console.log(
    `${name}: rxsock ${fmt(mRx)}${spread(rx)} ${unit}, ${peerName} ${fmt(mPr)}${spread(pr)} ${unit}, ratio ${ratio.toFixed(2)}` +
      `${paired ? ` [${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)}]` : ''} (medians of ${rx.length} and ${pr.length} rounds; above 1: rxsock is better)`,
  );
  console.log(
    JSON.stringify({
      name,
      unit,
      rxsock: round(mRx),
      peer: round(mPr),
      peerName,
      ratio: round(ratio),
      rxsockSpread: [round(Math.min(...rx)), round(Math.max(...rx))],
      peerSpread: [round(Math.min(...pr)), round(Math.max(...pr))],
      ...(paired ? { ratioSpread: [round(Math.min(...paired)), round(Math.max(...paired))] } : {}),
      rounds: rx.length,
      ...extra,
    }),
  );
}

/** The median (the upper one for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function rounds(x) {
  const xs = Array.isArray(x) ? x : [x];
  if (xs.length === 0 || !xs.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error(`report: rounds must be finite numbers, got ${JSON.stringify(x)}`);
  return xs;
}

function round(x) {
  return Math.round(x * 1000) / 1000;
}

function fmt(x) {
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}
