// Shared by the benchmarks: the JSON line every benchmark prints, and small statistics.

/** Prints the human line and the JSON line. `higherIsBetter` decides the ratio's direction. */
export function report({ name, unit, rxsock, peer, peerName, higherIsBetter, extra = {} }) {
  const ratio = higherIsBetter ? rxsock / peer : peer / rxsock;
  console.log(`${name}: rxsock ${fmt(rxsock)} ${unit}, ${peerName} ${fmt(peer)} ${unit}, ratio ${ratio.toFixed(2)} (above 1: rxsock is better)`);
  console.log(JSON.stringify({ name, unit, rxsock: round(rxsock), peer: round(peer), ratio: round(ratio), peerName, ...extra }));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function round(x) {
  return Math.round(x * 1000) / 1000;
}

function fmt(x) {
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}
