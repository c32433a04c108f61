// Packet capture cost: a C sender (bench/lib/capture-sender.c, built here with cc) puts 64-byte
// frames on a veth pair at a fixed rate with sendmmsg, from one network namespace into another;
// in the receiving namespace each receiver runs in turn, alone: rxsock (@rxsock/raw's TPACKET_V3
// ring written to a pcap file, bench/lib/capture-rxsock.mjs), `tcpdump -w` (libpcap's ring,
// writing pcap), and npm `cap` (libpcap through its node-gyp addon, counting packets: it has no
// file writer; it opens libpcap in immediate mode, promiscuous, snap length 65535, settings it
// does not let a user change). All three get the same kernel buffer (RING_MB) and no filter.
// Receiver CPU: on-CPU time of the receiver's threads (/proc/PID/task/*/schedstat) over the run,
// divided by the packets it received. Loss-free rate: short runs stepping the rate up; the
// highest rate at which the receiver got every frame the sender sent.
// Needs root (namespaces), cc, tcpdump, libpcap-dev and the npm registry (cap is built in
// CAP_DIR, default /tmp/rxsock-bench-cap; never a dependency of @rxsock/raw).
// Env: RATE (main run, default 100000), SECONDS (3), RATES (sweep, comma list), STEP_SECONDS (2),
// RING_MB (8), SIDES (rxsock,tcpdump,cap), ROUNDS (5: main runs per side, alternating order),
// RX_NODE_ARGS (extra node flags for the rxsock receiver, e.g. --cpu-prof or --perf-basic-prof),
// PERF_DIR (perf record each receiver's measured window into this directory).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, report } from './report.mjs';

const RATE = Number(process.env.RATE ?? 100_000);
const SECONDS = Number(process.env.SECONDS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PERF_DIR = process.env.PERF_DIR;
const RATES = (process.env.RATES ?? '50000,100000,200000,400000,800000').split(',').filter(Boolean).map(Number); // RATES= skips the sweep
const STEP_SECONDS = Number(process.env.STEP_SECONDS ?? 2);
const RING = Number(process.env.RING_MB ?? 8) << 20;
const SIDES = (process.env.SIDES ?? 'rxsock,tcpdump,cap').split(',');
const CAP_DIR = process.env.CAP_DIR ?? '/tmp/rxsock-bench-cap';
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));

const tag = `cb${process.pid % 10000}`;
const RX_NS = `rxs-${tag}`;
const TX_NS = `rxs-${tag}-tx`;
const RX_IF = `v${tag}r`;
const TX_IF = `v${tag}t`;
const work = mkdtempSync(join(tmpdir(), 'rxsock-capture-'));
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

function setup() {
  if (process.getuid?.() !== 0) throw new Error('the capture benchmark creates network namespaces: run it as root');
  sh('ip', ['netns', 'add', RX_NS]);
  sh('ip', ['netns', 'add', TX_NS]);
  sh('ip', ['link', 'add', RX_IF, 'netns', RX_NS, 'type', 'veth', 'peer', 'name', TX_IF, 'netns', TX_NS]);
  for (const [ns, dev] of [[RX_NS, RX_IF], [TX_NS, TX_IF]]) {
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  return JSON.parse(sh('ip', ['-n', RX_NS, '-j', 'link', 'show', RX_IF]))[0].address;
}

function cleanup() {
  for (const ns of [RX_NS, TX_NS]) {
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
}

function buildSender() {
  const bin = join(work, 'capture-sender');
  sh('cc', ['-O2', '-o', bin, lib('capture-sender.c')]);
  return bin;
}

/** npm `cap` built from the registry with libpcap-dev, in a scratch directory. */
function buildCap() {
  const addon = join(CAP_DIR, 'node_modules/cap/build/Release/cap.node');
  if (existsSync(addon)) return CAP_DIR;
  mkdirSync(CAP_DIR, { recursive: true });
  console.log(`building npm cap in ${CAP_DIR} (npm install + node-gyp against /usr/include/node)`);
  sh('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', 'cap'], { cwd: CAP_DIR });
  sh('npx', ['-y', 'node-gyp@10', 'rebuild', `--nodedir=${process.execPath.replace(/\/bin\/node$/, '')}`], { cwd: join(CAP_DIR, 'node_modules/cap') });
  return CAP_DIR;
}

/**
 * CPU seconds of a receiver: the on-CPU nanoseconds of each of its threads (/proc/PID/task/TID/
 * schedstat, exact) summed. /proc/PID/stat counts in 10 ms ticks, which is 10-20% of a 3 s run
 * here. Threads that ended are not counted: node's and tcpdump's live as long as the process.
 */
function cpuSeconds(pid, side, err) {
  if (!existsSync(`/proc/${pid}/stat`)) throw new Error(`the ${side} receiver died: ${err()}`);
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e9;
}

/** PERF_DIR: `perf record -g` of the receiver over its measured window (node sides want RX_NODE_ARGS=--perf-basic-prof). */
function startPerf(pid, side, round) {
  mkdirSync(PERF_DIR, { recursive: true });
  const p = spawn('perf', ['record', '-k', 'mono', '-g', '-F', '4999', '-p', String(pid), '-o', join(PERF_DIR, `${side}-${round + 1}.data`)], { stdio: 'ignore' });
  const done = new Promise((r) => p.on('exit', r));
  return { stop: () => (p.kill('SIGINT'), done) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startReceiver(side, capDir) {
  const file = join(work, `${side}.pcap`);
  const args =
    side === 'rxsock' ? [process.execPath, ...(process.env.RX_NODE_ARGS ? process.env.RX_NODE_ARGS.split(' ') : []), lib('capture-rxsock.mjs'), RX_IF, file, String(RING)]
    : side === 'tcpdump' ? ['tcpdump', '-i', RX_IF, '-w', file, '-B', String(RING >> 10), '-n']
    : [process.execPath, lib('capture-cap.mjs'), capDir, RX_IF, String(RING)];
  const child = spawn('ip', ['netns', 'exec', RX_NS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    const check = () => {
      if (out.includes('ready') || err.includes('listening on')) resolve();
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => reject(new Error(`${side} exited with ${code}: ${err}`)));
  });
  let status = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((status = `exit ${code} ${signal ?? ''}`))));
  return {
    child,
    err: () => `${status}: ${err}${out}`,
    ready,
    async stop() {
      child.kill(side === 'tcpdump' ? 'SIGINT' : 'SIGTERM');
      await exited;
      if (side === 'tcpdump') return { received: Number(/(\d+) packets? captured/.exec(err)?.[1] ?? NaN), kernel: { dropped: Number(/(\d+) packets? dropped by kernel/.exec(err)?.[1] ?? NaN) } };
      return JSON.parse(out.trim().split('\n').pop());
    },
  };
}

async function run(side, sender, mac, rate, seconds, capDir, round) {
  const rx = startReceiver(side, capDir);
  await rx.ready;
  await sleep(300);
  const perf = PERF_DIR && round !== undefined ? startPerf(rx.child.pid, side, round) : undefined;
  const cpu0 = cpuSeconds(rx.child.pid, side, rx.err);
  const sent = JSON.parse(sh('ip', ['netns', 'exec', TX_NS, sender, TX_IF, mac, String(rate), String(seconds)]));
  await sleep(1500); // the receivers drain: tcpdump's libpcap hands a partly filled block over after its 1000 ms timeout
  const cpu1 = cpuSeconds(rx.child.pid, side, rx.err);
  await perf?.stop();
  const r = await rx.stop();
  return { side, rate, sent: sent.sent, achieved: sent.sent / sent.seconds, received: r.received, kernel: r.kernel, lost: sent.sent - r.received, cpuS: cpu1 - cpu0, nsPerPacket: ((cpu1 - cpu0) * 1e9) / r.received };
}

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { cleanup(); process.exit(130); });
const mac = setup();
try {
  const sender = buildSender();
  const capDir = SIDES.includes('cap') ? buildCap() : '';
  console.log(`machine: ${cpus().length} cores shared with other work; ${RING >> 20} MiB kernel buffer each; 64-byte frames over veth ${TX_IF} -> ${RX_IF}`);
  // Rounds alternate the order (rxsock first, then last, ...) so that each pair of runs shares
  // the machine's load as far as possible; the report pairs round i of each side.
  const main = {};
  const crashed = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const side of order) {
      if (crashed[side]) continue;
      let r;
      try {
        r = await run(side, sender, mac, RATE, SECONDS, capDir, round);
      } catch (error) {
        crashed[side] = error.message.replace(/\s+/g, ' ').slice(0, 300);
        console.log(`${side}: ${crashed[side]}`);
        continue;
      }
      (main[side] ??= []).push(r);
      console.log(`round ${round + 1} ${side}: ${r.received}/${r.sent} frames at ${Math.round(r.achieved)}/s, CPU ${(r.cpuS * 1e3).toFixed(1)} ms, ${r.nsPerPacket.toFixed(0)} ns/packet, lost ${r.lost}${r.kernel ? ` (kernel: ${JSON.stringify(r.kernel)})` : ''}; load ${loadavg()[0].toFixed(2)}`);
    }
  }
  const perPacket = (side) => main[side].map((r) => r.nsPerPacket);
  const best = {};
  const lossSeen = {};
  for (const side of SIDES.filter((s) => !crashed[s])) {
    best[side] = 0;
    lossSeen[side] = false;
    for (const rate of RATES) {
      let r;
      try {
        r = await run(side, sender, mac, rate, STEP_SECONDS, capDir);
      } catch (error) {
        console.log(`  sweep ${side} ${rate}/s: ${error.message.slice(0, 200)}`);
        break;
      }
      const ok = r.lost <= 0;
      console.log(`  sweep ${side} ${rate}/s (sent at ${Math.round(r.achieved)}/s): lost ${r.lost} of ${r.sent}, ${r.nsPerPacket.toFixed(0)} ns/packet${ok ? '' : '  <- loss'}`);
      if (!ok) {
        lossSeen[side] = true;
        break;
      }
      best[side] = Math.max(best[side], Math.round(r.achieved)); // the sender falls short of high rates on a busy machine
    }
  }
  const extra = { rate: RATE, seconds: SECONDS, cores: cpus().length, sharedMachine: true, loadAverage: loadavg()[0] };
  if (main.rxsock && main.tcpdump) {
    report({ name: 'capture-cpu-per-packet', unit: 'ns/packet', rxsock: perPacket('rxsock'), peer: perPacket('tcpdump'), peerName: 'tcpdump -w', higherIsBetter: false, extra });
  }
  if (main.rxsock && main.cap) {
    report({ name: 'capture-cpu-per-packet-vs-cap', unit: 'ns/packet', rxsock: perPacket('rxsock'), peer: perPacket('cap'), peerName: 'npm cap', higherIsBetter: false, extra });
  }
  if (RATES.length && best.rxsock !== undefined && best.tcpdump !== undefined) {
    report({ name: 'capture-loss-free-rate', unit: 'packets/s', rxsock: best.rxsock, peer: best.tcpdump, peerName: 'tcpdump -w', higherIsBetter: true, extra: { rates: RATES, lossSeen, senderLimited: !lossSeen.rxsock || !lossSeen.tcpdump } });
  }
  if (RATES.length && best.rxsock !== undefined && best.cap !== undefined) {
    if (best.cap > 0) report({ name: 'capture-loss-free-rate-vs-cap', unit: 'packets/s', rxsock: best.rxsock, peer: best.cap, peerName: 'npm cap', higherIsBetter: true, extra: { rates: RATES } });
    else {
      // no loss-free rate among those tried: say so rather than divide by zero
      const why = `npm cap lost frames at the lowest rate tried (${RATES[0]}/s)`;
      console.log(`capture-loss-free-rate-vs-cap: rxsock ${best.rxsock} packets/s; ${why}`);
      console.log(JSON.stringify({ name: 'capture-loss-free-rate-vs-cap', unit: 'packets/s', rxsock: best.rxsock, peer: null, peerName: 'npm cap', ratio: null, error: why, rates: RATES }));
    }
  }
  for (const [side, why] of Object.entries(crashed)) {
    console.log(JSON.stringify({ name: `capture-cpu-per-packet-vs-${side}`, unit: 'ns/packet', rxsock: main.rxsock ? Math.round(median(perPacket('rxsock'))) : null, peer: null, peerName: side === 'cap' ? 'npm cap' : side, ratio: null, error: why, ...extra }));
  }
  if (main.rxsock && main.tcpdump && main.cap) {
    const vsTcpdump = median(perPacket('rxsock')) / median(perPacket('tcpdump'));
    const vsCap = median(perPacket('cap')) / median(perPacket('rxsock'));
    // A side that never lost is limited by the sender, not by itself: its figure is the sender's.
    const rateVerdict = !lossSeen.rxsock && !lossSeen.tcpdump
      ? 'undecided: neither lost a frame up to the sender\'s limit'
      : !lossSeen.rxsock || (lossSeen.tcpdump && best.rxsock >= best.tcpdump)
        ? 'met'
        : 'NOT met';
    const rate = RATES.length ? `; loss-free rate >= tcpdump: ${best.rxsock}${lossSeen.rxsock ? '' : '+'} vs ${best.tcpdump}${lossSeen.tcpdump ? '' : '+'} ${rateVerdict}` : '';
    console.log(`goals (medians): CPU/packet <= 1.25x tcpdump: ${vsTcpdump.toFixed(2)}x ${vsTcpdump <= 1.25 ? 'met' : 'NOT met'}; >= 2x better than cap: ${vsCap.toFixed(2)}x ${vsCap >= 2 ? 'met' : 'NOT met'}${rate}`);
  }
} finally {
  cleanup();
}
