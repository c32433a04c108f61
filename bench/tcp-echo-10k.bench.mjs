// 10,000 concurrent TCP connections on loopback, each sending a 100-byte request and waiting for
// its echo before the next (a closed loop), all from ONE load-generator process written in C
// (bench/lib/tcp-echo-load.c: one epoll set, built with `cc` here), the same for both servers.
// Compared: an rxsock server (@rxsock/inet tcpServer, Connection.input$ → write(), defaults)
// against a node:net server ('data' → write()), each in its own process with RLIMIT_NOFILE
// raised. Reported: messages per second and server CPU (all its threads, from /proc/PID/stat,
// sampled by the load generator over the measured window) per message; the headline is messages
// per server CPU-second (goal: at least 1.3x node:net). The two servers alternate, ROUNDS each.
// On a 2-core machine the load generator and the server share the CPUs, so messages/s depends
// on both; CPU per message is the server's own cost.
// Reference servers run in the same rounds, each fresh per round, to read the goal against:
// - C, one thread, nothing in front of the kernel (bench/lib/tcp-echo-server.c): `epoll`, the
//   system calls node:net's server makes (one read and one write per message; rxsock batches
//   them, see below), and
//   `io_uring`, completions (a multishot RECV per connection into provided buffers, SENDs
//   submitted in batches, no system call per message);
// - the epoll server in JavaScript inside Node's loop, every kernel call through koffi, core's
//   shape with no rxsock code (bench/lib/koffi-epoll-echo-server.mjs): the least a readiness
//   design through koffi costs;
// - the io_uring server in JavaScript inside Node's loop, kernel calls through koffi
//   (bench/lib/koffi-uring-echo-server.mjs `loop`), and the same with an RxJS Subject per
//   connection and copies in and out (`rx`): what a completion-based rxsock could cost.
// REFERENCES=0 leaves them out.
// Env: CONNS (default 10000), SIZE (100), WARMUP (seconds, 1), MEASURE (seconds, 4), ROUNDS (3).
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildCPeer } from './lib/c-peer.mjs';
import { startChild, underFdLimit } from './lib/ipc.mjs';
import { median, report } from './report.mjs';

const CONNS = Number(process.env.CONNS ?? 10_000);
const SIZE = Number(process.env.SIZE ?? 100);
const WARMUP = Number(process.env.WARMUP ?? 1);
const MEASURE = Number(process.env.MEASURE ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const REFERENCES = process.env.REFERENCES !== '0';
const HOST = '127.0.0.1';
const NOFILE = CONNS + 1024;
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));
const loadgen = buildCPeer('tcp-echo-load');
const cServer = REFERENCES ? buildCPeer('tcp-echo-server') : undefined;
// The reference servers: what the kernel interfaces allow one thread (C), and what JavaScript
// through koffi allows over each.
const references = REFERENCES
  ? {
      'C epoll': [cServer, ['epoll']],
      'C io_uring': [cServer, ['uring']],
      'koffi epoll': [process.execPath, [lib('koffi-epoll-echo-server.mjs')]],
      'koffi io_uring': [process.execPath, [lib('koffi-uring-echo-server.mjs'), 'loop']],
      'koffi io_uring + Subject': [process.execPath, [lib('koffi-uring-echo-server.mjs'), 'rx']],
    }
  : {};
const run = promisify(execFile);

async function load(server) {
  // Start from an idle server: the previous round's connections are all torn down.
  if (server.child) {
    server.child.send({ type: 'cmd', op: 'waitIdle' });
    await server.child.next('idle', 300_000);
  }
  // The load generator raises its own soft limit up to the hard one.
  const { stdout } = await run(loadgen, [server.port, CONNS, SIZE, WARMUP, MEASURE, server.pid], { timeout: (WARMUP + MEASURE) * 1000 + 120_000 });
  const r = JSON.parse(stdout.trim());
  if (!(r.messages > 0)) throw new Error(`the server (pid ${server.pid}) echoed nothing in the measured window: ${stdout.trim()}`);
  return { ...r, perSecond: r.messages / r.seconds, usCpuPerMessage: (r.serverCpuS * 1e6) / r.messages, perCpuSecond: r.messages / r.serverCpuS };
}

/**
 * One round against a fresh reference server (`command args...`, which prints its port on its
 * first line and serves until killed), killed after the round. Run under `ulimit -n NOFILE`.
 */
async function loadReference(command, args) {
  const proc = spawn(...underFdLimit(NOFILE, command, args), { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [first] = await once(proc.stdout, 'data');
    const port = Number(String(first).trim());
    if (!(port > 0)) throw new Error(`${command} ${args.join(' ')} printed no port: ${first}`);
    return await load({ port, pid: proc.pid });
  } finally {
    proc.kill();
  }
}

/**
 * {@link loadReference}, once more with a fresh server if a round fails, and undefined (the
 * round left out, and said so) if that fails too: a reference server is a yardstick, not what is
 * measured. The koffi io_uring + Subject server has echoed nothing in about one round in ten
 * here (spinning in the kernel), which was not reproduced outside the benchmark.
 */
async function loadReferenceRetried(command, args) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await loadReference(command, args);
    } catch (error) {
      const what = `  reference server ${args.map((a) => a.replace(/^.*\//, '')).join(' ')} failed a round (${error.message})`;
      if (attempt === 2) {
        console.log(`${what}; the round is left out`);
        return undefined;
      }
      console.log(`${what}; running the round again`);
    }
  }
}

const servers = {};
try {
  for (const impl of ['rxsock', 'net']) {
    const child = startChild(lib('echo-server.mjs'), [impl, HOST], { nofile: NOFILE });
    servers[impl] = { child, ...(await child.next('ready')) };
  }
  const results = { rxsock: [], net: [], ...Object.fromEntries(Object.keys(references).map((k) => [k, []])) };
  for (let i = 0; i < ROUNDS; i++) {
    const order = [...(i % 2 ? ['net', 'rxsock'] : ['rxsock', 'net']), ...Object.keys(references)];
    for (const impl of order) {
      const r = impl in references ? await loadReferenceRetried(...references[impl]) : await load(servers[impl]);
      if (r === undefined) continue;
      results[impl].push(r);
      console.log(
        `  round ${i + 1} ${impl.padEnd(24)} ${(r.perSecond / 1000).toFixed(1)}k messages/s, server CPU ${r.usCpuPerMessage.toFixed(2)} us/message ` +
          `(${r.serverCpuS.toFixed(2)} s, user ${r.serverUserS.toFixed(2)} s, over ${r.seconds.toFixed(2)} s), load generator CPU ${r.loadCpuS.toFixed(2)} s, ${r.conns} connections opened in ${r.connectS.toFixed(2)} s`,
      );
    }
  }
  const rx = results.rxsock;
  const nt = results.net;
  // Where a message's CPU goes. node:net makes one recv and one send per message (~1,000 messages
  // per epoll_wait, checked with strace -c); rxsock makes the same calls, but a wake-up's recvs
  // and a microtask's sends go to the kernel in one io_uring_enter each (core's SyscallBatch).
  // node:net's CPU over its kernel time alone is what a server making node:net's system calls
  // with no user time at all would reach: the ceiling of that design, which batching is not.
  const perMessage = (rs) => ({
    userUs: median(rs.map((r) => (r.serverUserS * 1e6) / r.messages)),
    systemUs: median(rs.map((r) => ((r.serverCpuS - r.serverUserS) * 1e6) / r.messages)),
  });
  const split = { rxsock: perMessage(rx), net: perMessage(nt) };
  const ceiling = (split.net.userUs + split.net.systemUs) / split.net.systemUs;
  console.log(
    `  server CPU per message (medians): rxsock user ${split.rxsock.userUs.toFixed(2)} + system ${split.rxsock.systemUs.toFixed(2)} us; ` +
      `node:net user ${split.net.userUs.toFixed(2)} + system ${split.net.systemUs.toFixed(2)} us; ` +
      `node:net's system calls with zero user time would reach ${ceiling.toFixed(2)}x`,
  );
  const extra = { conns: CONNS, size: SIZE, measureS: MEASURE, loadGenerator: 'C epoll (bench/lib/tcp-echo-load.c)', rxsockApi: servers.rxsock.api, peerApi: servers.net.api };
  report({ name: 'tcp-echo-10k', unit: 'messages/CPU-s', rxsock: rx.map((r) => r.perCpuSecond), peer: nt.map((r) => r.perCpuSecond), peerName: 'node:net', higherIsBetter: true, extra: { ...extra, goal: '>= 1.3x node:net', cpuPerMessageUs: split, netSyscallsWithZeroUserTime: Math.round(ceiling * 100) / 100 } });
  report({ name: 'tcp-echo-10k-rate', unit: 'messages/s', rxsock: rx.map((r) => r.perSecond), peer: nt.map((r) => r.perSecond), peerName: 'node:net', higherIsBetter: true, extra });
  // rxsock against each reference server, and (in `extra`) what that server is to node:net, the
  // goal's yardstick.
  for (const peerName of Object.keys(references)) {
    const ref = results[peerName];
    if (ref.length === 0) continue;
    const overNet = median(ref.map((r) => r.perCpuSecond)) / median(nt.map((r) => r.perCpuSecond));
    const name = `tcp-echo-10k-vs-${peerName.toLowerCase().replace(/[^a-z0-9_]+/g, '-')}`;
    report({ name, unit: 'messages/CPU-s', rxsock: rx.map((r) => r.perCpuSecond), peer: ref.map((r) => r.perCpuSecond), peerName: `${peerName} server`, higherIsBetter: true, extra: { conns: CONNS, size: SIZE, cpuPerMessageUs: perMessage(ref), referenceOverNodeNet: Math.round(overNet * 100) / 100 } });
  }
} finally {
  for (const s of Object.values(servers)) await s.child.stop();
}
