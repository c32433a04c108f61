// HTTP requests per second with keep-alive: `wrk` (Debian package wrk) against node:http fed by
// rxsock connections (inet tcpServer + serveHttp) and against node:http on node:net, in the same
// run, rounds alternating. Reports requests/s (median of ROUNDS, with min-max) and the server's
// CPU time per request (process.cpuUsage over the wrk run / requests wrk completed).
// Env: ROUNDS (default 5), DURATION (seconds per wrk run, default 5), CONNECTIONS (default 50),
// THREADS (wrk threads, default 1).
// Measured 2026-12-03, 2 cores at load average 17-22, ROUNDS=5 DURATION=5, two runs: ratio 1.64
// (rxsock 2913 req/s, 1215-3879; node:net 1778, 1652-2913; CPU 105 vs 113 us/request) and 0.30
// (rxsock 2165, 707-6334; node:net 7313, 1960-11164; CPU 123 vs 57 us/request): the spread
// within a run is larger than the difference; no conclusion at this load.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { startChild } from './lib/ipc.mjs';
import { median, report } from './report.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DURATION = Number(process.env.DURATION ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const THREADS = Number(process.env.THREADS ?? 1);
const peer = fileURLToPath(new URL('./lib/http-server-peer.mjs', import.meta.url));

function wrk(port) {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${DURATION}s`, `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', (e) => reject(e.code === 'ENOENT' ? new Error('wrk is missing: install the Debian package wrk') : e));
    p.on('exit', (code) => {
      const requests = /(\d+) requests in/.exec(out);
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out);
      if (code !== 0 || !requests || !rate) reject(new Error(`wrk failed (${code}): ${out}`));
      else resolve({ requests: Number(requests[1]), rps: Number(rate[1]), errors: errors ? errors[0] : null });
    });
  });
}

async function round(impl) {
  const server = startChild(peer, [impl]);
  try {
    const { port, api } = await server.next('listening');
    server.send({ type: 'start' });
    const w = await wrk(port);
    server.send({ type: 'stop' });
    const { cpu } = await server.next('cpu');
    server.send({ type: 'exit' });
    return { ...w, cpuUsPerRequest: cpu.total / w.requests, api };
  } finally {
    await server.stop();
  }
}

const results = { rxsock: [], net: [] };
for (let i = 0; i < ROUNDS; i++) {
  for (const impl of i % 2 ? ['net', 'rxsock'] : ['rxsock', 'net']) results[impl].push(await round(impl));
}
const summary = (rs) => ({
  rps: median(rs.map((r) => r.rps)),
  min: Math.min(...rs.map((r) => r.rps)),
  max: Math.max(...rs.map((r) => r.rps)),
  cpu: median(rs.map((r) => r.cpuUsPerRequest)),
  cpuMin: Math.min(...rs.map((r) => r.cpuUsPerRequest)),
  cpuMax: Math.max(...rs.map((r) => r.cpuUsPerRequest)),
});
const rx = summary(results.rxsock);
const nt = summary(results.net);
for (const [name, s, rs] of [['rxsock', rx, results.rxsock], ['node:net', nt, results.net]]) {
  console.log(
    `  ${name.padEnd(8)} ${s.rps.toFixed(0)} req/s (median of ${ROUNDS}, min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}), ` +
      `server CPU ${s.cpu.toFixed(1)} us/request (min ${s.cpuMin.toFixed(1)}, max ${s.cpuMax.toFixed(1)})${rs.some((r) => r.errors) ? `; wrk: ${rs.map((r) => r.errors).filter(Boolean).join('; ')}` : ''}`,
  );
}
console.log(`  rxsock used: ${results.rxsock[0].api}; wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s (keep-alive)`);
const r3 = (x) => Math.round(x * 1000) / 1000;
const load = loadavg().map(r3);
report({
  name: 'http-requests',
  unit: 'requests/s',
  rxsock: rx.rps,
  peer: nt.rps,
  peerName: 'node:http on node:net',
  higherIsBetter: true,
  extra: { rounds: ROUNDS, duration: DURATION, connections: CONNECTIONS, spread: { rxsock: [r3(rx.min), r3(rx.max)], peer: [r3(nt.min), r3(nt.max)] }, loadAverage: load },
});
report({
  name: 'http-requests-cpu',
  unit: 'server CPU us/request',
  rxsock: rx.cpu,
  peer: nt.cpu,
  peerName: 'node:http on node:net',
  higherIsBetter: false,
  extra: { rounds: ROUNDS, spread: { rxsock: [r3(rx.cpuMin), r3(rx.cpuMax)], peer: [r3(nt.cpuMin), r3(nt.cpuMax)] }, loadAverage: load },
});
