// HTTP requests per second with keep-alive: `wrk` (Debian package wrk) against node:http fed by
// rxsock connections (inet tcpServer + serveHttp) and against node:http on node:net, in the same
// run. Each round starts a fresh server process per side, warms it up with a wrk run that is
// discarded (the JIT and the connection pool settle), then measures one wrk run; rounds alternate
// which side goes first, and the ratio of each round is taken against the other side's run next
// to it (paired), so machine load that changes between rounds cancels out. Reports requests/s and
// the server's CPU time per request (process.cpuUsage over the measured run / requests wrk
// completed): medians, min-max, and the paired ratios' spread.
// With 2 or more CPUs and taskset available, wrk runs on CPU 0 and the server on the last CPU, so
// the two do not take turns on one core (PIN=0 turns that off).
// Env: ROUNDS (default 5), DURATION (seconds per measured wrk run, default 5), WARMUP (seconds of
// the discarded run, default 2), CONNECTIONS (default 50), THREADS (wrk threads, default 1), PIN.
// Measured 2026-12-03, before warm-up/pinning/pairing, 2 cores at load average 17-22, two runs:
// ratio 1.64 and 0.30; the spread within a run was larger than the difference. With them, at
// load 1.9-3.2 (other work on both cores): defaults (5 rounds of 5 s) rxsock 11930 req/s vs
// node:net 11812, ratio 1.01 (paired 0.76-1.30), server CPU 52.9 vs 56.1 us/request, 1.06
// (paired 0.98-1.15); ROUNDS=6 DURATION=3: 1.27 (0.79-2.43) and CPU 1.23 (0.97-1.32). Both
// servers spend most of a request in the same send and recv system calls (--cpu-prof: trySendv
// 37%, tryRecvInto 7-13% of the rxsock server), so the paired CPU ratio is the steadier number.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import { startChild } from './lib/ipc.mjs';
import { median, report } from './report.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DURATION = Number(process.env.DURATION ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const THREADS = Number(process.env.THREADS ?? 1);
const peer = fileURLToPath(new URL('./lib/http-server-peer.mjs', import.meta.url));
const cpus = availableParallelism();
const pin = process.env.PIN !== '0' && cpus >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
// Through taskset a missing wrk is taskset's exit 127, not ENOENT: say it plainly before any round.
if (spawnSync('wrk', ['--version']).error?.code === 'ENOENT') {
  console.error('http-requests: wrk is missing: install the Debian package wrk (apt-get install wrk)');
  process.exit(1);
}
const wrkCpu = '0';
const serverCpu = String(cpus - 1);

function wrk(port, seconds) {
  return new Promise((resolve, reject) => {
    const args = ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${seconds}s`, `http://127.0.0.1:${port}/`];
    const p = pin ? spawn('taskset', ['-c', wrkCpu, 'wrk', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
    if (pin) spawnSync('taskset', ['-a', '-p', '-c', serverCpu, String(server.proc.pid)], { stdio: 'ignore' });
    const { port, api } = await server.next('listening');
    if (WARMUP > 0) await wrk(port, WARMUP);
    server.send({ type: 'start' });
    const w = await wrk(port, DURATION);
    server.send({ type: 'stop' });
    const { cpu } = await server.next('cpu');
    server.send({ type: 'exit' });
    return { ...w, cpuUsPerRequest: cpu.total / w.requests, api };
  } finally {
    await server.stop();
  }
}

const results = { rxsock: [], net: [] };
const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
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
    `  ${name.padEnd(8)} ${s.rps.toFixed(0)} req/s (median of ${ROUNDS}: ${rs.map((r) => r.rps.toFixed(0)).join(', ')}), ` +
      `server CPU ${s.cpu.toFixed(1)} us/request (${rs.map((r) => r.cpuUsPerRequest.toFixed(1)).join(', ')})${rs.some((r) => r.errors) ? `; wrk: ${rs.map((r) => r.errors).filter(Boolean).join('; ')}` : ''}`,
  );
}
console.log(
  `  rxsock used: ${results.rxsock[0].api}; wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s (keep-alive) after a ${WARMUP}s warm-up run per server; ` +
    (pin ? `wrk on CPU ${wrkCpu}, server on CPU ${serverCpu}` : 'not pinned'),
);
const r3 = (x) => Math.round(x * 1000) / 1000;
const load = { before: loadBefore, after: loadavg().map(r3) };
const extra = { rounds: ROUNDS, duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, pinned: pin, loadAverage: load };
report({
  name: 'http-requests',
  unit: 'requests/s',
  rxsock: results.rxsock.map((r) => r.rps),
  peer: results.net.map((r) => r.rps),
  peerName: 'node:http on node:net',
  higherIsBetter: true,
  extra,
});
report({
  name: 'http-requests-cpu',
  unit: 'server CPU us/request',
  rxsock: results.rxsock.map((r) => r.cpuUsPerRequest),
  peer: results.net.map((r) => r.cpuUsPerRequest),
  peerName: 'node:http on node:net',
  higherIsBetter: false,
  extra,
});
